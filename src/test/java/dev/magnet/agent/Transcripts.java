package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.magnet.events.EventType;
import dev.magnet.events.NewEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real CLI transcripts saved under {@code src/test/resources/agent/}, captured from Claude Code
 * 2.1.328 against the scripted fake model API, with the temp workspace replaced by {@code /workspace}.
 */
final class Transcripts {
    static final Path WORKSPACE = Path.of("/workspace");
    static final ObjectMapper JSON = new ObjectMapper();

    private Transcripts() {
    }

    static List<JsonNode> lines(String name) {
        String resource = "/agent/" + name + ".jsonl";
        try (InputStream in = Transcripts.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            List<JsonNode> lines = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Feeds a whole transcript through a new mapper. */
    static Mapped map(String name) {
        return map(name, new StreamJsonMapper(WORKSPACE));
    }

    static Mapped map(String name, StreamJsonMapper mapper) {
        List<MappedLine> mapped = new ArrayList<>();
        for (JsonNode line : lines(name)) {
            mapped.add(mapper.mapLine(line));
        }
        return new Mapped(mapper, mapped);
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result of mapping a transcript, line by line. */
    record Mapped(StreamJsonMapper mapper, List<MappedLine> lines) {
        List<NewEvent> events() {
            return lines.stream().flatMap(line -> line.events().stream()).toList();
        }

        List<NewEvent> events(EventType type) {
            return events().stream().filter(event -> event.type() == type).toList();
        }

        NewEvent only(EventType type) {
            List<NewEvent> matching = events(type);
            if (matching.size() != 1) {
                throw new AssertionError("expected one " + type + " event, got " + matching);
            }
            return matching.getFirst();
        }

        List<TurnOutcome> outcomes() {
            return lines.stream().flatMap(line -> line.outcome().stream()).toList();
        }

        List<CommandLifecycle> lifecycles() {
            return lines.stream().flatMap(line -> line.lifecycle().stream()).toList();
        }
    }
}
