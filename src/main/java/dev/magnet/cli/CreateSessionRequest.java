package dev.magnet.cli;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The body of {@code POST /api/sessions}; fields not given are left out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
record CreateSessionRequest(String prompt, String repo, String baseBranch, String model, String title,
                            String environmentId) {
}
