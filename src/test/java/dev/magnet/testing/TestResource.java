package dev.magnet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Something a test starts before the server and closes after it, such as an identity provider, a fake GitHub or a
 * database schema whose address the server's settings name:
 * <pre>{@code
 * @RegisterExtension @Order(1)
 * static final TestResource<FakeOidcProvider> provider = TestResource.of(FakeOidcProvider::start);
 * @RegisterExtension
 * static final MagnetServerExtension magnet = new MagnetServerExtension(() -> Map.of(
 *         "MAGNET_OIDC_ISSUER", provider.get().issuer()));
 * }</pre>
 * JUnit runs extensions with a lower {@code @Order} first (unordered ones come after every ordered one) and closes
 * them in the reverse order. Like {@link MagnetServerExtension}, on a static field it serves the whole class, on an
 * instance field each test gets its own.
 */
public final class TestResource<T extends AutoCloseable>
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final Function<Path, T> start;
    private final boolean needsDir;
    private boolean perClass;
    private Path dir;
    private T resource;

    private TestResource(Function<Path, T> start, boolean needsDir) {
        this.start = start;
        this.needsDir = needsDir;
    }

    /** A resource made by {@code start}. */
    public static <T extends AutoCloseable> TestResource<T> of(Supplier<T> start) {
        return new TestResource<>(dir -> start.get(), false);
    }

    /** A resource made by {@code start} in a fresh temporary folder, deleted after it is closed. */
    public static <T extends AutoCloseable> TestResource<T> inTempDir(Function<Path, T> start) {
        return new TestResource<>(start, true);
    }

    /** The running resource. */
    public T get() {
        if (resource == null) {
            throw new IllegalStateException("not started: register this TestResource with a lower @Order than what uses it");
        }
        return resource;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        // why: JUnit calls class-level callbacks only for an extension on a static field
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (!perClass) {
            close();
        }
    }

    private void start() throws IOException {
        dir = needsDir ? Files.createTempDirectory("magnet-test-resource") : null;
        resource = start.apply(dir);
    }

    private void close() throws Exception {
        try {
            if (resource != null) {
                resource.close();
            }
        } finally {
            resource = null;
            MagnetServerExtension.deleteQuietly(dir);
        }
    }
}
