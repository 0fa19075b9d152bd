package dev.magnet.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL server of the test's own (a fresh cluster in a temporary folder, on a free loopback port), for tests
 * that stop and start the database under a running Magnet. The machine's shared PostgreSQL must never be restarted:
 * other test runs use it. The cluster is made with the newest {@code /usr/lib/postgresql/<version>/bin} and run as
 * the {@code postgres} account ({@code initdb} refuses root); {@link #close()} stops it and deletes the folder.
 */
public final class PrivatePostgres implements AutoCloseable {
    private static final String ACCOUNT = "postgres";

    private final Path bin;
    private final Path dir;
    private final int port;

    private PrivatePostgres(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** Makes a new cluster and starts it. */
    public static PrivatePostgres start() {
        Path bin = newestBin();
        Path dir;
        try {
            dir = Files.createTempDirectory("magnet-private-pg");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PrivatePostgres pg = new PrivatePostgres(bin, dir, freePort());
        try {
            run(List.of("chown", ACCOUNT + ":", dir.toString()));
            pg.asPostgres(List.of(bin.resolve("initdb").toString(), "-D", pg.data().toString(), "-U", ACCOUNT, "-A", "trust",
                    "-E", "UTF8", "--no-sync", "--no-instructions"));
            pg.startServer();
        } catch (RuntimeException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    /** The JDBC URL of its {@code postgres} database. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + ACCOUNT;
    }

    /** Makes a new, empty database on the server; returns its JDBC URL. */
    public String createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl()); Statement st = c.createStatement()) {
            st.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("create database " + name + ": " + e.getMessage(), e);
        }
        return jdbcUrl().replace("/postgres?", "/" + name + "?");
    }

    /**
     * Stops the server, {@code fast} (clients are disconnected, then a clean shutdown) or {@code immediate} (no
     * shutdown checkpoint, recovery on the next start), and waits until it is down.
     */
    public void stop(String mode) {
        asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", mode, "-w", "-t", "60", "stop"));
    }

    /** Starts the stopped server again, on the same port, and waits until it accepts connections. */
    public void startServer() {
        asPostgres(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l", dir.resolve("server.log").toString(),
                "-w", "-t", "60", "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off", "start"));
    }

    /** The server's own log (what it said when it was stopped and started). */
    public String log() {
        try {
            return Files.readString(dir.resolve("server.log"));
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        try {
            if (Files.exists(data().resolve("postmaster.pid"))) {
                stop("immediate");
            }
        } finally {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                // a temporary folder left behind is harmless
            }
        }
    }

    private Path data() {
        return dir.resolve("data");
    }

    private void asPostgres(List<String> command) {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", ACCOUNT, "--"));
        full.addAll(command);
        run(full);
    }

    private static void run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 120 s: " + out);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Path newestBin() {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.filter(v -> Files.isExecutable(v.resolve("bin/initdb")))
                    .max(Comparator.comparingInt(v -> Integer.parseInt(v.getFileName().toString().replaceAll("\\D.*", ""))))
                    .map(v -> v.resolve("bin"))
                    .orElseThrow(() -> new IllegalStateException("no /usr/lib/postgresql/<version>/bin/initdb: install "
                            + "the PostgreSQL server package"));
        } catch (IOException e) {
            throw new IllegalStateException("no /usr/lib/postgresql: install the PostgreSQL server package", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
