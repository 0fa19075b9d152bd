package dev.magnet.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Whole folders on the host: deleting one never follows a symbolic link, so a tree the agent filled (a workspace, a
 * setup snapshot, a session's layer, its preview folder) can be removed without reaching anything outside it.
 */
public final class FileTrees {
    private FileTrees() {
    }

    /** Deletes {@code dir} and everything in it, without following symbolic links; nothing if absent. */
    public static void deleteRecursively(Path dir) {
        deleteRecursively(dir, false);
    }

    /** Deletes everything in {@code dir}, and {@code dir} itself unless {@code keepDir}; nothing if absent. */
    public static void deleteRecursively(Path dir, boolean keepDir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    if (!(keepDir && directory.equals(dir))) {
                        Files.delete(directory);
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    /** True when {@code dir} does not exist or is an empty directory. */
    public static boolean isAbsentOrEmpty(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return true;
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + dir, e);
        }
    }
}
