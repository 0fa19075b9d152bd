package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BwrapCommandTest {
    private static final SandboxSpec SPEC = new SandboxSpec("s1", Path.of("/data/s1/workspace"), Path.of("/data/s1/home"),
            Path.of("/data/s1/tmp"), Path.of("/data/s1/run"));

    @Test
    void as_root_bwrap_drops_every_capability_but_setpriv_s_and_the_agent_runs_as_the_sandbox_account_in_its_own_user_namespace() {
        List<String> argv = new BwrapCommand(new SandboxUser("magnet-sandbox", 999, 995, true), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("/opt/claude/bin/claude", "-p"),
                        Map.of("HOME", "/home/agent"));
        String line = String.join(" ", argv);

        assertThat(line).startsWith("bwrap --unshare-pid --unshare-net --unshare-ipc --unshare-uts --unshare-cgroup-try")
                .contains("--die-with-parent --new-session --cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID --cap-add CAP_SETPCAP")
                .contains("--ro-bind /usr /usr").contains("--ro-bind-try /etc/alternatives /etc/alternatives")
                .contains("--bind /data/s1/workspace /workspace").contains("--bind /data/s1/tmp /tmp")
                .contains("--ro-bind /tools/claude /opt/claude/bin/claude")
                .contains("--clearenv --setenv HOME /home/agent")
                .contains("setpriv --reuid=999 --regid=995 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs")
                .contains("bwrap --unshare-user --uid 999 --gid 995 --disable-userns")
                .endsWith("magnet-bridge /opt/claude/bin/claude -p");
        assertThat(line).doesNotContain("--bind / /").doesNotContain("/etc/shadow").doesNotContain("--share-net");
    }

    @Test
    void without_root_one_unprivileged_bwrap_unshares_everything_and_nothing_switches_accounts() {
        String line = String.join(" ", new BwrapCommand(new SandboxUser("me", 1000, 1000, false), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("true"), Map.of()));

        assertThat(line).startsWith("bwrap --unshare-all --unshare-user --disable-userns --die-with-parent --new-session --cap-drop ALL")
                .doesNotContain("--cap-add").doesNotContain("setpriv");
    }

    @Test
    void a_setup_script_is_root_of_the_sandbox_s_user_namespace_with_a_few_capabilities_there_and_still_the_sandbox_account_outside() {
        List<String> argv = new BwrapCommand(new SandboxUser("magnet-sandbox", 999, 995, true), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("bash", "-c", "apt-get install x"),
                        Map.of(), BwrapCommand.Identity.ROOT);
        String line = String.join(" ", argv);

        assertThat(line).contains("setpriv --reuid=999 --regid=995 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs")
                .contains("bwrap --unshare-user --uid 0 --gid 0 --cap-add CAP_CHOWN --cap-add CAP_DAC_OVERRIDE")
                .contains("--disable-userns").doesNotContain("CAP_SYS_ADMIN").doesNotContain("CAP_MKNOD");
        assertThat(argv.indexOf("--uid")).as("inside the unprivileged bwrap").isGreaterThan(argv.indexOf("setpriv"));
    }

    @Test
    void without_root_a_setup_script_keeps_its_capabilities_after_the_drop_of_all() {
        List<String> argv = new BwrapCommand(new SandboxUser("me", 1000, 1000, false), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("true"), Map.of(),
                        BwrapCommand.Identity.ROOT);

        assertThat(argv.indexOf("--cap-add")).isGreaterThan(argv.indexOf("ALL"));
        assertThat(String.join(" ", argv)).contains("--uid 0 --gid 0");
    }

    @Test
    void with_an_image_the_session_s_mounted_layer_is_the_root_and_home_lives_in_it_while_the_host_s_usr_and_etc_stay_out() {
        SandboxSpec layered = new SandboxSpec("s1", Path.of("/data/s1/workspace"), Path.of("/data/s1/home"), Path.of("/data/s1/tmp"),
                Path.of("/data/s1/run"), new SandboxSpec.RootFs("default", Path.of("/data/s1/layer"), List.of()));
        String line = String.join(" ", new BwrapCommand(new SandboxUser("magnet-sandbox", 999, 995, true), Path.of("/tools/claude"), List.of())
                .argv(layered, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("true"), Map.of()));

        assertThat(line).contains("--hostname sandbox --bind /data/s1/layer/root / ")
                .contains("--bind /data/s1/workspace /workspace").contains("--bind /data/s1/tmp /tmp")
                .doesNotContain("--ro-bind /usr /usr").doesNotContain("/etc/alternatives").doesNotContain("/data/s1/home");
    }

    @Test
    void an_image_s_own_accounts_are_kept_but_none_takes_the_agent_s_name_or_ids() {
        Map<String, String> files = BwrapCommand.generatedFiles(new SandboxUser("magnet-sandbox", 999, 995, true),
                "root:x:0:0:root:/root:/bin/bash\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\nagent:x:5:5::/:/bin/sh\nold:x:999:1::/:/bin/sh\n",
                "root:x:0:\nstaff:x:50:\nclash:x:995:\n");

        assertThat(files.get("passwd")).contains("root:x:0:0").contains("_apt:x:42").doesNotContain("agent:x:5")
                .doesNotContain("old:x:999").endsWith("agent:x:999:995:Magnet agent:/home/agent:/bin/bash\n");
        assertThat(files.get("group")).contains("staff:x:50:").doesNotContain("clash").contains("agent:x:995:");
    }

    @Test
    void as_root_the_seccomp_filter_is_loaded_by_the_unprivileged_bwrap_that_makes_the_user_namespace() {
        List<String> argv = new BwrapCommand(new SandboxUser("magnet-sandbox", 999, 995, true), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("true"), Map.of());

        assertThat(argv.stream().filter("--seccomp"::equals)).hasSize(1);
        int seccomp = argv.indexOf("--seccomp");
        assertThat(argv.get(seccomp + 1)).isEqualTo(Integer.toString(BwrapCommand.SECCOMP_FD));
        assertThat(seccomp).as("after setpriv, in the inner bwrap").isGreaterThan(argv.indexOf("setpriv"))
                .isGreaterThan(argv.lastIndexOf("--unshare-user")).isLessThan(argv.indexOf("magnet-bridge"));
    }

    @Test
    void without_root_the_one_bwrap_loads_the_seccomp_filter() {
        List<String> argv = new BwrapCommand(new SandboxUser("me", 1000, 1000, false), Path.of("/tools/claude"), List.of())
                .argv(SPEC, Path.of("/tmp/g/s1-model.sock"), Path.of("/tmp/g/s1-proxy.sock"), List.of("true"), Map.of());

        assertThat(String.join(" ", argv)).contains("--seccomp 3 bash -c");
    }

    @Test
    void the_system_folders_every_sandbox_sees_are_usr_and_the_etc_entries() {
        assertThat(BwrapCommand.systemPaths()).contains(Path.of("/usr"), Path.of("/etc/ssl"), Path.of("/etc/alternatives"))
                .doesNotContain(Path.of("/etc"));
    }

    @Test
    void the_sandbox_gets_its_own_passwd_naming_the_sandbox_account() {
        Map<String, String> files = BwrapCommand.generatedFiles(new SandboxUser("magnet-sandbox", 999, 995, true));

        assertThat(files.get("passwd")).contains("agent:x:999:995:Magnet agent:/home/agent:/bin/bash").doesNotContain("magnet-sandbox");
        assertThat(files).containsKeys("group", "hosts");
    }
}
