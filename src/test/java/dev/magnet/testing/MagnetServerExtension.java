package dev.magnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh real server and scripted model for each test:
 * {@code @RegisterExtension final MagnetServerExtension magnet = new MagnetServerExtension();}, then
 * {@link #server()}, {@link #model()} and {@link #dir()} (a temporary folder for repositories and data).
 */
public final class MagnetServerExtension implements BeforeEachCallback, AfterEachCallback {
    private final Map<String, String> settings;
    private Path dir;
    private FakeAnthropic model;
    private TestServer server;

    public MagnetServerExtension() {
        this(Map.of());
    }

    /** With extra server settings (environment variables of SPEC §7). */
    public MagnetServerExtension(Map<String, String> settings) {
        this.settings = Map.copyOf(settings);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("magnet-test");
        model = FakeAnthropic.start();
        server = TestServer.start(dir.resolve("data"), model, settings);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            server.close();
        } finally {
            model.close();
            deleteQuietly(dir);
        }
    }

    public TestServer server() {
        return server;
    }

    public FakeAnthropic model() {
        return model;
    }

    public Path dir() {
        return dir;
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temp folder is harmless
        }
    }
}
