package dev.magnet.environment;

import dev.magnet.gateway.EgressPolicy;
import java.util.List;
import java.util.Set;

/** Turns an environment's network policy into what the egress proxy enforces. */
public final class NetworkRules {
    private final EgressPolicy registries;

    /**
     * @param registries what {@code registries} allows ({@code MAGNET_REGISTRIES})
     * @throws IllegalArgumentException when an entry is not a host rule
     */
    public NetworkRules(List<String> registries) {
        try {
            this.registries = EgressPolicy.allowing(registries, Set.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("MAGNET_REGISTRIES: " + e.getMessage(), e);
        }
    }

    public EgressPolicy compile(NetworkPolicy policy) {
        return switch (policy) {
            case NetworkPolicy.None n -> EgressPolicy.denyAll();
            case NetworkPolicy.Registries r -> registries;
            case NetworkPolicy.Full f -> EgressPolicy.anyPublicHost();
            case NetworkPolicy.Allow a -> EgressPolicy.allowing(a.hosts(), Set.copyOf(a.methods()));
        };
    }
}
