package dev.magnet.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A local OpenID Connect provider on 127.0.0.1 for tests: discovery, JWKS, an authorize endpoint that signs in
 * whoever {@link #signInAs} names and redirects back with a code, and a token endpoint that checks the client
 * secret, the redirect URI and the PKCE verifier and answers with an RS256-signed ID token.
 */
public final class FakeOidcProvider implements AutoCloseable {
    public static final String CLIENT_ID = "magnet-test";
    public static final String CLIENT_SECRET = "oidc-client-secret-for-tests";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final RSAKey key;
    private final RSAKey foreignKey;
    private final Map<String, Map<String, String>> codes = new ConcurrentHashMap<>();
    private volatile Map<String, Object> person = Map.of();
    private volatile boolean signWithForeignKey;

    private FakeOidcProvider(HttpServer server) throws JOSEException {
        this.server = server;
        this.key = new RSAKeyGenerator(2048).keyID("k1").generate();
        this.foreignKey = new RSAKeyGenerator(2048).keyID("k1").generate();
    }

    public static FakeOidcProvider start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            FakeOidcProvider p = new FakeOidcProvider(http);
            http.createContext("/.well-known/openid-configuration", p::discovery);
            http.createContext("/jwks", ex -> p.send(ex, 200, new JWKSet(p.key.toPublicJWK()).toString()));
            http.createContext("/authorize", p::authorize);
            http.createContext("/token", p::token);
            http.start();
            return p;
        } catch (IOException | JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    public String issuer() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Who the next authorization signs in: subject, email, whether it is verified, and name. */
    public void signInAs(String subject, String email, boolean emailVerified, String name) {
        Map<String, Object> p = new HashMap<>();
        p.put("sub", subject);
        p.put("email", email);
        p.put("email_verified", emailVerified);
        p.put("name", name);
        person = p;
    }

    /** Makes the token endpoint sign ID tokens with a key that is not in the JWKS (a forged token). */
    public void forgeTokens(boolean forge) {
        signWithForeignKey = forge;
    }

    private void discovery(HttpExchange ex) throws IOException {
        Map<String, Object> doc = new HashMap<>();
        doc.put("issuer", issuer());
        doc.put("authorization_endpoint", issuer() + "/authorize");
        doc.put("token_endpoint", issuer() + "/token");
        doc.put("jwks_uri", issuer() + "/jwks");
        doc.put("id_token_signing_alg_values_supported", new String[] {"RS256"});
        // why: OpenID Connect Discovery 1.0 §3 requires these; the SDK Magnet uses refuses a document without them
        doc.put("response_types_supported", new String[] {"code"});
        doc.put("subject_types_supported", new String[] {"public"});
        send(ex, 200, JSON.writeValueAsString(doc));
    }

    private void authorize(HttpExchange ex) throws IOException {
        Map<String, String> q = form(ex.getRequestURI().getRawQuery());
        if (!CLIENT_ID.equals(q.get("client_id")) || !"code".equals(q.get("response_type"))
                || !"S256".equals(q.get("code_challenge_method"))) {
            send(ex, 400, "{\"error\":\"invalid_request\"}");
            return;
        }
        String code = UUID.randomUUID().toString();
        Map<String, String> grant = new HashMap<>(q);
        codes.put(code, grant);
        String location = q.get("redirect_uri") + "?code=" + code + "&state=" + URLEncoder.encode(q.get("state"), StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Location", location);
        ex.sendResponseHeaders(302, -1);
        ex.close();
    }

    private void token(HttpExchange ex) throws IOException {
        String expected = "Basic " + Base64.getEncoder().encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
        Map<String, String> f = form(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        Map<String, String> grant = codes.remove(f.getOrDefault("code", ""));
        if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization")) || grant == null
                || !grant.get("redirect_uri").equals(f.get("redirect_uri"))
                || !grant.get("code_challenge").equals(challenge(f.getOrDefault("code_verifier", "")))) {
            send(ex, 400, "{\"error\":\"invalid_grant\"}");
            return;
        }
        try {
            JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().issuer(issuer()).audience(CLIENT_ID)
                    .issueTime(new Date()).expirationTime(new Date(System.currentTimeMillis() + 300_000))
                    .claim("nonce", grant.get("nonce"));
            person.forEach((k, v) -> {
                if (k.equals("sub")) {
                    claims.subject((String) v);
                } else {
                    claims.claim(k, v);
                }
            });
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims.build());
            jwt.sign(new RSASSASigner(signWithForeignKey ? foreignKey : key));
            send(ex, 200, JSON.writeValueAsString(Map.of("access_token", "at", "token_type", "Bearer", "id_token", jwt.serialize())));
        } catch (JOSEException e) {
            send(ex, 500, "{}");
        }
    }

    private void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static String challenge(String verifier) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The query of a URL as a map. */
    public static Map<String, String> query(String url) {
        return form(URI.create(url).getRawQuery());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
