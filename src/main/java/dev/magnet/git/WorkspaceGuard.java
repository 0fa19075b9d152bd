package dev.magnet.git;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Makes it safe for the server to run git in a workspace the agent has written to. The agent
 * controls {@code .git} there: a config entry such as {@code core.fsmonitor}, {@code url.*.insteadOf}
 * or {@code credential.helper} would run commands or redirect credentials on the host, and a
 * symbolic link would point git at files outside the workspace.
 */
final class WorkspaceGuard {
    private WorkspaceGuard() {
    }

    /**
     * The workspace's {@code .git} directory, after checking that it is a real directory with no
     * symbolic link anywhere inside.
     *
     * @throws GitException FAILED when it is missing, a file or link, or contains a link
     */
    static Path checkedGitDir(Path workspace) {
        Path gitDir = workspace.resolve(".git");
        if (!Files.isDirectory(gitDir, LinkOption.NOFOLLOW_LINKS)) {
            throw new GitException(GitException.Kind.FAILED,
                    "the workspace " + workspace + " has no .git directory (or it is a link or a file)");
        }
        try {
            Files.walkFileTree(gitDir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) {
                        throw new GitException(GitException.Kind.FAILED, "the workspace's .git contains a symbolic link ("
                                + gitDir.relativize(file) + "); Magnet does not run git on it");
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not inspect " + gitDir, e);
        }
        return gitDir;
    }

    /**
     * Replaces the workspace's {@code .git/config} with one holding only what Magnet put there: the
     * basic core settings, the origin URL (no credentials) and the commit identity.
     */
    static void writeConfig(Path gitDir, RepoUrl origin, GitIdentity identity) {
        StringBuilder config = new StringBuilder()
                .append("[core]\n")
                .append("\trepositoryformatversion = 0\n")
                .append("\tfilemode = true\n")
                .append("\tbare = false\n")
                .append("\tlogallrefupdates = true\n")
                .append("[user]\n")
                .append("\tname = ").append(quoted(identity.name())).append('\n')
                .append("\temail = ").append(quoted(identity.email())).append('\n');
        if (origin != null) {
            config.append("[remote \"origin\"]\n")
                    .append("\turl = ").append(quoted(origin.value())).append('\n')
                    .append("\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
        }
        try {
            Path temporary = Files.createTempFile(gitDir, "config", ".magnet");
            Files.writeString(temporary, config, StandardCharsets.UTF_8);
            // why: a rename replaces whatever is at .git/config, a link included, instead of writing through it
            Files.move(temporary, gitDir.resolve("config"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + gitDir.resolve("config"), e);
        }
    }

    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
