package dev.magnet.github;

import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;
import dev.magnet.session.PullRequest;
import dev.magnet.session.SessionStore;
import java.util.List;
import java.util.Objects;

/**
 * Keeps a session's {@code pr} field and its {@code pr} events in step with GitHub: every change (opened,
 * updated, merged, closed, reopened) is stored with its event in one transaction; a state seen again changes
 * nothing, so repeated webhooks and polls are harmless.
 */
public final class PullRequestRecorder {
    private final SessionStore store;

    public PullRequestRecorder(SessionStore store) {
        this.store = store;
    }

    /**
     * Records {@code pr} on the session with a {@code pr} event saying {@code action}. Without an explicit
     * action ({@code null}) it records only a state change, named after the new state.
     *
     * @return whether anything was recorded
     */
    public boolean record(String sessionId, PullRequest pr, String action) {
        return store.withLocked(sessionId, (s, w) -> {
            PullRequest before = s.pr();
            boolean sameState = before != null && before.number() == pr.number() && before.state() == pr.state()
                    && Objects.equals(before.url(), pr.url());
            if (action == null && sameState) {
                return false;
            }
            String what = action != null ? action
                    : before != null && !before.isOpen() && pr.isOpen() ? "reopened" : pr.state().wire();
            if (!sameState) {
                w.save(s.withPullRequest(pr, store.clock().instant()));
            }
            w.append(List.of(NewEvent.of(new EventData.PullRequest(pr.number(), pr.url(), pr.state().wire(), what))));
            return true;
        }).orElse(false);
    }
}
