package dev.magnet;

import dev.magnet.cli.EnvironmentsCommand;
import dev.magnet.cli.WebhooksCommand;
import dev.magnet.cli.SessionsCommand;
import dev.magnet.config.MagnetConfig;
import dev.magnet.json.Json;
import dev.magnet.logging.LogFormat;
import dev.magnet.sandbox.Cgroups;
import dev.magnet.sandbox.HostCheck;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.slf4j.LoggerFactory;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The entry point of the jar: {@code serve} runs the server; {@code doctor} says whether this host can sandbox
 * sessions safely; {@code sessions …} and {@code environments …} are the command-line client; {@code generate-completion} prints a bash/zsh
 * completion script for all of them ({@code source <(magnet generate-completion)}).
 */
@Command(name = "magnet", mixinStandardHelpOptions = true, version = "Magnet 0.1.0",
        description = "Runs Claude Code on coding tasks in sandboxes.",
        subcommands = {Main.Serve.class, Main.Doctor.class, AutoComplete.GenerateCompletion.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Every command of the jar, as {@link #main} runs them. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new SessionsCommand());
        cli.addSubcommand(new EnvironmentsCommand());
        cli.addSubcommand(new WebhooksCommand());
        // why: picocli hides it by default; shown, so `magnet --help` tells how to get completion
        cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
        return cli;
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the server until it is stopped (Ctrl-C or SIGTERM). */
    @Command(name = "serve", description = "Serve the UI and API (configuration from MAGNET_* environment variables).")
    static final class Serve implements Callable<Integer> {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT",
                description = "the log format, text or json (default: $MAGNET_LOG_FORMAT, else text)")
        private String output;

        @Override
        public Integer call() throws InterruptedException {
            MagnetConfig config = MagnetConfig.fromEnvironment(System.getenv());
            LogFormat format = LogFormat.parse(output != null ? output : System.getenv(LogFormat.SETTING));
            // why: logback.xml reads the format from the system properties before the environment; nothing has
            // logged yet, so Logback starts with this one
            System.setProperty(LogFormat.SETTING, format.name().toLowerCase(java.util.Locale.ROOT));
            Magnet magnet = Magnet.start(config);
            // why: with JSON logs every line of the output is a JSON object, these too
            Consumer<String> say = format == LogFormat.JSON
                    ? line -> {
                        if (!line.isBlank()) {
                            LoggerFactory.getLogger(Main.class).info(line.strip());
                        }
                    }
                    : System.out::println;
            if (magnet.generatedApiKey() != null) {
                say.accept("");
                say.accept("  First start: created workspace 'Default' and user 'admin'.");
                say.accept("  Admin API key (shown once, keep it): " + magnet.generatedApiKey());
                say.accept("  Use it as:  export MAGNET_API_KEY=" + magnet.generatedApiKey());
                say.accept("");
            }
            if (magnet.generatedAdminPassword() != null) {
                say.accept("");
                say.accept("  Sign in to the web UI as " + dev.magnet.auth.Bootstrap.ADMIN_EMAIL
                        + " with the password (shown once, change it after signing in): " + magnet.generatedAdminPassword());
                say.accept("");
            }
            say.accept("Magnet is running on http://localhost:" + magnet.port()
                    + (config.hasModelKey() ? "" : "  (no ANTHROPIC_API_KEY: sessions will fail until it is set)"));
            if (!config.allowLocalRepos()) {
                say.accept("  Local repositories are off. To work on repositories under /srv/git (say), start with:"
                        + " MAGNET_ALLOW_LOCAL_REPOS=true MAGNET_LOCAL_REPO_ROOTS=/srv/git ./magnet start");
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                magnet.close();
                stopped.countDown();
            }));
            stopped.await();
            return 0;
        }
    }

    /** Checks the host for the local sandbox and prints what is missing and how to fix it; exit code 1 when unsafe. */
    @Command(name = "doctor", description = "Check that this host can run the bubblewrap sandbox safely.")
    static final class Doctor implements Callable<Integer> {
        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "text (default) or json")
        private String output;

        @Override
        public Integer call() {
            MagnetConfig config = MagnetConfig.fromEnvironment(System.getenv());
            boolean json = "json".equalsIgnoreCase(output);
            if (!json && output != null && !"text".equalsIgnoreCase(output)) {
                System.err.println("error: --output must be text or json, was '" + output + "'");
                return 2;
            }
            List<HostCheck.Check> checks = new java.util.ArrayList<>(HostCheck.run(config.sandbox().user(), Cgroups.detect()));
            checks.add(HostCheck.dataDir(config.dataDir(), config.claudeBin(), config.sandbox().toolchains()));
            if (json) {
                System.out.println(Json.write(doctorReport(config, checks)));
                return HostCheck.safe(checks) ? 0 : 1;
            }
            System.out.println("Magnet sandbox check (MAGNET_SANDBOX=" + config.sandbox().provider().setting() + ")");
            checks.forEach(c -> System.out.println("  " + c.line()));
            boolean safe = HostCheck.safe(checks);
            System.out.println(safe ? "This host can run sessions in the bubblewrap sandbox."
                    : "This host cannot run sessions safely until the failed checks are fixed.");
            System.out.printf("Per-session limits: %d MiB memory, %d processes, %.1f CPUs, %d MiB disk and %d files "
                            + "(measured every %d s while the agent runs); idle workspaces torn down after %d s.%n",
                    config.sandbox().memoryMiB(), config.sandbox().maxProcesses(), config.sandbox().cpus(),
                    config.sandbox().diskMiB(), config.sandbox().maxFiles(), config.sandbox().diskCheck().toSeconds(),
                    config.sandbox().idleTeardown().toSeconds());
            return safe ? 0 : 1;
        }
    }

    /** {@code doctor --output json}: whether the host is safe, every check, and the per-session limits. */
    static Map<String, Object> doctorReport(MagnetConfig config, List<HostCheck.Check> checks) {
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("memoryMiB", config.sandbox().memoryMiB());
        limits.put("maxProcesses", config.sandbox().maxProcesses());
        limits.put("cpus", config.sandbox().cpus());
        limits.put("diskMiB", config.sandbox().diskMiB());
        limits.put("maxFiles", config.sandbox().maxFiles());
        limits.put("diskCheckSeconds", config.sandbox().diskCheck().toSeconds());
        limits.put("idleTeardownSeconds", config.sandbox().idleTeardown().toSeconds());
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("sandbox", config.sandbox().provider().setting());
        report.put("safe", HostCheck.safe(checks));
        report.put("checks", checks);
        report.put("limits", limits);
        return report;
    }
}
