package dev.magnet.store;

import dev.magnet.config.MagnetConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The persistence contract on the embedded H2 database (the default). */
class H2SessionRepositoryTest extends SessionRepositoryContract {
    @TempDir
    Path dir;

    @Override
    protected String freshDatabaseUrl() {
        return MagnetConfig.h2UrlFor(dir);
    }
}
