package dev.magnet.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.kohsuke.github.GHFileNotFoundException;
import org.kohsuke.github.GHIOException;
import org.kohsuke.github.GitHub;
import org.kohsuke.github.GitHubAbuseLimitHandler;
import org.kohsuke.github.GitHubBuilder;
import org.kohsuke.github.GitHubRateLimitHandler;
import org.kohsuke.github.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs hub4j calls against one GitHub API: builds the client with the given credentials, retries rate limits
 * with {@link RateLimitBackoff}, and turns every failure into a {@link GitHubException} carrying GitHub's
 * own message.
 */
final class GitHubCalls {
    private static final Logger log = LoggerFactory.getLogger(GitHubCalls.class);

    /** One call with a client. */
    @FunctionalInterface
    interface Call<T> {
        T apply(GitHub github) throws IOException;
    }

    private final String apiUrl;
    private final RateLimitBackoff backoff;

    GitHubCalls(String apiUrl, RateLimitBackoff backoff) {
        this.apiUrl = apiUrl;
        this.backoff = backoff;
    }

    String apiUrl() {
        return apiUrl;
    }

    /** Runs {@code call} with an installation or personal token for {@code repo}; a refused token is replaced once. */
    <T> T withToken(TokenSource tokens, GitHubRepo repo, String doing, Call<T> call) {
        boolean replaced = false;
        int attempt = 0;
        while (true) {
            String token = tokens.token(repo);
            try {
                return call.apply(client(new GitHubBuilder().withOAuthToken(token)));
            } catch (IOException e) {
                Failure f = Failure.of(e);
                if (f.status() == 401 && !replaced) {
                    // why: an installation token can be revoked or expire early; one fresh token is worth a try
                    tokens.rejected(repo, token);
                    replaced = true;
                    continue;
                }
                attempt = waitOrThrow(doing, f, attempt);
            }
        }
    }

    /** The answer of a conditional GET: the JSON, or none when GitHub said it did not change (304), and its ETag. */
    record Answer(JsonNode body, String etag, boolean notModified) {
    }

    /**
     * GETs {@code pathAndQuery} of the API with a token for {@code repo}, sending {@code etag} as {@code If-None-Match}
     * (a 304 costs no rate limit); retries rate limits like every other call, replaces a refused token once.
     *
     * @throws GitHubException with GitHub's message when the call fails
     */
    Answer get(TokenSource tokens, GitHubRepo repo, String pathAndQuery, String etag, String doing) {
        int attempt = 0;
        while (true) {
            java.net.http.HttpResponse<String> response = send(tokens, repo, pathAndQuery, doing, request -> {
                if (etag != null && !etag.isBlank()) {
                    request.header("If-None-Match", etag);
                }
                return request.GET();
            });
            int status = response.statusCode();
            String newEtag = response.headers().firstValue("ETag").orElse(null);
            if (status == 304) {
                return new Answer(null, etag, true);
            }
            if (status / 100 == 2) {
                try {
                    return new Answer(Json.MAPPER.readTree(response.body()), newEtag, false);
                } catch (IOException e) {
                    throw new GitHubException(GitHubException.Kind.UNAVAILABLE, doing + " failed: GitHub's answer was not JSON");
                }
            }
            attempt = waitOrThrow(doing, new Failure(status, response.headers().map(), Failure.gitHubMessage(response.body(),
                    "HTTP " + status)), attempt);
        }
    }

    /**
     * Sends one REST request to {@code path} of the API with a token for {@code repo} (GitHub's JSON media type), once more
     * with a fresh token when GitHub refuses the first (401); {@code shape} adds the method, body and headers of its own.
     * The caller reads the status.
     *
     * @throws GitHubException UNAVAILABLE when GitHub cannot be reached
     */
    java.net.http.HttpResponse<String> send(TokenSource tokens, GitHubRepo repo, String path, String doing,
                                            java.util.function.UnaryOperator<java.net.http.HttpRequest.Builder> shape) {
        for (int attempt = 0; ; attempt++) {
            String token = tokens.token(repo);
            java.net.http.HttpRequest request = shape.apply(java.net.http.HttpRequest.newBuilder(java.net.URI.create(apiUrl + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", "Bearer " + token).header("Accept", "application/vnd.github+json")).build();
            java.net.http.HttpResponse<String> response;
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                throw new Failure(0, Map.of(), e.getMessage()).toException(doing);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GitHubException(GitHubException.Kind.UNAVAILABLE, "interrupted while " + doing);
            }
            if (response.statusCode() != 401 || attempt > 0) {
                return response;
            }
            tokens.rejected(repo, token);
        }
    }

    /** Runs {@code call} authenticated as a GitHub App (a JWT from {@code jwt}). */
    <T> T asApp(AppJwt jwt, String doing, Call<T> call) {
        int attempt = 0;
        while (true) {
            try {
                return call.apply(client(new GitHubBuilder().withJwtToken(jwt.create())));
            } catch (IOException e) {
                attempt = waitOrThrow(doing, Failure.of(e), attempt);
            }
        }
    }

    private GitHub client(GitHubBuilder builder) throws IOException {
        // why: hub4j's own WAIT handlers sleep until the reset however far away it is; Magnet bounds the wait
        return builder.withEndpoint(apiUrl)
                .withRateLimitHandler(GitHubRateLimitHandler.FAIL)
                .withAbuseLimitHandler(GitHubAbuseLimitHandler.FAIL)
                .build();
    }

    private int waitOrThrow(String doing, Failure f, int attempt) {
        Optional<Duration> wait = backoff.waitBefore(attempt, f.status(), f.headers());
        if (wait.isEmpty()) {
            throw f.toException(doing);
        }
        log.info("GitHub rate limit while {}; trying again in {} s", doing, wait.get().toSeconds());
        try {
            Thread.sleep(wait.get().toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GitHubException(GitHubException.Kind.UNAVAILABLE, "interrupted while " + doing);
        }
        return attempt + 1;
    }

    /** A failed call as status, headers and GitHub's message. */
    private record Failure(int status, Map<String, List<String>> headers, String message) {

        static Failure of(IOException e) {
            if (e instanceof GHFileNotFoundException nf) {
                return new Failure(404, nf.getResponseHeaderFields(), gitHubMessage(e.getMessage(), "Not Found"));
            }
            if (e instanceof HttpException http) {
                // why: hub4j reports "no answer" (connection refused, reset) as response code -1
                return new Failure(Math.max(0, http.getResponseCode()), headers(http),
                        gitHubMessage(http.getMessage(), http.getResponseMessage()));
            }
            if (e instanceof GHIOException gh) {
                return new Failure(0, headers(gh), e.getMessage());
            }
            return new Failure(0, Map.of(), e instanceof InterruptedIOException ? "timed out" : String.valueOf(e.getMessage()));
        }

        /** The response headers of a failed call; none when GitHub did not answer. */
        private static Map<String, List<String>> headers(GHIOException e) {
            try {
                return e.getResponseHeaderFields();
            } catch (NullPointerException noAnswer) {
                // why: hub4j 1.330 wraps a missing header map in Collections.unmodifiableMap, which throws when GitHub
                // did not answer at all (a connection refused); this reached sessions as agent_error "Cannot invoke
                // Map.getClass()" (OriginOutageIT)
                return Map.of();
            }
        }

        GitHubException toException(String doing) {
            GitHubException.Kind kind = switch (status) {
                case 404, 410 -> GitHubException.Kind.NOT_FOUND;
                case 401 -> GitHubException.Kind.FORBIDDEN;
                case 403, 429 -> RateLimitBackoff.isRateLimit(status, headers) ? GitHubException.Kind.RATE_LIMITED
                        : GitHubException.Kind.FORBIDDEN;
                case 422, 400, 409 -> GitHubException.Kind.INVALID;
                default -> GitHubException.Kind.UNAVAILABLE;
            };
            String said = status == 0 ? "GitHub could not be reached: " + message : "GitHub answered " + status + ": " + message;
            if (kind == GitHubException.Kind.RATE_LIMITED) {
                said += " (the rate limit did not reset in time; try again later)";
            }
            return new GitHubException(kind, status, doing + " failed. " + said);
        }

        /** GitHub's {@code message} (and the messages of its {@code errors}) from an error body, else the text. */
        private static String gitHubMessage(String text, String fallback) {
            if (text == null || text.isBlank()) {
                return fallback == null ? "no details" : fallback;
            }
            int start = text.indexOf('{');
            if (start >= 0) {
                try {
                    JsonNode body = Json.MAPPER.readTree(text.substring(start, text.lastIndexOf('}') + 1));
                    StringBuilder out = new StringBuilder(body.path("message").asText(""));
                    for (JsonNode error : body.path("errors")) {
                        String m = error.isTextual() ? error.asText() : error.path("message").asText("");
                        if (!m.isBlank()) {
                            out.append(out.isEmpty() ? "" : "; ").append(m);
                        }
                    }
                    if (!out.isEmpty()) {
                        return out.toString();
                    }
                } catch (IOException | RuntimeException e) {
                    // why: not every error body is JSON (proxies answer HTML); the raw text is still worth showing
                }
            }
            String line = text.strip().lines().findFirst().orElse(text.strip());
            return line.length() > 300 ? line.substring(0, 300) + "…" : line;
        }
    }
}
