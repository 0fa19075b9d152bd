package dev.magnet.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;

/**
 * The connection pool, the schema migrations and the Jdbi handle factory. H2 (embedded, in PostgreSQL
 * mode) or PostgreSQL, chosen by the JDBC URL.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;
    private final boolean postgres;

    private Database(HikariDataSource dataSource, boolean postgres) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource);
        this.postgres = postgres;
    }

    /** Opens the pool and brings the schema up to date; fails with the JDBC error when the database is unreachable. */
    public static Database open(String jdbcUrl) {
        return open(jdbcUrl, null);
    }

    /**
     * Like {@link #open(String)}, with the pool's figures ({@code hikaricp_connections*}, pool {@code magnet}) in
     * {@code metrics} (none when null).
     */
    public static Database open(String jdbcUrl, MeterRegistry metrics) {
        if (jdbcUrl.startsWith("jdbc:h2:file:")) {
            createParentDir(jdbcUrl);
        }
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(16);
        config.setPoolName("magnet");
        config.setInitializationFailTimeout(10_000);
        // why: H2 closes its database for good when a write fails (a full disk: "The database has been closed"); the
        // pool would go on lending those dead connections, so every request failed until a restart (DataDirFullIT).
        // Dropped, they make way for new ones, and the first of those opens the database again from its file.
        config.setExceptionOverride(new EvictClosedH2Connections());
        if (metrics != null) {
            config.setMetricRegistry(metrics);
        }
        HikariDataSource ds = new HikariDataSource(config);
        try {
            Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            ds.close();
            throw e;
        }
        return new Database(ds, jdbcUrl.startsWith("jdbc:postgresql:"));
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public boolean isPostgres() {
        return postgres;
    }

    /** True when a trivial query answers: what readiness checks. */
    public boolean isReachable() {
        try {
            return jdbi.withHandle(h -> h.createQuery("select 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    /** Tells the pool to drop a connection whose H2 database closed under it (see {@link Reconnecting#isClosedH2Database}). */
    private static final class EvictClosedH2Connections implements SQLExceptionOverride {
        @java.lang.Override
        public Override adjudicate(SQLException e) {
            return Reconnecting.isClosedH2Database(e) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
        }
    }

    private static void createParentDir(String jdbcUrl) {
        String path = jdbcUrl.substring("jdbc:h2:file:".length());
        int semicolon = path.indexOf(';');
        if (semicolon >= 0) {
            path = path.substring(0, semicolon);
        }
        try {
            Path parent = Path.of(path).toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create the database folder for " + path, e);
        }
    }
}
