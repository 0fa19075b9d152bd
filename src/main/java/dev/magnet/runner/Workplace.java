package dev.magnet.runner;

import dev.magnet.git.SessionRepo;
import dev.magnet.sandbox.Sandbox;

/** Where one run of a session works: its sandbox (over the workspace) and its repository on the host. */
record Workplace(Sandbox sandbox, SessionRepo repo) {
}
