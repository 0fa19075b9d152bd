package dev.magnet.sandbox;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The seccomp filter every sandboxed process runs under, as the classic BPF program bwrap loads with
 * {@code --seccomp FD}. It takes away kernel interfaces an agent never needs and that are the usual way up
 * from a shared-kernel sandbox: io_uring, userfaultfd, the key ring, perf events, BPF, modules, kexec,
 * mounting (old and new mount API), new namespaces, attaching to other processes with ptrace, file handles,
 * swap, reboot, accounting, quotas, port I/O and personality changes. Denied calls fail with {@code EPERM};
 * {@code clone3} fails with {@code ENOSYS} so that the C library falls back to {@code clone}, whose flags the
 * filter can read. A system call of another ABI (i386 through {@code int 0x80}, x32 on x86_64, 32-bit ARM on
 * aarch64) kills the process: the filter's numbers are the native ones only.
 *
 * <p>{@link #program(Arch)} is a pure function of the architecture, so the filter can be checked instruction by
 * instruction in a unit test.
 */
final class SeccompFilter {
    static final int EPERM = 1;
    static final int ENOSYS = 38;

    // seccomp_data: int nr; u32 arch; u64 instruction_pointer; u64 args[6] (little-endian on both arches)
    static final int NR_OFFSET = 0;
    static final int ARCH_OFFSET = 4;
    static final int ARGS_OFFSET = 16;

    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_ALLOW = 0x7fff0000;

    static final short LD_W_ABS = 0x20;
    static final short JEQ_K = 0x15;
    static final short JGE_K = 0x35;
    static final short JSET_K = 0x45;
    static final short RET_K = 0x06;

    /** The flags of {@code clone} that make a new namespace (CLONE_NEWNS, CGROUP, UTS, IPC, USER, PID, NET). */
    static final int CLONE_NEW_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
    /** {@code unshare} also knows CLONE_NEWTIME, a bit that {@code clone} uses for the exit signal. */
    static final int UNSHARE_NEW_FLAGS = CLONE_NEW_FLAGS | 0x00000080;
    static final int PTRACE_ATTACH = 16;
    static final int PTRACE_SEIZE = 0x4206;
    static final int PER_LINUX = 0;
    static final int PERSONALITY_QUERY = 0xffffffff;
    /** x32 system calls on x86_64 have this bit set in their number. */
    static final int X32_SYSCALL_BIT = 0x40000000;

    /** One instruction of a classic BPF program ({@code struct sock_filter}). */
    record Insn(short code, int jt, int jf, int k) {
        Insn {
            if (jt < 0 || jt > 255 || jf < 0 || jf > 255) {
                throw new IllegalArgumentException("a BPF jump offset must fit in 8 bits: " + jt + ", " + jf);
            }
        }
    }

    /**
     * What the filter does with one system call. A call the rules do not name is allowed. Arguments are compared
     * on their low 32 bits (the BPF accumulator's width), which is exact for every rule here: the kernel reads
     * clone's flags and personality's argument as 32 bits, rejects unshare flags above them, and a ptrace request
     * with high bits set is not an attach, so denying it by its low bits only denies more.
     */
    sealed interface Rule {
        String syscall();

        /** Always fails with {@code errno}. */
        record Deny(String syscall, int errno) implements Rule {
        }

        /** Fails with {@code EPERM} when argument {@code arg} is one of {@code values}. */
        record DenyWhenArgIs(String syscall, int arg, List<Integer> values) implements Rule {
        }

        /** Fails with {@code EPERM} when argument {@code arg} has any bit of {@code mask}. */
        record DenyWhenArgHasAny(String syscall, int arg, int mask) implements Rule {
        }

        /** Fails with {@code EPERM} unless argument {@code arg} is one of {@code values}. */
        record AllowOnlyWhenArgIs(String syscall, int arg, List<Integer> values) implements Rule {
        }
    }

    /** The rules, in the order the program checks them. */
    static final List<Rule> RULES = List.of(
            // why: the io_uring, userfaultfd, keyring, perf and bpf interfaces are where most recent kernel
            // privilege escalations were found; nothing the agent runs needs them (libuv and others fall back)
            new Rule.Deny("io_uring_setup", EPERM), new Rule.Deny("io_uring_enter", EPERM),
            new Rule.Deny("io_uring_register", EPERM),
            new Rule.Deny("userfaultfd", EPERM),
            new Rule.Deny("keyctl", EPERM), new Rule.Deny("add_key", EPERM), new Rule.Deny("request_key", EPERM),
            new Rule.Deny("perf_event_open", EPERM),
            new Rule.Deny("bpf", EPERM),
            // why: a process may still be traced by its parent (PTRACE_TRACEME, then requests on that tracee), so
            // gdb and strace work on programs they start; only taking hold of another process is refused
            new Rule.DenyWhenArgIs("ptrace", 0, List.of(PTRACE_ATTACH, PTRACE_SEIZE)),
            new Rule.Deny("process_vm_readv", EPERM), new Rule.Deny("process_vm_writev", EPERM),
            new Rule.Deny("pidfd_getfd", EPERM),
            new Rule.Deny("mount", EPERM), new Rule.Deny("umount2", EPERM), new Rule.Deny("pivot_root", EPERM),
            new Rule.Deny("fsopen", EPERM), new Rule.Deny("fsconfig", EPERM), new Rule.Deny("fsmount", EPERM),
            new Rule.Deny("fspick", EPERM), new Rule.Deny("open_tree", EPERM), new Rule.Deny("open_tree_attr", EPERM),
            new Rule.Deny("move_mount", EPERM), new Rule.Deny("mount_setattr", EPERM),
            new Rule.DenyWhenArgHasAny("unshare", 0, UNSHARE_NEW_FLAGS),
            new Rule.Deny("setns", EPERM),
            new Rule.DenyWhenArgHasAny("clone", 0, CLONE_NEW_FLAGS),
            // why: clone3 passes its flags in memory, out of the filter's sight; ENOSYS makes glibc, musl, Go and
            // Rust fall back to clone, whose flags argument is checked above
            new Rule.Deny("clone3", ENOSYS),
            new Rule.Deny("kexec_load", EPERM), new Rule.Deny("kexec_file_load", EPERM),
            new Rule.Deny("init_module", EPERM), new Rule.Deny("finit_module", EPERM), new Rule.Deny("delete_module", EPERM),
            new Rule.Deny("open_by_handle_at", EPERM),
            new Rule.Deny("swapon", EPERM), new Rule.Deny("swapoff", EPERM),
            new Rule.Deny("reboot", EPERM), new Rule.Deny("acct", EPERM),
            new Rule.Deny("quotactl", EPERM), new Rule.Deny("quotactl_fd", EPERM),
            new Rule.Deny("iopl", EPERM), new Rule.Deny("ioperm", EPERM),
            // why: only the default personality and the query are allowed; gdb then warns that it cannot turn off
            // address randomisation and carries on
            new Rule.AllowOnlyWhenArgIs("personality", 0, List.of(PER_LINUX, PERSONALITY_QUERY)));

    /** An architecture the filter knows: its audit number and its system call numbers. */
    enum Arch {
        X86_64(0xC000003E, true, Map.ofEntries(
                Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426), Map.entry("io_uring_register", 427),
                Map.entry("userfaultfd", 323), Map.entry("keyctl", 250), Map.entry("add_key", 248),
                Map.entry("request_key", 249), Map.entry("perf_event_open", 298), Map.entry("bpf", 321),
                Map.entry("ptrace", 101), Map.entry("process_vm_readv", 310), Map.entry("process_vm_writev", 311),
                Map.entry("pidfd_getfd", 438), Map.entry("mount", 165), Map.entry("umount2", 166),
                Map.entry("pivot_root", 155), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
                Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("open_tree", 428),
                Map.entry("open_tree_attr", 467), Map.entry("move_mount", 429), Map.entry("mount_setattr", 442),
                Map.entry("unshare", 272), Map.entry("setns", 308), Map.entry("clone", 56), Map.entry("clone3", 435),
                Map.entry("kexec_load", 246), Map.entry("kexec_file_load", 320), Map.entry("init_module", 175),
                Map.entry("finit_module", 313), Map.entry("delete_module", 176), Map.entry("open_by_handle_at", 304),
                Map.entry("swapon", 167), Map.entry("swapoff", 168), Map.entry("reboot", 169), Map.entry("acct", 163),
                Map.entry("quotactl", 179), Map.entry("quotactl_fd", 443), Map.entry("iopl", 172),
                Map.entry("ioperm", 173), Map.entry("personality", 135))),
        /** The generic table (asm-generic/unistd.h); aarch64 has no iopl or ioperm. */
        AARCH64(0xC00000B7, false, Map.ofEntries(
                Map.entry("io_uring_setup", 425), Map.entry("io_uring_enter", 426), Map.entry("io_uring_register", 427),
                Map.entry("userfaultfd", 282), Map.entry("keyctl", 219), Map.entry("add_key", 217),
                Map.entry("request_key", 218), Map.entry("perf_event_open", 241), Map.entry("bpf", 280),
                Map.entry("ptrace", 117), Map.entry("process_vm_readv", 270), Map.entry("process_vm_writev", 271),
                Map.entry("pidfd_getfd", 438), Map.entry("mount", 40), Map.entry("umount2", 39),
                Map.entry("pivot_root", 41), Map.entry("fsopen", 430), Map.entry("fsconfig", 431),
                Map.entry("fsmount", 432), Map.entry("fspick", 433), Map.entry("open_tree", 428),
                Map.entry("open_tree_attr", 467), Map.entry("move_mount", 429), Map.entry("mount_setattr", 442),
                Map.entry("unshare", 97), Map.entry("setns", 268), Map.entry("clone", 220), Map.entry("clone3", 435),
                Map.entry("kexec_load", 104), Map.entry("kexec_file_load", 294), Map.entry("init_module", 105),
                Map.entry("finit_module", 273), Map.entry("delete_module", 106), Map.entry("open_by_handle_at", 265),
                Map.entry("swapon", 224), Map.entry("swapoff", 225), Map.entry("reboot", 142), Map.entry("acct", 89),
                Map.entry("quotactl", 60), Map.entry("quotactl_fd", 443), Map.entry("personality", 92)));

        final int audit;
        /** True when another ABI shares the audit number and marks its calls with {@link #X32_SYSCALL_BIT}. */
        final boolean hasX32;
        final Map<String, Integer> numbers;

        Arch(int audit, boolean hasX32, Map<String, Integer> numbers) {
            this.audit = audit;
            this.hasX32 = hasX32;
            this.numbers = numbers;
        }

        /** The architecture this JVM runs on, if the filter knows it. */
        static Optional<Arch> host() {
            return switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
                case "amd64", "x86_64" -> Optional.of(X86_64);
                case "aarch64", "arm64" -> Optional.of(AARCH64);
                default -> Optional.empty();
            };
        }
    }

    private SeccompFilter() {
    }

    /** The program for {@code arch}, as the bytes bwrap reads from its {@code --seccomp} fd. */
    static byte[] program(Arch arch) {
        List<Insn> insns = instructions(arch);
        // why: the kernel reads struct sock_filter in the host's byte order; both known arches are little-endian
        ByteBuffer b = ByteBuffer.allocate(insns.size() * 8).order(ByteOrder.nativeOrder());
        for (Insn i : insns) {
            b.putShort(i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return b.array();
    }

    /** The program for {@code arch}, instruction by instruction. */
    static List<Insn> instructions(Arch arch) {
        List<Insn> p = new ArrayList<>();
        p.add(load(ARCH_OFFSET));
        p.add(jump(JEQ_K, arch.audit, 1, 0));
        p.add(ret(RET_KILL_PROCESS));
        p.add(load(NR_OFFSET));
        if (arch.hasX32) {
            // why: numbers from X32_SYSCALL_BIT up to the sign bit are x32 calls; negative ones (-1 from a tracer
            // that skips a call) are left to the kernel, which answers ENOSYS
            p.add(jump(JGE_K, X32_SYSCALL_BIT, 0, 2));
            p.add(jump(JGE_K, 0x80000000, 1, 0));
            p.add(ret(RET_KILL_PROCESS));
        }
        Set<String> seen = new HashSet<>();
        for (Rule rule : RULES) {
            if (!seen.add(rule.syscall())) {
                throw new IllegalStateException("two rules for " + rule.syscall());
            }
            Integer nr = arch.numbers.get(rule.syscall());
            if (nr != null) {
                p.addAll(block(rule, nr));
            }
        }
        p.add(ret(RET_ALLOW));
        return List.copyOf(p);
    }

    /**
     * The instructions of one rule. Each starts by comparing the number in the accumulator and skips the whole
     * block when it differs; a block that matched always returns, so the accumulator holds the number again at
     * the start of every block.
     */
    private static List<Insn> block(Rule rule, int nr) {
        List<Insn> b = new ArrayList<>();
        switch (rule) {
            case Rule.Deny d -> b.add(ret(RET_ERRNO | d.errno()));
            case Rule.DenyWhenArgHasAny r -> {
                b.add(load(argLow(r.arg())));
                b.add(jump(JSET_K, r.mask(), 1, 0));
                b.add(ret(RET_ALLOW));
                b.add(ret(RET_ERRNO | EPERM));
            }
            case Rule.DenyWhenArgIs r -> b.addAll(matchValues(r.arg(), r.values(), RET_ERRNO | EPERM, RET_ALLOW));
            case Rule.AllowOnlyWhenArgIs r -> b.addAll(matchValues(r.arg(), r.values(), RET_ALLOW, RET_ERRNO | EPERM));
        }
        List<Insn> all = new ArrayList<>();
        all.add(jump(JEQ_K, nr, 0, b.size()));
        all.addAll(b);
        return all;
    }

    /** Loads the argument, then returns {@code onMatch} when it is one of {@code values}, else {@code otherwise}. */
    private static List<Insn> matchValues(int arg, List<Integer> values, int onMatch, int otherwise) {
        List<Insn> b = new ArrayList<>();
        b.add(load(argLow(arg)));
        int k = values.size();
        for (int j = 0; j < k; j++) {
            b.add(jump(JEQ_K, values.get(j), k - j, 0));
        }
        b.add(ret(otherwise));
        b.add(ret(onMatch));
        return b;
    }

    private static int argLow(int arg) {
        if (arg < 0 || arg > 5) {
            throw new IllegalArgumentException("system calls have arguments 0 to 5, not " + arg);
        }
        return ARGS_OFFSET + 8 * arg;
    }

    private static Insn load(int offset) {
        return new Insn(LD_W_ABS, 0, 0, offset);
    }

    private static Insn jump(short code, int k, int jt, int jf) {
        return new Insn(code, jt, jf, k);
    }

    private static Insn ret(int value) {
        return new Insn(RET_K, 0, 0, value);
    }
}
