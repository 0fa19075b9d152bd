package dev.magnet.runner;

import dev.magnet.environment.Environment;
import dev.magnet.environment.SetupCache;
import dev.magnet.git.SessionRepo;
import dev.magnet.sandbox.Images;
import dev.magnet.sandbox.Sandbox;
import dev.magnet.sandbox.SandboxException;
import dev.magnet.sandbox.SandboxProcess;
import dev.magnet.sandbox.SandboxSpec;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The setup phase of one run of a session's workflow: the environment's or the repository's setup script, through the
 * setup cache ({@link SetupSnapshots}). It holds the snapshot the session's layer stands on while the run lasts, and
 * gives it back at {@link #release}.
 */
final class SessionSetup {
    private final String sessionId;
    private final Path dataDir;
    private final SetupStep setup;
    private final SetupSnapshots snapshots;
    private final EnvironmentRuntime environments;
    private final Provisioner provisioner;
    /** The setup cache snapshot the session's layer stands on in this run, or null. */
    private SetupSnapshots.Snapshot snapshot;

    SessionSetup(String sessionId, Path dataDir, SetupStep setup, SetupSnapshots snapshots, EnvironmentRuntime environments,
                 Provisioner provisioner) {
        this.sessionId = sessionId;
        this.dataDir = dataDir;
        this.setup = setup;
        this.snapshots = snapshots;
        this.environments = environments;
        this.provisioner = provisioner;
    }

    /**
     * Runs the environment's setup script, else the repository's {@code .magnet/setup.sh}, with the setup network
     * policy; nothing when there is neither. With the environment's setup cache on, a hit stands the session's layer on
     * the kept snapshot instead, and a miss keeps the result for the next session with the same key.
     *
     * @param status  says each step in a status event
     * @return false when the session was stopped while the script ran
     */
    boolean run(Session s, Sandbox sandbox, SessionRepo repo, EnvironmentRuntime.Loaded environment, SessionPaths paths,
                boolean useCache, BooleanSupplier stopped, Consumer<String> status) throws StepFailure, InterruptedException {
        Optional<SetupStep.Script> script = environment.setupScript().<SetupStep.Script>map(SetupStep.Script.Inline::new)
                .or(() -> repo.hasFileAtBase(SetupStep.REPO_SCRIPT)
                        ? Optional.of(new SetupStep.Script.InRepository()) : Optional.empty());
        if (script.isEmpty()) {
            return true;
        }
        Optional<SetupSnapshots.Key> key = useCache ? cacheKey(s, script.get(), repo, environment, status) : Optional.empty();
        if (key.isPresent()) {
            Optional<SetupSnapshots.Snapshot> hit = snapshots.find(s.workspaceId(), key.get());
            if (hit.isPresent()) {
                status.accept("setup cache hit: setup skipped");
                standOn(hit.get(), sandbox, paths, true);
                return true;
            }
            status.accept("setup cache miss: running setup");
        }
        environments.setupPhase(sessionId, environment);
        long started = System.nanoTime();
        status.accept(script.get() instanceof SetupStep.Script.InRepository
                ? "running the repository's " + SetupStep.REPO_SCRIPT : "running the environment's setup script");
        if (!setup.run(sessionId, sandbox, script.get(), environment.variables(), stopped)) {
            return false;
        }
        status.accept("setup finished in " + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
        if (key.isPresent()) {
            sandbox.unmountLayer(); // why: so that the layer's writable folder can move into the snapshot
            boolean commitKey = environment.environment().orElseThrow().cache().key() == SetupCache.Key.COMMIT;
            SetupSnapshots.Snapshot kept = snapshots.store(s.workspaceId(), key.get(), paths.layerUpper(),
                    commitKey ? Optional.of(paths.workspace()) : Optional.empty());
            // why: no part of the key in events: it hashes the secrets' values with what members can read, so even a prefix
            // would let a member test guesses of a weak secret offline
            status.accept("setup cache: kept the result for sessions with the same key");
            standOn(kept, sandbox, paths, false);
        }
        return true;
    }

    /**
     * The setup cache key of this session's setup, when its environment asks for a cache and its image gives it a
     * layer: image and its build, the script, variables and secrets, repository, and the base commit or the blob ids of
     * the listed files at the base commit (read from the session repository on the host, never from the workspace).
     */
    private Optional<SetupSnapshots.Key> cacheKey(Session s, SetupStep.Script script, SessionRepo repo,
                                                 EnvironmentRuntime.Loaded environment, Consumer<String> status) {
        Optional<Environment> env = environment.environment();
        if (env.isEmpty() || env.get().cache() == null) {
            return Optional.empty();
        }
        if (environment.image().equals(Images.HOST)) {
            status.accept("setup cache: off, image host gives the session no layer to keep");
            return Optional.empty();
        }
        SetupCache cache = env.get().cache();
        Map<String, String> key = new LinkedHashMap<>();
        key.put("format", "1");
        key.put("workspace", s.workspaceId());
        key.put("image", environment.image() + "@" + provisioner.imageVersion(environment.image()));
        key.put("script", switch (script) {
            case SetupStep.Script.Inline inline -> "inline:" + inline.text();
            case SetupStep.Script.InRepository r -> "repository:" + repo.blobAtBase(SetupStep.REPO_SCRIPT).orElse("none");
        });
        StringBuilder variables = new StringBuilder();
        new TreeMap<>(environment.variables()).forEach((k, v) -> variables.append(k).append('=').append(v).append('\0'));
        key.put("variables", variables.toString());
        key.put("repo", s.repo() == null ? "" : s.repo());
        if (cache.key() == SetupCache.Key.COMMIT) {
            key.put("commit", repo.baseCommit());
        } else {
            for (String file : cache.files()) {
                key.put("file:" + file, repo.blobAtBase(file).orElse("missing"));
            }
        }
        return Optional.of(SetupSnapshots.Key.of(key));
    }

    /**
     * Mounts the session's layer again over the snapshot, in the same sandbox (a hit: the session's own fresh layer is
     * dropped, and for the commit key the snapshot's workspace, without its {@code .git}, is copied into the workspace
     * by a helper inside the sandbox).
     */
    private void standOn(SetupSnapshots.Snapshot snap, Sandbox sandbox, SessionPaths paths, boolean hit) throws StepFailure {
        sandbox.unmountLayer();
        if (hit) {
            paths.deleteLayerUpper();
        }
        try {
            Files.writeString(paths.snapshotNote(), snap.dir().toString() + "\n");
        } catch (IOException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "Cannot note the session's setup snapshot: " + e.getMessage(), e);
        }
        snapshots.acquire(snap);
        snapshot = snap;
        Path cachedWorkspace = hit ? snap.workspace().orElse(null) : null;
        try {
            sandbox.mountLayer(List.of(snap.layer()), cachedWorkspace);
        } catch (SandboxException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "The session's layer could not be mounted over the setup "
                    + "cache snapshot: " + e.getMessage(), e);
        }
        if (cachedWorkspace != null) {
            restoreWorkspace(sandbox);
        }
    }

    /** Copies the snapshot's workspace (bound read-only) over the freshly seeded one, inside the sandbox, as the agent. */
    private static void restoreWorkspace(Sandbox sandbox) throws StepFailure {
        String copy = "tar -C " + SandboxSpec.RootFs.CACHED_WORKSPACE + " --exclude=./.git -cf - . | tar -C "
                + sandbox.view().workspace() + " -xf -";
        try {
            SandboxProcess p = sandbox.exec(List.of("bash", "-o", "pipefail", "-c", copy),
                    Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME", sandbox.view().home().toString(), "LANG", "C.UTF-8"));
            p.stdin().close();
            String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            int exit = p.waitFor(Duration.ofMinutes(10));
            if (exit != 0) {
                throw new StepFailure(FailureReason.SANDBOX_FAILED, "The workspace could not be restored from the setup "
                        + "cache (exit code " + exit + "): " + out.strip());
            }
        } catch (IOException | SandboxException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "The workspace could not be restored from the setup cache: "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "Interrupted while restoring the workspace", e);
        }
    }

    /** The snapshot a session's layer stands on (noted by a run before), or none. */
    List<Path> snapshotsOf(SessionPaths paths) throws StepFailure {
        if (!Files.isRegularFile(paths.snapshotNote())) {
            return List.of();
        }
        try {
            Path dir = Path.of(Files.readString(paths.snapshotNote()).strip());
            if (!dir.startsWith(dataDir.resolve("setup-cache")) || !Files.isDirectory(dir)) {
                throw new StepFailure(FailureReason.SANDBOX_FAILED, "The setup cache snapshot this session's sandbox stands "
                        + "on is gone (expired or evicted); retry the session.");
            }
            if (snapshot == null) {
                snapshot = new SetupSnapshots.Snapshot(dir);
                snapshots.acquire(snapshot);
            }
            return List.of(snapshot.layer());
        } catch (IOException e) {
            throw new StepFailure(FailureReason.SANDBOX_FAILED, "Cannot read the session's setup snapshot note: " + e.getMessage(), e);
        }
    }

    /** Gives back the snapshot this run stood on, if any. */
    void release() {
        if (snapshot != null) {
            snapshots.release(snapshot);
            snapshot = null;
        }
    }
}
