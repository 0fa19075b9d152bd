package dev.magnet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Real git repositories for tests: a bare origin with commits on main, and ways to read it back. */
public final class GitFixtures {
    private GitFixtures() {
    }

    /** A bare origin at {@code dir/origin.git} with a README on {@code main} (and {@code extraFiles} more files). */
    public static Path bareOrigin(Path dir, int extraFiles) {
        Path work = dir.resolve("seed");
        Path origin = dir.resolve("origin.git");
        try {
            Files.createDirectories(work);
            git(dir, "init", "-q", "--bare", "-b", "main", origin.toString());
            git(work, "init", "-q", "-b", "main");
            Files.writeString(work.resolve("README.md"), "# Demo\n\nA demo repository.\n");
            for (int i = 0; i < extraFiles; i++) {
                Path f = work.resolve("src/pkg" + (i % 100) + "/File" + i + ".java");
                Files.createDirectories(f.getParent());
                Files.writeString(f, "class File" + i + " {\n    int value = " + i + ";\n}\n");
            }
            git(work, "add", "-A");
            git(work, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-qm", "Initial commit");
            git(work, "push", "-q", origin.toString(), "main");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return origin;
    }

    /** A bare origin at {@code dir/origin.git} whose {@code main} has exactly these files (path to content). */
    public static Path bareOriginWith(Path dir, java.util.Map<String, String> files) {
        Path work = dir.resolve("seed-files");
        Path origin = dir.resolve("origin.git");
        try {
            Files.createDirectories(work);
            git(dir, "init", "-q", "--bare", "-b", "main", origin.toString());
            git(work, "init", "-q", "-b", "main");
            for (java.util.Map.Entry<String, String> f : files.entrySet()) {
                Path file = work.resolve(f.getKey());
                Files.createDirectories(file.getParent());
                Files.writeString(file, f.getValue());
            }
            git(work, "add", "-A");
            git(work, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-qm", "Initial commit");
            git(work, "push", "-q", origin.toString(), "main");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return origin;
    }

    /** The branches of a repository. */
    public static List<String> branches(Path repo) {
        return List.of(git(repo, "for-each-ref", "--format=%(refname:short)", "refs/heads").strip().split("\n"));
    }

    /** The absolute path of a program on the {@code PATH}. */
    public static String which(String program) {
        for (String folder : System.getenv("PATH").split(":")) {
            Path candidate = Path.of(folder, program);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(program + " is not on the PATH");
    }

    public static String git(Path dir, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("git " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
