package dev.magnet.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import dev.magnet.session.PullRequest;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * GitHub webhook deliveries: checks the {@code X-Hub-Signature-256} HMAC against the webhook secrets Magnet
 * knows, handles each delivery once (by {@code X-GitHub-Delivery}) and moves sessions' pull requests to the
 * state a {@code pull_request} event reports. A secret set by a workspace only vouches for that workspace's
 * sessions; the environment's secret for the workspaces that use the environment's integration.
 */
public final class Webhooks {

    /** What became of a delivery. */
    public enum Outcome {
        /** The signature did not match any known secret (or was missing): rejected, nothing changed. */
        BAD_SIGNATURE,
        /** This delivery id was handled before: nothing changed. */
        DUPLICATE,
        /** Handled; the number of sessions whose pull request changed is in {@link Result#changed()}. */
        HANDLED
    }

    /** The outcome of one delivery. */
    public record Result(Outcome outcome, int changed) {
    }

    private final GitHubIntegration integration;
    private final SessionStore store;
    private final PullRequestRecorder recorder;
    private final Clock clock;
    private final Jdbi jdbi;
    private final GitHubTriggers triggers;

    /** @param jdbi the database, for the integration's own table of deliveries seen */
    public Webhooks(GitHubIntegration integration, SessionStore store, PullRequestRecorder recorder, Jdbi jdbi, Clock clock) {
        this(integration, store, recorder, jdbi, clock, null);
    }

    /** @param triggers what comments, labelled issues and check runs start (null: only pull request states are followed) */
    public Webhooks(GitHubIntegration integration, SessionStore store, PullRequestRecorder recorder, Jdbi jdbi, Clock clock,
                    GitHubTriggers triggers) {
        this.triggers = triggers;
        this.jdbi = jdbi;
        this.integration = integration;
        this.store = store;
        this.recorder = recorder;
        this.clock = clock;
    }

    /** Handles one delivery: {@code event} is {@code X-GitHub-Event}, {@code body} the raw bytes GitHub signed. */
    public Result receive(String event, String deliveryId, String signature, byte[] body) {
        Optional<Scope> scope = verify(signature, body);
        if (scope.isEmpty()) {
            return new Result(Outcome.BAD_SIGNATURE, 0);
        }
        if (triggers != null) {
            triggers.heard(scope.get());
        }
        if (deliveryId != null && !firstTime(deliveryId, event)) {
            return new Result(Outcome.DUPLICATE, 0);
        }
        JsonNode payload;
        try {
            payload = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            return new Result(Outcome.HANDLED, 0);
        }
        if (!"pull_request".equals(event)) {
            return new Result(Outcome.HANDLED, triggers == null ? 0 : triggers.handle(event, payload, scope.get()));
        }
        JsonNode pr = payload.path("pull_request");
        String repo = payload.path("repository").path("full_name").asText("");
        int number = pr.path("number").asInt(payload.path("number").asInt(0));
        if (number <= 0 || !GitHubRepo.isFullName(repo)) {
            return new Result(Outcome.HANDLED, 0);
        }
        PullRequest.State state = pr.path("merged").asBoolean(false) ? PullRequest.State.MERGED
                : "open".equals(pr.path("state").asText()) ? PullRequest.State.OPEN : PullRequest.State.CLOSED;
        List<Session> sessions = store.withPullRequest(repo, number);
        int changed = 0;
        for (Session s : sessions) {
            if (scope.get().covers(s.workspaceId(), integration) && s.pr() != null) {
                PullRequest next = new PullRequest(number, pr.path("html_url").asText(s.pr().url()), state);
                if (recorder.record(s.id(), next, null)) {
                    changed++;
                }
            }
        }
        return new Result(Outcome.HANDLED, changed);
    }

    /** Which workspaces a verified delivery speaks for. */
    record Scope(boolean environment, Set<String> workspaces) {
        boolean covers(String workspaceId, GitHubIntegration integration) {
            return workspaces.contains(workspaceId) || (environment && integration.usesEnvironment(workspaceId));
        }

        /** The workspaces it names by their own secrets (those of the environment's secret are found by their links). */
        Set<String> candidates(GitHubIntegration integration) {
            return workspaces;
        }
    }

    private Optional<Scope> verify(String signature, byte[] body) {
        if (signature == null || !signature.startsWith("sha256=")) {
            return Optional.empty();
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(signature.substring("sha256=".length()).strip());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        boolean environment = integration.environmentWebhookSecret().map(secret -> matches(secret, body, given)).orElse(false);
        Set<String> workspaces = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : integration.workspaceWebhookSecrets().entrySet()) {
            if (matches(e.getValue(), body, given)) {
                workspaces.add(e.getKey());
            }
        }
        return environment || !workspaces.isEmpty() ? Optional.of(new Scope(environment, workspaces)) : Optional.empty();
    }

    /** The HMAC-SHA256 signature GitHub sends for {@code body} with {@code secret}, as {@code sha256=<hex>}. */
    public static String sign(String secret, byte[] body) {
        return "sha256=" + HexFormat.of().formatHex(hmac(secret, body));
    }

    private static boolean matches(String secret, byte[] body, byte[] given) {
        // why: a constant-time comparison, so timing does not reveal how much of a forged signature was right
        return MessageDigest.isEqual(hmac(secret, body), given);
    }

    private static byte[] hmac(String secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has HmacSHA256", e);
        }
    }

    private boolean firstTime(String deliveryId, String event) {
        String id = deliveryId.length() > 100 ? deliveryId.substring(0, 100) : deliveryId;
        return jdbi.inTransaction(h -> {
            boolean seen = h.createQuery("select count(*) from github_deliveries where delivery_id = :id")
                    .bind("id", id).mapTo(Integer.class).one() > 0;
            if (seen) {
                return false;
            }
            try {
                h.createUpdate("insert into github_deliveries (delivery_id, event, received_at) values (:id, :event, :at)")
                        .bind("id", id).bind("event", event == null ? "" : event).bind("at", clock.instant()).execute();
                return true;
            } catch (RuntimeException e) {
                // why: two replicas may take the same redelivery at once; the primary key lets one of them win
                return false;
            }
        });
    }
}
