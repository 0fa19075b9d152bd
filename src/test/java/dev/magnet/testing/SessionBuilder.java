package dev.magnet.testing;

import dev.magnet.session.Author;
import dev.magnet.session.Session;
import dev.magnet.session.SessionSpec;
import java.time.Instant;
import java.util.UUID;

/**
 * Sessions for tests, with a sensible default for everything: {@code aSession().withRepo("/srv/app").build()}.
 * Immutable; each {@code with...} returns a changed copy.
 */
public record SessionBuilder(String id, String workspaceId, Author author, String title, String prompt, String repo,
                             String baseBranch, String branch, String model, String retryOf, Instant createdAt) {

    /** A new, queued session of workspace {@code ws} by Ada, titled "A session", on no repository. */
    public static SessionBuilder aSession() {
        String id = dev.magnet.store.Ids.newId();
        return new SessionBuilder(id, "ws", new Author("u-ada", "Ada", "ada@example.com"), "A session",
                "Do something useful", null, null, "magnet/" + id.substring(id.length() - 8) + "-a-session",
                "claude-opus-4-6", null, Instant.parse("2026-11-25T10:00:00Z"));
    }

    public SessionBuilder withId(String newId) {
        return new SessionBuilder(newId, workspaceId, author, title, prompt, repo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder inWorkspace(String ws) {
        return new SessionBuilder(id, ws, author, title, prompt, repo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder by(Author who) {
        return new SessionBuilder(id, workspaceId, who, title, prompt, repo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder titled(String newTitle) {
        return new SessionBuilder(id, workspaceId, author, newTitle, prompt, repo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder withPrompt(String newPrompt) {
        return new SessionBuilder(id, workspaceId, author, title, newPrompt, repo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder withRepo(String newRepo) {
        return new SessionBuilder(id, workspaceId, author, title, prompt, newRepo, baseBranch, branch, model, retryOf, createdAt);
    }

    public SessionBuilder withBaseBranch(String newBase) {
        return new SessionBuilder(id, workspaceId, author, title, prompt, repo, newBase, branch, model, retryOf, createdAt);
    }

    public SessionBuilder onBranch(String newBranch) {
        return new SessionBuilder(id, workspaceId, author, title, prompt, repo, baseBranch, newBranch, model, retryOf, createdAt);
    }

    public SessionBuilder retrying(String failedId) {
        return new SessionBuilder(id, workspaceId, author, title, prompt, repo, baseBranch, branch, model, failedId, createdAt);
    }

    public SessionBuilder createdAt(Instant at) {
        return new SessionBuilder(id, workspaceId, author, title, prompt, repo, baseBranch, branch, model, retryOf, at);
    }

    public Session build() {
        return Session.create(new SessionSpec(id, workspaceId, author, prompt, repo, branch, model, null, retryOf,
                UUID.nameUUIDFromBytes(id.getBytes()).toString(), createdAt), title, baseBranch);
    }
}
