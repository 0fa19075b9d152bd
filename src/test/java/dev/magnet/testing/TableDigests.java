package dev.magnet.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A digest of the rows of every table of a PostgreSQL schema (the row count and the sum of 64-bit hashes of the rows), all taken in one
 * query on one connection: cheap
 * enough to take after every request, where {@link PostgresSchema#dump()} is not. The columns that move without any
 * request are left out, as the dump leaves them out: last-used times (authenticating touches them), the runner's
 * heartbeat and a running session's lease, which its runner renews every lease/3. So are the shared counters every request
 * moves, refused ones too by design: the API key rate limit ({@code rate_buckets}) and the sign-in throttle
 * ({@code login_failures}); and the outgoing webhooks' deliveries and attempts, which the sender writes in the
 * background as sessions change and as it retries, whatever the requests. The audit log's records of refused GitHub
 * credentials ({@link #AUDITED_REFUSALS}: a test of the connection, a save GitHub turned down) are left out too: a
 * refused attempt is recorded there on purpose, and changes nothing else.
 */
public final class TableDigests implements AutoCloseable {
    private static final Set<String> MOVING = Set.of("last_used_at", "last_seen_at", "heartbeat_at", "lease_until");
    /** Audit actions that record a refused or merely tested attempt, which is all they change. */
    static final List<String> AUDITED_REFUSALS = List.of("github.integration.test", "github.integration.refused");
    private final Connection connection;
    private final PreparedStatement query;

    private TableDigests(Connection connection, PreparedStatement query) {
        this.connection = connection;
        this.query = query;
    }

    /** Connects to the schema of {@code jdbcUrl} (its {@code currentSchema}) and reads which tables and columns it has. */
    public static TableDigests of(String jdbcUrl) {
        try {
            Connection c = DriverManager.getConnection(jdbcUrl);
            List<String> selects = new ArrayList<>();
            for (Map.Entry<String, List<String>> table : columns(c).entrySet()) {
                String cols = String.join(", ", table.getValue().stream().map(TableDigests::quote).toList());
                // why: a sum of row hashes does not depend on row order, so no table is sorted; a digest by sorted
                // rows made every take several times slower
                String rows = table.getKey().equals("audit_log")
                        ? " where action not in (" + String.join(", ", AUDITED_REFUSALS.stream().map(TableDigests::literal).toList()) + ")"
                        : "";
                selects.add("select " + literal(table.getKey()) + ", count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0)"
                        + " from (select " + cols + " from " + quote(table.getKey()) + rows + ") t");
            }
            if (selects.isEmpty()) {
                c.close();
                throw new IllegalStateException("the schema of " + jdbcUrl + " has no tables: start the server on it first");
            }
            // why: a prepared statement is planned once (the driver prepares it on the server after a few runs); planning
            // the union of every table again for each take cost more than running it
            return new TableDigests(c, c.prepareStatement(String.join(" union all ", selects)));
        } catch (SQLException e) {
            throw new IllegalStateException("reading the tables of " + jdbcUrl + ": " + e.getMessage(), e);
        }
    }

    /** Each table's digest, by table name. */
    public Map<String, String> take() {
        try (ResultSet rs = query.executeQuery()) {
            Map<String, String> out = new TreeMap<>();
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("digesting the tables: " + e.getMessage(), e);
        }
    }

    /** The tables whose digests differ between two takes. */
    public static Set<String> changed(Map<String, String> before, Map<String, String> after) {
        Set<String> tables = new TreeSet<>(before.keySet());
        tables.addAll(after.keySet());
        tables.removeIf(t -> java.util.Objects.equals(before.get(t), after.get(t)));
        return tables;
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            // closing a connection to a schema about to be dropped; nothing to do
        }
    }

    private static Map<String, List<String>> columns(Connection c) throws SQLException {
        Map<String, List<String>> tables = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "select table_name, column_name from information_schema.columns where table_schema = current_schema()"
                        + " and table_name not like 'flyway%' and table_name not in ('rate_buckets', 'login_failures',"
                        + " 'webhook_deliveries', 'webhook_attempts')"
                        + " order by table_name, ordinal_position")) {
            while (rs.next()) {
                List<String> cols = tables.computeIfAbsent(rs.getString(1), t -> new ArrayList<>());
                if (!MOVING.contains(rs.getString(2))) {
                    cols.add(rs.getString(2));
                }
            }
        }
        tables.values().removeIf(List::isEmpty);
        return tables;
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
