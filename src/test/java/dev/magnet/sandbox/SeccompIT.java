package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.Gate;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A hostile model has the real Claude Code CLI call, inside the real sandbox, the kernel interfaces the seccomp
 * filter takes away: each call fails, the agent and its ordinary tools (git, python3, gcc, make, node, gdb) go on
 * working, and the session completes.
 */
class SeccompIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(180);

    /** Each probe prints {@code name: ok} or {@code name: ERRNO}; a clone that made a child ends the child at once. */
    private static final String PROBES = """
            import ctypes, errno, os, sys
            libc = ctypes.CDLL(None, use_errno=True)
            libc.syscall.restype = ctypes.c_long
            def call(name, nr, *args):
                argv = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
                r = libc.syscall(ctypes.c_long(nr), *argv)
                if r == 0 and name.startswith("clone"):
                    os._exit(0)
                e = ctypes.get_errno()
                print(f"{name}: {'ok' if r >= 0 else errno.errorcode.get(e, e)}", flush=True)
            uring_params = ctypes.create_string_buffer(120)
            call("io_uring_setup", 425, 8, uring_params)
            call("userfaultfd", 323, 1)
            call("keyctl", 250, 0, -3, 1)
            call("add_key", 248, b"user", b"magnet-probe", b"secret", 6, -2)
            call("request_key", 249, b"user", b"magnet-probe", None, 0)
            attr = ctypes.create_string_buffer(128)
            ctypes.memmove(attr, (1).to_bytes(4, "little") + (128).to_bytes(4, "little"), 8)
            ctypes.memmove(ctypes.byref(attr, 40), (1 | 1 << 5 | 1 << 6).to_bytes(8, "little"), 8)
            call("perf_event_open", 298, attr, 0, -1, -1, 0)
            call("ptrace_attach", 101, 16, int(sys.argv[1]), 0, 0)
            call("ptrace_seize", 101, 0x4206, int(sys.argv[1]), 0, 0)
            call("mount", 165, b"none", b"/tmp", b"tmpfs", 0, None)
            call("fsopen", 430, b"tmpfs", 0)
            call("open_tree", 428, -100, b"/workspace", 0)
            call("unshare_user", 272, 0x10000000)
            call("setns", 308, os.open("/proc/self/ns/uts", os.O_RDONLY), 0)
            call("clone_newuser", 56, 0x10000000 | 17, 0, 0, 0, 0)
            call("clone3", 435, None, 0)
            call("personality_no_aslr", 135, 0x0040000)
            call("personality_default", 135, 0)
            call("unshare_files", 272, 0x400)
            call("getpid", 39)
            """;

    private static final String INT80 = """
            #include <stdio.h>
            int main(void) {
                long r;
                __asm__ volatile ("int $0x80" : "=a"(r) : "a"(20L) : "memory");
                printf("i386 getpid answered %ld\\n", r);
                return 0;
            }
            """;

    private static final String GDB_TARGET = """
            #include <stdio.h>
            #include <pthread.h>
            static void *work(void *arg) { return arg; }
            int main(void) {
                pthread_t t;
                pthread_create(&t, NULL, work, NULL);
                pthread_join(t, NULL);
                puts("built and run under gdb");
                return 0;
            }
            """;

    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void every_call_the_filter_denies_fails_inside_the_sandbox_while_ordinary_work_goes_on() throws Exception {
        Gate held = Gate.closed();
        List<Turn> turns = new ArrayList<>(List.of(
                write("probes.py", PROBES), write("int80.c", INT80), write("target.c", GDB_TARGET),
                bash("tail -f /dev/null & python3 probes.py $!; kill $!"),
                bash("unshare -U true; echo unshare-user-rc=$?; unshare -m true; echo unshare-mount-rc=$?; "
                        + "unshare -n true; echo unshare-net-rc=$?"),
                bash("gcc -o int80 int80.c && ./int80; echo int80-rc=$?"),
                bash("python3 -c 'import ctypes; print(\"x32 getpid answered\", ctypes.CDLL(None).syscall(0x40000027))'; "
                        + "echo x32-rc=$?"),
                bash("grep '^Seccomp:' /proc/self/status; for p in /proc/[0-9]*; do [ \"$(cat $p/comm 2>/dev/null)\" = claude ] "
                        + "&& grep '^Seccomp:' $p/status | sed 's/^/claude /'; done; "
                        + "ls -l /proc/self/fd | grep -c seccomp; ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c seccomp"),
                bash("git init -q repo && cd repo && echo hi > f && git add f && git -c user.name=a -c user.email=a@b "
                        + "commit -qm first && git log --oneline | wc -l && cd .. && printf 'all:\\n\\t@gcc -g -pthread -o target "
                        + "target.c && echo made\\n' > Makefile && make && gdb -q -batch -ex run ./target 2>&1 | grep -E "
                        + "'built and run|exited normally' && strace -f -o /dev/null ./target && node -e \"const {Worker} = "
                        + "require('worker_threads'); new Worker('process.exit(0)', {eval: true}).on('exit', () => "
                        + "console.log('node ' + require('child_process').execSync('echo child').toString().trim()))\" && "
                        + "python3 -c 'import threading, subprocess; t = threading.Thread(target=lambda: print(subprocess."
                        + "check_output([\"echo\", \"python thread and child\"]).decode().strip())); t.start(); t.join()'"),
                Turn.reply().heldBy(held).text("Nothing got through.")));
        magnet.model().script(Script.of(turns.toArray(Turn[]::new)));
        TestServer server = magnet.server();

        String id = server.createSession(Map.of("prompt", "Try the kernel")).path("id").asText();
        held.awaitReached(TIMEOUT);
        List<String> holders = processesHolding(magnet.dir().resolve("data/sessions/" + id + "/run/seccomp.bpf"));
        held.open();
        JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);

        assertThat(done.path("failure").isNull()).isTrue();
        assertThat(holders).as("no process keeps the program file open while the agent runs").isEmpty();
        List<String> out = AdversarialAgentIT.toolOutputs(server, id);
        assertThat(out).hasSize(turns.size() - 1);
        String probes = out.get(3);
        for (String denied : List.of("io_uring_setup", "userfaultfd", "keyctl", "add_key", "request_key", "perf_event_open",
                "ptrace_attach", "ptrace_seize", "mount", "fsopen", "open_tree", "unshare_user", "setns", "clone_newuser",
                "personality_no_aslr")) {
            assertThat(probes).as(denied).contains(denied + ": EPERM");
        }
        assertThat(probes).contains("clone3: ENOSYS").contains("personality_default: ok").contains("unshare_files: ok")
                .contains("getpid: ok");
        assertThat(out.get(4)).contains("Operation not permitted").contains("unshare-user-rc=1")
                .contains("unshare-mount-rc=1").contains("unshare-net-rc=1").doesNotContain("No space left");
        // why: a kernel built without 32-bit emulation (IA32_EMULATION off, as on some VM kernels) answers int 0x80
        // with SIGSEGV before any filter runs; either way the call never reaches a system call
        assertThat(out.get(5)).as("an i386 call through int 0x80 kills the program").containsPattern("int80-rc=(159|139)")
                .doesNotContainPattern("answered -?\\d");
        assertThat(out.get(6)).as("an x32 call kills the program").contains("x32-rc=159")
                .doesNotContainPattern("answered -?\\d");
        assertThat(out.get(7).lines().toList()).as("the tool and the agent run under the filter; no process holds its fd")
                .contains("Seccomp:\t2", "claude Seccomp:\t2").endsWith("0", "0");
        assertThat(out.get(8)).contains("1\n").contains("made").contains("built and run under gdb").contains("exited normally")
                .contains("node child").contains("python thread and child");
        JsonNode sandbox = AdversarialAgentIT.events(server, id).stream().filter(e -> e.path("data").has("sandbox"))
                .findFirst().orElseThrow().path("data").path("sandbox");
        assertThat(sandbox.path("seccomp").asText()).contains("io_uring");
        assertThat(server.get("/health/live").status()).isEqualTo(200);
    }

    private static Turn write(String file, String content) {
        return Turn.reply().toolUse("Write", Map.of("file_path", file, "content", content));
    }

    private static Turn bash(String command) {
        return Turn.reply().toolUse("Bash", Map.of("command", command, "description", "probe", "timeout", 60000));
    }

    /** The host processes with an open fd on {@code file}. */
    private static List<String> processesHolding(Path file) throws IOException {
        List<String> holders = new ArrayList<>();
        if (!Files.exists(file)) {
            return holders;
        }
        Path target = file.toRealPath();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try (Stream<Path> fds = Files.list(proc.resolve("fd"))) {
                    for (Path fd : fds.toList()) {
                        try {
                            if (Files.readSymbolicLink(fd).equals(target)) {
                                holders.add(proc.getFileName() + " " + Files.readString(proc.resolve("comm")).strip());
                            }
                        } catch (IOException e) {
                            // the fd closed meanwhile
                        }
                    }
                } catch (IOException e) {
                    // the process ended meanwhile
                }
            }
        }
        return holders;
    }
}
