package dev.magnet.github;

import dev.magnet.session.PullRequest;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for installations without webhooks: every interval, reads up to {@value #BATCH} open pull requests of
 * sessions from GitHub and records those that were merged or closed. Each poll goes on where the last one stopped
 * (by session id, starting again from the first after the last), so with more open pull requests than one poll reads,
 * every one is still read once every few polls.
 */
public final class PullRequestPoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PullRequestPoller.class);
    /** At most this many pull requests are read per poll: one API call each, within GitHub's hourly budget. */
    static final int BATCH = 100;

    private final GitHubIntegration integration;
    private final SessionStore store;
    private final PullRequestRecorder recorder;
    private final Duration interval;
    private final PollLoop polling;
    /** The id of the last session read, where the next poll goes on; null: from the first. */
    private String cursor;

    public PullRequestPoller(GitHubIntegration integration, SessionStore store, PullRequestRecorder recorder, Duration interval) {
        this.integration = integration;
        this.store = store;
        this.recorder = recorder;
        this.interval = interval;
        this.polling = new PollLoop("github-pr-poller", "polling pull requests", interval, this::pollOnce);
    }

    /** Starts polling on a virtual thread; an interval of zero leaves polling off. */
    public void start() {
        polling.start();
    }

    /** Checks the next {@value #BATCH} open pull requests (all of them when there are fewer); returns how many changed. */
    public synchronized int pollOnce() {
        int changed = 0;
        for (Session s : nextBatch()) {
            if (polling.stopping()) {
                break;
            }
            cursor = s.id();
            try {
                Optional<GitHubAccess> access = integration.access(s.workspaceId());
                if (access.isEmpty() || !GitHubRepo.isFullName(s.repo())) {
                    continue;
                }
                PullRequest now = access.get().pullRequest(GitHubRepo.ofFullName(s.repo()), s.pr().number());
                if (recorder.record(s.id(), now, null)) {
                    changed++;
                }
            } catch (GitHubException e) {
                log.warn("could not read pull request #{} of {}: {}", s.pr().number(), s.repo(), e.getMessage());
            }
        }
        return changed;
    }

    /** The sessions after the cursor and, when those are fewer than a batch, the first ones again (each once). */
    private List<Session> nextBatch() {
        List<Session> batch = new ArrayList<>(store.withOpenPullRequests(cursor, BATCH));
        if (batch.size() < BATCH && cursor != null) {
            Set<String> taken = new HashSet<>();
            batch.forEach(s -> taken.add(s.id()));
            for (Session s : store.withOpenPullRequests(null, BATCH - batch.size())) {
                if (taken.add(s.id())) {
                    batch.add(s);
                }
            }
        }
        return batch;
    }

    @Override
    public void close() {
        polling.close();
    }
}
