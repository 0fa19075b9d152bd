package dev.magnet.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;

/**
 * The persistence contract on the local PostgreSQL (127.0.0.1:5432, database {@code test}), each test in a
 * schema of its own that is dropped afterwards. {@code MAGNET_TEST_POSTGRES_URL} points it elsewhere.
 */
class PostgresSessionRepositoryIT extends SessionRepositoryContract {
    private static final String SERVER = System.getenv().getOrDefault("MAGNET_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private String schema;

    @Override
    protected String freshDatabaseUrl() {
        schema = "magnet_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
        execute("create schema " + schema);
        return SERVER + (SERVER.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    @AfterEach
    void dropSchema() {
        execute("drop schema if exists " + schema + " cascade");
    }

    private static void execute(String sql) {
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + SERVER + " is needed for this test: " + e.getMessage(), e);
        }
    }
}
