package dev.magnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real server and scripted model for a test:
 * {@code @RegisterExtension final MagnetServerExtension magnet = new MagnetServerExtension();} gives each test a fresh
 * one; on a {@code static} field one is shared by the tests of the class. Then {@link #server()}, {@link #model()} and
 * {@link #dir()} (a temporary folder for repositories and data; the data dir is {@code dir()/data}).
 * <p>
 * Something the server's settings need that must start first (an identity provider, a fake GitHub, a database schema)
 * is a {@link TestResource} registered with a lower {@code @Order}; the settings are then read from a supplier when the
 * server starts.
 */
public final class MagnetServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Supplier<Map<String, String>> settings;
    private boolean perClass;
    private Path dir;
    private FakeAnthropic model;
    private TestServer server;

    public MagnetServerExtension() {
        this(Map.of());
    }

    /** With extra server settings (environment variables of SPEC §7). */
    public MagnetServerExtension(Map<String, String> settings) {
        Map<String, String> copy = Map.copyOf(settings);
        this.settings = () -> copy;
    }

    /** With extra server settings read when the server starts (from something started before it). */
    public MagnetServerExtension(Supplier<Map<String, String>> settings) {
        this.settings = settings;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        // why: JUnit calls class-level callbacks only for an extension on a static field
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopAll();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stopAll();
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

    /** Stops the server (the model goes on), e.g. to look at its data dir at rest; {@link #restart()} starts it again. */
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Stops the server if it runs and starts a new one on the same data dir, with the same settings. */
    public TestServer restart() {
        return restart(settings.get());
    }

    /** Stops the server if it runs and starts a new one on the same data dir, with these settings instead. */
    public TestServer restart(Map<String, String> settings) {
        stop();
        server = TestServer.start(dir.resolve("data"), model, settings);
        return server;
    }

    private void start() throws IOException {
        dir = Files.createTempDirectory("magnet-test");
        model = FakeAnthropic.start();
        server = TestServer.start(dir.resolve("data"), model, settings.get());
    }

    private void stopAll() {
        try {
            stop();
        } finally {
            if (model != null) {
                model.close();
            }
            deleteQuietly(dir);
        }
    }

    /** Deletes a temporary folder and what it holds; what cannot be deleted stays. */
    static void deleteQuietly(Path root) {
        if (root == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a leftover temp folder is harmless
        }
    }
}
