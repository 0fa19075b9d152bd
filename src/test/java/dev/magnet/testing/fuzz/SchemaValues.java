package dev.magnet.testing.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Values from JSON schemas: one that a schema accepts (to build a valid request the fuzzer then breaks in one place),
 * the places inside a body where a schema defines a value, the JSON types a schema accepts, and copies of a body with
 * one place changed or removed.
 */
final class SchemaValues {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** The JSON types, with "integer" for whole numbers and "number" for the others. */
    static final List<String> TYPES = List.of("string", "integer", "number", "boolean", "array", "object", "null");
    private static final int MAX_DEPTH = 5;
    private final ApiDescription api;

    /** A place in a body: object keys (String) and array indexes (Integer) from the top, and the schema there. */
    record Location(List<Object> path, JsonNode schema) {
        String name() {
            StringBuilder out = new StringBuilder();
            for (Object step : path) {
                if (step instanceof Integer i) {
                    out.append('[').append(i).append(']');
                } else {
                    out.append(out.isEmpty() ? "" : ".").append(step);
                }
            }
            return out.isEmpty() ? "(body)" : out.toString();
        }
    }

    SchemaValues(ApiDescription api) {
        this.api = api;
    }

    JsonNode resolve(JsonNode schema) {
        return api.resolve(schema);
    }

    /**
     * A value the schema accepts: its first example, default, enum value or constant, else one built from its type
     * (an object gets its required properties, including those the first {@code anyOf} branch requires).
     */
    JsonNode valid(JsonNode schema) {
        return valid(schema, 0);
    }

    private JsonNode valid(JsonNode schema, int depth) {
        JsonNode s = resolve(schema);
        for (String key : List.of("examples", "enum")) {
            if (s.path(key).isArray() && !s.path(key).isEmpty()) {
                return s.path(key).get(0).deepCopy();
            }
        }
        for (String key : List.of("default", "const")) {
            if (s.has(key)) {
                return s.get(key).deepCopy();
            }
        }
        if (!s.has("type")) {
            for (JsonNode alternative : alternatives(s)) {
                if (!types(alternative).equals(Set.of("null"))) {
                    return valid(alternative, depth + 1);
                }
            }
        }
        Set<String> types = new LinkedHashSet<>(declaredTypes(s));
        types.remove("null");
        String type = types.isEmpty() ? (s.has("properties") ? "object" : "string") : types.iterator().next();
        return switch (type) {
            case "string" -> NODES.textNode("fuzz" + "z".repeat(Math.max(0, s.path("minLength").asInt(0) - 4)));
            case "integer" -> NODES.numberNode(s.has("minimum") ? s.get("minimum").asLong() : 1);
            case "number" -> NODES.numberNode(s.has("minimum") ? s.get("minimum").asDouble() : 1.0);
            case "boolean" -> NODES.booleanNode(true);
            case "array" -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = 0; i < s.path("minItems").asInt(0) && depth < MAX_DEPTH; i++) {
                    array.add(valid(s.path("items"), depth + 1));
                }
                yield array;
            }
            case "object" -> {
                ObjectNode object = NODES.objectNode();
                if (depth < MAX_DEPTH) {
                    for (String name : required(s)) {
                        object.set(name, valid(s.path("properties").path(name), depth + 1));
                    }
                }
                yield object;
            }
            default -> NODES.nullNode();
        };
    }

    /** The properties an object schema requires, with those of its first {@code anyOf} branch. */
    Set<String> required(JsonNode schema) {
        JsonNode s = resolve(schema);
        Set<String> names = new LinkedHashSet<>();
        s.path("required").forEach(n -> names.add(n.asText()));
        JsonNode anyOf = s.path("anyOf");
        if (anyOf.isArray() && !anyOf.isEmpty() && !resolve(anyOf.get(0)).has("type")) {
            resolve(anyOf.get(0)).path("required").forEach(n -> names.add(n.asText()));
        }
        return names;
    }

    /**
     * The JSON types a schema accepts ({@code oneOf}/{@code anyOf} branches included); "number" includes "integer".
     * Empty when the schema says nothing about types (anything goes).
     */
    Set<String> types(JsonNode schema) {
        JsonNode s = resolve(schema);
        Set<String> out = new LinkedHashSet<>(declaredTypes(s));
        if (out.isEmpty() && s.path("enum").isArray()) {
            s.path("enum").forEach(v -> out.add(typeOf(v)));
        }
        if (!s.has("type")) {
            for (JsonNode alternative : alternatives(s)) {
                Set<String> types = types(alternative);
                if (types.isEmpty()) {
                    continue;
                }
                out.addAll(types);
            }
        }
        if (out.contains("number")) {
            out.add("integer");
        }
        return out;
    }

    /** The JSON type of a value, as {@link #TYPES} names it. */
    static String typeOf(JsonNode value) {
        return switch (value.getNodeType()) {
            case STRING -> "string";
            case NUMBER -> value.isIntegralNumber() ? "integer" : "number";
            case BOOLEAN -> "boolean";
            case ARRAY -> "array";
            case OBJECT, POJO -> "object";
            default -> "null";
        };
    }

    /** Every place inside a body of this schema where the schema defines a value, outermost first. */
    List<Location> locations(JsonNode schema) {
        Map<String, Location> out = new LinkedHashMap<>();
        collect(schema, List.of(), 0, out);
        return List.copyOf(out.values());
    }

    private void collect(JsonNode schema, List<Object> at, int depth, Map<String, Location> out) {
        if (depth > MAX_DEPTH) {
            return;
        }
        JsonNode s = resolve(schema);
        s.path("properties").properties().forEach(p -> {
            List<Object> path = append(at, p.getKey());
            add(out, new Location(path, p.getValue()));
            collect(p.getValue(), path, depth + 1, out);
        });
        if (s.path("items").isObject()) {
            List<Object> path = append(at, 0);
            add(out, new Location(path, s.get("items")));
            collect(s.get("items"), path, depth + 1, out);
        }
        if (s.path("additionalProperties").isObject()) {
            List<Object> path = append(at, "FUZZ_NAME");
            add(out, new Location(path, s.get("additionalProperties")));
            collect(s.get("additionalProperties"), path, depth + 1, out);
        }
        for (JsonNode alternative : alternatives(s)) {
            collect(alternative, at, depth + 1, out);
        }
    }

    private static void add(Map<String, Location> out, Location location) {
        out.putIfAbsent(location.name(), location);
    }

    /** The object schemas along a body: the top and every nested object a location sits in, with their paths. */
    List<Location> objects(JsonNode schema) {
        List<Location> out = new ArrayList<>();
        if (isObject(schema)) {
            out.add(new Location(List.of(), schema));
        }
        for (Location l : locations(schema)) {
            if (isObject(l.schema())) {
                out.add(l);
            }
        }
        return out;
    }

    /** The object branch of a schema: itself, or its first {@code oneOf}/{@code anyOf} branch that is an object. */
    JsonNode objectBranch(JsonNode schema) {
        JsonNode s = resolve(schema);
        if (s.has("properties") || declaredTypes(s).contains("object")) {
            return s;
        }
        for (JsonNode alternative : alternatives(s)) {
            JsonNode branch = objectBranch(alternative);
            if (branch != null) {
                return branch;
            }
        }
        return null;
    }

    private boolean isObject(JsonNode schema) {
        return objectBranch(schema) != null;
    }

    /** A copy of {@code body} with {@code value} at {@code path}, making the objects and arrays on the way. */
    static JsonNode with(JsonNode body, List<Object> path, JsonNode value) {
        return with(body, path, 0, value);
    }

    private static JsonNode with(JsonNode node, List<Object> path, int i, JsonNode value) {
        if (i == path.size()) {
            return value;
        }
        if (path.get(i) instanceof Integer index) {
            ArrayNode array = node instanceof ArrayNode a ? a.deepCopy() : NODES.arrayNode();
            while (array.size() <= index) {
                array.addNull();
            }
            array.set(index, with(array.get(index), path, i + 1, value));
            return array;
        }
        ObjectNode object = node instanceof ObjectNode o ? o.deepCopy() : NODES.objectNode();
        object.set((String) path.get(i), with(object.get((String) path.get(i)), path, i + 1, value));
        return object;
    }

    /** A copy of {@code body} without the property at {@code path} (unchanged when it is not there). */
    static JsonNode without(JsonNode body, List<Object> path) {
        JsonNode copy = body.deepCopy();
        JsonNode parent = copy;
        for (int i = 0; i < path.size() - 1 && parent != null; i++) {
            parent = path.get(i) instanceof Integer index ? parent.get(index) : parent.get((String) path.get(i));
        }
        if (parent instanceof ObjectNode o && path.get(path.size() - 1) instanceof String name) {
            o.remove(name);
        }
        return copy;
    }

    /** Whether the body has a value at {@code path}. */
    static boolean has(JsonNode body, List<Object> path) {
        JsonNode at = body;
        for (Object step : path) {
            at = step instanceof Integer index ? at.path(index) : at.path((String) step);
        }
        return !at.isMissingNode();
    }

    private List<JsonNode> alternatives(JsonNode s) {
        List<JsonNode> out = new ArrayList<>();
        for (String key : List.of("oneOf", "anyOf")) {
            s.path(key).forEach(out::add);
        }
        return out;
    }

    private static Set<String> declaredTypes(JsonNode s) {
        Set<String> out = new LinkedHashSet<>();
        JsonNode type = s.path("type");
        if (type.isTextual()) {
            out.add(type.asText());
        } else {
            type.forEach(t -> out.add(t.asText()));
        }
        return out;
    }

    private static List<Object> append(List<Object> path, Object step) {
        List<Object> out = new ArrayList<>(path);
        out.add(step);
        return List.copyOf(out);
    }
}
