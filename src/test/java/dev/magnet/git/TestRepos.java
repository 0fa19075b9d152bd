package dev.magnet.git;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds real git repositories for tests: an "origin" with a couple of commits on {@code main} and
 * a {@code develop} branch, and helpers to commit files as a test author.
 */
final class TestRepos {
    static final Git GIT = new Git();

    private TestRepos() {
    }

    /** A non-bare repository with main checked out: README.md, src/App.java, notes.txt; develop has one more commit. */
    static Path origin(Path dir) throws IOException {
        Files.createDirectories(dir);
        GIT.in(dir).run("init", "--quiet", "--initial-branch=main");
        write(dir, "README.md", "# Demo\n");
        commit(dir, "Add readme");
        write(dir, "src/App.java", "class App {\n    int answer() {\n        return 41;\n    }\n}\n");
        write(dir, "notes.txt", "remember the milk\n");
        commit(dir, "Add app and notes");
        author(dir).run("checkout", "--quiet", "-b", "develop");
        write(dir, "DEVELOP.md", "work in progress\n");
        commit(dir, "Start develop");
        author(dir).run("checkout", "--quiet", "main");
        return dir;
    }

    /** A bare clone of {@code source}, as a server-side origin would be. */
    static Path bareOrigin(Path source, Path dir) {
        GIT.in(source.getParent()).withProtocols("file").run("clone", "--quiet", "--bare", "--", source.toString(), dir.toString());
        return dir;
    }

    static void write(Path repo, String path, String content) throws IOException {
        Path file = repo.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** Commits everything in {@code repo} as the test author; returns the new commit. */
    static String commit(Path repo, String message) {
        author(repo).run("add", "--all");
        author(repo).run("commit", "--quiet", "-m", message);
        return head(repo, "HEAD");
    }

    static String head(Path repo, String ref) {
        return GIT.in(repo).run("rev-parse", "--verify", ref + "^{commit}").line();
    }

    static boolean hasRef(Path repo, String ref) {
        return GIT.in(repo).tryRun("rev-parse", "--verify", "--quiet", ref).succeeded();
    }

    static GitCommand author(Path repo) {
        return GIT.in(repo).withConfig("user.name", "Test Author").withConfig("user.email", "author@example.com");
    }
}
