package dev.magnet.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.auth.AccountService;
import dev.magnet.auth.Actor;
import dev.magnet.auth.AuditLog;
import dev.magnet.net.AddressPolicy;
import dev.magnet.net.ForbiddenAddressException;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import dev.magnet.web.Problem;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import dev.magnet.json.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.admin;
import static dev.magnet.web.Requests.intParam;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.string;
import static dev.magnet.web.RouteTable.Access.PUBLIC;

/**
 * The GitHub routes: the workspace's integration (read without secrets, set, remove) and the webhook endpoint
 * GitHub delivers to. The webhook is authenticated by its signature, not by an API key.
 *
 * <p>The audit log keeps every change of the integration ({@code github.integration.save}, {@code .replace},
 * {@code .remove}), every "test connection" and refused save with its result ({@code github.integration.test},
 * {@code .refused}), and links of GitHub logins ({@code github.link}, {@code github.unlink}); never a secret.
 */
public final class GitHubRoutes {
    private static final Set<String> FIELDS = Set.of("apiUrl", "appId", "privateKey", "token", "webhookSecret",
            "draftPullRequests");

    private final GitHubIntegration integration;
    private final Webhooks webhooks;
    private final AddressPolicy addresses;
    private final GitHubLoopStore loop;
    private final AccountService accounts;
    private final AuditLog audit;

    /**
     * @param addresses which hosts an API URL a workspace sets may point at (public ones, unless the operator allows more)
     * @param loop      the GitHub logins linked to members
     * @param accounts  the workspace's members (a login is linked only to one of them)
     * @param audit     where changes and checks of the integration, and naming its user, are recorded
     */
    public GitHubRoutes(GitHubIntegration integration, Webhooks webhooks, AddressPolicy addresses, GitHubLoopStore loop,
                        AccountService accounts, AuditLog audit) {
        if (audit == null) {
            throw new IllegalArgumentException("GitHubRoutes needs the AuditLog: changes of the integration are audited");
        }
        this.integration = integration;
        this.webhooks = webhooks;
        this.addresses = addresses;
        this.loop = loop;
        this.accounts = accounts;
        this.audit = audit;
    }

    public void register(RouteTable routes) {
        routes.get("/api/github/integration", this::show);
        routes.put("/api/github/integration", this::set);
        routes.delete("/api/github/integration", this::remove);
        routes.post("/api/github/integration/test", this::test);
        routes.get("/api/github/repositories", this::repositories);
        routes.post("/api/github/webhooks", PUBLIC, this::webhook);
        routes.get("/api/github/links", ctx -> json(ctx, 200, Map.of("links", loop.links(admin(ctx).workspaceId()).stream()
                .map(l -> Map.of("login", l.login(), "userId", l.userId(), "userName", l.userName(),
                        "createdAt", l.createdAt().toString())).toList())));
        routes.put("/api/github/links/{login}", this::link);
        routes.get("/api/github/integration-user", ctx -> json(ctx, 200, integrationUser(actor(ctx).workspaceId())));
        routes.put("/api/github/integration-user", this::setIntegrationUser);
        routes.delete("/api/github/links/{login}", ctx -> {
            Actor actor = admin(ctx);
            if (!loop.unlink(actor.workspaceId(), ctx.pathParam("login"))) {
                throw new NotFoundException("the GitHub login " + ctx.pathParam("login") + " is not linked in this workspace");
            }
            audit.record(actor, "github.unlink", "github_login", GitHubLoopStore.normal(ctx.pathParam("login")), null);
            ctx.status(204);
        });
    }

    /**
     * Links a GitHub login to a member (admins): comments, labels and mentions by that login then act as the member;
     * those of logins linked to nobody are ignored.
     */
    private void link(Context ctx) {
        Actor actor = admin(ctx);
        String login = ctx.pathParam("login");
        if (!login.matches("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\\[bot\\])?")) {
            throw new InvalidRequestException("login", "'" + login + "' is not a GitHub login");
        }
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("userId"));
        String userId = string(body, "userId");
        if (accounts.members(actor).stream().noneMatch(m -> m.userId().equals(userId))) {
            throw new InvalidRequestException("userId", "userId must be a member of this workspace");
        }
        loop.link(actor.workspaceId(), login, userId);
        audit.record(actor, "github.link", "github_login", GitHubLoopStore.normal(login), "as member " + userId);
        json(ctx, 200, Map.of("login", GitHubLoopStore.normal(login), "userId", userId));
    }

    /**
     * Names the member that triggers by bots and automation (GitHub's {@code type} {@code Bot}, the integration itself)
     * act as (admins; {@code {"userId": null}} names nobody, and then they start nothing). Audited.
     */
    private void setIntegrationUser(Context ctx) {
        Actor actor = admin(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("userId"));
        if (!body.has("userId")) {
            throw new InvalidRequestException("userId", "userId is required: a member's id, or null for nobody");
        }
        String userId = body.get("userId").isNull() ? null : string(body, "userId");
        if (userId != null && accounts.members(actor).stream().noneMatch(m -> m.userId().equals(userId))) {
            throw new InvalidRequestException("userId", "userId must be a member of this workspace");
        }
        loop.setIntegrationUser(actor.workspaceId(), userId);
        audit.record(actor, "github.integration_user_set", "workspace", actor.workspaceId(),
                userId == null ? "no integration user: triggers by bots start nothing" : "integration user " + userId);
        json(ctx, 200, integrationUser(actor.workspaceId()));
    }

    private Map<String, Object> integrationUser(String workspaceId) {
        Map<String, Object> out = new LinkedHashMap<>();
        Optional<Actor> user = loop.integrationUser(workspaceId);
        out.put("userId", user.map(Actor::userId).orElse(null));
        out.put("userName", user.map(Actor::userName).orElse(null));
        return out;
    }

    private void show(Context ctx) {
        Actor actor = actor(ctx);
        json(ctx, 200, view(integration.settings(actor.workspaceId()).orElse(null)));
    }

    private void set(Context ctx) {
        Actor actor = admin(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, FIELDS);
        JsonNode draft = body.get("draftPullRequests");
        if (draft != null && !draft.isNull() && !draft.isBoolean()) {
            throw new InvalidRequestException("draftPullRequests", "draftPullRequests must be true or false");
        }
        GitHubSettings settings = settingsOf(body, draft != null && draft.asBoolean(false));
        GitHubAccess.Connection connection;
        try {
            connection = verify(settings, "nothing was changed");
        } catch (InvalidRequestException e) {
            audit.record(actor, "github.integration.refused", "github", settings.apiUrl(), withoutSecrets(describe(settings)
                    + "; refused: " + e.getMessage(), settings));
            throw e;
        }
        boolean replacing = integration.settings(actor.workspaceId()).filter(s -> "api".equals(s.source())).isPresent();
        try {
            integration.save(actor.workspaceId(), settings);
        } catch (GitHubException e) {
            throw new InvalidRequestException("privateKey", e.getMessage());
        }
        audit.record(actor, replacing ? "github.integration.replace" : "github.integration.save", "github", settings.apiUrl(),
                withoutSecrets(describe(settings) + "; " + reached(connection), settings));
        json(ctx, 200, view(settings));
    }

    /** The settings a request gives, checked for form and for an API URL Magnet may call. */
    private GitHubSettings settingsOf(JsonNode body, boolean draft) {
        String token = string(body, "token");
        if (token != null && !token.matches("[\\x21-\\x7E]+")) {
            throw new InvalidRequestException("token", "token must be printable ASCII without spaces, as GitHub's tokens are");
        }
        String apiUrl = string(body, "apiUrl");
        try {
            // why: without an apiUrl the server's (MAGNET_GITHUB_API_URL, else api.github.com), so a GitHub Enterprise
            // operator sets it once
            GitHubSettings settings = new GitHubSettings(apiUrl == null ? integration.config().apiUrl() : apiUrl, string(body, "appId"),
                    string(body, "privateKey"), token, string(body, "webhookSecret"), draft, "api");
            checkReachable(settings.apiUrl());
            return settings;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(null, e.getMessage());
        }
    }

    /**
     * "Test connection": the credentials in the body (as for PUT), or else the integration the workspace uses, checked
     * against their API. Stores nothing.
     */
    private void test(Context ctx) {
        Actor actor = admin(ctx);
        JsonNode body = ctx.body().isBlank() ? Json.MAPPER.createObjectNode() : object(ctx);
        onlyFields(body, FIELDS);
        boolean given = body.hasNonNull("token") || body.hasNonNull("appId") || body.hasNonNull("privateKey");
        GitHubSettings settings = given ? settingsOf(body, false) : integration.settings(actor.workspaceId())
                .orElseThrow(() -> new NotFoundException("this workspace has no GitHub integration: give a token or an App to test"));
        GitHubAccess.Connection connection;
        try {
            connection = verify(settings, given ? "nothing was saved" : "the integration is unchanged");
        } catch (InvalidRequestException e) {
            audit.record(actor, "github.integration.test", "github", settings.apiUrl(), withoutSecrets(describe(settings)
                    + (given ? " (given)" : " (in use)") + "; refused: " + e.getMessage(), settings));
            throw e;
        }
        audit.record(actor, "github.integration.test", "github", settings.apiUrl(), withoutSecrets(describe(settings)
                + (given ? " (given)" : " (in use)") + "; accepted: " + reached(connection), settings));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("ok", true);
        out.put("kind", settings.isApp() ? "app" : "token");
        out.put("apiUrl", settings.apiUrl());
        out.put("account", connection.account());
        out.put("repositories", connection.repositories().size());
        out.put("moreRepositories", !connection.complete());
        json(ctx, 200, out);
    }

    /**
     * The repositories of the workspace's integration for the repository picker, read through the host-side
     * credentials (cached for a minute), filtered by {@code q} and paged by {@code page} and {@code perPage}; when GitHub
     * refuses or cannot be reached, an empty list with the {@code error}. The list holds the first
     * {@value GitHubIntegration#MAX_LISTED} ({@code complete} false when there are more): a {@code q} that names a
     * repository in full ({@code owner/name}) beyond them is looked up on GitHub and listed first when the integration
     * reaches it.
     */
    private void repositories(Context ctx) {
        Actor actor = actor(ctx);
        String q = ctx.queryParam("q") == null ? "" : ctx.queryParam("q").strip().toLowerCase(Locale.ROOT);
        int page = intParam(ctx, "page", 1, 1, 10_000);
        int perPage = intParam(ctx, "perPage", 30, 1, 100);
        Optional<GitHubAccess.Connection> listed;
        String error = null;
        try {
            listed = integration.repositories(actor.workspaceId());
        } catch (GitHubException e) {
            // why: GitHub failing is not this request's fault; the picker says why and falls back to the repositories used before
            listed = Optional.of(new GitHubAccess.Connection(null, List.of(), false));
            error = "the repositories of the GitHub integration could not be listed: " + e.getMessage();
        }
        List<GitHubAccess.Repository> matching = new java.util.ArrayList<>(listed.map(GitHubAccess.Connection::repositories)
                .orElse(List.of()).stream().filter(r -> r.fullName().toLowerCase(Locale.ROOT).contains(q)).toList());
        boolean complete = listed.map(GitHubAccess.Connection::complete).orElse(true);
        if (!complete && GitHubRepo.isFullName(q) && matching.stream().noneMatch(r -> r.fullName().equalsIgnoreCase(q))) {
            lookUp(actor.workspaceId(), q).ifPresent(r -> matching.addFirst(r));
        }
        int from = Math.min(matching.size(), (page - 1) * perPage);
        int to = Math.min(matching.size(), from + perPage);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("configured", listed.isPresent());
        out.put("repositories", matching.subList(from, to).stream().map(r -> Map.of("fullName", r.fullName(), "private", r.isPrivate(),
                "defaultBranch", r.defaultBranch() == null ? "" : r.defaultBranch())).toList());
        out.put("total", matching.size());
        out.put("page", page);
        out.put("nextPage", to < matching.size() ? page + 1 : null);
        out.put("complete", complete);
        if (error != null) {
            out.put("error", error);
        }
        json(ctx, 200, out);
    }

    /**
     * A repository named in full that the picker's list stops short of (it holds the first {@value GitHubIntegration#MAX_LISTED}),
     * looked up through the integration; empty when GitHub does not show it to the integration or cannot be asked.
     */
    private Optional<GitHubAccess.Repository> lookUp(String workspaceId, String fullName) {
        try {
            return integration.access(workspaceId).map(access -> access.lookUp(GitHubRepo.ofFullName(fullName)));
        } catch (GitHubException e) {
            return Optional.empty();
        }
    }

    /** Checks the credentials against GitHub; a refusal is a 400 naming the field GitHub did not accept. */
    private GitHubAccess.Connection verify(GitHubSettings settings, String unchanged) {
        try {
            return integration.check(settings);
        } catch (GitHubException e) {
            if (e.kind() == GitHubException.Kind.NOT_CONFIGURED) {
                throw new InvalidRequestException(e.getMessage().contains("App id") ? "appId" : "privateKey", e.getMessage());
            }
            String field = switch (e.kind()) {
                case UNAVAILABLE -> "apiUrl";
                case NOT_FOUND -> settings.isApp() ? "appId" : "apiUrl";
                default -> settings.isApp() ? "privateKey" : "token";
            };
            String what = settings.isApp() ? "GitHub App " + settings.appId() : "the token";
            throw new InvalidRequestException(field, "GitHub at " + settings.apiUrl() + " did not accept " + what + " (" + unchanged
                    + "): " + e.getMessage());
        }
    }

    /**
     * Refuses an API URL whose host is a loopback, link-local or private address the operator did not allow: Magnet
     * would otherwise call it with the workspace's credentials from inside the operator's network (SECURITY.md, rule 6).
     */
    private void checkReachable(String apiUrl) {
        try {
            addresses.check(java.net.URI.create(apiUrl).getHost());
        } catch (ForbiddenAddressException e) {
            if (e.forbidden()) {
                throw new InvalidRequestException("apiUrl", "apiUrl " + apiUrl + ": " + e.getMessage());
            }
            // why: a name that does not resolve from here cannot be reached either; the first call says so
        }
    }

    private void remove(Context ctx) {
        Actor actor = admin(ctx);
        Optional<GitHubSettings> before = integration.settings(actor.workspaceId()).filter(s -> "api".equals(s.source()));
        if (!integration.remove(actor.workspaceId())) {
            throw new NotFoundException("this workspace has no GitHub integration of its own");
        }
        audit.record(actor, "github.integration.remove", "github", before.map(GitHubSettings::apiUrl).orElse(null),
                before.map(GitHubRoutes::describe).orElse(null));
        ctx.status(204);
    }

    /** What the audit log says of settings: their kind, App id, API URL and which options are set; never a secret. */
    private static String describe(GitHubSettings s) {
        return (s.isApp() ? "GitHub App " + s.appId() : "token") + " at " + s.apiUrl()
                + (s.webhookSecret() != null ? ", webhook secret set" : "") + (s.draftPullRequests() ? ", draft pull requests" : "");
    }

    private static String reached(GitHubAccess.Connection c) {
        return "account " + c.account() + ", " + c.repositories().size() + (c.complete() ? "" : "+") + " repositories";
    }

    /**
     * {@code text} with every secret of {@code s} masked: GitHub's refusal is quoted in the audit entry, and an echo of
     * the credential must not end up in the audit log.
     */
    private static String withoutSecrets(String text, GitHubSettings s) {
        String out = text;
        for (String secret : new String[] {s.token(), s.privateKey(), s.webhookSecret()}) {
            if (secret != null && !secret.isBlank()) {
                out = out.replace(secret, "[redacted]");
            }
        }
        return out;
    }

    private void webhook(Context ctx) {
        Webhooks.Result result = webhooks.receive(ctx.header("X-GitHub-Event"), ctx.header("X-GitHub-Delivery"),
                ctx.header("X-Hub-Signature-256"), ctx.bodyAsBytes());
        switch (result.outcome()) {
            case BAD_SIGNATURE -> Problem.send(ctx, 401, "Unauthorized",
                    "the X-Hub-Signature-256 signature does not match a webhook secret of this server", null);
            case DUPLICATE -> json(ctx, 200, Map.of("duplicate", true));
            case HANDLED -> json(ctx, 200, Map.of("changed", result.changed()));
        }
    }

    /** The integration for people: never its secrets, only whether they are set. */
    private static Map<String, Object> view(GitHubSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("configured", s != null);
        if (s != null) {
            m.put("source", s.source());
            m.put("kind", s.isApp() ? "app" : "token");
            m.put("apiUrl", s.apiUrl());
            m.put("appId", s.appId());
            m.put("webhookSecretSet", s.webhookSecret() != null);
            m.put("draftPullRequests", s.draftPullRequests());
        }
        return m;
    }
}
