package dev.magnet.session;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The JSON shape of a session in the API (SPEC §4), written by Jackson in component order. {@code queuePosition} (from 1)
 * appears only while the session waits for a run slot; {@code phases} is left out when empty; {@code messages} and
 * {@code tasks} appear only in the detailed view of one session.
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
        PullRequest pr,
        String retryOf,
        int messageCount,
        CostView cost,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer queuePosition,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<PhaseView> phases,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Map<String, Object>> messages,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<Object> tasks,
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
                createdAt, updatedAt, pr, retryOf, messageCount, cost, queuePosition, phases, messages, tasks,
                new RunScriptView(run.state().wire(), run.exitCode()),
                run.previewPort() == null ? null : new PreviewView(previewUrl.apply(id), run.state().wire()));
    }

    /** Why the session failed. */
    public record FailureView(String reason, String message, String phase) {
    }

    /** Who created it. */
    public record AuthorView(String id, String name) {
    }

    /** What it cost so far, as the agent reported. */
    public record CostView(double usd, long inputTokens, long outputTokens) {
    }

    /** One step of its history. */
    public record PhaseView(String status, String phase, String reason, String at) {
    }

    /** The view of a session in answers to changes. */
    public static SessionView of(Session s) {
        return of(s, null);
    }

    /** The view of a session in lists, with its place in the queue (null when it does not wait for a run slot). */
    public static SessionView of(Session s, Integer queuePosition) {
        return detailed(s, queuePosition, null, null);
    }

    /** The full view of one session: with its conversation and the agent's task list. */
    public static SessionView detailed(Session s, Integer queuePosition, List<Map<String, Object>> messages,
                                       List<Object> tasks) {
        Failure f = s.failure();
        return new SessionView(s.id(), s.title(), s.status().wire(), s.phase().wire(),
                f == null ? null : new FailureView(f.reason().wire(), f.message(), f.phase().wire()),
                s.prompt(), s.repo(), s.baseBranch(), s.branch(), s.model(), s.environmentId(),
                new AuthorView(s.author().id(), s.author().name()), s.createdAt().toString(), s.updatedAt().toString(),
                s.pr(), s.retryOf(), s.messageCount(),
                new CostView(s.cost().usd(), s.cost().inputTokens(), s.cost().outputTokens()), queuePosition,
                s.history().stream().map(c -> new PhaseView(c.status().wire(), c.phase().wire(), c.reason(),
                        c.at().toString())).toList(),
                messages, tasks, null, null);
    }

    /** The team's figures shown with the list. */
    public record StatsView(long sessionsThisWeek, long mergedPrsThisWeek, long activeAuthors, long activeNow) {
        public static StatsView of(SessionStats st) {
            return new StatsView(st.sessionsThisWeek(), st.mergedPrsThisWeek(), st.activeAuthors(), st.activeNow());
        }
    }
}
