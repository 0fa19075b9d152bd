package dev.magnet.runner;

import dev.magnet.environment.Environment;
import dev.magnet.environment.EnvironmentService;
import dev.magnet.environment.NetworkPolicy;
import dev.magnet.environment.NetworkRules;
import dev.magnet.gateway.Gateway;
import dev.magnet.sandbox.Images;
import dev.magnet.session.FailureReason;
import dev.magnet.session.Session;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A session's environment as its run uses it (SPEC §5): its variables and secrets for setup and agent, which network
 * policy the egress proxy enforces in each phase, and whether the model provider may reach the internet for the agent.
 * A session without an environment runs with nothing of its own: no variables, setup (the repository's
 * {@code .magnet/setup.sh}) with the {@code registries} policy, the agent with {@code none}.
 */
final class EnvironmentRuntime {
    /** The phases a network policy is for, as events and the proxy's log name them. */
    static final String SETUP = "setup";
    static final String AGENT = "agent";

    private final EnvironmentService environments;
    private final NetworkRules rules;
    private final Gateway gateway;

    EnvironmentRuntime(EnvironmentService environments, NetworkRules rules, Gateway gateway) {
        this.environments = environments;
        this.rules = rules;
        this.gateway = gateway;
    }

    /** What one run of a session has from its environment. */
    record Loaded(Optional<EnvironmentService.Prepared> prepared) {
        static final Loaded NONE = new Loaded(Optional.empty());

        Optional<Environment> environment() {
            return prepared.map(EnvironmentService.Prepared::environment);
        }

        /** Variables and secrets together, as setup, run script and agent get them. */
        Map<String, String> variables() {
            Map<String, String> all = new LinkedHashMap<>();
            prepared.ifPresent(p -> {
                all.putAll(p.environment().env());
                all.putAll(p.secrets());
            });
            return all;
        }

        /** The secrets' values by name. */
        Map<String, String> secrets() {
            return prepared.map(EnvironmentService.Prepared::secrets).orElse(Map.of());
        }

        /** The sandbox image: the environment's, else {@code host} (the host's own {@code /usr}). */
        String image() {
            return environment().map(Environment::image).orElse(Images.HOST);
        }

        Optional<String> setupScript() {
            return environment().map(Environment::setupScript);
        }

        NetworkPolicy setupNetwork() {
            return environment().map(Environment::setupNetwork).orElse(new NetworkPolicy.Registries());
        }

        NetworkPolicy agentNetwork() {
            return environment().map(Environment::agentNetwork).orElse(new NetworkPolicy.None());
        }

        AgentRun.Environment agent() {
            return new AgentRun.Environment(variables(), agentNetwork() instanceof NetworkPolicy.Full);
        }
    }

    /**
     * The session's environment for this run, read again at each run so that changes apply from the next one.
     *
     * @throws StepFailure {@code setup_failed} when the environment was deleted since the session was created
     */
    Loaded load(Session s) throws StepFailure {
        if (s.environmentId() == null) {
            return Loaded.NONE;
        }
        Optional<EnvironmentService.Prepared> prepared = environments.forRun(s.environmentId());
        if (prepared.isEmpty()) {
            throw new StepFailure(FailureReason.SETUP_FAILED, "The session's environment (" + s.environmentId()
                    + ") was deleted; retry the session in another environment.");
        }
        return new Loaded(prepared);
    }

    /** From now on the sandbox may reach what the setup policy allows. */
    void setupPhase(String sessionId, Loaded loaded) {
        gateway.network(sessionId, rules.compile(loaded.setupNetwork()), SETUP);
    }

    /** From now on the sandbox may reach what the agent policy allows. */
    void agentPhase(String sessionId, Loaded loaded) {
        gateway.network(sessionId, rules.compile(loaded.agentNetwork()), AGENT);
    }
}
