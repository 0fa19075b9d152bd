package dev.magnet.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.magnet.sandbox.SeccompFilter.Arch;
import dev.magnet.sandbox.SeccompFilter.Insn;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The seccomp program, run on a small classic-BPF interpreter against the calls it must refuse and allow. */
class SeccompFilterTest {
    private static final int AUDIT_ARCH_I386 = 0x40000003;
    private static final int AUDIT_ARCH_ARM = 0x40000028;
    private static final int DENIED = SeccompFilter.RET_ERRNO | SeccompFilter.EPERM;
    private static final int NO_CLONE3 = SeccompFilter.RET_ERRNO | SeccompFilter.ENOSYS;
    private static final int CLONE_THREAD_FLAGS = 0x003d0f00; // what glibc's pthread_create passes
    private static final int CLONE_NEWUSER = 0x10000000;
    private static final int CLONE_NEWNS = 0x00020000;
    private static final int CLONE_NEWTIME = 0x00000080;
    private static final int CLONE_FILES = 0x00000400;
    private static final int SIGCHLD = 17;

    @ParameterizedTest
    @EnumSource(Arch.class)
    void the_program_checks_the_architecture_first_and_ends_by_allowing(Arch arch) {
        List<Insn> p = SeccompFilter.instructions(arch);

        assertThat(p.getFirst()).isEqualTo(new Insn(SeccompFilter.LD_W_ABS, 0, 0, SeccompFilter.ARCH_OFFSET));
        assertThat(p.get(1)).isEqualTo(new Insn(SeccompFilter.JEQ_K, 1, 0, arch.audit));
        assertThat(p.get(2)).isEqualTo(new Insn(SeccompFilter.RET_K, 0, 0, SeccompFilter.RET_KILL_PROCESS));
        assertThat(p.getLast()).isEqualTo(new Insn(SeccompFilter.RET_K, 0, 0, SeccompFilter.RET_ALLOW));
        assertThat(p).hasSizeLessThan(4096);
        for (int i = 0; i < p.size(); i++) {
            Insn in = p.get(i);
            assertThat(List.of(SeccompFilter.LD_W_ABS, SeccompFilter.JEQ_K, SeccompFilter.JGE_K, SeccompFilter.JSET_K,
                    SeccompFilter.RET_K)).contains(in.code());
            if (in.code() != SeccompFilter.RET_K && in.code() != SeccompFilter.LD_W_ABS) {
                assertThat(i + 1 + Math.max(in.jt(), in.jf())).as("jump target of instruction " + i).isLessThan(p.size());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void the_bytes_are_eight_per_instruction_in_the_layout_of_struct_sock_filter(Arch arch) {
        List<Insn> p = SeccompFilter.instructions(arch);
        ByteBuffer b = ByteBuffer.wrap(SeccompFilter.program(arch)).order(ByteOrder.nativeOrder());

        assertThat(b.remaining()).isEqualTo(p.size() * 8);
        for (Insn in : p) {
            assertThat(new Insn(b.getShort(), b.get() & 0xff, b.get() & 0xff, b.getInt())).isEqualTo(in);
        }
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void every_dangerous_call_fails_with_eperm(Arch arch) {
        for (String name : List.of("io_uring_setup", "io_uring_enter", "io_uring_register", "userfaultfd", "keyctl",
                "add_key", "request_key", "perf_event_open", "bpf", "mount", "umount2", "pivot_root", "fsopen",
                "fsconfig", "fsmount", "fspick", "open_tree", "open_tree_attr", "move_mount", "mount_setattr", "setns",
                "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "open_by_handle_at",
                "swapon", "swapoff", "reboot", "acct", "quotactl", "quotactl_fd", "process_vm_readv",
                "process_vm_writev", "pidfd_getfd")) {
            assertThat(run(arch, nr(arch, name))).as(name).isEqualTo(DENIED);
        }
    }

    @Test
    void port_io_is_refused_on_x86_64() {
        assertThat(run(Arch.X86_64, 172)).as("iopl").isEqualTo(DENIED);
        assertThat(run(Arch.X86_64, 173)).as("ioperm").isEqualTo(DENIED);
        assertThat(Arch.AARCH64.numbers).doesNotContainKeys("iopl", "ioperm");
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void ordinary_calls_are_allowed(Arch arch) {
        Map<String, Integer> ordinary = arch == Arch.X86_64
                ? Map.of("read", 0, "write", 1, "openat", 257, "execve", 59, "mmap", 9, "getpid", 39, "wait4", 61)
                : Map.of("read", 63, "write", 64, "openat", 56, "execve", 221, "mmap", 222, "getpid", 172, "wait4", 260);
        ordinary.forEach((name, nr) -> assertThat(run(arch, nr)).as(name).isEqualTo(SeccompFilter.RET_ALLOW));
        assertThat(run(arch, -1)).as("a call a tracer skipped").isEqualTo(SeccompFilter.RET_ALLOW);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void clone_may_start_processes_and_threads_but_no_namespace_and_clone3_is_not_there(Arch arch) {
        int clone = nr(arch, "clone");

        assertThat(run(arch, clone, SIGCHLD)).isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, clone, CLONE_THREAD_FLAGS)).isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, clone, CLONE_NEWUSER | SIGCHLD)).isEqualTo(DENIED);
        assertThat(run(arch, clone, CLONE_NEWNS | SIGCHLD)).isEqualTo(DENIED);
        for (int bit = 17; bit < 31; bit++) {
            int flag = 1 << bit;
            boolean newNamespace = (SeccompFilter.CLONE_NEW_FLAGS & flag) != 0;
            assertThat(run(arch, clone, flag | SIGCHLD)).as("clone flag 0x%x", flag)
                    .isEqualTo(newNamespace ? DENIED : SeccompFilter.RET_ALLOW);
        }
        assertThat(run(arch, nr(arch, "clone3"))).isEqualTo(NO_CLONE3);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void unshare_may_not_make_a_namespace_but_may_unshare_files(Arch arch) {
        int unshare = nr(arch, "unshare");

        assertThat(run(arch, unshare, CLONE_NEWUSER)).isEqualTo(DENIED);
        assertThat(run(arch, unshare, CLONE_NEWNS)).isEqualTo(DENIED);
        assertThat(run(arch, unshare, CLONE_NEWTIME)).isEqualTo(DENIED);
        assertThat(run(arch, unshare, CLONE_FILES)).isEqualTo(SeccompFilter.RET_ALLOW);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void ptrace_may_not_attach_to_another_process_but_a_parent_may_trace_its_child(Arch arch) {
        int ptrace = nr(arch, "ptrace");

        assertThat(run(arch, ptrace, SeccompFilter.PTRACE_ATTACH)).isEqualTo(DENIED);
        assertThat(run(arch, ptrace, SeccompFilter.PTRACE_SEIZE)).isEqualTo(DENIED);
        assertThat(run(arch, ptrace, 0)).as("PTRACE_TRACEME").isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, ptrace, 7)).as("PTRACE_CONT").isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, ptrace, 0x4200)).as("PTRACE_SETOPTIONS").isEqualTo(SeccompFilter.RET_ALLOW);
    }

    @ParameterizedTest
    @EnumSource(Arch.class)
    void personality_may_only_be_queried_or_set_to_the_default(Arch arch) {
        int personality = nr(arch, "personality");

        assertThat(run(arch, personality, 0)).isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, personality, 0xffffffff)).isEqualTo(SeccompFilter.RET_ALLOW);
        assertThat(run(arch, personality, 0x0040000)).as("ADDR_NO_RANDOMIZE").isEqualTo(DENIED);
        assertThat(run(arch, personality, 0x0400000)).as("READ_IMPLIES_EXEC").isEqualTo(DENIED);
        assertThat(run(arch, personality, 0x0008)).as("PER_LINUX32").isEqualTo(DENIED);
    }

    @Test
    void calls_of_other_abis_kill_the_process() {
        assertThat(run(Arch.X86_64, AUDIT_ARCH_I386, 20, new long[6])).as("i386 getpid through int 0x80")
                .isEqualTo(SeccompFilter.RET_KILL_PROCESS);
        assertThat(run(Arch.X86_64, Arch.X86_64.audit, SeccompFilter.X32_SYSCALL_BIT | 39, new long[6]))
                .as("x32 getpid").isEqualTo(SeccompFilter.RET_KILL_PROCESS);
        assertThat(run(Arch.X86_64, Arch.X86_64.audit, SeccompFilter.X32_SYSCALL_BIT | 101, new long[6]))
                .as("x32 ptrace").isEqualTo(SeccompFilter.RET_KILL_PROCESS);
        assertThat(run(Arch.AARCH64, AUDIT_ARCH_ARM, 20, new long[6])).as("32-bit ARM")
                .isEqualTo(SeccompFilter.RET_KILL_PROCESS);
        assertThat(run(Arch.AARCH64, Arch.X86_64.audit, 172, new long[6])).isEqualTo(SeccompFilter.RET_KILL_PROCESS);
    }

    @Test
    void the_x86_64_numbers_are_those_of_the_kernel_headers() throws IOException {
        Map<String, Integer> headers = numbersIn(Path.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"), "__NR_");
        assumeThat(headers).as("linux-libc-dev is installed").isNotEmpty();
        Arch.X86_64.numbers.forEach((name, nr) -> {
            if (headers.containsKey(name)) {
                assertThat(nr).as(name).isEqualTo(headers.get(name));
            }
        });
    }

    @Test
    void the_aarch64_numbers_are_those_of_the_generic_kernel_table() throws IOException {
        Map<String, Integer> headers = numbersIn(Path.of("/usr/include/asm-generic/unistd.h"), "__NR(?:3264)?_");
        assumeThat(headers).as("linux-libc-dev is installed").isNotEmpty();
        Arch.AARCH64.numbers.forEach((name, nr) -> {
            if (headers.containsKey(name)) {
                assertThat(nr).as(name).isEqualTo(headers.get(name));
            }
        });
    }

    @Test
    void every_rule_names_a_call_both_tables_know_except_port_io_on_aarch64() {
        for (SeccompFilter.Rule rule : SeccompFilter.RULES) {
            assertThat(Arch.X86_64.numbers).containsKey(rule.syscall());
            if (!List.of("iopl", "ioperm").contains(rule.syscall())) {
                assertThat(Arch.AARCH64.numbers).containsKey(rule.syscall());
            }
        }
        assertThat(SeccompFilter.RULES.stream().map(SeccompFilter.Rule::syscall)).doesNotHaveDuplicates();
    }

    private static int nr(Arch arch, String name) {
        return arch.numbers.get(name);
    }

    private static int run(Arch arch, int nr, long... args) {
        long[] all = new long[6];
        System.arraycopy(args, 0, all, 0, args.length);
        return run(arch, arch.audit, nr, all);
    }

    /** Runs the program on a {@code struct seccomp_data} the way the kernel's classic-BPF interpreter does. */
    private static int run(Arch arch, int audit, int nr, long[] args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, audit).putLong(8, 0x401000L);
        for (int i = 0; i < 6; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        List<Insn> p = SeccompFilter.instructions(arch);
        int a = 0;
        for (int pc = 0; pc < p.size(); pc++) {
            Insn in = p.get(pc);
            switch (in.code()) {
                case SeccompFilter.LD_W_ABS -> a = data.getInt(in.k());
                case SeccompFilter.JEQ_K -> pc += a == in.k() ? in.jt() : in.jf();
                case SeccompFilter.JGE_K -> pc += Integer.compareUnsigned(a, in.k()) >= 0 ? in.jt() : in.jf();
                case SeccompFilter.JSET_K -> pc += (a & in.k()) != 0 ? in.jt() : in.jf();
                case SeccompFilter.RET_K -> {
                    return in.k();
                }
                default -> throw new AssertionError("unexpected opcode " + in.code());
            }
        }
        throw new AssertionError("the program ran off its end");
    }

    private static Map<String, Integer> numbersIn(Path header, String prefix) throws IOException {
        Map<String, Integer> numbers = new HashMap<>();
        if (!Files.isRegularFile(header)) {
            return numbers;
        }
        Matcher m = Pattern.compile("#define " + prefix + "(\\w+)\\s+(\\d+)").matcher(Files.readString(header));
        while (m.find()) {
            numbers.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        return numbers;
    }
}
