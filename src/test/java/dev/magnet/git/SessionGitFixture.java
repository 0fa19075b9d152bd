package dev.magnet.git;

import dev.magnet.files.FileTrees;
import dev.magnet.net.AddressPolicy;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxSpec;
import dev.magnet.sandbox.UnisolatedSandbox;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Session repositories and workspaces for unit tests, fresh for each test
 * ({@code @RegisterExtension final SessionGitFixture f = new SessionGitFixture();}): a temporary {@link #root} with an
 * {@link #origin} ({@link TestRepos#origin}) and a data dir, local repositories allowed under the root, and a
 * development "sandbox" (a plain child process) to seed and hand over workspaces with the same helpers the real
 * sandbox runs.
 */
final class SessionGitFixture implements BeforeEachCallback, AfterEachCallback {
    static final BranchName SESSION = BranchName.forSession("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", "Fix the answer");
    static final String TENANT = "ws-one";
    static final GitIdentity CO_AUTHOR = new GitIdentity("Grace Hopper", "grace@example.com");

    final WorkspaceTransfer transfer = new WorkspaceTransfer(Duration.ofMinutes(2));
    Path root;
    Path origin;
    Path data;
    OriginPolicy origins;
    Mirrors mirrors;
    SessionRepos repos;
    Path workspace;
    Sandbox sandbox;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        root = Files.createTempDirectory("magnet-git-test");
        origin = TestRepos.origin(root.resolve("origin"));
        data = Files.createDirectories(root.resolve("data"));
        origins = new OriginPolicy(true, List.of(root), data, AddressPolicy.of(List.of("127.0.0.1")));
        mirrors = new Mirrors(TestRepos.GIT, data);
        repos = new SessionRepos(TestRepos.GIT, mirrors, origins);
        Path session = data.resolve("sessions/s1");
        workspace = Files.createDirectories(session.resolve("workspace"));
        sandbox = UnisolatedSandbox.provider(Path.of("/bin/false"), "http://127.0.0.1:9")
                .create(new SandboxSpec("s1", workspace, Files.createDirectories(session.resolve("home")),
                        Files.createDirectories(session.resolve("tmp")), Files.createDirectories(session.resolve("run"))));
    }

    /** The session repository of {@code origin} (null: none) on {@link #SESSION}, from its default branch. */
    SessionRepo repo(Path origin) {
        return repos.create(spec(origin, null));
    }

    SessionRepoSpec spec(Path origin, BranchName base) {
        return new SessionRepoSpec(data.resolve("sessions/s1/repo.git"), TENANT,
                origin == null ? null : RepoUrl.parse(origin.toString(), true), base, SESSION, GitIdentity.MAGNET, GitAuth.NONE);
    }

    /** Makes the workspace from {@code repo}, as a session's cloning phase does. */
    SessionRepo seeded(Path origin) {
        SessionRepo repo = repo(origin);
        transfer.seed(sandbox, repo, repo.heads(java.util.List.of()), GitIdentity.MAGNET, CO_AUTHOR, null);
        return repo;
    }

    WorkspaceTransfer.HandOver handOver(SessionRepo repo) {
        return transfer.handOver(sandbox, repo, "Finish the session\n\nCo-authored-by: " + CO_AUTHOR, GitIdentity.MAGNET,
                64L * 1024 * 1024);
    }

    /** git in the workspace as the agent runs it: its own config, hooks and all. */
    String agent(String... args) {
        return dev.magnet.testing.GitFixtures.git(workspace, args).strip();
    }

    String inRepo(SessionRepo repo, String... args) {
        return TestRepos.GIT.in(repo.dir()).run(args).line();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        sandbox.close();
        FileTrees.deleteRecursively(root);
    }
}
