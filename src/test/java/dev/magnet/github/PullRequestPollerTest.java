package dev.magnet.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.magnet.auth.ApiKeys;
import dev.magnet.auth.Bootstrap;
import dev.magnet.config.MagnetConfig;
import dev.magnet.crypto.SecretBox;
import dev.magnet.events.EventHub;
import dev.magnet.events.EventLog;
import dev.magnet.events.Redactor;
import dev.magnet.session.Author;
import dev.magnet.session.PullRequest;
import dev.magnet.session.Session;
import dev.magnet.session.SessionMessage;
import dev.magnet.session.SessionStore;
import dev.magnet.store.Database;
import dev.magnet.store.Ids;
import dev.magnet.testing.FakeGitHub;
import dev.magnet.testing.SessionBuilder;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The polling fallback against the fake GitHub, with more open pull requests than one poll reads. */
class PullRequestPollerTest {
    private static final String REPO = "acme/web-app";
    private static final Pattern PULL_READ = Pattern.compile("/repos/acme/web-app/pulls/(\\d+)");
    private static final int OPEN_PULLS = 150;

    @TempDir
    Path dir;

    private FakeGitHub github;
    private Database db;
    private SessionStore store;
    private PullRequestPoller poller;
    /** Session id → its pull request's number, by session id. */
    private final TreeMap<String, Integer> pullOf = new TreeMap<>();

    @BeforeEach
    void start() {
        github = FakeGitHub.start(dir.resolve("github"));
        github.addRepo(REPO);
        Clock clock = Clock.systemUTC();
        db = Database.open(MagnetConfig.h2UrlFor(dir.resolve("data")));
        Bootstrap bootstrap = new Bootstrap(db.jdbi(), new ApiKeys(db.jdbi(), clock), clock);
        bootstrap.ensureFirstWorkspace("mgt_poller_test_key_0123");
        String workspace = bootstrap.firstWorkspaceId();
        Map<String, Object> admin = db.jdbi().withHandle(h -> h.createQuery("select id, name, email from users").mapToMap().one());
        Author author = new Author((String) admin.get("id"), (String) admin.get("name"), (String) admin.get("email"));
        Redactor redactor = new Redactor();
        store = new SessionStore(db.jdbi(), new EventLog(db.jdbi(), new EventHub(), redactor, clock), clock);
        Map<String, String> env = new HashMap<>(github.appEnvironment("webhook-secret-for-tests-0123"));
        env.put("MAGNET_DATA_DIR", dir.resolve("data").toString());
        GitHubIntegration integration = new GitHubIntegration(db.jdbi(), MagnetConfig.fromEnvironment(env).github(),
                SecretBox.withSecret("a server secret for the poller test"), redactor, clock, workspace);
        PullRequestRecorder recorder = new PullRequestRecorder(store);
        poller = new PullRequestPoller(integration, store, recorder, Duration.ZERO);

        for (int i = 0; i < OPEN_PULLS; i++) {
            Session s = SessionBuilder.aSession().inWorkspace(workspace).by(author).withRepo(REPO).titled("Session " + i).build();
            store.create(s, new SessionMessage(Ids.newId(), s.id(), author, s.prompt(), SessionMessage.State.QUEUED,
                    s.createdAt()), List.of());
            int number = github.openPull(REPO, s.branch());
            recorder.record(s.id(), new PullRequest(number, github.apiUrl() + "/" + REPO + "/pull/" + number,
                    PullRequest.State.OPEN), "opened");
            pullOf.put(s.id(), number);
        }
    }

    @AfterEach
    void stop() {
        poller.close();
        db.close();
        github.close();
    }

    @Test
    void with_150_open_pull_requests_two_polls_read_every_one_and_a_merge_past_the_first_hundred_is_recorded() {
        String last = pullOf.lastKey();
        github.setPullState(REPO, pullOf.get(last), "closed", true);

        int before = github.requests().size();
        assertThat(poller.pollOnce()).isZero();
        Set<Integer> firstPoll = pullsRead(before);
        assertThat(firstPoll).hasSize(PullRequestPoller.BATCH);
        assertThat(state(last)).isEqualTo(PullRequest.State.OPEN);

        int between = github.requests().size();
        assertThat(poller.pollOnce()).isEqualTo(1);
        Set<Integer> secondPoll = pullsRead(between);
        assertThat(secondPoll).hasSize(PullRequestPoller.BATCH);
        assertThat(state(last)).isEqualTo(PullRequest.State.MERGED);

        Set<Integer> both = new HashSet<>(firstPoll);
        both.addAll(secondPoll);
        assertThat(both).containsExactlyInAnyOrderElementsOf(pullOf.values());
    }

    @Test
    void a_merged_pull_request_leaves_the_walk_and_the_others_are_still_read() {
        String last = pullOf.lastKey();
        github.setPullState(REPO, pullOf.get(last), "closed", true);
        poller.pollOnce();
        poller.pollOnce();

        int before = github.requests().size();
        poller.pollOnce();
        poller.pollOnce();
        Set<Integer> read = pullsRead(before);
        assertThat(read).doesNotContain(pullOf.get(last)).hasSize(OPEN_PULLS - 1);
    }

    private PullRequest.State state(String sessionId) {
        return store.find(sessionId).orElseThrow().pr().state();
    }

    /** The numbers of the pull requests read from the fake since its {@code from}-th request. */
    private Set<Integer> pullsRead(int from) {
        List<FakeGitHub.Request> requests = new ArrayList<>(github.requests());
        Set<Integer> numbers = new HashSet<>();
        for (FakeGitHub.Request r : requests.subList(from, requests.size())) {
            Matcher m = PULL_READ.matcher(r.path());
            if (r.method().equals("GET") && m.matches()) {
                numbers.add(Integer.parseInt(m.group(1)));
            }
        }
        return numbers;
    }
}
