package dev.magnet.testing.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The operations of an OpenAPI 3.1 description as the fuzzer reads them: method and path, parameters (path, query,
 * header) with their schemas, the JSON request body's schema, and the security schemes a caller may use. Every
 * {@code $ref} is resolved against the description's components.
 */
public final class ApiDescription {
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    private final JsonNode root;
    private final List<Operation> operations;

    /** One parameter: {@code in} is {@code path}, {@code query} or {@code header}. */
    public record Parameter(String name, String in, boolean required, JsonNode schema) {
    }

    /**
     * One operation.
     *
     * @param body        the request body's schema (resolved), or null when the operation takes none
     * @param credentials the names of the security schemes any of which lets a caller in; empty: open to anyone
     * @param responses   the statuses the description gives answers for, e.g. {@code 200}, {@code 400}
     */
    public record Operation(String method, String path, List<Parameter> parameters, JsonNode body,
                            Set<String> credentials, Set<String> responses, String description) {
        public boolean isPublic() {
            return credentials.isEmpty();
        }

        public List<Parameter> in(String where) {
            return parameters.stream().filter(p -> p.in().equals(where)).toList();
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private ApiDescription(JsonNode root) {
        this.root = root;
        List<Operation> ops = new ArrayList<>();
        root.path("paths").properties().forEach(path -> {
            List<Parameter> shared = parameters(path.getValue().path("parameters"));
            path.getValue().properties().forEach(op -> {
                if (!METHODS.contains(op.getKey())) {
                    return;
                }
                JsonNode operation = op.getValue();
                Map<String, Parameter> params = new LinkedHashMap<>();
                shared.forEach(p -> params.put(p.in() + ":" + p.name(), p));
                parameters(operation.path("parameters")).forEach(p -> params.put(p.in() + ":" + p.name(), p));
                JsonNode body = resolve(operation.path("requestBody")).path("content").path("application/json").path("schema");
                JsonNode security = operation.has("security") ? operation.get("security") : root.path("security");
                Set<String> schemes = new LinkedHashSet<>();
                security.forEach(requirement -> requirement.fieldNames().forEachRemaining(schemes::add));
                Set<String> responses = new LinkedHashSet<>();
                operation.path("responses").fieldNames().forEachRemaining(responses::add);
                ops.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), List.copyOf(params.values()),
                        body.isMissingNode() ? null : resolve(body), Set.copyOf(schemes), Set.copyOf(responses),
                        operation.path("description").asText("")));
            });
        });
        this.operations = List.copyOf(ops);
    }

    public static ApiDescription of(JsonNode root) {
        if (!root.path("paths").isObject()) {
            throw new IllegalArgumentException("not an OpenAPI description: it has no paths");
        }
        return new ApiDescription(root);
    }

    public List<Operation> operations() {
        return operations;
    }

    /** The methods the description has for a path. */
    public Set<String> methodsOf(String path) {
        Set<String> methods = new LinkedHashSet<>();
        operations.stream().filter(o -> o.path().equals(path)).forEach(o -> methods.add(o.method()));
        return methods;
    }

    /** A security scheme by name, e.g. {@code {"type": "apiKey", "in": "header", "name": "x-api-key"}}. */
    public JsonNode securityScheme(String name) {
        return root.path("components").path("securitySchemes").path(name);
    }

    /** The node itself, or what its {@code $ref} (followed until none is left) points at. */
    public JsonNode resolve(JsonNode node) {
        JsonNode at = node;
        for (int hops = 0; at.has("$ref"); hops++) {
            String ref = at.get("$ref").asText();
            if (hops > 20 || !ref.startsWith("#/")) {
                throw new IllegalArgumentException("cannot resolve " + ref);
            }
            at = root.at(ref.substring(1));
            if (at.isMissingNode()) {
                throw new IllegalArgumentException("the description has no " + ref);
            }
        }
        return at;
    }

    private List<Parameter> parameters(JsonNode list) {
        List<Parameter> out = new ArrayList<>();
        for (JsonNode p : list) {
            JsonNode param = resolve(p);
            out.add(new Parameter(param.path("name").asText(), param.path("in").asText(), param.path("required").asBoolean(false),
                    resolve(param.path("schema"))));
        }
        return out;
    }
}
