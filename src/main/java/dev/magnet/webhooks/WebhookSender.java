package dev.magnet.webhooks;

import dev.magnet.crypto.SecretBox;
import dev.magnet.net.AddressPolicy;
import dev.magnet.net.ForbiddenAddressException;
import java.io.IOException;
import java.net.URI;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the deliveries that are due: signs each body ({@link MagnetSignature}), posts it, and keeps the answer. An
 * answer in 2xx delivers it; anything else is tried again after a backoff that doubles from {@code firstRetry} up to
 * an hour, until {@code giveUpAfter} has passed since the delivery was made. Deliveries live in the database, so a
 * restart goes on where the last process stopped; a delivery is claimed before it is sent, so two replicas do not send
 * it twice at once. Redirects are not followed, and each send checks the URL's addresses again and connects to the
 * address it checked ({@link PinnedPost}).
 */
public final class WebhookSender implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);
    private static final int BATCH = 20;
    private static final int MAX_KEPT_BODY = 2000;
    private static final Duration MAX_BACKOFF = Duration.ofHours(1);
    private static final Duration CLAIM = Duration.ofMinutes(2);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Jdbi jdbi;
    private final SecretBox box;
    private final AddressPolicy addresses;
    private final Clock clock;
    private final Duration firstRetry;
    private final Duration giveUpAfter;
    private final Duration tick;
    private volatile boolean running;
    private Thread thread;

    /**
     * @param firstRetry  the wait after the first failed attempt ({@code MAGNET_WEBHOOK_RETRY_SECONDS}); it doubles each time
     * @param giveUpAfter how long after it was made a delivery is still tried (a day)
     * @param tick        how often due deliveries are looked for
     */
    public WebhookSender(Jdbi jdbi, SecretBox box, AddressPolicy addresses, Clock clock, Duration firstRetry,
                         Duration giveUpAfter, Duration tick) {
        this.jdbi = jdbi;
        this.box = box;
        this.addresses = addresses;
        this.clock = clock;
        this.firstRetry = firstRetry;
        this.giveUpAfter = giveUpAfter;
        this.tick = tick;
    }

    public void start() {
        running = true;
        thread = Thread.ofVirtual().name("webhook-sender").start(this::loop);
    }

    private record Due(String id, String endpointId, String event, String payload, int attempts, Instant createdAt,
                       Instant nextAttemptAt) {
    }

    /** Sends every delivery that is due now (at most a batch), each once; returns how many were tried. */
    public int sendDue() {
        Instant now = clock.instant();
        List<Due> due = jdbi.withHandle(h -> h.createQuery("""
                        select id, endpoint_id, event, payload, attempts, created_at, next_attempt_at from webhook_deliveries
                        where state = 'pending' and next_attempt_at <= :now order by next_attempt_at limit :limit
                        """)
                .bind("now", now).bind("limit", BATCH)
                .map((rs, ctx) -> new Due(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                        rs.getTimestamp(6).toInstant(), rs.getTimestamp(7).toInstant()))
                .list());
        List<Thread> sends = new ArrayList<>();
        for (Due d : due) {
            if (claim(d, now)) {
                sends.add(Thread.ofVirtual().name("webhook-" + d.id()).start(() -> send(d)));
            }
        }
        for (Thread t : sends) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return sends.size();
    }

    /** Takes the delivery for this process: no other sender tries it until the claim lapses. */
    private boolean claim(Due d, Instant now) {
        return jdbi.withHandle(h -> h.createUpdate("update webhook_deliveries set next_attempt_at = :until"
                        + " where id = :id and state = 'pending' and next_attempt_at = :was")
                .bind("until", now.plus(CLAIM)).bind("id", d.id()).bind("was", d.nextAttemptAt()).execute() == 1);
    }

    private record Answer(Integer status, String body, String error) {
        boolean delivered() {
            return status != null && status / 100 == 2;
        }
    }

    private void send(Due d) {
        Instant started = clock.instant();
        Answer answer;
        try {
            answer = post(d);
        } catch (RuntimeException e) {
            answer = new Answer(null, null, cut(String.valueOf(e.getMessage()), 1000));
        }
        record(d, answer, started, Duration.between(started, clock.instant()).toMillis());
    }

    private Answer post(Due d) {
        Map<String, Object> endpoint = jdbi.withHandle(h -> h.createQuery("select url, secret_sealed, enabled from"
                + " webhook_endpoints where id = :id").bind("id", d.endpointId()).mapToMap().findOne().orElse(null));
        if (endpoint == null || !Boolean.TRUE.equals(endpoint.get("enabled"))) {
            return new Answer(null, null, "the webhook is disabled");
        }
        URI url = URI.create((String) endpoint.get("url"));
        List<InetAddress> checked;
        try {
            checked = addresses.check(url.getHost());
        } catch (ForbiddenAddressException e) {
            return new Answer(null, null, e.getMessage());
        }
        byte[] body = d.payload().getBytes(StandardCharsets.UTF_8);
        long t = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "Magnet-Webhooks/1");
        headers.put("Magnet-Event", d.event());
        headers.put("Magnet-Delivery", d.id());
        headers.put(MagnetSignature.HEADER, MagnetSignature.sign(box.open((String) endpoint.get("secret_sealed")), t, body));
        try {
            // why: sent to the address just checked, never to what the name resolves to next (DNS rebinding)
            PinnedPost.Response response = PinnedPost.send(url, checked.getFirst(), headers, body, TIMEOUT, 4 * MAX_KEPT_BODY);
            return new Answer(response.status(), cut(new String(response.body(), StandardCharsets.UTF_8), MAX_KEPT_BODY), null);
        } catch (IOException e) {
            return new Answer(null, null, cut(e.getClass().getSimpleName() + ": " + e.getMessage(), 1000));
        }
    }

    private void record(Due d, Answer answer, Instant at, long millis) {
        int attempt = d.attempts() + 1;
        Instant next = at.plus(backoff(attempt));
        String state = answer.delivered() ? "delivered" : next.isAfter(d.createdAt().plus(giveUpAfter)) ? "failed" : "pending";
        jdbi.useTransaction(h -> {
            h.createUpdate("""
                            insert into webhook_attempts (delivery_id, attempt, at, response_status, response_body, error, duration_ms)
                            values (:id, :attempt, :at, :status, :body, :error, :ms)
                            """)
                    .bind("id", d.id()).bind("attempt", attempt).bind("at", at).bind("status", answer.status())
                    .bind("body", answer.body()).bind("error", answer.error()).bind("ms", millis).execute();
            h.createUpdate("""
                            update webhook_deliveries set state = :state, attempts = :attempt, last_attempt_at = :at,
                                next_attempt_at = :next, response_status = :status, response_body = :body, error = :error
                            where id = :id
                            """)
                    .bind("state", state).bind("attempt", attempt).bind("at", at)
                    .bind("next", "pending".equals(state) ? next : null).bind("status", answer.status())
                    .bind("body", answer.body()).bind("error", answer.error()).bind("id", d.id()).execute();
        });
        if (!answer.delivered()) {
            log.info("webhook delivery {} ({}) attempt {}: {}; {}", d.id(), d.event(), attempt,
                    answer.status() != null ? "answered " + answer.status() : answer.error(),
                    "pending".equals(state) ? "trying again at " + next : "giving up");
        }
    }

    /** The wait after attempt {@code attempt} failed: {@code firstRetry} doubled each time, at most an hour. */
    Duration backoff(int attempt) {
        Duration wait = firstRetry.multipliedBy(1L << Math.min(attempt - 1, 20));
        return wait.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait;
    }

    private static String cut(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max);
    }

    private void loop() {
        while (running) {
            try {
                while (running && sendDue() == BATCH) {
                    // why: a full batch may mean more are due; go on at once
                }
            } catch (RuntimeException e) {
                log.warn("sending webhooks failed; trying again in {} ms: {}", tick.toMillis(), e.getMessage());
            }
            try {
                Thread.sleep(tick.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
