package dev.magnet.auth;

import io.javalin.http.Context;
import java.time.Duration;

/**
 * The two cookies of a signed-in browser. {@code magnet_session} holds the sign-in token: HttpOnly, so scripts
 * cannot read it. {@code magnet_csrf} holds the CSRF token: readable by the UI's script, which repeats it in the
 * {@code X-CSRF-Token} header of every write (a page of another site can neither read it nor set that header).
 * Both are {@code SameSite=Lax} and {@code Secure} behind TLS.
 */
public final class SessionCookies {
    public static final String SESSION = "magnet_session";
    public static final String CSRF = "magnet_csrf";
    public static final String OIDC = "magnet_oidc";
    private final Boolean secure;
    private final boolean publicUrlIsHttps;

    /**
     * @param secure    true or false to force the Secure attribute; null to set it when the public URL or the
     *                  request is https
     * @param publicUrl how Magnet is reached from outside
     */
    public SessionCookies(Boolean secure, String publicUrl) {
        this.secure = secure;
        this.publicUrlIsHttps = publicUrl != null && publicUrl.startsWith("https:");
    }

    public void signIn(Context ctx, BrowserSessions.NewSignIn signIn) {
        long maxAge = BrowserSessions.LIFETIME.toSeconds();
        set(ctx, SESSION, signIn.token(), maxAge, true);
        set(ctx, CSRF, signIn.csrfToken(), maxAge, false);
    }

    public void signOut(Context ctx) {
        set(ctx, SESSION, "", 0, true);
        set(ctx, CSRF, "", 0, false);
    }

    /** A short-lived HttpOnly cookie that carries a single sign-on attempt from the start to the callback. */
    public void oidcPending(Context ctx, String value, Duration lifetime) {
        set(ctx, OIDC, value, lifetime.toSeconds(), true);
    }

    public void clearOidc(Context ctx) {
        set(ctx, OIDC, "", 0, true);
    }

    private void set(Context ctx, String name, String value, long maxAgeSeconds, boolean httpOnly) {
        boolean secureNow = secure != null ? secure : publicUrlIsHttps || "https".equals(ctx.scheme());
        // why: Lax, not Strict, so that a link to Magnet from a pull request or a chat opens signed in, and so
        // that the identity provider's redirect back brings the magnet_oidc cookie; writes are guarded by CSRF
        String cookie = name + "=" + value + "; Path=/; Max-Age=" + maxAgeSeconds + "; SameSite=Lax"
                + (httpOnly ? "; HttpOnly" : "") + (secureNow ? "; Secure" : "");
        ctx.res().addHeader("Set-Cookie", cookie);
    }
}
