package dev.magnet.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.RouteTable;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static dev.magnet.auth.Callers.actor;
import static dev.magnet.auth.Callers.optionalActor;
import static dev.magnet.web.Requests.json;
import static dev.magnet.web.Requests.object;
import static dev.magnet.web.Requests.onlyFields;
import static dev.magnet.web.Requests.requireJson;
import static dev.magnet.web.Requests.string;
import static dev.magnet.web.RouteTable.Access.PUBLIC;

/** Members of the current workspace and invite links: admins manage them; anyone with a link may accept it. */
public final class MemberRoutes {
    private final AccountService service;
    private final BrowserSessions browsers;
    private final SessionCookies cookies;
    private final String publicUrl;

    public MemberRoutes(AccountService service, BrowserSessions browsers, SessionCookies cookies, String publicUrl) {
        this.service = service;
        this.browsers = browsers;
        this.cookies = cookies;
        this.publicUrl = publicUrl.endsWith("/") ? publicUrl.substring(0, publicUrl.length() - 1) : publicUrl;
    }

    public void register(RouteTable routes) {
        routes.patch("/api/workspace", this::rename);
        routes.get("/api/workspace/members", this::members);
        routes.patch("/api/workspace/members/{userId}", this::setRole);
        routes.delete("/api/workspace/members/{userId}", this::remove);
        routes.post("/api/workspace/invites", this::invite);
        routes.get("/api/workspace/invites", this::invites);
        routes.delete("/api/workspace/invites/{id}", this::revokeInvite);
        routes.get("/api/invites/{token}", PUBLIC, this::showInvite);
        routes.post("/api/invites/{token}/accept", PUBLIC, this::accept);
    }

    private void rename(Context ctx) {
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("name"));
        Membership renamed = service.renameWorkspace(actor(ctx), string(body, "name"));
        json(ctx, 200, Map.of("workspace", Map.of("id", renamed.workspaceId(), "name", renamed.workspaceName())));
    }

    private void members(Context ctx) {
        json(ctx, 200, Map.of("members", service.members(actor(ctx)).stream().map(AccountViews::member).toList()));
    }

    private void setRole(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("role"));
        Role role = Role.parse(string(body, "role"), "role");
        json(ctx, 200, AccountViews.member(service.setRole(actor, ctx.pathParam("userId"), role)));
    }

    private void remove(Context ctx) {
        service.removeMember(actor(ctx), ctx.pathParam("userId"));
        ctx.status(204);
    }

    private void invite(Context ctx) {
        Actor actor = actor(ctx);
        JsonNode body = object(ctx);
        onlyFields(body, Set.of("role", "email"));
        String role = string(body, "role");
        Invites.Created created = service.invite(actor, role == null ? Role.MEMBER : Role.parse(role, "role"), string(body, "email"));
        Map<String, Object> out = AccountViews.invite(created.invite());
        out.put("token", created.token());
        out.put("url", publicUrl + "/?invite=" + created.token());
        json(ctx, 201, out);
    }

    private void invites(Context ctx) {
        json(ctx, 200, Map.of("invites", service.invites(actor(ctx)).stream().map(AccountViews::invite).toList()));
    }

    private void revokeInvite(Context ctx) {
        service.revokeInvite(actor(ctx), ctx.pathParam("id"));
        ctx.status(204);
    }

    private void showInvite(Context ctx) {
        Invite invite = service.pendingInvite(ctx.pathParam("token"));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("workspace", Map.of("name", invite.workspaceName()));
        out.put("role", invite.role());
        out.put("email", invite.email());
        out.put("expiresAt", invite.expiresAt().toString());
        json(ctx, 200, out);
    }

    private void accept(Context ctx) {
        Actor signedIn = optionalActor(ctx);
        AccountService.NewAccount account = null;
        if (signedIn == null) {
            requireJson(ctx);
            JsonNode body = object(ctx);
            onlyFields(body, Set.of("name", "email", "password"));
            account = new AccountService.NewAccount(string(body, "name"), string(body, "email"), string(body, "password"));
        }
        AccountService.Joined joined = service.acceptInvite(ctx.pathParam("token"), signedIn, account);
        if (signedIn != null) {
            json(ctx, 200, Map.of("workspace", Map.of("id", joined.workspaceId()), "user", AccountViews.user(joined.user())));
            return;
        }
        BrowserSessions.NewSignIn signIn = service.signInVerified(joined.user().id(), joined.workspaceId());
        cookies.signIn(ctx, signIn);
        Actor actor = browsers.authenticate(signIn.token()).orElseThrow(() -> new InvalidRequestException(null, "sign-in failed"))
                .actor();
        json(ctx, 200, AccountViews.me(service.me(actor), actor, signIn.csrfToken()));
    }
}
