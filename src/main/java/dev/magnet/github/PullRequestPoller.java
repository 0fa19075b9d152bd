package dev.magnet.github;

import dev.magnet.session.PullRequest;
import dev.magnet.session.Session;
import dev.magnet.session.SessionStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback for installations without webhooks: every interval, reads the open pull requests of sessions
 * from GitHub and records those that were merged or closed.
 */
public final class PullRequestPoller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PullRequestPoller.class);
    private static final int BATCH = 100;

    private final GitHubIntegration integration;
    private final SessionStore store;
    private final PullRequestRecorder recorder;
    private final Duration interval;
    private volatile boolean running;
    private Thread thread;

    public PullRequestPoller(GitHubIntegration integration, SessionStore store, PullRequestRecorder recorder, Duration interval) {
        this.integration = integration;
        this.store = store;
        this.recorder = recorder;
        this.interval = interval;
    }

    /** Starts polling on a virtual thread; an interval of zero leaves polling off. */
    public void start() {
        if (interval.isZero()) {
            return;
        }
        running = true;
        thread = Thread.ofVirtual().name("github-pr-poller").start(this::loop);
    }

    /** Checks every open pull request once; returns how many changed. */
    public int pollOnce() {
        List<Session> open = store.withOpenPullRequests(BATCH);
        int changed = 0;
        for (Session s : open) {
            if (!running && thread != null) {
                break;
            }
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

    private void loop() {
        while (running) {
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            try {
                pollOnce();
            } catch (RuntimeException e) {
                log.warn("polling pull requests failed; trying again in {} s: {}", interval.toSeconds(), e.getMessage());
            }
        }
    }
}
