package dev.magnet.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.magnet.json.Json;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;

/**
 * What the model relay forwards (SECURITY.md, rule 4): only the calls the pinned CLI makes
 * ({@code POST /v1/messages} and {@code POST /v1/messages/count_tokens}, protocol §14), with a body of at most
 * {@code maxBodyBytes} that is one JSON object, and, unless the session may reach the internet, without the
 * features that make the model provider reach it for the agent. Each check answers the refusal to send, or empty.
 *
 * @param maxBodyBytes the largest request body forwarded ({@code MAGNET_RELAY_MAX_BODY_KB})
 */
record RelayPolicy(int maxBodyBytes) {
    private static final Set<String> PATHS = Set.of("/v1/messages", "/v1/messages/count_tokens");
    private static final String ALLOWED = "only POST /v1/messages and POST /v1/messages/count_tokens are forwarded";
    private static final String NO_INTERNET = "this session's network policy does not allow the internet";

    /** Why a request is not forwarded: the HTTP status and the Anthropic error type and message to answer with. */
    record Refusal(int status, String errorType, String message) {
    }

    RelayPolicy {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("the relay's body cap must be positive (MAGNET_RELAY_MAX_BODY_KB)");
        }
    }

    /** A policy for a cap given in bytes as configured; caps beyond what one array holds are lowered to that. */
    static RelayPolicy capped(long maxBodyBytes) {
        // why: the body is held in one byte array to be checked and forwarded; Java arrays stop just short of 2 GiB
        return new RelayPolicy((int) Math.min(maxBodyBytes, Integer.MAX_VALUE - 8));
    }

    /**
     * Checks what is known before the body is read.
     *
     * @param rawPath        the request path as sent, still percent-encoded, without the query
     * @param declaredLength the {@code Content-Length}, or -1 when the body is chunked or absent
     */
    Optional<Refusal> refuseRequest(String method, String rawPath, long declaredLength) {
        if (!method.equals("POST") || !PATHS.contains(rawPath)) {
            return Optional.of(new Refusal(403, "permission_error",
                    "Magnet relay: " + ALLOWED + "; " + shown(method + " " + rawPath) + " is refused."));
        }
        if (declaredLength > maxBodyBytes) {
            return Optional.of(tooLarge());
        }
        return Optional.empty();
    }

    /** The refusal of a body longer than the cap. */
    Refusal tooLarge() {
        return new Refusal(413, "request_too_large", "Magnet relay: the request body is larger than "
                + maxBodyBytes / 1024 + " KiB (MAGNET_RELAY_MAX_BODY_KB) and is refused.");
    }

    /**
     * Checks the body of an allowed request: it must be one JSON object, and when the session may not reach the
     * internet it must not ask the model provider to reach it: no MCP servers, no server tools, no URL sources.
     */
    Optional<Refusal> refuseBody(byte[] body, boolean internetAllowed) {
        try (JsonParser parser = Json.MAPPER.createParser(body)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Optional.of(notJson());
            }
            Optional<Refusal> refusal = Optional.empty();
            if (internetAllowed) {
                parser.skipChildren();
            } else {
                refusal = scanObject(parser);
            }
            if (refusal.isEmpty() && parser.nextToken() != null) {
                return Optional.of(notJson());
            }
            return refusal;
        } catch (IOException e) {
            return Optional.of(notJson());
        }
    }

    /**
     * Walks the whole request token by token, reading only {@code mcp_servers} and {@code tools} as trees; every
     * occurrence counts, so a key sent twice cannot hide a refused value behind an allowed one.
     */
    private static Optional<Refusal> scanObject(JsonParser parser) throws IOException {
        JsonToken token;
        while ((token = parser.nextToken()) != null) {
            JsonStreamContext context = parser.getParsingContext();
            if (token == JsonToken.END_OBJECT && context.inRoot()) {
                return Optional.empty();
            }
            boolean topLevel = context.inObject() && context.getParent().inRoot();
            if (token == JsonToken.FIELD_NAME && topLevel && parser.currentName().equals("mcp_servers")) {
                parser.nextToken();
                JsonNode servers = parser.readValueAsTree();
                if (!(servers == null || servers.isNull() || servers.isArray() && servers.isEmpty())) {
                    return Optional.of(new Refusal(403, "permission_error", "Magnet relay: MCP servers (mcp_servers) "
                            + "are refused: the model provider would connect to them for the agent, and " + NO_INTERNET + "."));
                }
            } else if (token == JsonToken.FIELD_NAME && topLevel && parser.currentName().equals("tools")) {
                parser.nextToken();
                Optional<Refusal> refusal = refuseServerTools(parser.readValueAsTree());
                if (refusal.isPresent()) {
                    return refusal;
                }
            } else if (token == JsonToken.VALUE_STRING && isUrlSource(parser, context)) {
                return Optional.of(new Refusal(403, "permission_error", "Magnet relay: content the model provider "
                        + "fetches from a URL (a source of type \"url\") is refused: " + NO_INTERNET
                        + "; send it as base64 data."));
            }
        }
        return Optional.of(notJson());
    }

    /** Refuses every tool that is not a client tool (one without a {@code type}, or of type {@code "custom"}). */
    private static Optional<Refusal> refuseServerTools(JsonNode tools) {
        // why: client tools run in the sandbox, through the CLI. Every typed tool either runs on the model provider
        // (web_search_*, web_fetch_* and mcp_toolset reach the internet; code_execution_* runs code there, with the
        // Files API; tool_search_* and advisor_* run there too) or is an Anthropic-schema client tool (bash_*,
        // text_editor_*, computer_*, memory_*) that the pinned CLI never sends: CLI 2.1.328 sent only untyped tools
        // (request dumped from the fake model API); its WebSearch tool is what sends web_search_20250305, and it is
        // meant to fail without the internet. Allowing only untyped tools refuses server tools added later, too.
        if (tools == null || !tools.isArray()) {
            return Optional.empty();
        }
        for (JsonNode tool : tools) {
            JsonNode type = tool.get("type");
            if (type != null && !(type.isTextual() && type.asText().equals("custom"))) {
                return Optional.of(new Refusal(403, "permission_error", "Magnet relay: the tool '"
                        + shown(tool.path("name").asText("?")) + "' of type " + shown(type.toString())
                        + " runs on the model provider or is not "
                        + "a tool the CLI uses, and is refused: " + NO_INTERNET + "; only client tools (no type, or "
                        + "type \"custom\") are forwarded."));
            }
        }
        return Optional.empty();
    }

    /** Whether the parser is at {@code "type": "url"} inside an object that is the value of a {@code source} field. */
    private static boolean isUrlSource(JsonParser parser, JsonStreamContext context) throws IOException {
        JsonStreamContext parent = context.getParent();
        return context.inObject() && "type".equals(context.getCurrentName()) && parent != null && parent.inObject()
                && "source".equals(parent.getCurrentName()) && parser.getText().equals("url");
    }

    /** Text from the request as it may appear in a message and a log line: printable ASCII, 80 characters at most. */
    private static String shown(String text) {
        String printable = text.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() <= 80 ? printable : printable.substring(0, 80) + "...";
    }

    private static Refusal notJson() {
        return new Refusal(400, "invalid_request_error", "Magnet relay: the request body must be one JSON object.");
    }
}
