package dev.magnet.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.magnet.crypto.Tokens;
import dev.magnet.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Single sign-on with an OpenID Connect provider: the authorization code flow with PKCE (S256), a nonce and a
 * state, the code exchanged at the token endpoint with the client secret (HTTP Basic), and the ID token's
 * signature checked against the provider's JWKS, its issuer, audience, expiry and nonce.
 */
public final class OidcClient {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
    private final String issuer;
    private final String clientId;
    private final String clientSecret;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private volatile Provider provider;

    public OidcClient(String issuer, String clientId, String clientSecret) {
        if (issuer == null || clientId == null || clientSecret == null) {
            throw new IllegalArgumentException("single sign-on needs MAGNET_OIDC_ISSUER, MAGNET_OIDC_CLIENT_ID and MAGNET_OIDC_CLIENT_SECRET");
        }
        this.issuer = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    /** Starts a sign-in: where to send the browser, and what to keep until it comes back. */
    public Start start(String redirectUri) {
        Provider p = provider();
        String state = Tokens.random(24);
        String nonce = Tokens.random(24);
        String verifier = Tokens.random(32);
        Map<String, String> q = new LinkedHashMap<>();
        q.put("response_type", "code");
        q.put("client_id", clientId);
        q.put("redirect_uri", redirectUri);
        q.put("scope", "openid email profile");
        q.put("state", state);
        q.put("nonce", nonce);
        q.put("code_challenge", challenge(verifier));
        q.put("code_challenge_method", "S256");
        String sep = p.authorizationEndpoint().contains("?") ? "&" : "?";
        return new Start(p.authorizationEndpoint() + sep + form(q), state, nonce, verifier);
    }

    /**
     * Finishes a sign-in: exchanges the code and verifies the ID token.
     *
     * @throws OidcException when the provider refuses the code or the token does not verify
     */
    public Identity finish(String code, String redirectUri, String nonce, String verifier) {
        Provider p = provider();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        form.put("code_verifier", verifier);
        String basic = Base64.getEncoder().encodeToString((enc(clientId) + ":" + enc(clientSecret)).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(p.tokenEndpoint())).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", "Basic " + basic)
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build();
        JsonNode tokens = fetch(request, "the token endpoint");
        String idToken = tokens.path("id_token").asText(null);
        if (idToken == null) {
            throw new OidcException("the provider answered without an ID token");
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(ALGORITHMS, p.keys()));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(clientId,
                new JWTClaimsSet.Builder().issuer(p.issuer()).claim("nonce", nonce).build(), Set.of("sub", "iat", "exp")));
        try {
            JWTClaimsSet claims = processor.process(idToken, null);
            Boolean verified = claims.getBooleanClaim("email_verified");
            return new Identity(p.issuer(), claims.getSubject(), claims.getStringClaim("email"), Boolean.TRUE.equals(verified),
                    claims.getStringClaim("name"));
        } catch (ParseException | BadJOSEException | JOSEException e) {
            throw new OidcException("the ID token did not verify: " + e.getMessage());
        }
    }

    private Provider provider() {
        Provider p = provider;
        if (p != null) {
            return p;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(issuer + "/.well-known/openid-configuration"))
                .timeout(Duration.ofSeconds(15)).header("Accept", "application/json").GET().build();
        JsonNode doc = fetch(request, "the discovery document");
        String announced = doc.path("issuer").asText("");
        if (!announced.equals(issuer) && !announced.equals(issuer + "/")) {
            throw new OidcException("the provider calls itself " + announced + ", not " + issuer);
        }
        try {
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(URI.create(doc.path("jwks_uri").asText()).toURL())
                    .retrying(true).build();
            p = new Provider(announced, required(doc, "authorization_endpoint"), required(doc, "token_endpoint"), keys);
        } catch (IOException | IllegalArgumentException e) {
            throw new OidcException("the provider's jwks_uri is not usable: " + e.getMessage());
        }
        provider = p;
        return p;
    }

    private JsonNode fetch(HttpRequest request, String what) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new OidcException(what + " answered " + r.statusCode());
            }
            return Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new OidcException(what + " could not be read: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OidcException(what + " was interrupted");
        }
    }

    private static String required(JsonNode doc, String field) {
        String v = doc.path(field).asText(null);
        if (v == null || !(v.startsWith("https://") || v.startsWith("http://"))) {
            throw new OidcException("the discovery document has no " + field);
        }
        return v;
    }

    private static String challenge(String verifier) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present in the JDK", e);
        }
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream().map(e -> enc(e.getKey()) + "=" + enc(e.getValue())).collect(Collectors.joining("&"));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private record Provider(String issuer, String authorizationEndpoint, String tokenEndpoint, JWKSource<SecurityContext> keys) {
    }

    /** Where to send the browser, with the state, nonce and PKCE verifier to keep until the callback. */
    public record Start(String url, String state, String nonce, String verifier) {
    }

    /** Who the provider says signed in. {@code email} is trusted only when {@code emailVerified}. */
    public record Identity(String issuer, String subject, String email, boolean emailVerified, String name) {
    }

    /** The provider could not be used or its answer did not verify. */
    public static final class OidcException extends RuntimeException {
        public OidcException(String message) {
            super(message);
        }
    }
}
