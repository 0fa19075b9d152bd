package dev.magnet.testing.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.auth.Bootstrap;
import dev.magnet.github.Webhooks;
import dev.magnet.testing.Browser;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.Gate;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.RawHttp;
import dev.magnet.testing.Script;
import dev.magnet.testing.TableDigests;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import dev.magnet.testing.fuzz.RequestGenerator.Expect;
import dev.magnet.testing.fuzz.RequestGenerator.FuzzRequest;
import dev.magnet.web.RouteTable;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A fuzz run against the real server: starts it on a PostgreSQL schema of its own, makes the things requests name
 * (sessions, keys, an environment, an invite, a second workspace with its own admin and key, a member), then sends
 * requests from a {@link RequestGenerator} built from the server's own API description, one at a time, and checks
 * each answer:
 * <ul>
 *   <li>no 5xx, and an answer at all;</li>
 *   <li>a refusal (4xx) is problem+json with its status, and changed no table ({@link TableDigests} before and after
 *       every request);</li>
 *   <li>a request that must be refused (bad credentials, a bad id, a body that is not JSON, ...) is not accepted;</li>
 *   <li>a GET changed no table.</li>
 * </ul>
 * A request the server accepts may change the tables; the run then waits until they stop changing and takes them as
 * the new state. So that accepted requests do no work in the background, one session holds the server's only run slot
 * (its model answer never comes), and every session created meanwhile stays queued.
 *
 * <p>The heap after garbage collection is measured after a warm-up and at the end: the server runs in this JVM.
 */
public final class FuzzRun implements Targets, AutoCloseable {
    public static final String PASSWORD = "admin-password-for-fuzzing";
    /**
     * How much the heap (after GC) may grow from the warm-up to the end. Measured: +0.8 MB after 2,000 requests and
     * +1.3 MB after 10,000 (the things accepted requests made: sessions, keys, ...); a leak of 1.7 KB a request over
     * 10,000 requests fails it.
     */
    public static final long HEAP_BOUND = 16L * 1024 * 1024;
    private static final String METRICS_TOKEN = "metrics-token-for-fuzzing";
    /** Signs webhook deliveries, so that their bodies are read; the server's GitHub API is a closed port. */
    private static final String WEBHOOK_SECRET = "webhook-secret-for-fuzzing";
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final int KEPT_FAILURES = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeAnthropic model;
    private final Gate held;
    private final PostgresSchema db;
    private final TestServer server;
    private final Map<String, List<String>> idsByKind = new TreeMap<>();
    private final Map<String, String> targetByKind = new TreeMap<>();
    private String workspaceId;
    private String memberKey;
    private String otherWorkspaceKey;
    private String revokedKey;
    private Targets.SignIn admin;
    private Targets.SignIn signedOut;
    private String endedSession;
    private String queuedSession;
    private String holder;
    private int repairs;
    private long deliveries;

    private FuzzRun(FakeAnthropic model, Gate held, PostgresSchema db, TestServer server) {
        this.model = model;
        this.held = held;
        this.db = db;
        this.server = server;
    }

    /** Starts the server in {@code dir} and makes everything the requests name. */
    public static FuzzRun start(Path dir) {
        FakeAnthropic model = FakeAnthropic.start();
        Gate held = Gate.closed();
        model.script(Script.empty().withFallback(Turn.reply().text("held").heldBy(held)));
        PostgresSchema db = PostgresSchema.create();
        TestServer server;
        try {
            server = TestServer.start(dir.resolve("data"), model, Map.of("MAGNET_DATABASE_URL", db.jdbcUrl(),
                    "MAGNET_ADMIN_PASSWORD", PASSWORD, "MAGNET_API_KEY_RATE_LIMIT", "100000000", "MAGNET_MAX_SESSIONS", "1",
                    "MAGNET_MAX_QUEUED_PER_USER", "0", "MAGNET_METRICS_TOKEN", METRICS_TOKEN, "MAGNET_GITHUB_TOKEN", "fuzz-token",
                    "MAGNET_GITHUB_API_URL", "http://127.0.0.1:1", "MAGNET_GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET));
        } catch (RuntimeException e) {
            model.close();
            db.close();
            throw e;
        }
        FuzzRun run = new FuzzRun(model, held, db, server);
        try {
            run.prepare();
        } catch (RuntimeException | InterruptedException e) {
            run.close();
            throw new IllegalStateException("preparing the fuzz run failed: " + e.getMessage(), e);
        }
        return run;
    }

    private void prepare() throws InterruptedException {
        holder = server.createSession(Map.of("prompt", "hold the run slot")).path("id").asText();
        held.awaitReached(Duration.ofSeconds(120));
        endedSession = server.createSession(Map.of("prompt", "fuzz target: ended")).path("id").asText();
        expect(server.post("/api/sessions/" + endedSession + "/cancel", null), 202);
        server.awaitStatus(endedSession, "failed", Duration.ofSeconds(30));
        queuedSession = server.createSession(Map.of("prompt", "fuzz target: queued")).path("id").asText();
        kind("session", endedSession, queuedSession, holder);

        JsonNode me = server.get("/api/me").json();
        workspaceId = me.path("workspace").path("id").asText();
        String adminId = me.path("user").path("id").asText();
        kind("user", adminId);
        target("user", adminId);
        admin = signIn();
        Browser gone = new Browser(server.baseUrl());
        expect(gone.signIn(Bootstrap.ADMIN_EMAIL, PASSWORD), 200);
        signedOut = new Targets.SignIn(gone.cookie("magnet_session"), gone.cookie(RequestGenerator.CSRF_COOKIE));
        expect(gone.send("POST", "/api/auth/signout", null, true, Map.of()), 204);

        JsonNode revoked = expect(server.post("/api/keys", Map.of("name", "revoked")), 201).json();
        revokedKey = revoked.path("key").asText();
        expect(server.send("DELETE", "/api/keys/" + revoked.path("id").asText(), null, TestServer.API_KEY, Map.of()), 200);
        String keyTarget = expect(server.post("/api/keys", Map.of("name", "fuzz target")), 201).json().path("id").asText();
        kind("key", keyTarget, revoked.path("id").asText());
        target("key", keyTarget);
        String environment = expect(server.post("/api/environments", Map.of("name", "fuzz-target")), 201).json().path("id").asText();
        kind("environment", environment);
        target("environment", environment);
        JsonNode invite = expect(server.post("/api/workspace/invites", Map.of("role", "member")), 201).json();
        kind("invite", invite.path("id").asText());
        target("invite", invite.path("id").asText());
        target("token", invite.path("token").asText());
        memberKey = server.newMemberKey("member@fuzz.test");
        // why: a name that does not resolve is accepted when saved (each delivery checks again), and reaches nothing
        String webhook = expect(server.post("/api/webhooks", Map.of("url", "https://hooks.fuzz.invalid/magnet")), 201).json()
                .path("id").asText();
        kind("webhook", webhook);
        target("webhook", webhook);
        target("delivery", "00000000-0000-7000-8000-000000000000");
        target("login", "fuzz-octocat");

        Browser adminBrowser = new Browser(server.baseUrl());
        expect(adminBrowser.signIn(Bootstrap.ADMIN_EMAIL, PASSWORD), 200);
        String other = expect(adminBrowser.post("/api/workspaces", Map.of("name", "other")), 201).json().path("id").asText();
        expect(adminBrowser.post("/api/me/workspace", Map.of("workspaceId", other)), 200);
        String token = expect(adminBrowser.post("/api/workspace/invites", Map.of("role", "admin")), 201).json().path("token").asText();
        expect(adminBrowser.post("/api/me/workspace", Map.of("workspaceId", workspaceId)), 200);
        Browser otherAdmin = new Browser(server.baseUrl());
        JsonNode joined = expect(otherAdmin.post("/api/invites/" + token + "/accept",
                Map.of("name", "Other", "email", "other@fuzz.test", "password", "other-password-1")), 200).json();
        // why: the admin made the other workspace, so is a member there too; a workspace of its own is one it is not in
        expect(otherAdmin.delete("/api/workspace/members/" + adminId), 204);
        JsonNode otherKey = expect(otherAdmin.post("/api/keys", Map.of("name", "other's key")), 201).json();
        otherWorkspaceKey = otherKey.path("key").asText();
        String otherEnvironment = expect(otherAdmin.post("/api/environments", Map.of("name", "other")), 201).json().path("id").asText();
        String otherInvite = expect(otherAdmin.post("/api/workspace/invites", Map.of("role", "member")), 201).json().path("id").asText();
        kind("other workspace", other, joined.path("user").path("id").asText(), otherKey.path("id").asText(), otherEnvironment,
                otherInvite);
    }

    private Targets.SignIn signIn() {
        Browser browser = new Browser(server.baseUrl());
        expect(browser.signIn(Bootstrap.ADMIN_EMAIL, PASSWORD), 200);
        return new Targets.SignIn(browser.cookie("magnet_session"), browser.cookie(RequestGenerator.CSRF_COOKIE));
    }

    private void kind(String kind, String... ids) {
        idsByKind.computeIfAbsent(kind, k -> new ArrayList<>()).addAll(List.of(ids));
    }

    private void target(String kind, String id) {
        targetByKind.put(kind, id);
    }

    /** The kind of thing a path parameter names, from the path: the collection it sits in. */
    private static String kindOf(ApiDescription.Operation operation, String parameter) {
        String path = operation.path();
        if (path.startsWith("/api/sessions/{")) {
            return "session";
        }
        if (path.startsWith("/api/workspace/members/{")) {
            return "user";
        }
        if (path.startsWith("/api/workspace/invites/{")) {
            return "invite";
        }
        if (path.startsWith("/api/invites/{")) {
            return "token";
        }
        if (path.startsWith("/api/keys/{")) {
            return "key";
        }
        if (path.startsWith("/api/environments/{")) {
            return "environment";
        }
        if (path.startsWith("/api/webhooks/{")) {
            return parameter.equals("deliveryId") ? "delivery" : "webhook";
        }
        if (path.startsWith("/api/github/links/{")) {
            return "login";
        }
        throw new IllegalStateException("the fuzzer has nothing to name {" + parameter + "} in " + operation
                + ": add the kind of thing to FuzzRun.kindOf and make one in FuzzRun.prepare");
    }

    @Override
    public String target(ApiDescription.Operation operation, String parameter) {
        String kind = kindOf(operation, parameter);
        if (kind.equals("session")) {
            // why: reads go to an ended session, so an event stream ends at once; writes to a queued one, which no
            // runner takes while the run slot is held
            return operation.method().equals("GET") ? endedSession : queuedSession;
        }
        return targetByKind.get(kind);
    }

    @Override
    public List<String> foreignIds(ApiDescription.Operation operation, String parameter) {
        String kind = kindOf(operation, parameter);
        List<String> out = new ArrayList<>();
        idsByKind.forEach((k, ids) -> {
            if (!k.equals(kind)) {
                out.addAll(ids);
            }
        });
        return out;
    }

    @Override
    public String adminKey() {
        return TestServer.API_KEY;
    }

    @Override
    public SignIn adminBrowser() {
        return admin;
    }

    @Override
    public String memberKey() {
        return memberKey;
    }

    @Override
    public String otherWorkspaceKey() {
        return otherWorkspaceKey;
    }

    @Override
    public String revokedKey() {
        return revokedKey;
    }

    @Override
    public SignIn signedOutBrowser() {
        return signedOut;
    }

    @Override
    public String metricsToken() {
        return METRICS_TOKEN;
    }

    @Override
    public List<Map.Entry<String, String>> bodyHeaders(ApiDescription.Operation operation, byte[] body) {
        if (!operation.path().equals("/api/github/webhooks")) {
            return List.of();
        }
        return List.of(Map.entry("X-GitHub-Event", "pull_request"), Map.entry("X-GitHub-Delivery", "fuzz-" + ++deliveries),
                Map.entry("X-Hub-Signature-256", Webhooks.sign(WEBHOOK_SECRET, body)));
    }

    /** The seed from {@code -Dmagnet.fuzz.seed} or {@code MAGNET_FUZZ_SEED}, else a new random one. */
    public static long seed() {
        String given = System.getProperty("magnet.fuzz.seed", System.getenv("MAGNET_FUZZ_SEED"));
        return given == null || given.isBlank() ? new java.security.SecureRandom().nextLong() : Long.parseLong(given.trim());
    }

    /**
     * Sends {@code count} generated requests and checks every answer.
     *
     * @param log where progress goes (a line per 1,000 requests)
     */
    public Report run(int count, long seed, PrintStream log) throws InterruptedException {
        JsonNode description = server.send("GET", "/api/openapi.json", null, null, Map.of()).json();
        ApiDescription api = ApiDescription.of(description);
        RequestGenerator generator = new RequestGenerator(api, this, seed);
        Tally tally = new Tally(seed);
        undescribedRoutes(api).forEach(route -> tally.fail("not fuzzed", route + " is registered but not in the API description"));
        int warmUp = Math.max(1, Math.min(500, count / 10));
        log.printf("fuzz: seed %d, %d requests, %d operations, %d requests a round (operation, category)%n", seed, count,
                api.operations().size(), generator.roundSize());
        long started = System.nanoTime();
        try (TableDigests tables = TableDigests.of(db.jdbcUrl())) {
            Map<String, String> state = settle(tables);
            tally.heapAtStart = heapAfterGc();
            for (int i = 0; i < count; i++) {
                if (i == warmUp) {
                    tally.heapAfterWarmUp = heapAfterGc();
                    tally.threadsAfterWarmUp = ManagementFactory.getThreadMXBean().getThreadCount();
                }
                FuzzRequest request = generator.next();
                state = check(request, state, tables, tally);
                if ((i + 1) % 1000 == 0) {
                    log.printf("fuzz: %d requests, %.1f s, %d failures%n", i + 1, (System.nanoTime() - started) / 1e9,
                            tally.failureCount);
                    holdingTheRunSlot(tally);
                }
            }
            holdingTheRunSlot(tally);
        }
        tally.seconds = (System.nanoTime() - started) / 1e9;
        tally.heapAtEnd = heapAfterGc();
        tally.threadsAtEnd = ManagementFactory.getThreadMXBean().getThreadCount();
        tally.repairs = repairs;
        return tally.report(api);
    }

    private Map<String, String> check(FuzzRequest request, Map<String, String> before, TableDigests tables, Tally tally)
            throws InterruptedException {
        tally.count(request);
        RawHttp.Response answer;
        long sent = System.nanoTime();
        try {
            answer = RawHttp.send(server.magnet().port(), request.http(), ANSWER_TIMEOUT);
            tally.answered(request, System.nanoTime() - sent);
        } catch (IOException | RuntimeException e) {
            tally.status("none");
            tally.fail("no answer", request.describe() + " -> " + e);
            Map<String, String> after = settle(tables);
            Set<String> changed = TableDigests.changed(before, after);
            if (!changed.isEmpty()) {
                tally.fail("changed stored data", request.describe() + " (no answer) changed " + changed);
            }
            return after;
        }
        int status = answer.status();
        tally.status(Integer.toString(status));
        String method = request.http().method().toUpperCase(Locale.ROOT);
        boolean safe = Set.of("GET", "HEAD", "OPTIONS").contains(method);
        long digesting = System.nanoTime();
        Map<String, String> after = tables.take();
        tally.digestNanos += System.nanoTime() - digesting;
        Set<String> changed = TableDigests.changed(before, after);
        String said = " -> " + status + " " + RequestGenerator.abbreviate(answer.text(), 300);
        if (status >= 500) {
            tally.fail("5xx", request.describe() + said);
        } else if (status >= 400) {
            String problem = problemError(answer, method);
            if (problem != null) {
                tally.fail("not problem+json", request.describe() + said + " (" + problem + ")");
            }
        } else if (request.expect() == Expect.REFUSED) {
            tally.fail("accepted though it must be refused", request.describe() + said);
        } else if (request.expect() == Expect.INVALID) {
            tally.acceptedInvalid(request, status);
        }
        if (status < 400 && status >= 200) {
            tally.accepted++;
        }
        if (!changed.isEmpty() && (status >= 400 || safe)) {
            tally.fail("changed stored data", request.describe() + said + " changed " + changed);
        }
        if (status < 400 && !safe) {
            tally.settles++;
            long settling = System.nanoTime();
            repairCredentials(request, tally);
            after = settle(tables);
            tally.settleNanos += System.nanoTime() - settling;
        }
        return after;
    }

    /**
     * Checks that the session holding the run slot still runs: when it ends, queued sessions start and change the
     * tables in the background, and what the run reports after that is not to be trusted.
     */
    private void holdingTheRunSlot(Tally tally) {
        JsonNode session = server.session(holder);
        if (!session.path("status").asText().equals("active") || !session.path("phase").asText().equals("running")) {
            tally.fail("lost the run slot", "the session holding the run slot is " + session.path("status").asText() + "/"
                    + session.path("phase").asText() + " " + session.path("failure"));
        }
    }

    /** Why a refusal is not problem+json with its status and a title, or null when it is. */
    private static String problemError(RawHttp.Response answer, String method) {
        if (method.equals("HEAD")) {
            return null;
        }
        String type = answer.header("content-type");
        if (type == null || !type.startsWith("application/problem+json")) {
            return "content type " + type;
        }
        try {
            JsonNode json = JSON.readTree(answer.body());
            if (json.path("status").asInt() != answer.status() || json.path("title").asText().isBlank()) {
                return "no matching status or no title";
            }
            return null;
        } catch (IOException e) {
            return "not JSON";
        }
    }

    /**
     * After an accepted request: the admin's key must still work, and the admin's browser sign-in is renewed when the
     * request ended it (a password change signs out other browsers).
     */
    private void repairCredentials(FuzzRequest request, Tally tally) {
        TestServer.Response byKey = server.get("/api/me");
        if (byKey.status() != 200) {
            tally.fail("lost the admin key", request.describe() + " left the admin key answering " + byKey.status());
        }
        Map<String, String> cookie = Map.of("Cookie", "magnet_session=" + admin.session() + "; "
                + RequestGenerator.CSRF_COOKIE + "=" + admin.csrf());
        TestServer.Response byBrowser = server.send("GET", "/api/me", null, null, cookie);
        if (byBrowser.status() != 200 || !byBrowser.json().path("workspace").path("id").asText().equals(workspaceId)) {
            repairs++;
            admin = signIn();
        }
    }

    /** The tables once they stop changing: the same digests three times 25 ms apart. */
    private static Map<String, String> settle(TableDigests tables) throws InterruptedException {
        Map<String, String> last = tables.take();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (int same = 0; same < 2 && System.nanoTime() < deadline; ) {
            Thread.sleep(25);
            Map<String, String> now = tables.take();
            same = now.equals(last) ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    private List<String> undescribedRoutes(ApiDescription api) {
        Set<String> described = new java.util.HashSet<>();
        api.operations().forEach(o -> described.add(o.method() + " " + normalize(o.path())));
        List<String> out = new ArrayList<>();
        for (RouteTable.Route route : server.magnet().routes()) {
            if (!route.webUi() && !described.contains(route.method() + " " + route.normalizedPath())) {
                out.add(route.toString());
            }
        }
        return out;
    }

    private static String normalize(String path) {
        return path.replaceAll("\\{[^}]*}", "{}");
    }

    /** Heap in use after collecting garbage (several times, so that what is unreachable is gone). */
    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Override
    public void close() {
        held.open();
        server.close();
        model.close();
        db.close();
    }

    private static <T extends TestServer.Response> T expect(T response, int status) {
        if (response.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + response.status() + " " + response.body());
        }
        return response;
    }

    private static Browser.Answer expect(Browser.Answer answer, int status) {
        if (answer.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + answer.status() + " " + answer.body());
        }
        return answer;
    }

    /** Counts as the run goes. */
    private static final class Tally {
        final long seed;
        final Map<String, Integer> byCategory = new TreeMap<>();
        final Map<String, Integer> byKind = new TreeMap<>();
        final Map<String, Integer> byOperation = new TreeMap<>();
        final Map<String, Integer> byStatus = new TreeMap<>();
        final Map<String, Integer> failuresByKind = new TreeMap<>();
        final List<String> failures = new ArrayList<>();
        final Map<String, Integer> acceptedInvalid = new TreeMap<>();
        final Map<String, String> acceptedInvalidExample = new TreeMap<>();
        int failureCount;
        int requests;
        int accepted;
        int settles;
        int repairs;
        double seconds;
        long heapAtStart;
        long heapAfterWarmUp;
        long heapAtEnd;
        int threadsAfterWarmUp;
        int threadsAtEnd;
        long answerNanos;
        long digestNanos;
        long settleNanos;
        final TreeMap<Long, String> slowest = new TreeMap<>();

        Tally(long seed) {
            this.seed = seed;
        }

        void count(FuzzRequest request) {
            requests++;
            byCategory.merge(request.category(), 1, Integer::sum);
            byKind.merge(request.category() + ": " + request.kind().replaceAll(" \\(.*", ""), 1, Integer::sum);
            byOperation.merge(request.operation().toString(), 1, Integer::sum);
        }

        void answered(FuzzRequest request, long nanos) {
            answerNanos += nanos;
            slowest.put(nanos, request.describe());
            if (slowest.size() > 3) {
                slowest.pollFirstEntry();
            }
        }

        void status(String status) {
            byStatus.merge(status, 1, Integer::sum);
        }

        void fail(String kind, String what) {
            failureCount++;
            failuresByKind.merge(kind, 1, Integer::sum);
            if (failures.size() < KEPT_FAILURES) {
                failures.add(kind + ": " + what);
            }
        }

        void acceptedInvalid(FuzzRequest request, int status) {
            String key = request.operation() + " " + request.category() + ": " + request.kind();
            acceptedInvalid.merge(key, 1, Integer::sum);
            acceptedInvalidExample.putIfAbsent(key, status + " " + request.describe());
        }

        Report report(ApiDescription api) {
            List<String> unfuzzed = new ArrayList<>();
            api.operations().forEach(o -> {
                if (!byOperation.containsKey(o.toString())) {
                    unfuzzed.add(o.toString());
                }
            });
            return new Report(seed, requests, seconds, Map.copyOf(byCategory), Map.copyOf(byKind), Map.copyOf(byOperation),
                    Map.copyOf(byStatus), failureCount, Map.copyOf(failuresByKind), List.copyOf(failures), Map.copyOf(acceptedInvalid),
                    Map.copyOf(acceptedInvalidExample), accepted, settles, repairs, heapAtStart, heapAfterWarmUp, heapAtEnd,
                    threadsAfterWarmUp, threadsAtEnd, List.copyOf(unfuzzed), answerNanos / 1e9, digestNanos / 1e9,
                    settleNanos / 1e9, slowest.descendingMap().entrySet().stream()
                            .map(e -> String.format("%.0f ms %s", e.getKey() / 1e6, RequestGenerator.abbreviate(e.getValue(), 200))).toList());
        }
    }

    /** What a run found, with its figures. */
    public record Report(long seed, int requests, double seconds, Map<String, Integer> byCategory, Map<String, Integer> byKind,
                         Map<String, Integer> byOperation, Map<String, Integer> byStatus, int failureCount,
                         Map<String, Integer> failuresByKind, List<String> failures, Map<String, Integer> acceptedInvalid,
                         Map<String, String> acceptedInvalidExample, int accepted, int settles, int repairs,
                         long heapAtStart, long heapAfterWarmUp, long heapAtEnd, int threadsAfterWarmUp, int threadsAtEnd,
                         List<String> unfuzzedOperations, double answerSeconds, double digestSeconds, double settleSeconds,
                         List<String> slowest) {

        public long heapGrowth() {
            return heapAtEnd - heapAfterWarmUp;
        }

        public int fiveXx() {
            return byStatus.entrySet().stream().filter(e -> e.getKey().startsWith("5")).mapToInt(Map.Entry::getValue).sum();
        }

        /** The figures as text: by category, by status, failures, heap. */
        public String summary() {
            StringBuilder out = new StringBuilder();
            out.append(String.format("fuzz: seed %d: %,d requests to %d operations in %.1f s (%.0f requests/s)%n", seed, requests,
                    byOperation.size(), seconds, requests / Math.max(0.001, seconds)));
            out.append("  requests by category: ").append(new TreeMap<>(byCategory)).append('\n');
            out.append("  requests by kind: ").append(new TreeMap<>(byKind)).append('\n');
            out.append("  requests per operation: min ").append(byOperation.values().stream().mapToInt(i -> i).min().orElse(0))
                    .append(", max ").append(byOperation.values().stream().mapToInt(i -> i).max().orElse(0)).append('\n');
            out.append(String.format("  time: %.1f s waiting for answers, %.1f s digesting tables, %.1f s settling after "
                    + "accepted writes; slowest: %s%n", answerSeconds, digestSeconds, settleSeconds, slowest));
            out.append("  answers by status: ").append(new TreeMap<>(byStatus)).append('\n');
            out.append(String.format("  5xx: %d; accepted (2xx): %d, of which writes (the run waited for the tables to settle): %d; "
                    + "browser sign-ins renewed: %d%n", fiveXx(), accepted, settles, repairs));
            out.append(String.format("  heap after GC: %.1f MB at the start, %.1f MB after warm-up, %.1f MB at the end "
                            + "(%+.1f MB); platform threads %d after warm-up, %d at the end%n", heapAtStart / 1e6,
                    heapAfterWarmUp / 1e6, heapAtEnd / 1e6, heapGrowth() / 1e6, threadsAfterWarmUp, threadsAtEnd));
            out.append("  failures: ").append(failureCount).append(' ').append(new TreeMap<>(failuresByKind)).append('\n');
            failures.forEach(f -> out.append("    ").append(f).append('\n'));
            if (!acceptedInvalid.isEmpty()) {
                out.append("  accepted though the description calls them invalid (not failures): ")
                        .append(acceptedInvalid.values().stream().mapToInt(i -> i).sum()).append('\n');
                new TreeMap<>(acceptedInvalid).forEach((k, n) -> out.append("    ").append(n).append(" × ").append(k)
                        .append(", e.g. ").append(RequestGenerator.abbreviate(acceptedInvalidExample.get(k), 400)).append('\n'));
            }
            if (!unfuzzedOperations.isEmpty()) {
                out.append("  operations that got no request: ").append(unfuzzedOperations).append('\n');
            }
            return out.toString();
        }
    }
}
