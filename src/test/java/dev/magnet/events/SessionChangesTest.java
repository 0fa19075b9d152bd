package dev.magnet.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class SessionChangesTest {
    private static final Instant AT = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void only_events_a_list_of_sessions_shows_tell_the_listeners_and_a_closed_listener_hears_no_more() throws Exception {
        EventHub hub = new EventHub();
        SessionChanges changes = new SessionChanges(hub);
        List<String> heard = new CopyOnWriteArrayList<>();
        AutoCloseable listening = changes.listen(new SessionChanges.Listener() {
            @Override
            public void changed(String sessionId) {
                heard.add(sessionId);
            }

            @Override
            public void missedSome() {
                heard.add("*");
            }
        });
        hub.publish(List.of(new Event(1, "s-delta", EventType.DELTA, AT, "{}"), new Event(1, "s-tool", EventType.TOOL_USE, AT, "{}")));
        assertThat(heard).as("streaming text and tools change no list").isEmpty();
        hub.publish(List.of(new Event(2, "s-status", EventType.STATUS, AT, "{}"), new Event(3, "s-text", EventType.TEXT, AT, "{}")));
        assertThat(heard).containsExactly("s-status", "s-text");

        listening.close();
        hub.publish(List.of(new Event(4, "s-after", EventType.STATUS, AT, "{}")));
        assertThat(heard).doesNotContain("s-after");
    }

    @Test
    void changes_heard_from_other_servers_are_told_but_this_servers_own_notifications_coming_back_are_not() {
        EventHub hub = new EventHub();
        SessionChanges changes = new SessionChanges(hub);
        List<String> heard = new CopyOnWriteArrayList<>();
        changes.listen(new SessionChanges.Listener() {
            @Override
            public void changed(String sessionId) {
                heard.add(sessionId);
            }

            @Override
            public void missedSome() {
            }
        });
        hub.publish(List.of(new Event(5, "s-here", EventType.STATUS, AT, "{}")));
        heard.clear();
        changes.heard("s-here:5,s-elsewhere:9");
        assertThat(heard).as("s-here:5 is this server's own").containsExactly("s-elsewhere");
        changes.heard("s-here:6,broken");
        assertThat(heard).as("a later change of s-here was written elsewhere (a takeover)").containsExactly("s-elsewhere", "s-here");
    }

    @Test
    void the_changes_a_list_shows_are_the_status_messages_text_results_pull_requests_and_errors() {
        assertThat(List.of(EventType.values()).stream().filter(SessionChanges::isChange).toList()).containsExactlyInAnyOrder(
                EventType.STATUS, EventType.USER_MESSAGE, EventType.TEXT, EventType.TURN_RESULT, EventType.PR, EventType.ERROR);
    }
}
