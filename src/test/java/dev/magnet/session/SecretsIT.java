package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.testing.FakeAnthropic;
import dev.magnet.testing.MagnetServerExtension;
import dev.magnet.testing.RecordedRequest;
import dev.magnet.testing.Script;
import dev.magnet.testing.TestServer;
import dev.magnet.testing.Turn;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/** The real model key reaches the model API, and nowhere else: not the agent, not an event, not the log. */
class SecretsIT {
    // why: made with the test instance, before the extension starts the server, so the log of the server's whole life
    // (start, session, stop) is checked
    private final ByteArrayOutputStream log = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> appender = captureLog(log);
    @RegisterExtension
    final MagnetServerExtension magnet = new MagnetServerExtension();

    @Test
    void the_model_key_reaches_the_model_but_never_the_agent_an_event_or_the_log() throws Exception {
        try {
            FakeAnthropic model = magnet.model();
            TestServer server = magnet.server();
            model.script(Script.of(
                    Turn.reply().toolUse("Bash", Map.of("command", "env; cat ~/.claude.json 2>/dev/null; echo done",
                            "description", "look around")),
                    Turn.reply().text("The key is " + TestServer.MODEL_KEY + " (echoed by a hostile model).")));
            String id = server.createSession(Map.of("prompt", "Print your environment")).path("id").asText();
            server.awaitStatus(id, "completed", Duration.ofSeconds(60));
            LoggerFactory.getLogger("test").info("key in a log line: {}", TestServer.MODEL_KEY);

            for (RecordedRequest r : model.mainRequests()) {
                assertThat(r.header("x-api-key")).isEqualTo(TestServer.MODEL_KEY);
            }
            String events = server.get("/api/sessions/" + id + "/events?limit=1000").body();
            JsonNode envResult = null;
            for (JsonNode e : server.get("/api/sessions/" + id + "/events?limit=1000").json().path("events")) {
                if ("tool_result".equals(e.path("type").asText())) {
                    envResult = e;
                }
            }
            assertThat(envResult).isNotNull();
            String agentEnv = envResult.path("data").path("output").asText();
            assertThat(agentEnv).contains("ANTHROPIC_API_KEY=magnet-session-").contains("done");
            assertThat(agentEnv).doesNotContain(TestServer.MODEL_KEY);
            assertThat(events).doesNotContain(TestServer.MODEL_KEY).contains("[redacted]");
            assertThat(server.session(id).toString()).doesNotContain(TestServer.MODEL_KEY);
            // the previews kept on the session row are cut from the redacted text
            assertThat(server.session(id).path("lastMessagePreview").asText()).contains("[redacted]");
            assertThat(server.sessions("").toString()).doesNotContain(TestServer.MODEL_KEY);
        } finally {
            magnet.stop();
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(appender);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("key in a log line: [redacted]");
        assertThat(logged).doesNotContain(TestServer.MODEL_KEY);
    }

    /** Adds an appender with the server's own log pattern (from logback.xml) that writes into {@code out}. */
    private static OutputStreamAppender<ILoggingEvent> captureLog(ByteArrayOutputStream out) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %redactedMsg%n%nopex");
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(appender);
        return appender;
    }
}
