package dev.magnet.session;

/**
 * What a user asks for when creating a session (SPEC §1). Only {@code prompt} is required.
 */
public record NewSession(String prompt, String title, String repo, String baseBranch, String model, String environmentId) {
}
