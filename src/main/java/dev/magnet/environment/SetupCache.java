package dev.magnet.environment;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a successful setup's result is reused (SPEC §5): keyed by the base commit, or by the contents of named files
 * (lockfiles), so that a new commit with the same lockfiles reuses the installed dependencies. Written as
 * {@code {"key": "commit"}} or {@code {"key": "files", "files": ["package-lock.json"]}}.
 */
public record SetupCache(Key key, List<String> files) {
    public static final int MAX_FILES = 20;

    /** What the snapshot is keyed by, beside the image, scripts, variables and repository. */
    public enum Key { COMMIT, FILES }

    public SetupCache {
        files = List.copyOf(files);
    }

    /** The cache as written in the API. */
    public Map<String, Object> wire() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("key", key == Key.COMMIT ? "commit" : "files");
        if (key == Key.FILES) {
            out.put("files", files);
        }
        return out;
    }

    /**
     * Reads the cache setting as written in the API.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static SetupCache parse(JsonNode node) {
        if (!node.isObject()) {
            throw new IllegalArgumentException("cache must be {\"key\": \"commit\"} or {\"key\": \"files\", \"files\": [...]}");
        }
        node.fieldNames().forEachRemaining(name -> {
            if (!name.equals("key") && !name.equals("files")) {
                throw new IllegalArgumentException("cache has an unknown field '" + name + "' (key, files)");
            }
        });
        String key = node.path("key").asText("");
        if (key.equals("commit")) {
            if (node.has("files")) {
                throw new IllegalArgumentException("cache.files goes with {\"key\": \"files\"} only");
            }
            return new SetupCache(Key.COMMIT, List.of());
        }
        if (!key.equals("files")) {
            throw new IllegalArgumentException("cache.key must be \"commit\" or \"files\"");
        }
        List<String> files = new ArrayList<>();
        for (JsonNode f : node.path("files")) {
            String path = f.isTextual() ? f.asText() : "";
            if (!relativePath(path)) {
                throw new IllegalArgumentException("cache.files: '" + path + "' is not a path inside the repository "
                        + "(relative, without '..')");
            }
            if (!files.contains(path)) {
                files.add(path);
            }
        }
        if (files.isEmpty() || files.size() > MAX_FILES) {
            throw new IllegalArgumentException("cache.files must name 1 to " + MAX_FILES + " files of the repository");
        }
        return new SetupCache(Key.FILES, files);
    }

    private static boolean relativePath(String path) {
        if (path.isEmpty() || path.length() > 500 || path.startsWith("/") || path.contains("\\") || path.contains("\0")) {
            return false;
        }
        for (String part : path.split("/", -1)) {
            if (part.isEmpty() || part.equals("..") || part.equals(".")) {
                return false;
            }
        }
        return true;
    }
}
