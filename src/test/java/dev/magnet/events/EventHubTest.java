package dev.magnet.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class EventHubTest {
    private final EventHub hub = new EventHub();

    @Test
    void a_reader_that_is_caught_up_is_served_from_memory() {
        hub.publish(List.of(event(1), event(2), event(3)));
        assertThat(hub.recentAfter("s", 1).orElseThrow()).extracting(Event::seq).containsExactly(2L, 3L);
        assertThat(hub.recentAfter("s", 3).orElseThrow()).isEmpty();
    }

    @Test
    void a_reader_behind_what_the_hub_holds_must_read_the_log() {
        hub.publish(List.of(event(5), event(6)));
        assertThat(hub.recentAfter("s", 2)).isEmpty();
        assertThat(hub.recentAfter("other", 0)).isEmpty();
    }

    @Test
    void a_waiting_reader_wakes_when_a_newer_event_is_published() throws Exception {
        hub.publish(List.of(event(1)));
        Thread reader = Thread.currentThread();
        Thread publisher = Thread.ofVirtual().start(() -> {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> reader.getState() == Thread.State.TIMED_WAITING);
            hub.publish(List.of(event(2)));
        });
        assertThat(hub.await("s", 1, 0, Duration.ofSeconds(5))).isEqualTo(EventHub.Wake.NEWER);
        publisher.join();
        assertThat(hub.await("s", 2, 0, Duration.ofMillis(50))).isEqualTo(EventHub.Wake.TIMEOUT);
    }

    @Test
    void a_waiting_reader_wakes_when_the_session_ends_so_it_can_read_the_status() throws Exception {
        hub.publish(List.of(event(1)));
        long endings = hub.endings("s");
        Thread reader = Thread.currentThread();
        Thread ender = Thread.ofVirtual().start(() -> {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> reader.getState() == Thread.State.TIMED_WAITING);
            hub.ended("s");
        });
        assertThat(hub.await("s", 1, endings, Duration.ofSeconds(5))).isEqualTo(EventHub.Wake.CHANGED);
        ender.join();
    }

    @Test
    void an_end_that_came_before_the_reader_waited_wakes_it_at_once_but_only_until_it_looked() throws Exception {
        hub.publish(List.of(event(1)));
        long endings = hub.endings("s");
        hub.ended("s");
        assertThat(hub.await("s", 1, endings, Duration.ofSeconds(5))).isEqualTo(EventHub.Wake.CHANGED);
        assertThat(hub.await("s", 1, hub.endings("s"), Duration.ofMillis(20)))
                .as("a reader that saw the end (and found the session continued) waits again").isEqualTo(EventHub.Wake.TIMEOUT);
    }

    @Test
    void a_reader_gets_exactly_the_events_it_lacks_after_the_feed_went_round() {
        for (long seq = 1; seq <= EventHub.RECENT * 2L + 7; seq++) {
            hub.publish(List.of(event(seq)));
        }
        long last = EventHub.RECENT * 2L + 7;
        assertThat(hub.recentAfter("s", last - 3).orElseThrow()).extracting(Event::seq)
                .containsExactly(last - 2, last - 1, last);
        assertThat(hub.recentAfter("s", last - EventHub.RECENT).orElseThrow()).hasSize(EventHub.RECENT)
                .first().extracting(Event::seq).isEqualTo(last - EventHub.RECENT + 1);
        assertThat(hub.recentAfter("s", last - EventHub.RECENT - 1)).as("one more than it holds: read the log").isEmpty();
    }

    @Test
    void events_another_server_committed_wake_the_readers_here_and_send_them_to_the_log() throws Exception {
        hub.publish(List.of(event(1), event(2)));
        Thread reader = Thread.currentThread();
        Thread listener = Thread.ofVirtual().start(() -> {
            Awaitility.await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> reader.getState() == Thread.State.TIMED_WAITING);
            hub.heard("s", 4);
        });
        assertThat(hub.await("s", 2, 0, Duration.ofSeconds(5))).as("woken by the other server's events, which may have ended it")
                .isEqualTo(EventHub.Wake.CHANGED);
        listener.join();
        assertThat(hub.recentAfter("s", 2)).as("only the log has events 3 and 4").isEmpty();
        assertThat(hub.await("s", 4, 0, Duration.ofMillis(50))).isEqualTo(EventHub.Wake.TIMEOUT);
        hub.heard("s", 3);
        assertThat(hub.recentAfter("s", 4).orElseThrow()).as("an older notification, the reader having read the log")
                .isEmpty();
        hub.publish(List.of(event(5)));
        assertThat(hub.recentAfter("s", 4).orElseThrow()).as("this server writes again (it took the session over)")
                .extracting(Event::seq).containsExactly(5L);
    }

    @Test
    void a_notification_about_a_session_nobody_reads_here_costs_nothing() {
        hub.heard("unwatched", 7);
        assertThat(hub.recentAfter("unwatched", 0)).isEmpty();
        assertThat(hub.held()).isZero();
    }

    @Test
    void a_gap_in_published_numbers_sends_readers_back_to_the_log() {
        hub.publish(List.of(event(1), event(2), event(4)));
        assertThat(hub.recentAfter("s", 1)).isEmpty();
        assertThat(hub.recentAfter("s", 3).orElseThrow()).extracting(Event::seq).containsExactly(4L);
    }

    @Test
    void a_session_that_ended_keeps_its_events_for_readers_still_catching_up_until_the_grace_is_over() {
        hub.publish(List.of(event(1), event(2)));
        hub.ended("s");
        assertThat(hub.recentAfter("s", 0).orElseThrow()).as("a reader behind the last burst reads it from memory")
                .extracting(Event::seq).containsExactly(1L, 2L);
        assertThat(hub.held()).isEqualTo(2);
    }

    @Test
    void a_session_that_ended_holds_no_events_in_memory_after_the_grace_and_its_readers_read_the_log() {
        EventHub noGrace = new EventHub(100, Duration.ZERO);
        noGrace.publish(List.of(event(1), event(2)));
        noGrace.ended("s");
        assertThat(noGrace.held()).isZero();
        assertThat(noGrace.recentAfter("s", 0)).isEmpty();
        assertThat(noGrace.recentAfter("s", 2).orElseThrow()).as("a reader that saw everything is told nothing is new").isEmpty();
    }

    @Test
    void an_ended_session_is_emptied_before_a_running_one_when_memory_is_short() {
        EventHub small = new EventHub(10, Duration.ofSeconds(30));
        for (long seq = 1; seq <= 6; seq++) {
            small.publish(List.of(event("running", seq)));
        }
        small.publish(List.of(event("ended", 1), event("ended", 2), event("ended", 3)));
        small.ended("ended");
        small.publish(List.of(event("running", 7), event("running", 8)));
        assertThat(small.held()).isLessThanOrEqualTo(10);
        assertThat(small.recentAfter("ended", 0)).as("the ended session went first, though written to last").isEmpty();
        assertThat(small.recentAfter("running", 0).orElseThrow()).hasSize(8);
    }

    @Test
    void all_feeds_together_keep_at_most_the_bound_dropping_the_quietest_session_first() {
        EventHub small = new EventHub(10, Duration.ofSeconds(10));
        small.publish(List.of(event("quiet", 1), event("quiet", 2), event("quiet", 3), event("quiet", 4)));
        for (long seq = 1; seq <= 8; seq++) {
            small.publish(List.of(event("busy", seq)));
        }
        assertThat(small.held()).isLessThanOrEqualTo(10);
        assertThat(small.recentAfter("quiet", 0)).as("emptied: its readers read the log").isEmpty();
        assertThat(small.recentAfter("busy", 0).orElseThrow()).hasSize(8);
    }

    @Test
    void one_feed_keeps_only_its_most_recent_events() {
        for (long seq = 1; seq <= EventHub.RECENT + 10; seq++) {
            hub.publish(List.of(event(seq)));
        }
        assertThat(hub.held()).isEqualTo(EventHub.RECENT);
        assertThat(hub.recentAfter("s", 5)).isEmpty();
        assertThat(hub.recentAfter("s", 10).orElseThrow()).hasSize(EventHub.RECENT);
    }

    @Test
    void the_wire_form_splices_the_stored_data_and_says_the_time_the_database_keeps() {
        Event e = new Event(7, "s-1", EventType.TEXT, Instant.parse("2026-12-01T10:00:00.123456789Z"), "{\"text\":\"hi\"}");
        assertThat(e.json()).isEqualTo("{\"seq\":7,\"sessionId\":\"s-1\",\"type\":\"text\",\"at\":\"2026-12-01T10:00:00.123456Z\","
                + "\"data\":{\"text\":\"hi\"}}");
        assertThat(new String(e.sseFrame(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("id: 7\nevent: text\ndata: " + e.json() + "\n\n");
        assertThat(e.data()).containsEntry("text", "hi");
    }

    private static Event event(long seq) {
        return event("s", seq);
    }

    private static Event event(String session, long seq) {
        return Event.of(seq, session, EventType.TEXT, Instant.now(), Map.of("text", "t" + seq));
    }
}
