package dev.magnet.bench;

import static dev.magnet.bench.Figures.report;
import static dev.magnet.bench.Figures.pct;
import static dev.magnet.bench.Figures.intArg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.GitFixtures;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code ./magnet bench images}: figures, not tests, for images and the setup cache (issue 11), against the scripted
 * fake model:
 * <ol>
 *   <li>the default image's build time and size, as {@code ./magnet} recorded them when it built it;</li>
 *   <li>cold setup overhead: the {@code setting_up} phase of a session whose setup script is {@code sleep 1}, less
 *       the script's own second (as root in the sandbox, on the default image);</li>
 *   <li>start latency, {@code POST /api/sessions} to the first model request, on the default image: without setup,
 *       and with a setup cache hit for a setup that installed 200 MiB (the miss that made the snapshot is not
 *       counted).</li>
 * </ol>
 * Options: {@code --runs N} (default 10), {@code --mib N} (what the cached setup installs, default 200).
 */
public final class ImageBench {
    private static final Duration TIMEOUT = Duration.ofSeconds(600);

    public static void main(String[] args) throws Exception {
        int runs = intArg(args, "--runs", 10);
        int mib = intArg(args, "--mib", 200);
        Path images = Path.of(System.getenv().getOrDefault("MAGNET_IMAGES_DIR", "/var/lib/magnet/images"));
        Path image = images.resolve("default");
        System.out.println("Magnet image benchmark (" + runs + " runs), images in " + images);
        System.out.printf("default image: built in %s s, %d MiB, %s files (as ./magnet recorded its last build)%n",
                read(image.resolve("build.seconds")), Long.parseLong(read(image.resolve("size.bytes"))) / (1024 * 1024),
                count(image.resolve("rootfs")));
        Path dir = Files.createTempDirectory("magnet-image-bench");
        try (FakeAnthropic model = FakeAnthropic.start()) {
            model.script(Script.empty().withFallback(Turn.reply().text("ok")));
            Path origin = GitFixtures.bareOriginWith(dir, Map.of("README.md", "bench\n"));
            try (TestServer server = TestServer.start(dir.resolve("data"), model, Map.of())) {
                String plain = environment(server, null, null);
                String sleeper = environment(server, "sleep 1", null);
                String cached = environment(server, "head -c " + mib + "M /dev/urandom > /usr/local/share/deps.bin\n"
                        + "python3 -m venv \"$HOME/venv\"", Map.of("key", "commit"));
                starts(server, model, origin, plain, 1); // warm the mirror and the page cache
                List<Long> overhead = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    String id = server.createSession(Map.of("prompt", "p", "environmentId", sleeper, "repo", origin.toString()))
                            .path("id").asText();
                    server.awaitStatus(id, "completed", TIMEOUT);
                    overhead.add(phaseMillis(server.session(id), "setting_up") - 1000);
                }
                Instant missStarted = Instant.now();
                starts(server, model, origin, cached, 1);
                long miss = Duration.between(missStarted, Instant.now()).toMillis();
                List<Long> withoutSetup = starts(server, model, origin, plain, runs);
                List<Long> hits = starts(server, model, origin, cached, runs);
                List<Long> hitSettingUp = List.copyOf(SETTING_UP);
                report("cold setup overhead beyond the script's own time (setting_up phase of `sleep 1`, less 1 s)", overhead);
                System.out.printf("setup cache miss that made the %d MiB snapshot: whole session %d ms%n", mib, miss);
                report("start on the default image without setup: POST -> first model request", withoutSetup);
                report("start with a setup cache hit (" + mib + " MiB installed): POST -> first model request", hits);
                report("setting_up phase of a cache hit (find, re-mount over the snapshot, workspace restore)", hitSettingUp);
                System.out.printf("a cache hit adds %d ms at p50 over a session without setup (target <= 150 ms)%n",
                        pct(hits, 50) - pct(withoutSetup, 50));
            }
        }
    }

    /** The setting_up phases of the sessions {@link #starts} made (a hit's re-mount and workspace restore). */
    private static final List<Long> SETTING_UP = new ArrayList<>();

    private static List<Long> starts(TestServer server, FakeAnthropic model, Path origin, String envId, int runs) {
        SETTING_UP.clear();
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            String marker = "image-bench-" + UUID.randomUUID();
            Instant posted = Instant.now();
            String id = server.createSession(Map.of("prompt", marker, "environmentId", envId, "repo", origin.toString()))
                    .path("id").asText();
            RecordedRequest first = model.awaitRequestMentioning(marker, TIMEOUT);
            millis.add(Duration.between(posted, first.at()).toMillis());
            server.awaitStatus(id, "completed", TIMEOUT);
            JsonNode session = server.session(id);
            for (JsonNode p : session.path("phases")) {
                if (p.path("phase").asText().equals("setting_up")) {
                    SETTING_UP.add(phaseMillis(session, "setting_up"));
                }
            }
        }
        return millis;
    }

    private static long phaseMillis(JsonNode session, String phase) {
        Instant start = null;
        for (JsonNode p : session.path("phases")) {
            Instant at = Instant.parse(p.path("at").asText());
            if (start != null) {
                return Duration.between(start, at).toMillis();
            }
            if (p.path("phase").asText().equals(phase)) {
                start = at;
            }
        }
        throw new IllegalStateException("no phase after " + phase + " in " + session);
    }

    private static String environment(TestServer server, String setup, Map<String, Object> cache) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "bench-" + UUID.randomUUID());
        body.put("image", "default");
        body.put("setupScript", setup);
        if (cache != null) {
            body.put("cache", cache);
        }
        TestServer.Response r = server.post("/api/environments", body);
        if (r.status() != 201) {
            throw new IllegalStateException(r.body());
        }
        return r.json().path("id").asText();
    }

    private static String read(Path file) throws Exception {
        return Files.exists(file) ? Files.readString(file).strip() : "0";
    }

    private static long count(Path rootfs) throws Exception {
        try (var files = Files.walk(rootfs)) {
            return files.count();
        }
    }
}
