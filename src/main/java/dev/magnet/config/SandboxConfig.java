package dev.magnet.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How sessions are sandboxed ({@code MAGNET_SANDBOX*} variables).
 *
 * @param provider       what isolates the agent ({@code MAGNET_SANDBOX}): bubblewrap by default
 * @param user           the unprivileged account the agent runs as when the server is root
 * @param memoryMiB      memory limit per session
 * @param maxProcesses   process and thread limit per session
 * @param cpus           CPU limit per session, in cores
 * @param idleTeardown   how long a completed session keeps its workspace before it is torn down
 * @param egressAllow    {@code host:port} list the egress proxy allows (empty: nothing)
 * @param toolchains     extra host folders bound read-only into every sandbox
 * @param diskMiB        disk a session may fill: its workspace, home and temp folder together
 *                       ({@code MAGNET_SANDBOX_DISK_MB}, 20480)
 * @param maxFiles       files and folders those may hold together ({@code MAGNET_SANDBOX_MAX_FILES}, 1000000)
 * @param diskCheck      how often they are measured while the agent runs ({@code MAGNET_SANDBOX_DISK_CHECK_SECONDS}, 5)
 * @param imagesDir      the machine-wide folder of sandbox images built by {@code ./magnet}
 *                       ({@code MAGNET_IMAGES_DIR}, {@code /var/lib/magnet/images})
 * @param kubernetes     where session pods run with {@code MAGNET_SANDBOX=kubernetes}
 */
public record SandboxConfig(Provider provider, String user, long memoryMiB, int maxProcesses, double cpus,
                            Duration idleTeardown, String egressAllow, List<Path> toolchains, long diskMiB,
                            long maxFiles, Duration diskCheck, Path imagesDir, KubernetesConfig kubernetes) {

    /** What isolates the agent, by its {@code MAGNET_SANDBOX} value. */
    public enum Provider {
        /** Bubblewrap on this host (the default). */
        BWRAP("bwrap"),
        /** No isolation at all: the agent runs as the server's account. Development only. */
        UNISOLATED("unisolated"),
        /** One pod per session in a Kubernetes namespace. */
        KUBERNETES("kubernetes");

        private final String setting;

        Provider(String setting) {
            this.setting = setting;
        }

        /** The value of {@code MAGNET_SANDBOX} that selects it. */
        public String setting() {
            return setting;
        }

        /** The provider a {@code MAGNET_SANDBOX} value names, in any case. */
        public static Provider fromSetting(String value) {
            String wanted = value.toLowerCase(Locale.ROOT);
            for (Provider p : values()) {
                if (p.setting.equals(wanted)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("MAGNET_SANDBOX must be bwrap, kubernetes or unisolated, was '" + wanted + "'");
        }
    }

    public SandboxConfig {
        Objects.requireNonNull(provider, "the sandbox provider is required (MAGNET_SANDBOX)");
        toolchains = List.copyOf(toolchains);
        Objects.requireNonNull(imagesDir, "the image folder is required (MAGNET_IMAGES_DIR)");
        Objects.requireNonNull(kubernetes, "kubernetes");
        if (provider == Provider.KUBERNETES) {
            kubernetes.requireComplete();
        }
        if (diskMiB < 1) {
            throw new IllegalArgumentException("MAGNET_SANDBOX_DISK_MB must be at least 1");
        }
        if (maxFiles < 1000) {
            throw new IllegalArgumentException("MAGNET_SANDBOX_MAX_FILES must be at least 1000");
        }
        if (diskCheck.isNegative() || diskCheck.isZero()) {
            throw new IllegalArgumentException("MAGNET_SANDBOX_DISK_CHECK_SECONDS must be at least 1");
        }
    }

    static SandboxConfig fromEnvironment(Map<String, String> env) {
        String tools = env.getOrDefault("MAGNET_SANDBOX_TOOLCHAINS", "");
        return new SandboxConfig(
                Provider.fromSetting(env.getOrDefault("MAGNET_SANDBOX", Provider.BWRAP.setting())),
                env.getOrDefault("MAGNET_SANDBOX_USER", "magnet-sandbox"),
                MagnetConfig.parseLong(env, "MAGNET_SANDBOX_MEMORY_MB", 4096),
                (int) MagnetConfig.parseLong(env, "MAGNET_SANDBOX_MAX_PROCESSES", 1024),
                Double.parseDouble(env.getOrDefault("MAGNET_SANDBOX_CPUS", "2")),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_SANDBOX_IDLE_SECONDS", 1800)),
                env.getOrDefault("MAGNET_EGRESS_ALLOW", ""),
                Arrays.stream(tools.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList(),
                MagnetConfig.parseLong(env, "MAGNET_SANDBOX_DISK_MB", 20480),
                MagnetConfig.parseLong(env, "MAGNET_SANDBOX_MAX_FILES", 1_000_000),
                Duration.ofSeconds(MagnetConfig.parseLong(env, "MAGNET_SANDBOX_DISK_CHECK_SECONDS", 5)),
                Path.of(env.getOrDefault("MAGNET_IMAGES_DIR", "/var/lib/magnet/images")),
                KubernetesConfig.fromEnvironment(env));
    }
}
