package dev.magnet.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.testing.PrivatePostgres;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The listening connection of {@link Notifications} on a PostgreSQL instance of the test's own, restarted under it:
 * notifications are delivered on commit only, what is sent soon is gathered into few notifications, the listener
 * connects again by itself once the database is back, tells its subscribers they may have missed some, and hears what
 * is sent afterwards. With H2 nothing is sent or heard.
 */
class NotificationsIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static PrivatePostgres postgres;

    @BeforeAll
    static void start() {
        postgres = PrivatePostgres.start();
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void a_listener_hears_committed_notifications_and_listens_again_after_the_database_restarts() {
        String url = postgres.jdbcUrl();
        List<String> heard = new CopyOnWriteArrayList<>();
        AtomicInteger missed = new AtomicInteger();
        try (Database db = Database.open(url); Notifications listening = Notifications.of(db, url);
             Notifications sending = Notifications.of(db, url)) {
            listening.subscribe("magnet_test", new Notifications.Listener() {
                @Override
                public void heard(String payload) {
                    heard.add(payload);
                }

                @Override
                public void missedSome() {
                    missed.incrementAndGet();
                }
            });
            listening.start();
            assertThat(listening.isListening()).isTrue();

            try {
                db.jdbi().useTransaction(h -> {
                    sending.send(h, "magnet_test", "rolled back");
                    throw new IllegalStateException("roll back");
                });
            } catch (IllegalStateException expected) {
                // the notification goes with the transaction
            }
            sending.send(db.jdbi(), "magnet_test", "committed");
            Awaitility.await().atMost(TIMEOUT).until(() -> heard.contains("committed"));
            assertThat(heard).containsExactly("committed");

            sending.start();
            heard.clear();
            for (int i = 0; i < 500; i++) {
                sending.soon("magnet_test", "session-" + i % 50, i);
            }
            Awaitility.await().atMost(TIMEOUT).until(() -> entries(heard).size() == 50);
            assertThat(entries(heard)).as("each key once, with its highest value").containsExactlyInAnyOrderElementsOf(
                    IntStream.range(450, 500).mapToObj(i -> "session-" + i % 50 + ":" + i).toList());
            assertThat(heard.size()).as("notifications for 500 sends of 50 keys").isLessThan(25);
            heard.clear();

            postgres.stop("fast");
            Awaitility.await().atMost(TIMEOUT).until(() -> !listening.isListening());
            postgres.startServer();
            Awaitility.await().atMost(TIMEOUT).until(() -> missed.get() == 1 && listening.isListening());
            Awaitility.await().atMost(TIMEOUT).ignoreExceptions().until(() -> {
                sending.send(db.jdbi(), "magnet_test", "after the restart");
                return true;
            });
            Awaitility.await().atMost(TIMEOUT).until(() -> heard.contains("after the restart"));
        }
    }

    private static List<String> entries(List<String> payloads) {
        return payloads.stream().flatMap(p -> Arrays.stream(p.split(","))).toList();
    }

    @Test
    void with_h2_nothing_is_sent_or_heard() {
        try (Database db = Database.open("jdbc:h2:mem:notifications;DB_CLOSE_DELAY=-1;MODE=PostgreSQL");
             Notifications none = Notifications.of(db, "unused")) {
            none.subscribe("magnet_test", payload -> {
                throw new AssertionError("heard " + payload);
            });
            none.start();
            none.send(db.jdbi(), "magnet_test", "nobody");
            assertThat(none.isShared()).isFalse();
            assertThat(none.isListening()).isFalse();
        }
    }
}
