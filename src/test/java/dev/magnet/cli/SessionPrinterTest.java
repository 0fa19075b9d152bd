package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionPrinterTest {

    private final SessionPrinter printer = new SessionPrinter(Style.PLAIN, Clock.fixed(TestConsole.NOW, ZoneOffset.UTC));

    private static final String LIST = """
            {"sessions":[
              {"id":"0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","title":"Fix the flaky test","status":"active","phase":"running",
               "repo":"acme/web","baseBranch":"main","createdAt":"2025-06-01T11:55:00Z",
               "pr":null,"author":{"id":"u1","name":"ada"}},
              {"id":"0197a1b2-0000-7e5f-8a9b-0c1d2e3f4a5c","title":"Add dark mode","status":"failed","phase":"cloning",
               "failure":{"reason":"clone_failed","message":"repository not found","phase":"cloning"},
               "repo":null,"createdAt":"2025-05-30T12:00:00Z","pr":{"number":7,"url":"https://x/7","state":"merged"}}],
             "nextCursor":"c2",
             "stats":{"mergesPastWeek":3,"authorsPastWeek":4,"humansPastWeek":5,"humansPromptingNow":1,"sessionsPastWeek":12,
                      "activeSessions":2}}""";

    @Test
    void the_list_is_an_aligned_table_then_the_weeks_figures() {
        List<String> lines = printer.table(ClientJson.read(LIST, SessionList.class));

        assertThat(lines).containsExactly(
                "ID                                    STATUS               AGE  REPO           TITLE               PR",
                "0197a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b  active/running       5m   acme/web@main  Fix the flaky test  -",
                "0197a1b2-0000-7e5f-8a9b-0c1d2e3f4a5c  failed/clone_failed  2d   -              Add dark mode       #7 merged",
                "",
                "12 sessions, 3 merges, 4 authors and 5 people this week · 1 prompting now",
                "more: repeat with --cursor c2");
    }

    @Test
    void an_empty_list_says_so() {
        assertThat(printer.table(new SessionList(List.of(), null, null))).containsExactly("no sessions");
    }

    @Test
    void show_summarises_the_session_with_its_failure_and_phase_timeline() {
        SessionAnswer session = ClientJson.read("""
                {"id":"s1","title":"Add dark mode","status":"failed","phase":"cloning",
                 "failure":{"reason":"clone_failed","message":"repository not found","phase":"cloning"},
                 "prompt":"Add a dark mode toggle","repo":"acme/web","baseBranch":"main","branch":"magnet/s1-add-dark-mode",
                 "model":"claude-opus-4-6","author":{"id":"u1","name":"ada"},
                 "createdAt":"2025-06-01T09:00:00Z","updatedAt":"2025-06-01T09:00:05Z",
                 "pr":null,"retryOf":"s0","messageCount":1,"cost":{"usd":0.0123,"inputTokens":1200,"outputTokens":300},
                 "phases":[{"phase":"queued","status":"active","at":"2025-06-01T09:00:00Z","reason":null},
                           {"phase":"cloning","status":"active","at":"2025-06-01T09:00:02Z","reason":null},
                           {"phase":"cloning","status":"failed","at":"2025-06-01T09:00:05Z","reason":"clone_failed"}],
                 "messages":[{"role":"user","text":"Add a dark mode toggle"}],
                 "tasks":[{"id":"1","title":"find the theme","status":"completed"}]}""", SessionAnswer.class);

        assertThat(printer.summary(session)).containsExactly(
                "Add dark mode",
                "  id        s1",
                "  status    failed",
                "  phase     cloning",
                "  failure   clone_failed in cloning: repository not found",
                "  repo      acme/web",
                "  base      main",
                "  branch    magnet/s1-add-dark-mode",
                "  model     claude-opus-4-6",
                "  author    ada (u1)",
                "  created   2025-06-01 09:00:00 (3h ago)",
                "  updated   2025-06-01 09:00:05 (2h ago)",
                "  cost      $0.0123 · 1,200 in / 300 out",
                "  retry of  s0",
                "  messages  1",
                "",
                "prompt",
                "  Add a dark mode toggle",
                "",
                "phases",
                "  2025-06-01 09:00:00  queued",
                "  2025-06-01 09:00:02  cloning",
                "  2025-06-01 09:00:05  cloning → failed (clone_failed)",
                "",
                "tasks",
                "  [x] find the theme");
    }

    @Test
    void the_headline_is_title_and_state() {
        SessionAnswer session = ClientJson.read("{\"id\":\"s1\",\"title\":\"Fix it\",\"status\":\"active\",\"phase\":\"queued\"}",
                SessionAnswer.class);

        assertThat(printer.headline(session)).isEqualTo("Fix it · active/queued");
    }
}
