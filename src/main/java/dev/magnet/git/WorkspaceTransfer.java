package dev.magnet.git;

import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Moves a session's repository into and out of its workspace as data, so that host git never runs in a folder the
 * agent could write (SECURITY.md, rule 1). Both directions run git <em>inside</em> the sandbox, as the agent's
 * account and without network, and stream a pack over the helper process's stdio; nothing else crosses. The same
 * shape works for any {@link Sandbox} that can start a process with pipes (a Kubernetes pod's exec, too).
 *
 * <ul>
 *   <li>{@link #seed}: the session repository packs the base and the session branch; inside, an empty workspace
 *       becomes a repository on the session branch with that pack, checked out.</li>
 *   <li>{@link #handOver}: inside, git locks a killed git left are removed (nothing else runs there then), what the
 *       agent left uncommitted is committed to the session branch, and the branch's objects that the session
 *       repository lacks are packed; the host reads at most a bounded number of bytes and imports them with every
 *       object checked ({@link SessionRepo#importPack}).</li>
 * </ul>
 */
public final class WorkspaceTransfer {
    /** The first line the hand-over prints before the pack: version, tip, whether a pack follows, whether leftovers were committed. */
    private static final Pattern HEADER = Pattern.compile("magnet-export 1 ([0-9a-f]{40}|[0-9a-f]{64}) (pack|none) ([01])");
    private static final int MAX_HEADER_BYTES = 256;
    private static final int NOT_ON_BRANCH = 3;

    private static final String SEED = String.join("\n",
            "set -eu",
            "cd \"$MAGNET_WORKSPACE\"",
            "if [ -e .git ]; then echo 'the workspace already holds a repository' >&2; exit 3; fi",
            // why: every process started here costs milliseconds of the session's start, so what a shell builtin can do
            // (printf, test, here-documents) is done without one
            "git init -q -b \"$MAGNET_BRANCH\" . >&2",
            // why: identity and origin written into .git/config as git reads it (a quoted value, \\ and \" escaped; the
            // values hold no control characters), rather than by a git config process per value
            "quoted() { local v=${2//\\\\/\\\\\\\\}; v=${v//\\\"/\\\\\\\"}; printf -v \"$1\" '\"%s\"' \"$v\"; }",
            "quoted name \"$MAGNET_GIT_NAME\"; quoted email \"$MAGNET_GIT_EMAIL\"",
            "printf '[user]\\n\\tname = %s\\n\\temail = %s\\n' \"$name\" \"$email\" >> .git/config",
            "if [ -n \"$MAGNET_ORIGIN\" ]; then",
            "  quoted url \"$MAGNET_ORIGIN\"",
            "  printf '[remote \"origin\"]\\n\\turl = %s\\n\\tfetch = +refs/heads/*:refs/remotes/origin/*\\n' \"$url\" >> .git/config",
            "fi",
            "git index-pack --stdin >/dev/null",
            "git update-ref --stdin <<REFS",
            "update refs/heads/$MAGNET_BRANCH $MAGNET_TIP",
            "update $MAGNET_BASE_REF $MAGNET_BASE_COMMIT",
            "REFS",
            "git reset -q --hard >&2",
            // why: the session's author is named as co-author of every commit the agent makes; the hook reads the
            // trailer from a file, so no value is ever spliced into a script
            "printf '%s\\n' \"$MAGNET_CO_AUTHOR\" > .git/magnet-co-author",
            "[ -d .git/hooks ] || mkdir .git/hooks",
            "printf '%s\\n' '#!/bin/sh' '# Written by Magnet: names the session'\\''s author as co-author of each commit.' \\",
            "  'git interpret-trailers --in-place --if-exists addIfDifferent --trailer \"$(cat \"$(git rev-parse --git-dir)/magnet-co-author\")\" \"$1\"' \\",
            "  > .git/hooks/prepare-commit-msg",
            "chmod +x .git/hooks/prepare-commit-msg",
            "echo seeded");

    private static final String HAND_OVER = String.join("\n",
            "set -eu",
            "cd \"$MAGNET_WORKSPACE\"",
            "g() { git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c commit.gpgSign=false \"$@\"; }",
            "head=$(g symbolic-ref -q HEAD 2>/dev/null || true)",
            "if [ \"$head\" != \"refs/heads/$MAGNET_BRANCH\" ]; then",
            "  echo \"the workspace is on ${head:-a detached HEAD}, not on the session branch $MAGNET_BRANCH; Magnet commits leftovers only to the session branch\" >&2",
            "  exit " + NOT_ON_BRANCH,
            "fi",
            // why: nothing else runs in the sandbox now, so a lock here was left by a git that was killed (with the
            // agent, or with a server killed mid-hand-over) and would make git add and commit refuse to run
            "gd=$(g rev-parse --git-dir)",
            "rm -f -- \"$gd/index.lock\" \"$gd/HEAD.lock\" \"$gd/packed-refs.lock\" \"$gd/refs/heads/$MAGNET_BRANCH.lock\"",
            "g add --all >&2",
            "left=0",
            "if ! g diff --cached --quiet >&2; then g commit -q --no-verify -m \"$MAGNET_MESSAGE\" >&2; left=1; fi",
            "tip=$(g rev-parse --verify -q \"refs/heads/$MAGNET_BRANCH^{commit}\")",
            "revs=$tip",
            "for c in $MAGNET_KNOWN; do",
            "  if [ \"$c\" = \"$tip\" ]; then printf 'magnet-export 1 %s none %s\\n' \"$tip\" \"$left\"; exit 0; fi",
            "  if g cat-file -e \"$c^{commit}\" 2>/dev/null; then revs=\"$revs ^$c\"; fi",
            "done",
            "printf 'magnet-export 1 %s pack %s\\n' \"$tip\" \"$left\"",
            "printf '%s\\n' $revs | g pack-objects --stdout --revs -q");

    private final Duration timeout;

    /** @param timeout how long one seed or hand-over may take before it is stopped */
    public WorkspaceTransfer(Duration timeout) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** What came out of a hand-over: the session branch's new tip, and whether Magnet committed leftovers. */
    public record HandOver(String tip, boolean committedLeftovers) {
    }

    /**
     * Makes the sandbox's (empty) workspace a repository on the session branch with the session repository's base and
     * branch, checked out, committing as {@code identity} with {@code coAuthor} named in every commit.
     *
     * @param heads  what the repository holds of the session ({@link SessionRepo#heads}), looked up just before
     * @param origin the origin's URL as the agent may see it (no credentials), or null
     * @throws GitException FAILED when the sandbox could not take the repository, with its last lines of output
     */
    public void seed(Sandbox sandbox, SessionRepo repo, SessionRepo.Heads heads, GitIdentity identity, GitIdentity coAuthor,
                     String origin) {
        if (origin != null && origin.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            // why: the seed writes the URL into .git/config itself; a line break would add settings of its own
            throw new GitException(GitException.Kind.FAILED, "the origin's URL holds a control character");
        }
        String tip = heads.branchTip().orElseThrow(() -> new GitException(GitException.Kind.FAILED,
                "the session repository has no branch " + repo.branch() + " to make the workspace from"));
        Map<String, String> env = environment(sandbox);
        env.put("MAGNET_BRANCH", repo.branch().value());
        env.put("MAGNET_TIP", tip);
        env.put("MAGNET_BASE_COMMIT", repo.baseCommit());
        env.put("MAGNET_BASE_REF", (origin == null ? "refs/heads/" : "refs/remotes/origin/") + repo.baseBranch().value());
        env.put("MAGNET_ORIGIN", origin == null ? "" : origin);
        env.put("MAGNET_GIT_NAME", identity.name());
        env.put("MAGNET_GIT_EMAIL", identity.email());
        env.put("MAGNET_CO_AUTHOR", "Co-authored-by: " + coAuthor);
        SandboxProcess process = sandbox.exec(List.of("bash", "-c", SEED, "magnet-seed"), env);
        try (Watchdog ignored = new Watchdog(process, timeout)) {
            StderrTail stderr = StderrTail.start(process.stderr());
            Thread writer = Thread.ofVirtual().name("seed-pack").start(() -> {
                try (OutputStream in = process.stdin()) {
                    repo.writeWorkspacePack(in, heads);
                } catch (IOException | GitException e) {
                    // the sandbox's side reports the broken stream, with the reason in its output
                }
            });
            String out = readAtMost(process.stdout(), MAX_HEADER_BYTES);
            int code = process.waitFor(timeout);
            writer.join(Duration.ofSeconds(5));
            if (code != 0 || !out.contains("seeded")) {
                throw new GitException(GitException.Kind.FAILED, "the workspace could not take the session's repository"
                        + (code < 0 ? " in time" : " (exit " + code + ")"), stderr.text());
            }
        } catch (IOException e) {
            throw new GitException(GitException.Kind.FAILED, "the workspace could not take the session's repository: "
                    + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException(GitException.Kind.INTERRUPTED, "interrupted while making the workspace");
        } finally {
            process.killTree();
        }
    }

    /**
     * Takes the agent's work out of the sandbox into the session repository: commits what it left uncommitted to the
     * session branch (as the workspace's identity, with {@code message}), then imports the branch's new objects, at
     * most {@code maxBytes} of them. Nothing else runs in the sandbox meanwhile.
     *
     * @throws GitException FAILED when the workspace is not on the session branch, its objects are refused, or the
     *                      sandbox's side fails, saying why
     */
    public HandOver handOver(Sandbox sandbox, SessionRepo repo, String message, GitIdentity committer, long maxBytes) {
        Map<String, String> env = environment(sandbox);
        env.put("MAGNET_BRANCH", repo.branch().value());
        env.put("MAGNET_KNOWN", String.join(" ", repo.knownCommits()));
        env.put("MAGNET_MESSAGE", message);
        env.put("GIT_AUTHOR_NAME", committer.name());
        env.put("GIT_AUTHOR_EMAIL", committer.email());
        env.put("GIT_COMMITTER_NAME", committer.name());
        env.put("GIT_COMMITTER_EMAIL", committer.email());
        SandboxProcess process = sandbox.exec(List.of("bash", "-c", HAND_OVER, "magnet-hand-over"), env);
        try (Watchdog ignored = new Watchdog(process, timeout)) {
            StderrTail stderr = StderrTail.start(process.stderr());
            InputStream out = process.stdout();
            String header = readLine(out);
            Matcher m = HEADER.matcher(header);
            if (!m.matches()) {
                int code = process.waitFor(Duration.ofSeconds(5));
                String why = code == NOT_ON_BRANCH ? stderr.text()
                        : "the workspace did not hand its branch over" + (code < 0 ? "" : " (exit " + code + ")");
                throw new GitException(GitException.Kind.FAILED, why, code == NOT_ON_BRANCH ? "" : stderr.text());
            }
            repo.importPack(m.group(2).equals("pack") ? out : null, m.group(1), maxBytes);
            int code = process.waitFor(timeout);
            if (code != 0) {
                throw new GitException(GitException.Kind.FAILED, "the workspace's hand-over failed"
                        + (code < 0 ? " to finish in time" : " (exit " + code + ")"), stderr.text());
            }
            return new HandOver(m.group(1), m.group(3).equals("1"));
        } catch (IOException e) {
            throw new GitException(GitException.Kind.FAILED, "the workspace's hand-over broke off: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitException(GitException.Kind.INTERRUPTED, "interrupted while taking the agent's work");
        } finally {
            process.killTree();
        }
    }

    /** The helper's environment: nothing of the server's, the agent's home, and git kept from replace refs and prompts. */
    private static Map<String, String> environment(Sandbox sandbox) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", sandbox.view().home().toString());
        env.put("LC_ALL", "C");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_NO_REPLACE_OBJECTS", "1");
        env.put("GIT_TERMINAL_PROMPT", "0");
        env.put("MAGNET_WORKSPACE", sandbox.view().workspace().toString());
        return env;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (line.size() >= MAX_HEADER_BYTES) {
                break;
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    private static String readAtMost(InputStream in, int max) throws IOException {
        byte[] bytes = in.readNBytes(max);
        in.transferTo(OutputStream.nullOutputStream());
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Kills a helper process that runs longer than its time. */
    private static final class Watchdog implements AutoCloseable {
        private final Thread thread;

        Watchdog(SandboxProcess process, Duration timeout) {
            this.thread = Thread.ofVirtual().name("transfer-watchdog").start(() -> {
                try {
                    Thread.sleep(timeout);
                    process.killTree();
                } catch (InterruptedException e) {
                    // finished in time
                }
            });
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }

    /** The last lines a helper wrote on stderr, for messages. */
    private static final class StderrTail {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private Thread thread;

        static StderrTail start(InputStream stderr) {
            StderrTail tail = new StderrTail();
            tail.thread = Thread.ofVirtual().name("transfer-stderr").start(() -> {
                byte[] chunk = new byte[8192];
                try (stderr) {
                    int n;
                    while ((n = stderr.read(chunk)) >= 0) {
                        synchronized (tail.buffer) {
                            tail.buffer.write(chunk, 0, n);
                            if (tail.buffer.size() > 128 * 1024) {
                                byte[] all = tail.buffer.toByteArray();
                                tail.buffer.reset();
                                tail.buffer.write(all, all.length - 64 * 1024, 64 * 1024);
                            }
                        }
                    }
                } catch (IOException e) {
                    // the process went away
                }
            });
            return tail;
        }

        String text() {
            try {
                thread.join(Duration.ofSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buffer) {
                return GitErrors.tail(buffer.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
