package dev.magnet.bench;

import static dev.magnet.bench.Figures.report;
import static dev.magnet.bench.Figures.pct;
import static dev.magnet.bench.Figures.intArg;
import static dev.magnet.bench.Figures.stringArg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.PostgresSchema;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.SseClient;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code ./magnet bench}: figures, not tests. With the scripted fake model and a 2,000-file local repository
 * that is already mirrored, it measures:
 * <ol>
 *   <li>session start: from {@code POST /api/sessions} to the model receiving the agent's first request;</li>
 *   <li>the floor: the same for the bare {@code claude} CLI started by hand in a ready checkout;</li>
 *   <li>events per second ingested, and delivered to 100 concurrent SSE readers;</li>
 *   <li>finishing: from the {@code finishing} phase to {@code done} when the agent left 50 of the 2,000 files changed
 *       (commit inside the sandbox, hand-over of the pack, import with checks, diff, push).</li>
 * </ol>
 * Options: {@code --runs N} (default 20), {@code --readers N} (default 100), {@code --deltas N} (default 4000),
 * {@code --store h2|postgres} (default h2; postgres uses a fresh schema on the local PostgreSQL).
 */
public final class Bench {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    public static void main(String[] args) throws Exception {
        int runs = intArg(args, "--runs", 20);
        int readers = intArg(args, "--readers", 100);
        int deltas = intArg(args, "--deltas", 4000);
        String store = stringArg(args, "--store", "h2");
        if (!store.equals("h2") && !store.equals("postgres")) {
            throw new IllegalArgumentException("--store takes h2 or postgres, not " + store);
        }
        Path dir = Files.createTempDirectory("magnet-bench");
        System.out.println("Magnet benchmark (" + runs + " runs, " + readers + " SSE readers, " + store + ") in " + dir);
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + Runtime.version());
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.empty().withFallback(Turn.reply().text("ok")));
            Path origin = GitFixtures.bareOrigin(dir, 2000);
            System.out.println("repository: 2,000 files + README, bare origin " + origin);

            List<Long> floor = bareCliStarts(dir, origin, model, runs);
            List<Long> magnet;
            List<Long> finishing;
            Map<String, String> env = new HashMap<>(Map.of("MAGNET_MAX_SESSIONS", "4"));
            PostgresSchema schema = store.equals("postgres") ? PostgresSchema.create() : null;
            if (schema != null) {
                env.put("MAGNET_DATABASE_URL", schema.jdbcUrl());
            }
            try (schema; TestServer server = TestServer.start(dir.resolve("data"), model, env)) {
                String warm = server.createSession(Map.of("prompt", "warm the mirror", "repo", origin.toString()))
                        .path("id").asText();
                server.awaitStatus(warm, "completed", TIMEOUT);
                magnet = magnetStarts(server, model, origin, runs);
                finishing = finishing(server, model, origin, runs);
                streaming(server, model, readers, deltas);
            }
            report("bare claude CLI (floor): spawn -> first model request", floor);
            report("Magnet: POST /api/sessions -> first model request", magnet);
            report("Magnet: finishing with 50 of 2,000 files changed (commit, hand-over, import, diff, push)", finishing);
            System.out.printf("Magnet adds %d ms at p50 (target <= 400 ms)%n", pct(magnet, 50) - pct(floor, 50));
        }
    }

    /** The steps of a start, as the session's phase history splits it: each phase entered, then the first request. */
    private static final List<String> START_STEPS = List.of("provisioning", "cloning", "setting_up", "running");

    private static List<Long> magnetStarts(TestServer server, FakeAnthropic model, Path origin, int runs) {
        List<Long> millis = new ArrayList<>();
        Map<String, List<Long>> steps = new LinkedHashMap<>();
        for (int i = 0; i < runs; i++) {
            String marker = "bench-run-" + UUID.randomUUID();
            Instant posted = Instant.now();
            String id = server.createSession(Map.of("prompt", marker, "repo", origin.toString())).path("id").asText();
            RecordedRequest first = model.awaitRequestMentioning(marker, TIMEOUT);
            millis.add(Duration.between(posted, first.at()).toMillis());
            JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
            Map<String, Instant> entered = new HashMap<>();
            for (JsonNode phase : done.path("phases")) {
                entered.putIfAbsent(phase.path("phase").asText(), Instant.parse(phase.path("at").asText()));
            }
            Instant from = posted;
            String name = "POST -> provisioning";
            for (String step : START_STEPS) {
                Instant at = entered.get(step);
                steps.computeIfAbsent(name, k -> new ArrayList<>()).add(Duration.between(from, at).toMillis());
                from = at;
                name = step;
            }
            steps.computeIfAbsent("running -> first model request", k -> new ArrayList<>())
                    .add(Duration.between(from, first.at()).toMillis());
        }
        steps.forEach((step, values) -> report("Magnet start, step " + step, values));
        return millis;
    }

    private static List<Long> finishing(TestServer server, FakeAnthropic model, Path origin, int runs) {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            model.script(Script.of(Turn.reply().toolUse("Bash", Map.of("description", "change 50 files", "command",
                    "for i in $(seq 0 49); do echo \"// changed $RANDOM\" >> src/pkg$((i % 100))/File$i.java; done")),
                    Turn.reply().text("Changed 50 files.")));
            String id = server.createSession(Map.of("prompt", "change 50 files", "repo", origin.toString())).path("id").asText();
            JsonNode done = server.awaitStatus(id, "completed", TIMEOUT);
            Instant finishingAt = null;
            Instant doneAt = null;
            for (JsonNode phase : done.path("phases")) {
                if (phase.path("phase").asText().equals("finishing")) {
                    finishingAt = Instant.parse(phase.path("at").asText());
                } else if (phase.path("phase").asText().equals("done")) {
                    doneAt = Instant.parse(phase.path("at").asText());
                }
            }
            millis.add(Duration.between(finishingAt, doneAt).toMillis());
        }
        model.script(Script.empty().withFallback(Turn.reply().text("ok")));
        return millis;
    }

    private static List<Long> bareCliStarts(Path dir, Path origin, FakeAnthropic model, int runs) throws Exception {
        Path checkout = dir.resolve("bare-checkout");
        GitFixtures.git(dir, "clone", "-q", origin.toString(), checkout.toString());
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            Path home = Files.createDirectories(dir.resolve("bare-home-" + i));
            String marker = "bare-run-" + UUID.randomUUID();
            ProcessBuilder pb = new ProcessBuilder(TestServer.claudeBin().toString(), "-p", "--input-format", "stream-json",
                    "--output-format", "stream-json", "--verbose", "--include-partial-messages",
                    "--permission-mode", "bypassPermissions", "--model", "claude-opus-4-6")
                    .directory(checkout.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().clear();
            pb.environment().putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", home.toString(),
                    "ANTHROPIC_BASE_URL", model.baseUrl(), "ANTHROPIC_API_KEY", "sk-bench",
                    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1", "IS_SANDBOX", "1"));
            Instant spawned = Instant.now();
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(("{\"type\":\"user\",\"session_id\":\"\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\""
                        + marker + "\"}]},\"parent_tool_use_id\":null,\"uuid\":\"" + UUID.randomUUID() + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
                in.flush();
                RecordedRequest first = model.awaitRequestMentioning(marker, TIMEOUT);
                millis.add(Duration.between(spawned, first.at()).toMillis());
            }
            p.waitFor();
        }
        return millis;
    }

    private static void streaming(TestServer server, FakeAnthropic model, int readerCount, int deltas)
            throws InterruptedException, IOException {
        model.script(Script.of(Turn.reply().text("x".repeat(deltas * 8)).chunked(8, Duration.ZERO)));
        String id = server.createSession(Map.of("prompt", "stream a lot")).path("id").asText();
        List<SseClient> readers = new ArrayList<>();
        for (int i = 0; i < readerCount; i++) {
            readers.add(SseClient.open(server.baseUrl(), id, TestServer.API_KEY, null));
        }
        for (SseClient r : readers) {
            r.awaitEnd(TIMEOUT);
        }
        Instant lastDelivered = Instant.now();
        JsonNode page = server.get("/api/sessions/" + id + "/events?limit=1000").json();
        List<Instant> times = new ArrayList<>();
        long after = 0;
        while (true) {
            for (JsonNode e : page.path("events")) {
                times.add(Instant.parse(e.path("at").asText()));
            }
            after = page.path("nextAfter").asLong();
            if (!page.path("hasMore").asBoolean()) {
                break;
            }
            page = server.get("/api/sessions/" + id + "/events?limit=1000&after=" + after).json();
        }
        long events = times.size();
        double ingestSeconds = Math.max(0.001, Duration.between(times.get(0), times.get(times.size() - 1)).toMillis() / 1000.0);
        double deliverSeconds = Math.max(0.001, Duration.between(times.get(0), lastDelivered).toMillis() / 1000.0);
        long delivered = readers.stream().mapToLong(r -> r.events().size()).sum();
        boolean complete = readers.stream().allMatch(r -> r.events().size() == events);
        System.out.printf("streaming: %d events in the session (%d text deltas of 8 chars)%n", events, deltas);
        System.out.printf("  ingested (persisted, then fanned out): %.0f events/s over %.2f s%n", events / ingestSeconds, ingestSeconds);
        System.out.printf("  delivered to %d SSE readers: %d frames, %.0f events/s over %.2f s; every reader got every event once: %s%n",
                readerCount, delivered, delivered / deliverSeconds, deliverSeconds, complete);
    }
}
