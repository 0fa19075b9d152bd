package dev.magnet.cli;

import java.io.Console;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;

/**
 * What the command-line client takes from the process it runs in: environment variables, the
 * standard streams, whether stdout is a terminal, and the clock. {@link #system()} is the real
 * one; tests build their own to set {@code MAGNET_URL}/{@code MAGNET_API_KEY} and capture output.
 *
 * @param variables environment variables, e.g. {@code MAGNET_URL}, {@code MAGNET_API_KEY}, {@code NO_COLOR}
 * @param out       where results and the event stream go
 * @param err       where errors and progress notes go
 * @param in        read for a prompt or message given as {@code -}
 * @param terminal  whether {@code out} is an interactive terminal (colours are used only then)
 * @param clock     the current time and time zone, for ages and timestamps
 */
public record CliEnvironment(
        Map<String, String> variables, PrintWriter out, PrintWriter err, InputStream in, boolean terminal, Clock clock) {

    public CliEnvironment {
        variables = Map.copyOf(Objects.requireNonNull(variables, "variables"));
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(err, "err");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(clock, "clock");
    }

    /** The process's own environment, standard streams (written as UTF-8) and system clock. */
    public static CliEnvironment system() {
        return new CliEnvironment(
                System.getenv(),
                new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true),
                new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true),
                System.in,
                stdoutIsTerminal(),
                Clock.systemDefaultZone());
    }

    /** The value of an environment variable, or null when it is unset or blank. */
    public String variable(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Colours only on a terminal, and never when {@code NO_COLOR} is set (https://no-color.org). */
    public boolean colour() {
        return terminal && variable("NO_COLOR") == null;
    }

    private static boolean stdoutIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        // why: since JDK 22 System.console() is non-null also when output is redirected, and only
        // Console.isTerminal() (JDK 22+) tells; the code is compiled for 21, so it is looked up.
        try {
            return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
        } catch (NoSuchMethodException olderJdk) {
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
