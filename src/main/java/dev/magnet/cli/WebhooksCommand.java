package dev.magnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code magnet webhooks …}: the workspace's outgoing webhooks (admins): list, create (prints the signing secret
 * once), show, edit, delete; a webhook's deliveries, one delivery with every attempt, and sending one again.
 */
@Command(name = "webhooks", description = "Manage the workspace's outgoing webhooks and their deliveries (admins).",
        subcommands = {
            WebhooksCommand.ListWebhooks.class,
            WebhooksCommand.Create.class,
            WebhooksCommand.Show.class,
            WebhooksCommand.Edit.class,
            WebhooksCommand.Delete.class,
            WebhooksCommand.Deliveries.class,
            WebhooksCommand.ShowDelivery.class,
            WebhooksCommand.Redeliver.class,
        })
public final class WebhooksCommand extends ClientCommand {
    private static final String PATH = "/api/webhooks";

    public WebhooksCommand() {
        this(CliEnvironment.system());
    }

    public WebhooksCommand(CliEnvironment env) {
        super(env);
    }

    int print(JsonNode w) {
        if (json()) {
            printJson(w);
            return ExitCodes.OK;
        }
        var out = env().out();
        out.println(w.path("id").asText() + "  " + w.path("url").asText() + (w.path("enabled").asBoolean() ? "" : "  (disabled)"));
        out.println("  events   " + String.join(", ", strings(w.path("events"))));
        out.println("  format   " + w.path("format").asText());
        if (w.hasNonNull("secret")) {
            out.println("  secret   " + w.path("secret").asText() + "   (shown this once: keep it to verify Magnet-Signature)");
        }
        return ExitCodes.OK;
    }

    int printDelivery(JsonNode d, boolean full) {
        if (json()) {
            printJson(d);
            return ExitCodes.OK;
        }
        var out = env().out();
        out.println(line(d));
        if (full) {
            for (JsonNode a : d.path("history")) {
                out.println(String.format("  attempt %-3d %s  %s  %d ms", a.path("attempt").asInt(), a.path("at").asText(),
                        a.path("responseStatus").isNull() ? a.path("error").asText() : "HTTP " + a.path("responseStatus").asInt(),
                        a.path("durationMs").asLong()));
            }
            out.println("  body " + d.path("payload").toString());
        }
        return ExitCodes.OK;
    }

    private static String line(JsonNode d) {
        String answer = d.path("responseStatus").isNull() ? Formats.cut(d.path("error").asText(""), 60)
                : "HTTP " + d.path("responseStatus").asInt();
        return String.format("%-36s  %-17s  %-9s  %2d attempt(s)  %s%s", d.path("id").asText(), d.path("event").asText(),
                d.path("state").asText(), d.path("attempts").asInt(), answer,
                d.path("redeliveryOf").isNull() ? "" : "  (redelivery of " + d.path("redeliveryOf").asText() + ")");
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** {@code webhooks list}. */
    @Command(name = "list", description = "List the workspace's webhooks.")
    static final class ListWebhooks implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Override
        public Integer call() {
            return parent.run(client -> {
                JsonNode answer = client.getJson(PATH);
                if (parent.json()) {
                    parent.printJson(answer);
                    return ExitCodes.OK;
                }
                if (answer.path("webhooks").isEmpty()) {
                    parent.env().out().println("No webhooks yet.");
                }
                for (JsonNode w : answer.path("webhooks")) {
                    parent.env().out().println(String.format("%-36s  %-40s  %s", w.path("id").asText(),
                            Formats.cut(w.path("url").asText(), 40), String.join(",", strings(w.path("events")))));
                }
                return ExitCodes.OK;
            });
        }
    }

    /** The fields {@code create} and {@code edit} set. */
    static final class Fields {
        @Option(names = "--endpoint", paramLabel = "URL", description = "where to post events (http or https)")
        String url;

        @Option(names = "--event", paramLabel = "EVENT", description = "an event to send (repeat; default: all of "
                + "session.created, session.waiting, session.completed, session.failed, pr.opened, pr.merged, pr.closed)")
        List<String> events;

        @Option(names = "--format", paramLabel = "FORMAT", description = "magnet (default) or slack")
        String format;

        @Option(names = "--enabled", paramLabel = "true|false", arity = "1", description = "whether events are sent")
        Boolean enabled;

        Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (url != null) {
                body.put("url", url);
            }
            if (events != null) {
                body.put("events", events);
            }
            if (format != null) {
                body.put("format", format);
            }
            if (enabled != null) {
                body.put("enabled", enabled);
            }
            return body;
        }
    }

    /** {@code webhooks create URL …}. */
    @Command(name = "create", description = "Create a webhook; prints its signing secret, this once.")
    static final class Create implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "URL", description = "where to post events (http or https)")
        private String url;

        @picocli.CommandLine.Mixin
        private Fields fields;

        @Override
        public Integer call() {
            fields.url = url;
            return parent.run(client -> parent.print(client.postJson(PATH, fields.body())));
        }
    }

    /** {@code webhooks show ID}. */
    @Command(name = "show", description = "Show one webhook.")
    static final class Show implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @Override
        public Integer call() {
            return parent.run(client -> parent.print(client.getJson(PATH + "/" + MagnetClient.segment(id))));
        }
    }

    /** {@code webhooks edit ID …}. */
    @Command(name = "edit", description = "Change a webhook; only the options given change.")
    static final class Edit implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @picocli.CommandLine.Mixin
        private Fields fields;

        @Override
        public Integer call() {
            return parent.run(client -> parent.print(client.patchJson(PATH + "/" + MagnetClient.segment(id), fields.body())));
        }
    }

    /** {@code webhooks delete ID}. */
    @Command(name = "delete", description = "Delete a webhook and its deliveries.")
    static final class Delete implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @Override
        public Integer call() {
            return parent.run(client -> parent.delete(client, PATH + "/" + MagnetClient.segment(id), "webhook", id));
        }
    }

    /** {@code webhooks deliveries ID}. */
    @Command(name = "deliveries", description = "List a webhook's deliveries, newest first, with their last answer.")
    static final class Deliveries implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @Override
        public Integer call() {
            return parent.run(client -> {
                JsonNode answer = client.getJson(PATH + "/" + MagnetClient.segment(id) + "/deliveries");
                if (parent.json()) {
                    parent.printJson(answer);
                    return ExitCodes.OK;
                }
                if (answer.path("deliveries").isEmpty()) {
                    parent.env().out().println("No deliveries yet.");
                }
                answer.path("deliveries").forEach(d -> parent.env().out().println(line(d)));
                return ExitCodes.OK;
            });
        }
    }

    /** {@code webhooks delivery ID DELIVERY}. */
    @Command(name = "delivery", description = "Show one delivery: every attempt's answer and the body sent.")
    static final class ShowDelivery implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @Parameters(index = "1", paramLabel = "DELIVERY", description = "the delivery's id")
        private String delivery;

        @Override
        public Integer call() {
            return parent.run(client -> parent.printDelivery(client.getJson(PATH + "/" + MagnetClient.segment(id)
                    + "/deliveries/" + MagnetClient.segment(delivery)), true));
        }
    }

    /** {@code webhooks redeliver ID DELIVERY}. */
    @Command(name = "redeliver", description = "Send a delivery's body again, as a new delivery.")
    static final class Redeliver implements Callable<Integer> {
        @ParentCommand
        private WebhooksCommand parent;

        @Parameters(index = "0", paramLabel = "ID", description = "the webhook's id")
        private String id;

        @Parameters(index = "1", paramLabel = "DELIVERY", description = "the delivery's id")
        private String delivery;

        @Override
        public Integer call() {
            return parent.run(client -> parent.printDelivery(client.postJson(PATH + "/" + MagnetClient.segment(id)
                    + "/deliveries/" + MagnetClient.segment(delivery) + "/redeliver", Map.of()), false));
        }
    }
}
