package dev.magnet.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A schema of its own on the local PostgreSQL (127.0.0.1:5432, database {@code test}; {@code MAGNET_TEST_POSTGRES_URL}
 * points elsewhere), so a test can start the server on it and read the tables directly. Dropped on close.
 */
public final class PostgresSchema implements AutoCloseable {
    private static final String SERVER = System.getenv().getOrDefault("MAGNET_TEST_POSTGRES_URL",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private final String name;

    private PostgresSchema(String name) {
        this.name = name;
    }

    public static PostgresSchema create() {
        PostgresSchema s = new PostgresSchema("magnet_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
                .toLowerCase(Locale.ROOT));
        s.execute("create schema " + s.name);
        return s;
    }

    public String jdbcUrl() {
        return SERVER + (SERVER.contains("?") ? "&" : "?") + "currentSchema=" + name;
    }

    /** The first column of every row of a query, as text. */
    public List<String> column(String sql) {
        try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    /** Waits until no session is active, so background work cannot change the tables between two dumps. */
    public void awaitNoActiveSessions(Duration timeout) {
        try {
            Awaitility.await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                    .until(() -> column("select id from sessions where status = 'active'").isEmpty());
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("sessions still active after " + timeout, e);
        }
    }

    /**
     * Every table of the schema with all its rows rendered as text: a fingerprint of the stored data. The
     * last-used times of keys and browser sessions are left out: authenticating a request touches them; so is the
     * runner's heartbeat, which moves every lease/3 whatever the requests; so are the shared rate limit and sign-in
     * throttle ({@code rate_buckets}, {@code login_failures}), which count every request, refused ones too, by design.
     */
    public String dump() {
        StringBuilder out = new StringBuilder();
        for (String table : column("select table_name from information_schema.tables where table_schema = '" + name
                + "' and table_name not like 'flyway%' and table_name not in ('rate_buckets', 'login_failures')"
                + " order by table_name")) {
            out.append("# ").append(table).append('\n');
            try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select * from " + table + " order by 1")) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    for (int i = 1; i <= n; i++) {
                        String column = rs.getMetaData().getColumnName(i);
                        if (column.equals("last_used_at") || column.equals("last_seen_at") || column.equals("heartbeat_at")) {
                            continue;
                        }
                        out.append(rs.getString(i)).append('|');
                    }
                    out.append('\n');
                }
            } catch (SQLException e) {
                throw new IllegalStateException(table + ": " + e.getMessage(), e);
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        execute("drop schema if exists " + name + " cascade");
    }

    private void execute(String sql) {
        try (Connection c = DriverManager.getConnection(SERVER); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + SERVER + " is needed for this test: " + e.getMessage(), e);
        }
    }
}
