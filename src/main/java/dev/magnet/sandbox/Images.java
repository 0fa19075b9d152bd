package dev.magnet.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The sandbox images of this machine ({@code MAGNET_IMAGES_DIR}, default {@code /var/lib/magnet/images}): each a
 * folder {@code <name>/} holding a root file system {@code rootfs/} and a {@code ready} marker, built by
 * {@code ./magnet} (from a package list with mmdebstrap, or from a root file system tarball). Image {@link #HOST} is
 * always there: the host's own {@code /usr}, read-only. No sandbox ever sees this folder: an image is only the
 * read-only lower layer of a session's overlay.
 */
public final class Images {
    /** The image that is the host's own {@code /usr}. */
    public static final String HOST = "host";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    /** The file, beside {@code rootfs/}, that says which {@code uid:gid} the root file system was handed to. */
    static final String OWNER = "owner";

    private final Path dir;

    /** @param dir the machine-wide image folder ({@code MAGNET_IMAGES_DIR}) */
    public Images(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** The names of the images ready to use, {@link #HOST} included, sorted. */
    public Set<String> names() {
        Set<String> names = new TreeSet<>(Set.of(HOST));
        if (!Files.isDirectory(dir)) {
            return names;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString()).filter(n -> NAME.matcher(n).matches())
                    .filter(n -> rootfs(n).isPresent()).forEach(names::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the images in " + dir + ": " + e.getMessage(), e);
        }
        return names;
    }

    /** The root file system of a ready image other than {@link #HOST}. */
    public Optional<Path> rootfs(String name) {
        if (name.equals(HOST) || !NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Path image = dir.resolve(name);
        Path rootfs = image.resolve("rootfs");
        return Files.isRegularFile(image.resolve("ready")) && Files.isDirectory(rootfs) ? Optional.of(rootfs) : Optional.empty();
    }

    /** What identifies the image as built (the hash of its definition), for keys of what was made on it. */
    public String version(String name) {
        if (name.equals(HOST)) {
            return HOST;
        }
        try {
            return rootfs(name).map(r -> r.getParent().resolve("definition.sha256")).filter(Files::isRegularFile)
                    .map(f -> {
                        try {
                            return Files.readString(f, StandardCharsets.UTF_8).strip();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }).orElse("unknown");
        } catch (UncheckedIOException e) {
            return "unknown";
        }
    }

    /**
     * The image's root file system, owned by the sandbox's account: root inside a setup script's sandbox is that
     * account, so it must own the files a setup script installs over in its layer (done once per image and account;
     * {@code ./magnet} does it after a build).
     *
     * @throws SandboxException when the image is not there or cannot be handed over
     */
    synchronized Path forSandbox(String name, SandboxUser user) {
        Path rootfs = rootfs(name).orElseThrow(() -> new SandboxException("there is no image '" + name + "' in " + dir
                + " (images: " + String.join(", ", names()) + "); build it with ./magnet images"));
        Path stamp = rootfs.getParent().resolve(OWNER);
        String owner = user.uid() + ":" + user.gid();
        try {
            if (!Files.isRegularFile(stamp) || !Files.readString(stamp, StandardCharsets.UTF_8).strip().equals(owner)) {
                Ownership.give(user.uid(), user.gid(), rootfs);
                Files.writeString(stamp, owner + "\n");
            }
        } catch (IOException e) {
            throw new SandboxException("cannot hand image '" + name + "' to the sandbox account: " + e.getMessage(), e);
        }
        return rootfs;
    }
}
