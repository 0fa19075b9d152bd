package dev.magnet.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a session in the API (SPEC §4), written by Jackson in component order: every field of Magnet's
 * documented session ({@code id, title, status, createdAt, updatedAt, model, author {id, name, imageUrl}, metadata
 * {repository, branch, prNumber, prUrl, prStatus}, messageCount, firstMessagePreview, lastMessagePreview}, and in the
 * detailed view {@code messages[]} and {@code tasks[]}) plus ours. {@code messageCount} counts every message of the
 * conversation (user messages, the agent's text, turn results). {@code queuePosition} (from 1) appears only while the
 * session waits for a run slot; {@code phases} is left out when empty; {@code checks} (the check runs of its pull
 * request) appears in the detailed view when it has a pull request.
 */
public record SessionView(
        String id,
        String title,
        String status,
        String phase,
        FailureView failure,
        String prompt,
        String repo,
        String baseBranch,
        String branch,
        String model,
        String environmentId,
        AuthorView author,
        String createdAt,
        String updatedAt,
        Metadata metadata,
        PullRequest pr,
        String retryOf,
        int messageCount,
        String firstMessagePreview,
        String lastMessagePreview,
        CostView cost,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer queuePosition,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PhaseView> phases,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> messages,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Object> tasks,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> checks,
        @JsonInclude(JsonInclude.Include.NON_NULL) RunScriptView runScript,
        @JsonInclude(JsonInclude.Include.NON_NULL) PreviewView preview) {

    /** The environment's run script: {@code starting}, {@code listening}, {@code running}, {@code exited} (with its code), {@code stopped}. */
    public record RunScriptView(String state, @JsonInclude(JsonInclude.Include.NON_NULL) Integer exitCode) {
    }

    /** The session's preview: its origin and the state of the run script behind it. */
    public record PreviewView(String url, String state) {
    }

    /** This view with the run script's state and, when it has a preview port, the preview ({@code url} from the session id). */
    public SessionView withRunScript(RunScriptState run, java.util.function.UnaryOperator<String> previewUrl) {
        return new SessionView(id, title, status, phase, failure, prompt, repo, baseBranch, branch, model, environmentId, author,
                createdAt, updatedAt, metadata, pr, retryOf, messageCount, firstMessagePreview, lastMessagePreview, cost,
                queuePosition, phases, messages, tasks, checks,
                new RunScriptView(run.state().wire(), run.exitCode()),
                run.previewPort() == null ? null : new PreviewView(previewUrl.apply(id), run.state().wire()));
    }

    /** Why the session failed. */
    public record FailureView(String reason, String message, String phase) {
    }

    /** Who created it; no picture is known of Magnet's users, so {@code imageUrl} is null. */
    public record AuthorView(String id, String name, String imageUrl) {
    }

    /** Magnet's documented {@code metadata}: the repository as {@code owner/name}, the session branch and its pull request. */
    public record Metadata(String repository, String branch, Integer prNumber, String prUrl, String prStatus) {
        static Metadata of(Session s) {
            PullRequest pr = s.pr();
            return new Metadata(RepoNames.shortName(s.repo()), s.branch(), pr == null ? null : pr.number(),
                    pr == null ? null : pr.url(), pr == null ? null : pr.state().wire());
        }
    }

    /** What it cost so far, as the agent reported. */
    public record CostView(double usd, long inputTokens, long outputTokens) {
    }

    /** One step of its history. */
    public record PhaseView(String status, String phase, String reason, String at) {
    }

    /** The view of a session in answers to changes. */
    public static SessionView of(Session s, ConversationSummary conversation) {
        return of(s, null, conversation);
    }

    /** The view of a session in lists, with its place in the queue (null when it does not wait for a run slot). */
    public static SessionView of(Session s, Integer queuePosition, ConversationSummary conversation) {
        return view(s, queuePosition, conversation, null, null, null);
    }

    /** The full view of one session: with its conversation, the agent's task list and its pull request's checks. */
    public static SessionView detailed(Session s, Integer queuePosition, ConversationSummary conversation,
                                       List<Map<String, Object>> messages, List<Object> tasks,
                                       List<Map<String, Object>> checks) {
        return view(s, queuePosition, conversation, messages, tasks, checks);
    }

    private static SessionView view(Session s, Integer queuePosition, ConversationSummary conversation,
                                    List<Map<String, Object>> messages, List<Object> tasks,
                                    List<Map<String, Object>> checks) {
        Failure f = s.failure();
        ConversationSummary c = conversation == null ? ConversationSummary.NONE : conversation;
        return new SessionView(s.id(), s.title(), s.status().wire(), s.phase().wire(),
                f == null ? null : new FailureView(f.reason().wire(), f.message(), f.phase().wire()),
                s.prompt(), s.repo(), s.baseBranch(), s.branch(), s.model(), s.environmentId(),
                new AuthorView(s.author().id(), s.author().name(), null), s.createdAt().toString(), s.updatedAt().toString(),
                Metadata.of(s), s.pr(), s.retryOf(), messages == null ? c.messages() : messages.size(), c.firstPreview(),
                c.lastPreview(), new CostView(s.cost().usd(), s.cost().inputTokens(), s.cost().outputTokens()), queuePosition,
                s.history().stream().map(h -> new PhaseView(h.status().wire(), h.phase().wire(), h.reason(),
                        h.at().toString())).toList(),
                messages, tasks, s.pr() == null ? null : checks, null, null);
    }

    /** The team's figures shown with the list, with Magnet's documented names first. */
    public record StatsView(long mergesPastWeek, long authorsPastWeek, long humansPastWeek, long humansPromptingNow,
                            long sessionsPastWeek, long activeSessions) {
        public static StatsView of(SessionStats st) {
            return new StatsView(st.mergesPastWeek(), st.authorsPastWeek(), st.humansPastWeek(), st.humansPromptingNow(),
                    st.sessionsPastWeek(), st.activeSessions());
        }
    }
}
