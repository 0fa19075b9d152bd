package dev.magnet.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.magnet.crypto.Tokens;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * Single sign-on with an OpenID Connect provider, through the Nimbus OAuth 2.0 / OpenID Connect SDK: discovery
 * (the provider must call itself the configured issuer), the authorization code flow with PKCE (S256), a nonce and a
 * state, the code exchanged at the token endpoint with the client secret (HTTP Basic), and the ID token's signature
 * checked against the provider's JWKS, with its issuer, audience, expiry and nonce.
 */
public final class OidcClient {
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
    private static final int CONNECT_TIMEOUT_MS = (int) Duration.ofSeconds(10).toMillis();
    private static final int READ_TIMEOUT_MS = (int) Duration.ofSeconds(15).toMillis();
    private static final Scope SCOPE = new Scope("openid", "email", "profile");

    private final Issuer issuer;
    private final ClientID clientId;
    private final ClientSecretBasic clientAuth;
    private volatile Provider provider;

    public OidcClient(String issuer, String clientId, String clientSecret) {
        if (issuer == null || clientId == null || clientSecret == null) {
            throw new IllegalArgumentException("single sign-on needs MAGNET_OIDC_ISSUER, MAGNET_OIDC_CLIENT_ID and MAGNET_OIDC_CLIENT_SECRET");
        }
        this.issuer = new Issuer(issuer);
        this.clientId = new ClientID(clientId);
        this.clientAuth = new ClientSecretBasic(this.clientId, new Secret(clientSecret));
    }

    /** Starts a sign-in: where to send the browser, and what to keep until it comes back. */
    public Start start(String redirectUri) {
        Provider p = provider();
        State state = new State(Tokens.random(24));
        Nonce nonce = new Nonce(Tokens.random(24));
        CodeVerifier verifier = new CodeVerifier(Tokens.random(32));
        URI url = new AuthenticationRequest.Builder(ResponseType.CODE, SCOPE, clientId, URI.create(redirectUri))
                .endpointURI(p.metadata().getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build()
                .toURI();
        return new Start(url.toString(), state.getValue(), nonce.getValue(), verifier.getValue());
    }

    /**
     * Finishes a sign-in: exchanges the code and verifies the ID token.
     *
     * @throws OidcException when the provider refuses the code or the token does not verify
     */
    public Identity finish(String code, String redirectUri, String nonce, String verifier) {
        Provider p = provider();
        TokenRequest request = new TokenRequest(p.metadata().getTokenEndpointURI(), clientAuth,
                new AuthorizationCodeGrant(new AuthorizationCode(code), URI.create(redirectUri), new CodeVerifier(verifier)));
        JWT idToken = idToken(send(request.toHTTPRequest()));
        try {
            IDTokenClaimsSet claims = p.validator().validate(idToken, new Nonce(nonce));
            return new Identity(claims.getIssuer().getValue(), claims.getSubject().getValue(), claims.getStringClaim("email"),
                    Boolean.TRUE.equals(claims.getBooleanClaim("email_verified")), claims.getStringClaim("name"));
        } catch (BadJOSEException | JOSEException e) {
            throw new OidcException("the ID token did not verify: " + e.getMessage());
        }
    }

    private static JWT idToken(TokenResponse response) {
        if (!response.indicatesSuccess()) {
            ErrorObject error = response.toErrorResponse().getErrorObject();
            throw new OidcException("the token endpoint answered " + error.getHTTPStatusCode()
                    + (error.getCode() == null ? "" : " (" + error.getCode() + ")"));
        }
        JWT idToken = ((OIDCTokenResponse) response.toSuccessResponse()).getOIDCTokens().getIDToken();
        if (idToken == null) {
            throw new OidcException("the provider answered without an ID token");
        }
        return idToken;
    }

    private static TokenResponse send(HTTPRequest request) {
        request.setConnectTimeout(CONNECT_TIMEOUT_MS);
        request.setReadTimeout(READ_TIMEOUT_MS);
        try {
            return OIDCTokenResponseParser.parse(request.send());
        } catch (IOException e) {
            throw new OidcException("the token endpoint could not be read: " + e.getMessage());
        } catch (ParseException e) {
            throw new OidcException("the token endpoint's answer could not be read: " + e.getMessage());
        }
    }

    private Provider provider() {
        Provider p = provider;
        if (p != null) {
            return p;
        }
        OIDCProviderMetadata metadata;
        try {
            metadata = OIDCProviderMetadata.resolve(issuer, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
        } catch (GeneralException e) {
            throw new OidcException("the discovery document is not usable: " + e.getMessage());
        } catch (IOException e) {
            throw new OidcException("the discovery document could not be read: " + e.getMessage());
        }
        if (metadata.getAuthorizationEndpointURI() == null || metadata.getTokenEndpointURI() == null
                || metadata.getJWKSetURI() == null) {
            throw new OidcException("the discovery document lacks the authorization, token or JWKS endpoint");
        }
        try {
            JWKSource<SecurityContext> keys = JWKSourceBuilder.create(metadata.getJWKSetURI().toURL()).retrying(true).build();
            p = new Provider(metadata, new IDTokenValidator(issuer, clientId, new JWSVerificationKeySelector<>(ALGORITHMS, keys), null));
        } catch (IOException | IllegalArgumentException e) {
            throw new OidcException("the provider's jwks_uri is not usable: " + e.getMessage());
        }
        provider = p;
        return p;
    }

    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {
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
