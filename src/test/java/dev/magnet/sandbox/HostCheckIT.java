package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./magnet doctor}'s checks on this host: the seccomp filter is really loaded, each limit's enforcer named. */
class HostCheckIT {

    @Test
    void the_doctor_loads_the_seccomp_filter_and_says_what_enforces_memory_processes_and_cpu() {
        Cgroups cgroups = Cgroups.detect();
        List<HostCheck.Check> checks = HostCheck.run("magnet-sandbox", cgroups);

        HostCheck.Check seccomp = checks.stream().filter(c -> c.name().equals("seccomp filter")).findFirst().orElseThrow();
        assertThat(seccomp.ok()).as(seccomp.line()).isTrue();
        assertThat(seccomp.required()).isTrue();
        assertThat(seccomp.detail()).contains("unshare -U is refused");
        assertThat(checks).anySatisfy(c -> assertThat(c.line()).startsWith("ok   GNU find: find (GNU findutils)"));
        for (String limit : List.of("memory limit", "process limit", "CPU limit")) {
            HostCheck.Check c = checks.stream().filter(x -> x.name().equals(limit)).findFirst().orElseThrow();
            assertThat(c.required()).isFalse();
            if (cgroups.kind() == Cgroups.Kind.NONE) {
                assertThat(c.ok()).isFalse();
                assertThat(c.detail()).startsWith("NOT enforced");
                assertThat(c.fix()).contains("Delegate=yes");
            } else {
                assertThat(c.detail()).as(c.line()).startsWith("enforced by cgroup");
            }
        }
        assertThat(HostCheck.safe(checks)).isTrue();
    }

    @Test
    void without_cgroups_the_doctor_says_why_and_how_to_fix_it() {
        List<Cgroups.Enforcement> none = Cgroups.none().probe();

        assertThat(none).extracting(Cgroups.Enforcement::limit).containsExactly("memory", "process", "CPU");
        assertThat(none).allSatisfy(e -> {
            assertThat(e.enforced()).isFalse();
            assertThat(e.fix()).contains("Delegate=yes");
        });
    }
}
