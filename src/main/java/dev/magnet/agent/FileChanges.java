package dev.magnet.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.events.EventData;
import dev.magnet.events.NewEvent;

import dev.magnet.json.Json;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Recognises a file write or edit in a tool's structured result ({@code tool_use_result}) and turns
 * it into a {@code file_change} event.
 *
 * <p>Shapes seen from CLI 2.1.328: Write answers {@code {type: create|update, filePath, content,
 * structuredPatch, originalFile}} ({@code structuredPatch} is empty on create); Edit answers
 * {@code {filePath, oldString, newString, originalFile, structuredPatch, replaceAll}} without a type.
 * Anything with a {@code filePath} and a {@code structuredPatch} array counts, so MultiEdit-like
 * tools are covered too.
 */
final class FileChanges {
    private final Path workspaceRoot;

    FileChanges(Path workspaceRoot) {
        this.workspaceRoot = workspaceRoot;
    }

    Optional<NewEvent> from(String toolUseId, JsonNode toolUseResult) {
        String filePath = Json.text(toolUseResult, "filePath");
        JsonNode patch = Json.at(toolUseResult, "structuredPatch");
        if (filePath == null || !patch.isArray()) {
            return Optional.empty();
        }
        boolean created = isCreation(toolUseResult);
        if (!created && patch.isEmpty()) {
            return Optional.empty();
        }
        String path = displayPath(filePath);
        String diff = created && patch.isEmpty()
                ? UnifiedDiff.ofNewFile(path, Json.text(toolUseResult, "content"))
                : UnifiedDiff.ofPatch(path, created, patch);
        return Optional.of(NewEvent.of(new EventData.FileChange(path, created ? "created" : "modified", diff, toolUseId)));
    }

    // why: Write says "create"; Edit creates a missing file when old_string is empty, and then reports
    // originalFile "" (observed), so an empty original with an empty oldString counts as a creation
    private static boolean isCreation(JsonNode result) {
        if ("create".equals(Json.text(result, "type"))) {
            return true;
        }
        String original = Json.text(result, "originalFile");
        return "".equals(Json.text(result, "oldString")) && (original == null || original.isEmpty());
    }

    /** The path relative to the workspace root when it lies inside it, else the normalised path. */
    String displayPath(String filePath) {
        try {
            Path path = Path.of(filePath).normalize();
            if (path.isAbsolute() && path.startsWith(workspaceRoot) && !path.equals(workspaceRoot)) {
                return slashes(workspaceRoot.relativize(path));
            }
            return slashes(path);
        } catch (InvalidPathException e) {
            return filePath;
        }
    }

    private static String slashes(Path path) {
        return path.toString().replace('\\', '/');
    }
}
