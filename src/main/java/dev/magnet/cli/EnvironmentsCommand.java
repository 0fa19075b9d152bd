package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code magnet environments …}: the workspace's environments (SPEC §5) from the command line: list, show, create,
 * edit, delete. Members list and show; admins change. Secrets are write-only: {@code show} prints their names.
 */
@Command(name = "environments", description = "List, show, create, edit and delete the workspace's environments.",
        subcommands = {
            EnvironmentsCommand.ListEnvironments.class,
            EnvironmentsCommand.Show.class,
            EnvironmentsCommand.Create.class,
            EnvironmentsCommand.Edit.class,
            EnvironmentsCommand.Delete.class,
        })
public final class EnvironmentsCommand extends ClientCommand {
    private static final String PATH = "/api/environments";

    public EnvironmentsCommand() {
        this(CliEnvironment.system());
    }

    public EnvironmentsCommand(CliEnvironment env) {
        super(env);
    }

    /** Prints one environment, or its JSON with {@code --output json}. */
    int print(JsonNode e) {
        if (json()) {
            printJson(e);
            return ExitCodes.OK;
        }
        var out = env().out();
        out.println(e.path("name").asText() + "  " + e.path("id").asText()
                + (e.path("default").asBoolean() ? "  (default)" : "") + (e.path("enabled").asBoolean() ? "" : "  (disabled)"));
        line("repository", text(e, "repo"));
        line("branch", text(e, "branch"));
        line("image", text(e, "image"));
        line("preview port", e.path("previewPort").isNull() ? null : e.path("previewPort").asText());
        line("check follow-ups", e.path("checkFollowUps").isNull() ? "server default" : e.path("checkFollowUps").asText() + " per pull request");
        line("network", "setup " + policy(e.path("network").path("setup")) + ", agent " + policy(e.path("network").path("agent")));
        line("cache", e.path("cache").isNull() ? null : e.path("cache").toString());
        line("variables", String.join(", ", names(e.path("env"))));
        List<String> secrets = new ArrayList<>();
        e.path("secrets").forEach(n -> secrets.add(n.asText()));
        line("secrets", String.join(", ", secrets));
        script("setup script", text(e, "setupScript"));
        script("run script", text(e, "runScript"));
        return ExitCodes.OK;
    }

    private void line(String label, String value) {
        if (value != null && !value.isBlank()) {
            env().out().println(String.format("  %-13s %s", label, value));
        }
    }

    private void script(String label, String value) {
        if (value != null) {
            env().out().println("  " + label + ":");
            value.lines().forEach(l -> env().out().println("    │ " + l));
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isNull() || v.isMissingNode() ? null : v.asText();
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static String policy(JsonNode policy) {
        if (policy.isTextual()) {
            return policy.asText();
        }
        List<String> hosts = new ArrayList<>();
        policy.path("allow").forEach(h -> hosts.add(h.asText()));
        return "only " + String.join(", ", hosts);
    }

    /** {@code environments list}. */
    @Command(name = "list", description = "List the workspace's environments.")
    static final class ListEnvironments implements Callable<Integer> {
        @ParentCommand
        private EnvironmentsCommand parent;

        @Override
        public Integer call() {
            return parent.run(client -> {
                JsonNode answer = client.getJson(PATH);
                if (parent.json()) {
                    parent.printJson(answer);
                    return ExitCodes.OK;
                }
                JsonNode all = answer.path("environments");
                if (all.isEmpty()) {
                    parent.env().out().println("No environments yet.");
                }
                for (JsonNode e : all) {
                    parent.env().out().println(String.format("%-36s  %-24s  %s%s", e.path("id").asText(),
                            Formats.cut(e.path("name").asText(), 24), policy(e.path("network").path("agent")),
                            e.path("default").asBoolean() ? "  (default)" : e.path("enabled").asBoolean() ? "" : "  (disabled)"));
                }
                return ExitCodes.OK;
            });
        }
    }

    /** {@code environments show ID}. */
    @Command(name = "show", description = "Show one environment (secrets by name only).")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        private EnvironmentsCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the environment's id")
        private String id;

        @Override
        public Integer call() {
            return parent.run(client -> parent.print(client.getJson(PATH + "/" + MagnetClient.segment(id))));
        }
    }

    /** The fields {@code create} and {@code edit} set; what is not given is left out of the request. */
    static final class Fields {
        @Option(names = "--name", paramLabel = "NAME", description = "the environment's name")
        String name;

        @Option(names = "--repo", paramLabel = "REPO", description = "the repository its sessions start from by default")
        String repo;

        @Option(names = "--branch", paramLabel = "BRANCH", description = "their base branch by default")
        String branch;

        @Option(names = "--image", paramLabel = "IMAGE", description = "the sandbox's image")
        String image;

        @Option(names = "--setup-script", paramLabel = "SCRIPT", description = "the setup script's text")
        String setupScript;

        @Option(names = "--setup-script-file", paramLabel = "FILE", description = "read the setup script from a file")
        Path setupScriptFile;

        @Option(names = "--run-script", paramLabel = "SCRIPT", description = "the background process (e.g. a dev server)")
        String runScript;

        @Option(names = "--preview-port", paramLabel = "PORT", description = "the port the preview shows")
        Integer previewPort;

        @Option(names = "--check-follow-ups", paramLabel = "N",
                description = "failed checks per pull request that become follow-ups (0: none)")
        Integer checkFollowUps;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "a variable (repeat; replaces all variables)")
        Map<String, String> env;

        @Option(names = "--secret", paramLabel = "NAME=VALUE", description = "set a secret (repeat)")
        Map<String, String> secrets;

        @Option(names = "--remove-secret", paramLabel = "NAME", description = "remove a secret (repeat)")
        List<String> removedSecrets;

        @Option(names = "--setup-network", paramLabel = "POLICY",
                description = "none, registries, full, or hosts separated by commas")
        String setupNetwork;

        @Option(names = "--agent-network", paramLabel = "POLICY",
                description = "none, registries, full, or hosts separated by commas")
        String agentNetwork;

        @Option(names = "--cache", paramLabel = "KEY", description = "none, commit, or files:FILE,FILE")
        String cache;

        @Option(names = "--enabled", paramLabel = "true|false", arity = "1", description = "whether sessions may pick it")
        Boolean enabled;

        @Option(names = "--default", paramLabel = "true|false", arity = "1", description = "the workspace's default")
        Boolean isDefault;

        Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            putIf(body, "name", name);
            putIf(body, "repo", repo);
            putIf(body, "branch", branch);
            putIf(body, "image", image);
            if (setupScriptFile != null) {
                try {
                    body.put("setupScript", Files.readString(setupScriptFile, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new CliException.Usage("cannot read " + setupScriptFile + ": " + e.getMessage());
                }
            }
            putIf(body, "setupScript", setupScript);
            putIf(body, "runScript", runScript);
            putIf(body, "previewPort", previewPort);
            putIf(body, "checkFollowUps", checkFollowUps);
            putIf(body, "env", env);
            Map<String, Object> secretChanges = new LinkedHashMap<>();
            if (secrets != null) {
                secretChanges.putAll(secrets);
            }
            if (removedSecrets != null) {
                removedSecrets.forEach(n -> secretChanges.put(n, null));
            }
            if (!secretChanges.isEmpty()) {
                body.put("secrets", secretChanges);
            }
            Map<String, Object> network = new LinkedHashMap<>();
            putIf(network, "setup", policyOf(setupNetwork));
            putIf(network, "agent", policyOf(agentNetwork));
            if (!network.isEmpty()) {
                body.put("network", network);
            }
            if (cache != null) {
                body.put("cache", cache.equals("none") ? null : cache.equals("commit") ? Map.of("key", "commit")
                        : cache.startsWith("files:") ? Map.of("key", "files", "files",
                        Arrays.stream(cache.substring(6).split(",")).map(String::strip).filter(f -> !f.isEmpty()).toList())
                        : invalidCache(cache));
            }
            putIf(body, "enabled", enabled);
            putIf(body, "default", isDefault);
            return body;
        }

        private static Object policyOf(String value) {
            if (value == null || List.of("none", "registries", "full").contains(value)) {
                return value;
            }
            return Map.of("allow", Arrays.stream(value.split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList());
        }

        private static Object invalidCache(String value) {
            throw new CliException.Usage("--cache must be none, commit or files:FILE,FILE, was '" + value + "'");
        }

        private static void putIf(Map<String, Object> body, String field, Object value) {
            if (value != null) {
                body.put(field, value);
            }
        }
    }

    /** {@code environments create --name …}. */
    @Command(name = "create", description = "Create an environment (admins).")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        private EnvironmentsCommand parent;

        @Mixin
        private Fields fields;

        @Override
        public Integer call() {
            return parent.run(client -> parent.print(client.postJson(PATH, fields.body())));
        }
    }

    /** {@code environments edit ID …}: changes only what is given. */
    @Command(name = "edit", description = "Change an environment (admins); only the options given change.")
    static final class Edit implements Callable<Integer> {
        @ParentCommand
        private EnvironmentsCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the environment's id")
        private String id;

        @Mixin
        private Fields fields;

        @Override
        public Integer call() {
            return parent.run(client -> parent.print(client.patchJson(PATH + "/" + MagnetClient.segment(id), fields.body())));
        }
    }

    /** {@code environments delete ID}. */
    @Command(name = "delete", description = "Delete an environment and its secrets (admins).")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        private EnvironmentsCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the environment's id")
        private String id;

        @Override
        public Integer call() {
            return parent.run(client -> parent.delete(client, PATH + "/" + MagnetClient.segment(id), "environment", id));
        }
    }
}
