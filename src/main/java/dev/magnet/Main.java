package dev.magnet;

import dev.magnet.cli.SessionsCommand;
import dev.magnet.config.MagnetConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The entry point of the jar: {@code serve} runs the server; {@code sessions …} is the command-line client. */
@Command(name = "magnet", mixinStandardHelpOptions = true, version = "Magnet 0.1.0",
        description = "Runs Claude Code on coding tasks in sandboxes.",
        subcommands = {Main.Serve.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new Main());
        cli.addSubcommand(new SessionsCommand());
        System.exit(cli.execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    /** Runs the server until it is stopped (Ctrl-C or SIGTERM). */
    @Command(name = "serve", description = "Serve the UI and API (configuration from MAGNET_* environment variables).")
    static final class Serve implements Callable<Integer> {
        @Override
        public Integer call() throws InterruptedException {
            MagnetConfig config = MagnetConfig.fromEnvironment(System.getenv());
            Magnet magnet = Magnet.start(config);
            if (magnet.generatedApiKey() != null) {
                System.out.println();
                System.out.println("  First start: created workspace 'Default' and user 'admin'.");
                System.out.println("  Admin API key (shown once, keep it): " + magnet.generatedApiKey());
                System.out.println("  Use it as:  export MAGNET_API_KEY=" + magnet.generatedApiKey());
                System.out.println();
            }
            if (magnet.generatedAdminPassword() != null) {
                System.out.println();
                System.out.println("  Sign in to the web UI as " + dev.magnet.auth.Bootstrap.ADMIN_EMAIL
                        + " with the password (shown once, change it after signing in): " + magnet.generatedAdminPassword());
                System.out.println();
            }
            System.out.println("Magnet is running on http://localhost:" + magnet.port()
                    + (config.hasModelKey() ? "" : "  (no ANTHROPIC_API_KEY: sessions will fail until it is set)"));
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                magnet.close();
                stopped.countDown();
            }));
            stopped.await();
            return 0;
        }
    }
}
