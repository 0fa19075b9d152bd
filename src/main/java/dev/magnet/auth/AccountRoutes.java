package dev.magnet.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.browserToken;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.requireJson;
import static dev.magnet.web.Requests.string;
import static dev.magnet.web.RouteTable.Access.PUBLIC;

/** Sign-in and sign-out (password and single sign-on), the caller ({@code /api/me}), workspace switching. */
public final class AccountRoutes {
    private static final Logger log = LoggerFactory.getLogger(AccountRoutes.class);
    private static final Duration OIDC_ATTEMPT = Duration.ofMinutes(10);
    private final AccountService service;
    private final BrowserSessions browsers;
    private final SessionCookies cookies;
    private final OidcClient oidc;
    private final String oidcName;
    private final String publicUrl;

    /**
     * @param oidc     the single sign-on provider, or null when none is configured
     * @param oidcName what the sign-in button for it says
     */
    public AccountRoutes(AccountService service, BrowserSessions browsers, SessionCookies cookies, OidcClient oidc,
                         String oidcName, String publicUrl) {
        this.service = service;
        this.browsers = browsers;
        this.cookies = cookies;
        this.oidc = oidc;
        this.oidcName = oidcName;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    public void register(RouteTable routes) {
        routes.get("/api/auth/config", PUBLIC, this::config);
        routes.post("/api/auth/signin", PUBLIC, this::signIn);
        routes.post("/api/auth/signout", PUBLIC, this::signOut);
        routes.get("/api/auth/oidc/start", PUBLIC, this::oidcStart);
        routes.get("/api/auth/oidc/callback", PUBLIC, this::oidcCallback);
        routes.get("/api/me", this::me);
        routes.post("/api/me/workspace", this::switchWorkspace);
        routes.post("/api/me/password", this::changePassword);
        routes.post("/api/workspaces", this::createWorkspace);
    }

    private void config(Context ctx) {
        Map<String, Object> sso = new LinkedHashMap<>();
        sso.put("enabled", oidc != null);
        sso.put("name", oidc == null ? null : oidcName);
        sso.put("startUrl", oidc == null ? null : "/api/auth/oidc/start");
        json(ctx, 200, Map.of("password", true, "oidc", sso));
    }

    private void signIn(Context ctx) {
        requireJson(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("email", "password"));
        String email = string(body, "email");
        String password = string(body, "password");
        if (email == null || email.isBlank() || email.length() > 320) {
            throw new InvalidRequestException("email", "email is required");
        }
        if (password == null || password.isEmpty() || password.length() > Passwords.MAX_LENGTH) {
            throw new InvalidRequestException("password", "password is required");
        }
        signedIn(ctx, service.signIn(email, password, ctx.ip()));
    }

    private void signOut(Context ctx) {
        String token = browserToken(ctx);
        if (token != null) {
            browsers.delete(token);
        }
        cookies.signOut(ctx);
        ctx.status(204);
    }

    private void oidcStart(Context ctx) {
        if (oidc == null) {
            throw new NotFoundException("single sign-on is not configured");
        }
        String invite = ctx.queryParam("invite");
        if (invite != null && !invite.matches("[A-Za-z0-9_-]{1,100}")) {
            throw new InvalidRequestException("invite", "invite is not a token this server gave out");
        }
        OidcClient.Start start = oidc.start(callbackUrl());
        cookies.oidcPending(ctx, start.state() + "." + start.nonce() + "." + start.verifier() + "." + (invite == null ? "" : invite),
                OIDC_ATTEMPT);
        ctx.redirect(start.url(), HttpStatus.FOUND);
    }

    private void oidcCallback(Context ctx) {
        if (oidc == null) {
            throw new NotFoundException("single sign-on is not configured");
        }
        String pending = ctx.cookie(SessionCookies.OIDC);
        cookies.clearOidc(ctx);
        String[] parts = pending == null ? new String[0] : pending.split("\\.", -1);
        String state = ctx.queryParam("state");
        String code = ctx.queryParam("code");
        if (parts.length != 4 || state == null || !MessageDigest.isEqual(state.getBytes(StandardCharsets.UTF_8),
                parts[0].getBytes(StandardCharsets.UTF_8))) {
            back(ctx, "the sign-in expired or was started in another browser; try again");
            return;
        }
        if (code == null || code.isBlank() || code.length() > 2000) {
            back(ctx, "the provider did not sign you in" + (ctx.queryParam("error") == null ? "" : " (" + ctx.queryParam("error") + ")"));
            return;
        }
        try {
            OidcClient.Identity identity = oidc.finish(code, callbackUrl(), parts[1], parts[2]);
            BrowserSessions.NewSignIn signIn = service.signInWithProvider(identity, parts[3].isEmpty() ? null : parts[3]);
            cookies.signIn(ctx, signIn);
            ctx.redirect("/", HttpStatus.FOUND);
        } catch (OidcClient.OidcException e) {
            log.warn("single sign-on failed: {}", e.getMessage());
            back(ctx, "the identity provider's answer could not be verified");
        } catch (dev.magnet.web.ForbiddenException | NotFoundException | InvalidRequestException e) {
            back(ctx, e.getMessage());
        }
    }

    private void me(Context ctx) {
        Actor actor = actor(ctx);
        String csrf = browserToken(ctx) == null ? null : browsers.authenticate(browserToken(ctx))
                .map(BrowserSessions.SignedIn::csrfToken).orElse(null);
        json(ctx, 200, AccountViews.me(service.me(actor), actor, csrf));
    }

    private void switchWorkspace(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("workspaceId"));
        String workspaceId = string(body, "workspaceId");
        if (workspaceId == null) {
            throw new InvalidRequestException("workspaceId", "workspaceId is required");
        }
        service.switchWorkspace(actor, browserToken(ctx), workspaceId);
        BrowserSessions.SignedIn now = browsers.authenticate(browserToken(ctx)).orElseThrow();
        json(ctx, 200, AccountViews.me(service.me(now.actor()), now.actor(), now.csrfToken()));
    }

    private void changePassword(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("currentPassword", "newPassword"));
        service.changePassword(actor, browserToken(ctx), string(body, "currentPassword"), string(body, "newPassword"));
        ctx.status(204);
    }

    private void createWorkspace(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("name"));
        Membership created = service.createWorkspace(actor, string(body, "name"));
        json(ctx, 201, AccountViews.membership(created));
    }

    private void signedIn(Context ctx, BrowserSessions.NewSignIn signIn) {
        cookies.signIn(ctx, signIn);
        Actor actor = browsers.authenticate(signIn.token()).orElseThrow().actor();
        json(ctx, 200, AccountViews.me(service.me(actor), actor, signIn.csrfToken()));
    }

    private String callbackUrl() {
        return publicUrl + "/api/auth/oidc/callback";
    }

    private static void back(Context ctx, String problem) {
        ctx.redirect("/?signInError=" + URLEncoder.encode(problem, StandardCharsets.UTF_8), HttpStatus.FOUND);
    }
}
