package dev.magnet.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** The filters and paging of {@code sessions list}, sent as the query of {@code GET /api/sessions}; null means "not given". */
record ListOptions(String status, String repo, String author, String text, Integer limit, String cursor) {

    /** The query parameters to send, in a stable order, without the ones not given. */
    Map<String, String> parameters() {
        Map<String, String> parameters = new LinkedHashMap<>();
        put(parameters, "status", status);
        put(parameters, "repo", repo);
        put(parameters, "author", author);
        put(parameters, "q", text);
        put(parameters, "limit", limit == null ? null : limit.toString());
        put(parameters, "cursor", cursor);
        return parameters;
    }

    private static void put(Map<String, String> parameters, String name, String value) {
        if (!Formats.isBlank(value)) {
            parameters.put(name, value);
        }
    }
}
