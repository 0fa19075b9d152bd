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
        assertThat(hub.await("s", 1, Duration.ofSeconds(5))).isTrue();
        publisher.join();
        assertThat(hub.await("s", 2, Duration.ofMillis(50))).isFalse();
    }

    @Test
    void a_gap_in_published_numbers_sends_readers_back_to_the_log() {
        hub.publish(List.of(event(1), event(2), event(4)));
        assertThat(hub.recentAfter("s", 1)).isEmpty();
        assertThat(hub.recentAfter("s", 3).orElseThrow()).extracting(Event::seq).containsExactly(4L);
    }

    private static Event event(long seq) {
        return new Event(seq, "s", EventType.TEXT, Instant.now(), Map.of("text", "t" + seq));
    }
}
