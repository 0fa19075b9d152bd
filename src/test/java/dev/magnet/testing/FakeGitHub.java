package dev.magnet.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GitHub for tests, on 127.0.0.1 only: the REST paths the hub4j client uses (app, installation tokens,
 * repositories, branches, pull requests, rate-limit headers) and git over smart HTTP, served by the real
 * {@code git http-backend} over bare repositories on disk. Every request must carry a token this fake issued
 * (an installation token for the repository, or the personal token); App endpoints need a JWT signed with
 * {@link #privateKeyPem()}. Tests can hide or forbid repositories, protect branches, expire tokens and
 * rate-limit calls, and hold a request until a {@link Gate} opens.
 */
public final class FakeGitHub implements AutoCloseable {
    public static final long APP_ID = 4242;
    public static final long INSTALLATION_ID = 77;
    // why: a fake token; written in two parts so secret scanners do not take it for a real one
    public static final String PERSONAL_TOKEN = "ghp_" + "fakePersonalToken0123456789abcdef";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final java.util.concurrent.atomic.AtomicLong NEXT_DELIVERED_COMMENT = new java.util.concurrent.atomic.AtomicLong(7000);
    private static final Pattern REPO_PATH = Pattern.compile("^/repos/([^/]+)/([^/]+)(/.*)?$");
    private static final Pattern GIT_PATH = Pattern.compile("^/([^/]+)/([^/]+)\\.git(/.*)$");

    /** A token this fake handed out. */
    public record Token(String value, Set<String> repos, Instant expiresAt) {
    }

    /** A request as the fake saw it. */
    public record Request(String method, String path, String authorization, String body) {
    }

    private record Hold(String method, String path, Gate gate) {
    }

    private final HttpServer server;
    private final Path root;
    private final KeyPair appKey;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private final List<Token> issued = new CopyOnWriteArrayList<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Set<String> repos = ConcurrentHashMap.newKeySet();
    private final Set<String> forbidden = ConcurrentHashMap.newKeySet();
    private final Map<String, List<ObjectNode>> pulls = new ConcurrentHashMap<>();
    private final AtomicInteger nextPull = new AtomicInteger(1);
    private final Map<String, List<ObjectNode>> comments = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextComment = new java.util.concurrent.atomic.AtomicLong(5000);
    private final AtomicInteger rateLimited = new AtomicInteger();
    private final List<Hold> holds = new CopyOnWriteArrayList<>();
    private volatile Duration tokenLifetime = Duration.ofHours(1);
    private volatile String publicUrl;
    private volatile boolean closed;

    private FakeGitHub(Path root) throws IOException, NoSuchAlgorithmException {
        this.root = root;
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        this.appKey = generator.generateKeyPair();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the fake with its bare repositories under {@code root}. */
    public static FakeGitHub start(Path root) {
        try {
            Files.createDirectories(root);
            return new FakeGitHub(root);
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The address Magnet reaches the fake at: its own, or the proxy's in front of it ({@link #servedAt}). */
    public String apiUrl() {
        String front = publicUrl;
        return front != null ? front : "http://127.0.0.1:" + port();
    }

    /** The port the fake itself listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /**
     * Says the fake is reached through {@code baseUrl} (e.g. a {@link CuttableProxy} in front of it): {@link #apiUrl()},
     * {@link #appEnvironment} and the URLs in its answers (clone URLs too) name that address from now on.
     */
    public void servedAt(String baseUrl) {
        publicUrl = baseUrl;
    }

    /** The App's private key as GitHub hands it out: PKCS#1 PEM. */
    public String privateKeyPem() {
        byte[] pkcs8 = appKey.getPrivate().getEncoded();
        byte[] pkcs1 = Der.lastOctetString(pkcs8);
        return "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs1)
                + "\n-----END RSA PRIVATE KEY-----\n";
    }

    /** The environment that points Magnet at this fake as a GitHub App, with {@code webhookSecret}. */
    public Map<String, String> appEnvironment(String webhookSecret) {
        return Map.of("MAGNET_GITHUB_API_URL", apiUrl(), "MAGNET_GITHUB_APP_ID", Long.toString(APP_ID),
                "MAGNET_GITHUB_APP_PRIVATE_KEY", privateKeyPem(), "MAGNET_GITHUB_WEBHOOK_SECRET", webhookSecret);
    }

    /** Adds {@code owner/name} with a README on {@code main}, the App installed on it; returns its bare repository. */
    public Path addRepo(String fullName) {
        Path bare = bare(fullName);
        Path seed = root.resolve("seed-" + fullName.replace('/', '-'));
        try {
            Files.createDirectories(seed);
            GitFixtures.git(root, "init", "-q", "--bare", "-b", "main", bare.toString());
            GitFixtures.git(seed, "init", "-q", "-b", "main");
            Files.writeString(seed.resolve("README.md"), "# " + fullName + "\n");
            GitFixtures.git(seed, "add", "-A");
            GitFixtures.git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.invalid", "commit", "-qm", "Initial commit");
            GitFixtures.git(seed, "push", "-q", bare.toString(), "main");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        repos.add(fullName);
        return bare;
    }

    /**
     * Adds {@code count} repositories {@code owner/repo-0000} … that the API lists and describes but that have no git
     * repository behind them: a long list (more than the 1,000 Magnet reads) without a thousand bare repositories.
     */
    public void addListedRepos(String owner, int count) {
        for (int i = 0; i < count; i++) {
            repos.add(String.format("%s/repo-%04d", owner, i));
        }
    }

    public Path bare(String fullName) {
        return root.resolve(fullName + ".git");
    }

    /** The repository exists, but the integration's answer for it is 403. */
    public void forbid(String fullName) {
        forbidden.add(fullName);
    }

    /** Refuses pushes to branches matching the shell {@code pattern} (e.g. {@code magnet/*}), as branch protection does. */
    public void protect(String fullName, String pattern) {
        Path hook = bare(fullName).resolve("hooks/pre-receive");
        try {
            Files.writeString(hook, "#!/bin/sh\nwhile read old new ref; do\n  case \"$ref\" in\n    refs/heads/" + pattern
                    + ") echo \"error: GH006: Protected branch update failed for $ref.\" >&2; exit 1;;\n  esac\ndone\n");
            Files.setPosixFilePermissions(hook, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every token issued so far stops working (as a revoked or expired one does). */
    public void expireAllTokens() {
        tokens.replaceAll((k, t) -> new Token(t.value(), t.repos(), Instant.now().minusSeconds(1)));
    }

    /** How long new installation tokens last. */
    public void tokenLifetime(Duration lifetime) {
        this.tokenLifetime = lifetime;
    }

    /** The next {@code n} REST calls are refused with GitHub's primary rate limit (reset in a second). */
    public void rateLimitNext(int n) {
        rateLimited.set(n);
    }

    /**
     * Holds every request with this method and path (e.g. {@code POST /acme/app.git/git-receive-pack} or
     * {@code POST /repos/acme/app/pulls}) until {@code gate} opens, then serves it as usual, even when its client has
     * gone away meanwhile: GitHub acts on a request it has read whether or not anyone reads the answer.
     */
    public void hold(String method, String path, Gate gate) {
        holds.add(new Hold(method, path, gate));
    }

    /**
     * Stops holding requests with this method and path; those already waiting stay at their gates (and are never
     * served if the gate is never opened: closing the fake lets them go unanswered).
     */
    public void unhold(String method, String path) {
        holds.removeIf(h -> h.method().equals(method) && h.path().equals(path));
    }

    public List<Token> issuedTokens() {
        return List.copyOf(issued);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The pull requests of a repository, as JSON. */
    /** Every comment Magnet made on the repository's issues and pull requests (with {@code in_reply_to_id} for replies). */
    public List<JsonNode> comments(String fullName) {
        return List.copyOf(comments.getOrDefault(fullName, List.of()));
    }

    private ObjectNode addComment(String fullName, int number, Long inReplyTo, String body) {
        long id = nextComment.getAndIncrement();
        ObjectNode c = JSON.createObjectNode().put("id", id).put("number", number).put("body", body)
                .put("html_url", apiUrl() + "/" + fullName + "/issues/" + number + "#issuecomment-" + id)
                .put("created_at", now()).put("updated_at", now())
                .put(inReplyTo == null ? "issue_url" : "pull_request_url", apiUrl() + "/repos/" + fullName
                        + (inReplyTo == null ? "/issues/" : "/pulls/") + number);
        if (inReplyTo != null) {
            c.put("in_reply_to_id", inReplyTo);
        }
        c.set("user", JSON.createObjectNode().put("login", "magnet-test[bot]").put("id", 424242).put("type", "Bot"));
        comments.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(c);
        return c;
    }

    /**
     * Delivers a webhook to Magnet as GitHub does: {@code X-GitHub-Event}, a new {@code X-GitHub-Delivery} and the
     * body signed with {@code secret} in {@code X-Hub-Signature-256}. Returns the answer's status.
     */
    public static int deliver(String magnetBaseUrl, String event, JsonNode payload, String secret) {
        byte[] body = payload.toString().getBytes(StandardCharsets.UTF_8);
        try {
            String signature = dev.magnet.github.Webhooks.sign(secret, body);
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(magnetBaseUrl + "/api/github/webhooks"))
                    .header("Content-Type", "application/json").header("X-GitHub-Event", event)
                    .header("X-GitHub-Delivery", java.util.UUID.randomUUID().toString())
                    .header("X-Hub-Signature-256", signature)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build();
            try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
                return http.send(request, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The payload of an {@code issues} {@code labeled} delivery. */
    public static ObjectNode issueLabeled(String fullName, int number, String title, String body, String label, String sender) {
        ObjectNode p = envelope("labeled", fullName, sender);
        p.set("issue", JSON.createObjectNode().put("number", number).put("title", title).put("body", body));
        p.set("label", JSON.createObjectNode().put("name", label));
        return p;
    }

    /** The payload of an {@code issue_comment} {@code created} delivery, on an issue or (with {@code onPull}) a pull request. */
    public static ObjectNode issueComment(String fullName, int number, String title, String issueBody, boolean onPull,
                                          String comment, String sender) {
        ObjectNode p = envelope("created", fullName, sender);
        ObjectNode issue = JSON.createObjectNode().put("number", number).put("title", title).put("body", issueBody);
        if (onPull) {
            issue.set("pull_request", JSON.createObjectNode().put("url", "https://example.invalid/pulls/" + number));
        }
        p.set("issue", issue);
        p.set("comment", JSON.createObjectNode().put("id", NEXT_DELIVERED_COMMENT.getAndIncrement()).put("body", comment));
        return p;
    }

    /** The payload of a {@code pull_request_review_comment} {@code created} delivery. */
    public static ObjectNode reviewComment(String fullName, int pull, long commentId, String path, int line, String diffHunk,
                                           String comment, String sender) {
        ObjectNode p = envelope("created", fullName, sender);
        p.set("pull_request", JSON.createObjectNode().put("number", pull));
        p.set("comment", JSON.createObjectNode().put("id", commentId).put("path", path).put("line", line)
                .put("diff_hunk", diffHunk).put("body", comment));
        return p;
    }

    /** The payload of a {@code check_run} {@code completed} delivery for pull request {@code pull}. */
    public static ObjectNode checkRun(String fullName, int pull, String headSha, String name, String conclusion, String summary) {
        ObjectNode p = envelope("completed", fullName, "github-actions[bot]");
        ObjectNode run = JSON.createObjectNode().put("name", name).put("status", "completed").put("conclusion", conclusion)
                .put("head_sha", headSha).put("html_url", "https://example.invalid/runs/" + name);
        run.set("output", JSON.createObjectNode().put("title", name + " " + conclusion).put("summary", summary));
        run.set("pull_requests", JSON.createArrayNode().add(JSON.createObjectNode().put("number", pull)));
        run.put("id", NEXT_DELIVERED_COMMENT.getAndIncrement());
        p.set("check_run", run);
        return p;
    }

    private static ObjectNode envelope(String action, String fullName, String sender) {
        ObjectNode p = JSON.createObjectNode().put("action", action);
        p.set("repository", JSON.createObjectNode().put("full_name", fullName));
        p.set("sender", JSON.createObjectNode().put("login", sender).put("type", sender.endsWith("[bot]") ? "Bot" : "User"));
        return p;
    }

    public List<JsonNode> pulls(String fullName) {
        return List.copyOf(pulls.getOrDefault(fullName, List.of()));
    }

    // What people (and bots) do on GitHub, for the poller to read: issues, labels, comments, review comments, check runs.
    private final Map<String, List<ObjectNode>> issues = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> issueEvents = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> peopleComments = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> reviewComments = new ConcurrentHashMap<>();
    private final Map<String, List<ObjectNode>> checkRuns = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(90_000);

    /** A GitHub account as the API shows it: {@code type} is {@code User} or {@code Bot}, whatever the login says. */
    public static ObjectNode account(String login, String type, long id) {
        return JSON.createObjectNode().put("login", login).put("id", id).put("type", type);
    }

    private static String now() {
        return Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    /** Opens an issue as a person would; returns its number (issues and pull requests share GitHub's numbers). */
    public int openIssue(String fullName, String title, String body, ObjectNode author) {
        int number = nextPull.getAndIncrement();
        ObjectNode issue = JSON.createObjectNode().put("id", nextId.getAndIncrement()).put("number", number).put("title", title)
                .put("body", body).put("state", "open").put("created_at", now()).put("updated_at", now())
                .put("url", apiUrl() + "/repos/" + fullName + "/issues/" + number);
        issue.set("user", author);
        issue.putArray("labels");
        issues.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(issue);
        return number;
    }

    /** Adds {@code label} to issue {@code number} as {@code actor} (an issue event records who). */
    public void label(String fullName, int number, String label, ObjectNode actor) {
        ObjectNode issue = issues.getOrDefault(fullName, List.of()).stream().filter(i -> i.path("number").asInt() == number)
                .findFirst().orElseThrow();
        ((ArrayNode) issue.get("labels")).add(JSON.createObjectNode().put("name", label));
        issue.put("updated_at", now());
        ObjectNode event = JSON.createObjectNode().put("id", nextId.getAndIncrement()).put("event", "labeled").put("created_at", now());
        event.set("actor", actor);
        event.set("label", JSON.createObjectNode().put("name", label));
        issueEvents.computeIfAbsent(fullName + "#" + number, k -> new CopyOnWriteArrayList<>()).add(event);
    }

    /** Comments on issue or pull request {@code number} as {@code author}; returns the comment's id. */
    public long commentAs(String fullName, int number, String body, ObjectNode author) {
        long id = nextId.getAndIncrement();
        ObjectNode c = JSON.createObjectNode().put("id", id).put("body", body).put("created_at", now()).put("updated_at", now())
                .put("issue_url", apiUrl() + "/repos/" + fullName + "/issues/" + number);
        c.set("user", author);
        peopleComments.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(c);
        return id;
    }

    /** Comments on line {@code line} of {@code path} in the review of pull request {@code pull}; returns the comment's id. */
    public long reviewCommentAs(String fullName, int pull, String path, int line, String diffHunk, String body, ObjectNode author) {
        long id = nextId.getAndIncrement();
        ObjectNode c = JSON.createObjectNode().put("id", id).put("body", body).put("path", path).put("line", line)
                .put("diff_hunk", diffHunk).put("created_at", now()).put("updated_at", now())
                .put("pull_request_url", apiUrl() + "/repos/" + fullName + "/pulls/" + pull);
        c.set("user", author);
        reviewComments.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(c);
        return id;
    }

    /** A completed check run on commit {@code sha}, as CI reports it; returns its id. */
    public long checkRunOn(String fullName, String sha, String name, String conclusion, String summary) {
        long id = nextId.getAndIncrement();
        ObjectNode run = JSON.createObjectNode().put("id", id).put("name", name).put("head_sha", sha).put("status", "completed")
                .put("conclusion", conclusion).put("html_url", "https://example.invalid/runs/" + id)
                .put("started_at", now()).put("completed_at", now());
        run.set("output", JSON.createObjectNode().put("title", name + " " + conclusion).put("summary", summary));
        checkRuns.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(run);
        return id;
    }

    /** The commit {@code branch} of the repository points at now. */
    public String branchHead(String fullName, String branch) {
        return commitOf(fullName, branch);
    }

    /** Every {@code GET} the fake answered on {@code path} (e.g. {@code /repos/acme/app/issues/comments}). */
    public long reads(String path) {
        return requests.stream().filter(r -> r.method().equals("GET") && r.path().equals(path)).count();
    }

    /** Answers a list read with {@code since} as GitHub does: updated at or after it, oldest first, with an ETag. */
    private void sinceList(HttpExchange ex, List<ObjectNode> items, java.util.function.Predicate<ObjectNode> filter) throws IOException {
        String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
        String since = queryText(query, "since");
        Instant from = since == null ? Instant.EPOCH : Instant.parse(since);
        ArrayNode list = JSON.createArrayNode();
        items.stream().filter(filter).filter(i -> !Instant.parse(i.path("updated_at").asText()).isBefore(from))
                .sorted(java.util.Comparator.comparing(i -> i.path("updated_at").asText())).limit(100).forEach(list::add);
        sendWithEtag(ex, list);
    }

    /** Sends {@code body} with an ETag of its bytes, or 304 when the request's {@code If-None-Match} is that ETag. */
    private static void sendWithEtag(HttpExchange ex, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        String etag;
        try {
            etag = "\"" + HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes)).substring(0, 32) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ex.getResponseHeaders().set("ETag", etag);
        if (etag.equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
            ex.sendResponseHeaders(304, -1);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static String queryText(String query, String name) {
        for (String part : query.split("&")) {
            if (part.startsWith(name + "=")) {
                return java.net.URLDecoder.decode(part.substring(name.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /** The REST reads of what people did; false when {@code rest} is none of them. */
    private boolean peopleReads(HttpExchange ex, String fullName, String rest) throws IOException {
        if (rest.equals("/issues/comments")) {
            List<ObjectNode> all = new ArrayList<>(peopleComments.getOrDefault(fullName, List.of()));
            comments.getOrDefault(fullName, List.of()).stream().filter(c -> !c.has("in_reply_to_id")).forEach(all::add);
            sinceList(ex, all, c -> true);
        } else if (rest.equals("/pulls/comments")) {
            List<ObjectNode> all = new ArrayList<>(reviewComments.getOrDefault(fullName, List.of()));
            comments.getOrDefault(fullName, List.of()).stream().filter(c -> c.has("in_reply_to_id")).forEach(all::add);
            sinceList(ex, all, c -> true);
        } else if (rest.equals("/issues")) {
            String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            String label = queryText(query, "labels");
            sinceList(ex, issues.getOrDefault(fullName, List.of()), i -> i.path("state").asText().equals("open")
                    && (label == null || i.path("labels").findValuesAsText("name").stream().anyMatch(label::equalsIgnoreCase)));
        } else if (rest.matches("/issues/\\d+/events")) {
            int number = Integer.parseInt(rest.split("/")[2]);
            ArrayNode list = JSON.createArrayNode();
            issueEvents.getOrDefault(fullName + "#" + number, List.of()).forEach(list::add);
            sendWithEtag(ex, list);
        } else if (rest.matches("/issues/\\d+")) {
            int number = Integer.parseInt(rest.split("/")[2]);
            ObjectNode issue = issues.getOrDefault(fullName, List.of()).stream().filter(i -> i.path("number").asInt() == number)
                    .findFirst().orElse(null);
            ObjectNode pr = pull(fullName, number);
            if (issue == null && pr != null) {
                issue = JSON.createObjectNode().put("number", number).put("title", pr.path("title").asText())
                        .put("body", pr.path("body").asText()).put("state", pr.path("state").asText());
                issue.set("pull_request", JSON.createObjectNode().put("url", pr.path("url").asText()));
            }
            if (issue == null) {
                send(ex, 404, error("Not Found"));
            } else {
                send(ex, 200, issue);
            }
        } else if (rest.matches("/commits/[0-9a-f]{40}/check-runs")) {
            String sha = rest.split("/")[2];
            ArrayNode runs = JSON.createArrayNode();
            checkRuns.getOrDefault(fullName, List.of()).stream().filter(r -> r.path("head_sha").asText().equals(sha)).forEach(runs::add);
            ObjectNode body = JSON.createObjectNode().put("total_count", runs.size());
            body.set("check_runs", runs);
            sendWithEtag(ex, body);
        } else {
            return false;
        }
        return true;
    }

    /** Changes a pull request as a person on GitHub would (close, merge). */
    public void setPullState(String fullName, int number, String state, boolean merged) {
        ObjectNode pr = pull(fullName, number);
        pr.put("state", state);
        pr.put("merged", merged);
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(ex.getRequestMethod(), path, auth, new String(body, StandardCharsets.UTF_8)));
            if (!passHolds(ex.getRequestMethod(), path)) {
                return;
            }
            Matcher git = GIT_PATH.matcher(path);
            if (git.matches()) {
                git(ex, git.group(1) + "/" + git.group(2), body, auth);
                return;
            }
            if (rateLimited.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                ex.getResponseHeaders().set("X-RateLimit-Remaining", "0");
                ex.getResponseHeaders().set("X-RateLimit-Reset", Long.toString(Instant.now().getEpochSecond() + 1));
                send(ex, 403, error("API rate limit exceeded for installation ID " + INSTALLATION_ID + "."));
                return;
            }
            rest(ex, path, auth, body);
        } catch (RuntimeException e) {
            send(ex, 500, error("fake GitHub failed: " + e));
        }
    }

    /** Waits at the gates of the holds this request matches; false when the fake closed meanwhile. */
    private boolean passHolds(String method, String path) {
        for (Hold h : holds) {
            if (h.method().equals(method) && h.path().equals(path)) {
                try {
                    if (!h.gate().pass(() -> closed)) {
                        return false;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }

    private void rest(HttpExchange ex, String path, String auth, byte[] body) throws IOException {
        String method = ex.getRequestMethod();
        ex.getResponseHeaders().set("X-RateLimit-Limit", "5000");
        ex.getResponseHeaders().set("X-RateLimit-Remaining", "4999");
        ex.getResponseHeaders().set("X-RateLimit-Reset", Long.toString(Instant.now().getEpochSecond() + 3600));
        if (path.equals("/app") || path.startsWith("/app/") || path.matches("^/repos/[^/]+/[^/]+/installation$")) {
            if (!validJwt(auth)) {
                send(ex, 401, error("A JSON web token could not be decoded"));
                return;
            }
            app(ex, method, path, body);
            return;
        }
        if (path.equals("/user") || path.equals("/user/repos") || path.equals("/installation/repositories")) {
            account(ex, path, auth);
            return;
        }
        Matcher m = REPO_PATH.matcher(path);
        if (!m.matches()) {
            send(ex, 404, error("Not Found"));
            return;
        }
        String fullName = m.group(1) + "/" + m.group(2);
        String rest = m.group(3) == null ? "" : m.group(3);
        Token token = token(auth);
        if (token == null || !token.expiresAt().isAfter(Instant.now())) {
            send(ex, 401, error("Bad credentials"));
            return;
        }
        if (!repos.contains(fullName) || !(token.repos().contains(fullName) || token.repos().contains("*"))) {
            send(ex, 404, error("Not Found"));
            return;
        }
        if (forbidden.contains(fullName)) {
            send(ex, 403, error("Resource not accessible by integration"));
            return;
        }
        if (method.equals("GET") && peopleReads(ex, fullName, rest)) {
            return;
        }
        if (rest.isEmpty() && method.equals("GET")) {
            send(ex, 200, repoJson(fullName));
        } else if (rest.startsWith("/branches/") && method.equals("GET")) {
            String branch = rest.substring("/branches/".length());
            if (commitOf(fullName, branch) == null) {
                send(ex, 404, error("Branch not found"));
            } else {
                send(ex, 200, JSON.createObjectNode().put("name", branch).set("commit",
                        JSON.createObjectNode().put("sha", commitOf(fullName, branch))));
            }
        } else if (rest.equals("/pulls") && method.equals("POST")) {
            createPull(ex, fullName, JSON.readTree(body));
        } else if (rest.equals("/pulls") && method.equals("GET")) {
            String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
            ArrayNode list = JSON.createArrayNode();
            pulls.getOrDefault(fullName, List.of()).stream()
                    .filter(p -> !query.contains("state=open") || p.path("state").asText().equals("open"))
                    .filter(p -> !query.contains("head=") || query.contains(p.path("head").path("label").asText().replace("/", "%2F"))
                            || query.contains(p.path("head").path("label").asText()))
                    .forEach(list::add);
            send(ex, 200, list);
        } else if (rest.matches("/issues/\\d+/comments") && method.equals("POST")) {
            int number = Integer.parseInt(rest.split("/")[2]);
            send(ex, 201, addComment(fullName, number, null, JSON.readTree(body).path("body").asText()));
        } else if (rest.matches("/pulls/\\d+/comments/\\d+/replies") && method.equals("POST")) {
            String[] parts = rest.split("/");
            send(ex, 201, addComment(fullName, Integer.parseInt(parts[2]), Long.parseLong(parts[4]),
                    JSON.readTree(body).path("body").asText()));
        } else if (rest.matches("/pulls/\\d+")) {
            ObjectNode pr = pull(fullName, Integer.parseInt(rest.substring("/pulls/".length())));
            if (pr == null) {
                send(ex, 404, error("Not Found"));
                return;
            }
            if (method.equals("PATCH")) {
                JsonNode patch = JSON.readTree(body);
                patch.fields().forEachRemaining(f -> pr.set(f.getKey(), f.getValue()));
            }
            String head = commitOf(fullName, pr.path("head").path("ref").asText());
            if (head != null && pr.path("state").asText().equals("open")) {
                ((ObjectNode) pr.get("head")).put("sha", head); // why: GitHub's head sha follows pushes to the branch
            }
            send(ex, 200, pr);
        } else {
            send(ex, 404, error("Not Found"));
        }
    }

    /**
     * The caller's own paths: {@code /user} and {@code /user/repos} for the personal token, {@code /installation/repositories}
     * for an installation token; both lists paged by {@code per_page} and {@code page} with GitHub's {@code Link} header.
     */
    private void account(HttpExchange ex, String path, String auth) throws IOException {
        Token token = token(auth);
        if (token == null || !token.expiresAt().isAfter(Instant.now())) {
            send(ex, 401, error("Bad credentials"));
            return;
        }
        boolean personal = token.value().equals(PERSONAL_TOKEN);
        if (personal == path.equals("/installation/repositories")) {
            send(ex, 403, error("Resource not accessible by " + (personal ? "personal access token" : "integration")));
            return;
        }
        if (path.equals("/user")) {
            send(ex, 200, JSON.createObjectNode().put("login", "magnet-test-user").put("id", 1).put("type", "User"));
            return;
        }
        List<String> visible = repos.stream().filter(r -> token.repos().contains("*") || token.repos().contains(r)).sorted().toList();
        String query = ex.getRequestURI().getQuery() == null ? "" : ex.getRequestURI().getQuery();
        int perPage = Math.min(100, queryInt(query, "per_page", 30));
        int page = Math.max(1, queryInt(query, "page", 1));
        ArrayNode items = JSON.createArrayNode();
        visible.stream().skip((long) (page - 1) * perPage).limit(perPage).forEach(r -> items.add(repoJson(r)));
        if (page * perPage < visible.size()) {
            ex.getResponseHeaders().set("Link", "<" + apiUrl() + path + "?per_page=" + perPage + "&page=" + (page + 1) + ">; rel=\"next\"");
        }
        if (personal) {
            send(ex, 200, items);
        } else {
            ObjectNode wrapped = JSON.createObjectNode().put("total_count", visible.size());
            wrapped.set("repositories", items);
            send(ex, 200, wrapped);
        }
    }

    private static int queryInt(String query, String name, int fallback) {
        for (String part : query.split("&")) {
            if (part.startsWith(name + "=")) {
                try {
                    return Integer.parseInt(part.substring(name.length() + 1));
                } catch (NumberFormatException e) {
                    return fallback;
                }
            }
        }
        return fallback;
    }

    private void app(HttpExchange ex, String method, String path, byte[] body) throws IOException {
        if (path.equals("/app")) {
            send(ex, 200, JSON.createObjectNode().put("id", APP_ID).put("slug", "magnet-test").put("name", "Magnet test"));
        } else if (path.equals("/app/installations") && method.equals("GET")) {
            send(ex, 200, JSON.createArrayNode().add(JSON.createObjectNode().put("id", INSTALLATION_ID).put("app_id", APP_ID)
                    .put("access_tokens_url", apiUrl() + "/app/installations/" + INSTALLATION_ID + "/access_tokens")
                    .put("repository_selection", "selected").set("account", JSON.createObjectNode().put("login", "acme"))));
        } else if (path.startsWith("/repos/")) {
            String[] parts = path.split("/");
            String fullName = parts[2] + "/" + parts[3];
            if (!repos.contains(fullName)) {
                send(ex, 404, error("Not Found"));
                return;
            }
            send(ex, 200, JSON.createObjectNode().put("id", INSTALLATION_ID).put("app_id", APP_ID)
                    .put("access_tokens_url", apiUrl() + "/app/installations/" + INSTALLATION_ID + "/access_tokens")
                    .set("account", JSON.createObjectNode().put("login", parts[2])));
        } else if (path.equals("/app/installations/" + INSTALLATION_ID + "/access_tokens") && method.equals("POST")) {
            JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            String owner = null;
            List<String> scoped = new ArrayList<>();
            for (JsonNode name : request.path("repositories")) {
                for (String r : repos) {
                    if (r.endsWith("/" + name.asText())) {
                        scoped.add(r);
                    }
                }
            }
            Token token = new Token("ghs_" + HexFormat.of().formatHex(randomBytes()), Set.copyOf(scoped.isEmpty() ? List.of("*") : scoped),
                    Instant.now().plus(tokenLifetime));
            tokens.put(token.value(), token);
            issued.add(token);
            send(ex, 201, JSON.createObjectNode().put("token", token.value()).put("expires_at", token.expiresAt().toString())
                    .put("repository_selection", "selected"));
        } else {
            send(ex, 404, error("Not Found"));
        }
    }

    private void createPull(HttpExchange ex, String fullName, JsonNode request) throws IOException {
        String head = request.path("head").asText();
        String base = request.path("base").asText();
        if (commitOf(fullName, head) == null) {
            send(ex, 422, error("Validation Failed", "head: invalid"));
            return;
        }
        for (JsonNode p : pulls.getOrDefault(fullName, List.of())) {
            if (p.path("head").path("ref").asText().equals(head) && p.path("state").asText().equals("open")) {
                send(ex, 422, error("Validation Failed", "A pull request already exists for " + fullName.split("/")[0] + ":" + head + "."));
                return;
            }
        }
        send(ex, 201, newPull(fullName, head, base, request.path("title").asText(), request.path("body").asText(),
                request.path("draft").asBoolean(false), commitOf(fullName, head)));
    }

    /** Opens a pull request from {@code head} into {@code main} as a person on GitHub would, without any commit on it. */
    public int openPull(String fullName, String head) {
        return newPull(fullName, head, "main", "Pull request from " + head, "", false, null).path("number").asInt();
    }

    private ObjectNode newPull(String fullName, String head, String base, String title, String body, boolean draft, String sha) {
        int number = nextPull.getAndIncrement();
        ObjectNode pr = JSON.createObjectNode();
        pr.put("id", 1000 + number);
        pr.put("number", number);
        pr.put("url", apiUrl() + "/repos/" + fullName + "/pulls/" + number);
        pr.put("html_url", apiUrl() + "/" + fullName + "/pull/" + number);
        pr.put("state", "open");
        pr.put("title", title);
        pr.put("body", body);
        pr.put("draft", draft);
        pr.put("merged", false);
        pr.put("mergeable_state", "clean");
        pr.set("head", JSON.createObjectNode().put("ref", head).put("label", fullName.split("/")[0] + ":" + head)
                .put("sha", sha));
        pr.set("base", JSON.createObjectNode().put("ref", base).put("label", fullName.split("/")[0] + ":" + base));
        pr.set("user", JSON.createObjectNode().put("login", "magnet-test[bot]"));
        pulls.computeIfAbsent(fullName, k -> new CopyOnWriteArrayList<>()).add(pr);
        return pr;
    }

    private ObjectNode pull(String fullName, int number) {
        return pulls.getOrDefault(fullName, List.of()).stream().filter(p -> p.path("number").asInt() == number)
                .findFirst().orElse(null);
    }

    private ObjectNode repoJson(String fullName) {
        String[] parts = fullName.split("/");
        ObjectNode repo = JSON.createObjectNode();
        repo.put("id", Math.abs(fullName.hashCode()));
        repo.put("name", parts[1]);
        repo.put("full_name", fullName);
        repo.put("private", true);
        repo.put("default_branch", "main");
        repo.put("url", apiUrl() + "/repos/" + fullName);
        repo.put("html_url", apiUrl() + "/" + fullName);
        repo.put("clone_url", apiUrl() + "/" + fullName + ".git");
        repo.set("owner", JSON.createObjectNode().put("login", parts[0]).put("id", 1));
        repo.set("permissions", JSON.createObjectNode().put("admin", false).put("push", true).put("pull", true));
        return repo;
    }

    private String commitOf(String fullName, String branch) {
        try {
            return GitFixtures.git(bare(fullName), "rev-parse", "--verify", "--quiet", "refs/heads/" + branch + "^{commit}").strip();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** Smart HTTP: checks the token, then hands the request to the real git http-backend CGI. */
    private void git(HttpExchange ex, String fullName, byte[] body, String auth) throws IOException {
        Token token = token(auth);
        if (!repos.contains(fullName) || token == null || !token.expiresAt().isAfter(Instant.now())
                || !(token.repos().contains(fullName) || token.repos().contains("*"))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"GitHub\"");
            send(ex, 401, error("Invalid username or token."));
            return;
        }
        ProcessBuilder pb = new ProcessBuilder("/usr/lib/git-core/git-http-backend");
        Map<String, String> env = pb.environment();
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("PATH_INFO", ex.getRequestURI().getPath());
        env.put("QUERY_STRING", ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
        env.put("REQUEST_METHOD", ex.getRequestMethod());
        env.put("REMOTE_USER", "x-access-token");
        env.put("REMOTE_ADDR", "127.0.0.1");
        env.put("CONTENT_LENGTH", Integer.toString(body.length));
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type != null) {
            env.put("CONTENT_TYPE", type);
        }
        String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
        if (encoding != null) {
            env.put("HTTP_CONTENT_ENCODING", encoding);
        }
        String protocol = ex.getRequestHeaders().getFirst("Git-Protocol");
        if (protocol != null) {
            env.put("GIT_PROTOCOL", protocol);
        }
        Process p = pb.start();
        Thread writer = Thread.ofVirtual().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(body);
            } catch (IOException e) {
                // why: the CGI may exit before reading everything (e.g. on a refused request); its answer says why
            }
        });
        Thread.ofVirtual().start(() -> drain(p.getErrorStream()));
        byte[] out = p.getInputStream().readAllBytes();
        try {
            writer.join();
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int split = indexOf(out, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int skip = 4;
        if (split < 0) {
            split = indexOf(out, "\n\n".getBytes(StandardCharsets.US_ASCII));
            skip = 2;
        }
        int status = 200;
        for (String line : new String(out, 0, Math.max(split, 0), StandardCharsets.ISO_8859_1).split("\r?\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).strip();
            String value = line.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                ex.getResponseHeaders().add(name, value);
            }
        }
        byte[] payload = Arrays.copyOfRange(out, split + skip, out.length);
        ex.sendResponseHeaders(status, payload.length == 0 ? -1 : payload.length);
        if (payload.length > 0) {
            ex.getResponseBody().write(payload);
        }
    }

    private Token token(String auth) {
        if (auth == null) {
            return null;
        }
        String value;
        if (auth.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(auth.substring(6).strip()), StandardCharsets.UTF_8);
            value = decoded.substring(decoded.indexOf(':') + 1);
        } else if (auth.startsWith("Bearer ") || auth.startsWith("token ")) {
            value = auth.substring(auth.indexOf(' ') + 1).strip();
        } else {
            return null;
        }
        if (value.equals(PERSONAL_TOKEN)) {
            return new Token(value, Set.of("*"), Instant.now().plus(Duration.ofDays(1)));
        }
        return tokens.get(value);
    }

    private boolean validJwt(String auth) {
        if (auth == null || !auth.startsWith("Bearer ")) {
            return false;
        }
        String[] parts = auth.substring(7).strip().split("\\.");
        if (parts.length != 3) {
            return false;
        }
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(appKey.getPublic());
            rsa.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return false;
            }
            JsonNode claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            return claims.path("iss").asText().equals(Long.toString(APP_ID))
                    && claims.path("exp").asLong() > Instant.now().getEpochSecond();
        } catch (Exception e) {
            return false;
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[18];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    private static ObjectNode error(String message, String... errors) {
        ObjectNode e = JSON.createObjectNode().put("message", message).put("documentation_url", "https://docs.github.com/rest");
        if (errors.length > 0) {
            ArrayNode list = e.putArray("errors");
            for (String m : errors) {
                list.add(JSON.createObjectNode().put("resource", "PullRequest").put("code", "custom").put("message", m));
            }
        }
        return e;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void drain(InputStream in) {
        try (in) {
            in.transferTo(new ByteArrayOutputStream());
        } catch (IOException e) {
            // why: stderr of the CGI is only read so that it cannot block; nothing to do with it
        }
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Just enough DER to take the PKCS#1 key out of the JDK's PKCS#8 encoding. */
    private static final class Der {
        static byte[] lastOctetString(byte[] pkcs8) {
            int[] outer = header(pkcs8, 0);
            int pos = outer[0];
            int end = pos + outer[1];
            byte[] last = null;
            while (pos < end) {
                int tag = pkcs8[pos] & 0xff;
                int[] h = header(pkcs8, pos);
                if (tag == 0x04) {
                    last = Arrays.copyOfRange(pkcs8, h[0], h[0] + h[1]);
                }
                pos = h[0] + h[1];
            }
            return last;
        }

        /** {content start, content length} of the element at {@code pos}. */
        private static int[] header(byte[] der, int pos) {
            int len = der[pos + 1] & 0xff;
            int start = pos + 2;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (der[start + i] & 0xff);
                }
                start += bytes;
            }
            return new int[] {start, len};
        }
    }
}
