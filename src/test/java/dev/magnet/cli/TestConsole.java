package dev.magnet.cli;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** A {@link CliEnvironment} for tests: given variables and stdin, captured stdout and stderr, a fixed UTC clock. */
final class TestConsole {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CliEnvironment env;

    private TestConsole(Map<String, String> variables, String stdin) {
        this.env = new CliEnvironment(
                variables,
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                false,
                Clock.fixed(NOW, ZoneOffset.UTC));
    }

    static TestConsole withVariables(Map<String, String> variables) {
        return new TestConsole(variables, "");
    }

    static TestConsole withApiKey(String url) {
        return new TestConsole(Map.of("MAGNET_URL", url, "MAGNET_API_KEY", "test-key"), "");
    }

    CliEnvironment env() {
        return env;
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }
}
