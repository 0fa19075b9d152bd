package dev.magnet.config;

import java.util.Map;

/**
 * What on GitHub calls Magnet.
 *
 * @param mention           the word in a comment that makes it a follow-up (on a session's pull request) or a new
 *                          session (on an issue) ({@code MAGNET_GITHUB_MENTION}, {@code @magnet})
 * @param label             the issue label that starts a session ({@code MAGNET_GITHUB_LABEL}, {@code magnet})
 * @param maxCheckFollowUps how many failed check runs of a session's pull request become follow-ups, per pull request,
 *                          in sessions whose environment does not say ({@code MAGNET_GITHUB_CHECK_FOLLOW_UPS}, 0: none)
 */
public record GitHubLoopSettings(String mention, String label, int maxCheckFollowUps) {
    public GitHubLoopSettings {
        if (mention == null || mention.isBlank() || label == null || label.isBlank()) {
            throw new IllegalArgumentException("MAGNET_GITHUB_MENTION and MAGNET_GITHUB_LABEL must not be empty");
        }
        if (maxCheckFollowUps < 0) {
            throw new IllegalArgumentException("MAGNET_GITHUB_CHECK_FOLLOW_UPS must be 0 or more");
        }
        mention = mention.strip();
        label = label.strip();
    }

    public static GitHubLoopSettings defaults() {
        return fromEnvironment(Map.of());
    }

    static GitHubLoopSettings fromEnvironment(Map<String, String> env) {
        return new GitHubLoopSettings(env.getOrDefault("MAGNET_GITHUB_MENTION", "@magnet"),
                env.getOrDefault("MAGNET_GITHUB_LABEL", "magnet"),
                (int) MagnetConfig.parseLong(env, "MAGNET_GITHUB_CHECK_FOLLOW_UPS", 0));
    }
}
