package dev.magnet.testing.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.magnet.testing.RawHttp;
import dev.magnet.testing.fuzz.SchemaValues.Location;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Malformed requests for every operation of an API description, from a seeded random generator: the same seed and
 * description give the same requests. Each request is a valid one (real ids of the admin's workspace, the admin's
 * credentials, a body its schema accepts) broken in one way, in one of {@link #CATEGORIES}:
 * <ul>
 *   <li>{@code credentials}: none, unknown, garbage, long, empty or revoked API keys, another workspace's key, a
 *       member's key, forged, garbage or signed-out cookies, a browser without or with a wrong CSRF token, bad bearer
 *       tokens;</li>
 *   <li>{@code ids}: malformed, unknown, near and foreign ids in the path;</li>
 *   <li>{@code json}: bodies that are not JSON, sent with various content types;</li>
 *   <li>{@code types}: a body of another JSON type, or a value of another type at one place the schema defines;</li>
 *   <li>{@code constraints}: a value the schema forbids (enum, pattern, lengths, bounds, item and property counts,
 *       property names, unknown and missing properties);</li>
 *   <li>{@code values}: well-typed but unusual values (NUL and control characters, lone surrogates, injection
 *       strings, very large integers);</li>
 *   <li>{@code huge}: 1 MB strings, deep nesting, wide arrays and objects, long names and numbers, large headers and
 *       query strings;</li>
 *   <li>{@code empty}: empty and blank bodies and values;</li>
 *   <li>{@code params}: query and header parameters of the wrong type, out of range or odd ({@code after},
 *       {@code Last-Event-ID}, {@code limit}, ...);</li>
 *   <li>{@code methods}: methods the path does not have, and odd spellings of the path.</li>
 * </ul>
 * Every (operation, category) pair that applies gets its turn in a shuffled round (the parameters one turn each), so
 * every route is fuzzed evenly.
 */
public final class RequestGenerator {
    /** What the server must do with a request. */
    public enum Expect {
        /** Refuse it (4xx): accepting it is a failure (bad credentials, a bad id, a body that is not JSON, ...). */
        REFUSED,
        /** The description calls it invalid, so a 4xx is expected; accepting it is reported, not a failure. */
        INVALID,
        /** It may be valid. */
        ANY
    }

    /** One generated request, with what it tests. */
    public record FuzzRequest(String category, String kind, ApiDescription.Operation operation, RawHttp.Request http,
                              Expect expect) {
        /** The request as one line for a report: method, target, headers and the start of the body. */
        public String describe() {
            StringBuilder out = new StringBuilder();
            out.append('[').append(category).append(": ").append(kind).append("] ")
                    .append(http.method()).append(' ').append(abbreviate(http.target(), 160));
            for (Map.Entry<String, String> h : http.headers()) {
                out.append(" | ").append(h.getKey()).append(": ").append(abbreviate(h.getValue(), 60));
            }
            if (http.body() != null) {
                out.append(" | body (").append(http.body().length).append(" bytes): ")
                        .append(abbreviate(new String(http.body(), StandardCharsets.UTF_8), 160));
            }
            return out.toString();
        }
    }

    public static final List<String> CATEGORIES = List.of("credentials", "ids", "json", "types", "constraints", "values",
            "huge", "empty", "params", "methods");

    static final String CSRF_HEADER = "X-CSRF-Token";
    static final String CSRF_COOKIE = "magnet_csrf";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RAW = "@@fuzz-raw@@";
    /** A body just over this is refused whole (the server's limit is 1 MiB). */
    private static final int BODY_LIMIT = 1024 * 1024;

    private static final List<String> GARBAGE_KEYS = List.of("'; drop table users; --", "null", "mgt_", "Bearer mgt_x",
            "../../etc/passwd", "ключ", "%00", "mgt_\u00e9\u00e8", "*", "mgt_test_admin_key_0123456789x", " mgt_ ");
    private static final List<String> GARBAGE_COOKIES = List.of(";;;=;magnet_session", "magnet_session", "magnet_session=",
            "magnet_session=\"\"", "=; =;", "magnet_session=%00", "magnet_session=a; magnet_session=b",
            "magnet_session=" + "a".repeat(5000), "magnet_session=ключ");
    private static final List<String> MALFORMED_IDS = List.of("nope", "0", "-1", "null", "undefined", "true", "%00",
            "%2e%2e", "..%2F..%2Fetc%2Fpasswd", "%27%20or%201%3D1--", "%22", "%3Cscript%3E", "x".repeat(300),
            "%E2%80%AE", "%F0%9F%92%A9", "%ZZ", "%", "%C3%28", "a%2Fb", "%20", "%09", "~", "%7Bid%7D", "*", "%2A",
            "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "id;x=1", "%3B", "%5C", "a%00b",
            "%ED%A0%80", "%FF", "%C0%AF");
    private static final List<String> MALFORMED_JSON = List.of("not json", "{", "}", "[", "{\"a\":}", "{\"a\" 1}",
            "{'a': 1}", "{a: 1}", "{\"a\": 1,}", "{\"a\": NaN}", "{\"a\": Infinity}", "/* c */ {}", "{} {}", "{}x",
            "\u0000", "{\"a\": \"\\x\"}", "{\"a\": 01}", "{\"a\": 1.}", "{\"a\": -}", "{\"a\": tru}",
            "{\"a\": \"unterminated}", "\"", "{\"a\": [1, 2}", "{\"a\": {\"b\": 1}", "{\"\\u00\": 1}", "{,}",
            "{\"a\": 1 \"b\": 2}", ",", "{\"a\": \"\u0001\"}", "{\"a\"\u0000: 1}");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/json", "application/json",
            "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/json; charset=utf-16", "application/json; charset=nonsense", "*/*", "application/xml", "");
    private static final List<String> ODD_STRINGS = List.of("\u0000", "a\u0000b", "\u0007\u001b[31m", "\r\n", "\t",
            "\u202e", "\ufeff", "\ud83d\ude00", "' or '1'='1", "\"; drop table sessions; --", "../../../../etc/passwd",
            "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1/x}", "%s%s%s%n", "{{7*7}}", "null", "undefined",
            "NaN", "-1", "0", " ", "\u3000", "x\ny", "日本語", "e\u0301", "\u00e9".repeat(10_000), "\\", "\"",
            "%00", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/", "-rf /", "$(id)", "`id`",
            "a".repeat(257), "refs/heads/main", "HEAD", "@{u}", "~1", "..", ".", "\u0085");
    private static final List<String> ODD_QUERY_VALUES = List.of("%00", "%ZZ", "%", "%C3%28", "%E2%80%AE", "%27%20or%201%3D1",
            "%3Cscript%3E", "..%2F..", "%F0%9F%92%A9", "a%26b%3Dc", "%2B", "+", "%20", "", "x".repeat(3000), "%0D%0Afuzz:%201",
            "a%00b", "%ED%A0%80", "%C0%AF", "%FF");
    private static final List<String> INVALID_INTEGERS = List.of("abc", "1.5", "1e3", "0x10", "NaN", "99999999999999999999",
            "9223372036854775808", "-9223372036854775809", "1,2", "--1", "1-", "%00", "1%00", "true", "[1]",
            "9".repeat(5000));
    private static final List<String> ODD_INTEGERS = List.of("", " ", "%20%201", "+1", "%2B1", "00001", "%D9%A3",
            "9223372036854775807", "-0", "2147483648");
    private static final List<String> ODD_HEADER_INTEGERS = List.of("", " ", " 5 ", "+1", "00001", "٣",
            "9223372036854775807", "-0", "2147483648", "5, 6");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "HEAD",
            "FUZZ", "CONNECT", "get", "PROPFIND");

    private final ApiDescription api;
    private final SchemaValues values;
    private final Targets targets;
    private final SplittableRandom random;
    private final List<Slot> slots;
    private List<Slot> round;
    private int next;

    private record Variant(String kind, Function<SplittableRandom, FuzzRequest> make) {
    }

    private record Slot(ApiDescription.Operation operation, String category, List<Variant> variants) {
    }

    public RequestGenerator(ApiDescription api, Targets targets, long seed) {
        this.api = api;
        this.values = new SchemaValues(api);
        this.targets = targets;
        this.random = new SplittableRandom(seed);
        List<Slot> all = new ArrayList<>();
        for (ApiDescription.Operation op : api.operations()) {
            for (String category : CATEGORIES) {
                List<Variant> variants = variants(op, category);
                // why: an operation's parameters each get the share of requests a category gets, so the events
                // route's Last-Event-ID and after are not drowned by the operations with bodies
                int turns = category.equals("params") ? op.parameters().size() - op.in("path").size() : 1;
                for (int turn = 0; turn < turns && !variants.isEmpty(); turn++) {
                    all.add(new Slot(op, category, List.copyOf(variants)));
                }
            }
        }
        this.slots = List.copyOf(all);
        this.round = shuffled();
    }

    /** How many requests one round has: one per (operation, category) pair, one per parameter for parameters. */
    public int roundSize() {
        return slots.size();
    }

    /** The next request. */
    public FuzzRequest next() {
        if (next == round.size()) {
            round = shuffled();
            next = 0;
        }
        Slot slot = round.get(next++);
        Variant variant = slot.variants().get(random.nextInt(slot.variants().size()));
        return variant.make().apply(random);
    }

    private List<Slot> shuffled() {
        List<Slot> out = new ArrayList<>(slots);
        for (int i = out.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Slot s = out.get(i);
            out.set(i, out.get(j));
            out.set(j, s);
        }
        return out;
    }

    private List<Variant> variants(ApiDescription.Operation op, String category) {
        List<Variant> out = new ArrayList<>();
        switch (category) {
            case "credentials" -> credentials(op, out);
            case "ids" -> ids(op, out);
            case "json" -> json(op, out);
            case "types" -> types(op, out);
            case "constraints" -> constraints(op, out);
            case "values" -> values(op, out);
            case "huge" -> huge(op, out);
            case "empty" -> empty(op, out);
            case "params" -> params(op, out);
            case "methods" -> methods(op, out);
            default -> throw new IllegalArgumentException(category);
        }
        return out;
    }

    // ---- credentials

    private void credentials(ApiDescription.Operation op, List<Variant> out) {
        if (op.isPublic()) {
            return;
        }
        Schemes schemes = schemes(op);
        String c = "credentials";
        boolean unsafe = !Set.of("GET", "HEAD", "OPTIONS").contains(op.method());
        out.add(new Variant("none", r -> draft(op, r).as("none").done(c, "none", Expect.REFUSED)));
        if (schemes.header != null) {
            String h = schemes.header;
            out.add(new Variant("unknown key", r -> draft(op, r).as("none").header(h, "mgt_" + token(r, 43))
                    .done(c, "unknown key", Expect.REFUSED)));
            out.add(new Variant("garbage key", r -> draft(op, r).as("none").header(h, pick(r, GARBAGE_KEYS))
                    .done(c, "garbage key", Expect.REFUSED)));
            out.add(new Variant("long key", r -> draft(op, r).as("none").header(h, "k".repeat(pick(r, List.of(300, 3000, 7000))))
                    .done(c, "long key", Expect.REFUSED)));
            out.add(new Variant("empty key", r -> draft(op, r).as("none").header(h, "").done(c, "empty key", Expect.REFUSED)));
            out.add(new Variant("revoked key", r -> draft(op, r).as("none").header(h, targets.revokedKey())
                    .done(c, "revoked key", Expect.REFUSED)));
            out.add(new Variant("member key", r -> draft(op, r).as("none").header(h, targets.memberKey())
                    .done(c, "member key", Expect.ANY)));
            if (!op.in("path").isEmpty()) {
                out.add(new Variant("other workspace's key", r -> draft(op, r).as("none").header(h, targets.otherWorkspaceKey())
                        .done(c, "other workspace's key", Expect.REFUSED)));
            }
            if (schemes.cookie != null) {
                out.add(new Variant("unknown key with a signed-in browser", r -> draft(op, r).as("browser")
                        .header(h, "mgt_" + token(r, 43)).done(c, "unknown key with a signed-in browser", Expect.REFUSED)));
            }
        }
        if (schemes.cookie != null) {
            String name = schemes.cookie;
            out.add(new Variant("forged cookie", r -> {
                String forged = token(r, 43);
                return draft(op, r).as("none").header("Cookie", name + "=" + forged + "; " + CSRF_COOKIE + "=" + forged)
                        .header(CSRF_HEADER, forged).done(c, "forged cookie", Expect.REFUSED);
            }));
            out.add(new Variant("signed-out cookie", r -> {
                Targets.SignIn gone = targets.signedOutBrowser();
                return draft(op, r).as("none").header("Cookie", name + "=" + gone.session() + "; " + CSRF_COOKIE + "=" + gone.csrf())
                        .header(CSRF_HEADER, gone.csrf()).done(c, "signed-out cookie", Expect.REFUSED);
            }));
            out.add(new Variant("garbage cookie", r -> draft(op, r).as("none").header("Cookie", pick(r, GARBAGE_COOKIES))
                    .done(c, "garbage cookie", Expect.REFUSED)));
            if (unsafe) {
                out.add(new Variant("browser without CSRF token", r -> draft(op, r).as("browser-without-csrf")
                        .done(c, "browser without CSRF token", Expect.REFUSED)));
                out.add(new Variant("browser with a wrong CSRF token", r -> draft(op, r).as("browser-without-csrf")
                        .header(CSRF_HEADER, pick(r, List.of(token(r, 43), "", "null", targets.signedOutBrowser().csrf(),
                                targets.adminBrowser().csrf() + "x")))
                        .done(c, "browser with a wrong CSRF token", Expect.REFUSED)));
            }
        }
        if (schemes.bearer) {
            out.add(new Variant("bad bearer token", r -> draft(op, r).as("none").header("Authorization", pick(r, List.of(
                    "Bearer " + token(r, 32), "Bearer ", "Bearer", "Basic " + Base64.getEncoder().encodeToString("a:b".getBytes(StandardCharsets.UTF_8)),
                    targets.metricsToken(), "Bearer " + targets.metricsToken() + "x", "Bearer " + "t".repeat(5000),
                    "Bearer " + targets.metricsToken().substring(1), "Bearer\t" + token(r, 8))))
                    .done(c, "bad bearer token", Expect.REFUSED)));
        }
    }

    // ---- ids

    private void ids(ApiDescription.Operation op, List<Variant> out) {
        for (ApiDescription.Parameter p : op.in("path")) {
            String c = "ids";
            out.add(new Variant("malformed id", r -> draft(op, r).path(p.name(), pick(r, MALFORMED_IDS))
                    .done(c, "malformed id", Expect.REFUSED)));
            out.add(new Variant("unknown uuid", r -> draft(op, r).path(p.name(), uuid(r)).done(c, "unknown uuid", Expect.REFUSED)));
            out.add(new Variant("long id", r -> draft(op, r).path(p.name(), "i".repeat(2000 + r.nextInt(6000)))
                    .done(c, "long id", Expect.REFUSED)));
            out.add(new Variant("near id", r -> {
                String real = targets.target(op, p.name());
                String near = switch (r.nextInt(4)) {
                    case 0 -> real + "x";
                    case 1 -> real.substring(0, real.length() - 1);
                    case 2 -> flipLast(real);
                    default -> real + "%00";
                };
                return draft(op, r).path(p.name(), near).done(c, "near id", Expect.REFUSED);
            }));
            out.add(new Variant("foreign id", r -> draft(op, r).path(p.name(), pick(r, targets.foreignIds(op, p.name())))
                    .done(c, "foreign id", Expect.REFUSED)));
        }
    }

    // ---- json

    /**
     * What a body that is not a JSON object must get: refused where the description documents a 400 for the
     * operation; elsewhere (a webhook, which answers every signed delivery 200) anything but a 5xx.
     */
    private static Expect badBody(ApiDescription.Operation op) {
        return op.responses().contains("400") ? Expect.REFUSED : Expect.ANY;
    }

    private void json(ApiDescription.Operation op, List<Variant> out) {
        if (op.body() == null) {
            return;
        }
        String c = "json";
        Expect refused = badBody(op);
        out.add(new Variant("not JSON", r -> draft(op, r).rawBody(pick(r, MALFORMED_JSON)).contentType(pick(r, CONTENT_TYPES))
                .done(c, "not JSON", refused)));
        out.add(new Variant("truncated JSON", r -> {
            Draft d = draft(op, r);
            String text = d.body;
            return d.rawBody(text.substring(0, 1 + r.nextInt(text.length() - 1))).contentType(pick(r, CONTENT_TYPES))
                    .done(c, "truncated JSON", refused);
        }));
        out.add(new Variant("random bytes", r -> {
            byte[] bytes = new byte[1 + r.nextInt(300)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) r.nextInt(256);
            }
            bytes[0] = 'x';
            return draft(op, r).bytes(bytes).contentType(pick(r, CONTENT_TYPES)).done(c, "random bytes", refused);
        }));
        out.add(new Variant("invalid UTF-8", r -> {
            byte[] prefix = "{\"fuzz\": \"".getBytes(StandardCharsets.UTF_8);
            byte[] bad = pick(r, List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xC0, (byte) 0xAF}));
            byte[] suffix = "\"}".getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[prefix.length + bad.length + suffix.length];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            System.arraycopy(bad, 0, body, prefix.length, bad.length);
            System.arraycopy(suffix, 0, body, prefix.length + bad.length, suffix.length);
            return draft(op, r).bytes(body).done(c, "invalid UTF-8", refused);
        }));
        out.add(new Variant("UTF-16 body", r -> {
            Draft d = draft(op, r);
            return d.bytes(d.body.getBytes(StandardCharsets.UTF_16)).contentType("application/json; charset=utf-16")
                    .done(c, "UTF-16 body", Expect.ANY);
        }));
    }

    // ---- types

    private void types(ApiDescription.Operation op, List<Variant> out) {
        if (op.body() == null) {
            return;
        }
        String c = "types";
        out.add(new Variant("body of another JSON type", r -> draft(op, r)
                .rawBody(pick(r, List.of("[]", "[1, 2]", "\"a string\"", "42", "-1.5", "null", "true", "false", "[{}]")))
                .done(c, "body of another JSON type", badBody(op))));
        for (Location l : values.locations(op.body())) {
            Set<String> accepted = values.types(l.schema());
            if (accepted.isEmpty()) {
                continue;
            }
            List<String> wrong = SchemaValues.TYPES.stream().filter(t -> !accepted.contains(t)).toList();
            if (wrong.isEmpty()) {
                continue;
            }
            out.add(new Variant("wrong type", r -> {
                String type = pick(r, wrong);
                JsonNode value = ofType(type, r);
                return at(op, r, l.path(), value)
                        .done(c, "wrong type (" + type + ")", type.equals("null") ? Expect.ANY : Expect.INVALID);
            }));
        }
    }

    private static JsonNode ofType(String type, SplittableRandom r) {
        return switch (type) {
            case "string" -> SchemaValues.NODES.textNode(pick(r, List.of("fuzz", "1", "true", "null", "{}")));
            case "integer" -> SchemaValues.NODES.numberNode(pick(r, List.of(0, 1, -1, 4096)));
            case "number" -> SchemaValues.NODES.numberNode(pick(r, List.of(1.5, -0.5, 1e10, 3.0e-5)));
            case "boolean" -> SchemaValues.NODES.booleanNode(r.nextBoolean());
            case "array" -> pick(r, List.of(SchemaValues.NODES.arrayNode(), SchemaValues.NODES.arrayNode().add("fuzz"),
                    SchemaValues.NODES.arrayNode().add(1).add(2)));
            case "object" -> pick(r, List.of(SchemaValues.NODES.objectNode(), SchemaValues.NODES.objectNode().put("fuzz", "fuzz")));
            default -> SchemaValues.NODES.nullNode();
        };
    }

    // ---- constraints

    private void constraints(ApiDescription.Operation op, List<Variant> out) {
        if (op.body() == null) {
            return;
        }
        String c = "constraints";
        for (Location l : values.locations(op.body())) {
            JsonNode s = values.resolve(l.schema());
            List<JsonNode> bad = new ArrayList<>();
            if (s.path("enum").isArray() && !s.path("enum").isEmpty() && s.path("enum").get(0).isTextual()) {
                Set<String> allowed = new java.util.HashSet<>();
                s.path("enum").forEach(v -> allowed.add(v.asText()));
                String first = s.path("enum").get(0).asText();
                for (String v : List.of("FUZZ", first.toUpperCase(Locale.ROOT), " " + first, first + " ", first + "\u0000", "")) {
                    if (!allowed.contains(v)) {
                        bad.add(SchemaValues.NODES.textNode(v));
                    }
                }
            }
            if (s.path("pattern").isTextual()) {
                Pattern pattern = Pattern.compile(s.get("pattern").asText());
                for (String v : List.of("UPPER", "-lead", "a b", "a/b", "..", "x".repeat(300), "é", "a\nb", "$(id)", "_", "9")) {
                    if (!pattern.matcher(v).find()) {
                        bad.add(SchemaValues.NODES.textNode(v));
                    }
                }
            }
            if (s.has("maxLength") && s.get("maxLength").asInt() < 900_000) {
                bad.add(SchemaValues.NODES.textNode("x".repeat(s.get("maxLength").asInt() + 1)));
            }
            if (s.path("minLength").asInt(0) > 0) {
                bad.add(SchemaValues.NODES.textNode("x".repeat(s.get("minLength").asInt() - 1)));
            }
            if (s.has("minimum")) {
                bad.add(SchemaValues.NODES.numberNode(s.get("minimum").asLong() - 1));
            }
            if (s.has("maximum")) {
                bad.add(SchemaValues.NODES.numberNode(s.get("maximum").asLong() + 1));
            }
            if (s.has("maxItems")) {
                ArrayNode array = SchemaValues.NODES.arrayNode();
                for (int i = 0; i <= s.get("maxItems").asInt(); i++) {
                    array.add(values.valid(s.path("items")));
                }
                bad.add(array);
            }
            if (s.path("minItems").asInt(0) > 0) {
                bad.add(SchemaValues.NODES.arrayNode());
            }
            if (s.has("maxProperties")) {
                ObjectNode object = SchemaValues.NODES.objectNode();
                for (int i = 0; i <= s.get("maxProperties").asInt(); i++) {
                    object.set("V" + i, values.valid(s.path("additionalProperties")));
                }
                bad.add(object);
            }
            if (s.path("propertyNames").path("pattern").isTextual()) {
                Pattern names = Pattern.compile(s.path("propertyNames").path("pattern").asText());
                for (String name : List.of("1BAD", "a-b", "", "x".repeat(101), "é", "a b", "A=B", "A\u0000")) {
                    if (!names.matcher(name).find()) {
                        bad.add(SchemaValues.NODES.objectNode().set(name, values.valid(s.path("additionalProperties"))));
                    }
                }
            }
            if (!bad.isEmpty()) {
                out.add(new Variant("forbidden value", r -> at(op, r, l.path(), pick(r, bad))
                        .done(c, "forbidden value", Expect.INVALID)));
            }
        }
        for (Location object : values.objects(op.body())) {
            JsonNode branch = values.objectBranch(object.schema());
            if (branch.path("additionalProperties").isBoolean() && !branch.get("additionalProperties").asBoolean()) {
                out.add(new Variant("unknown property", r -> {
                    Draft d = draft(op, r);
                    ObjectNode withUnknown = (object.path().isEmpty() ? d.tree : values.valid(branch)).deepCopy();
                    withUnknown.put(pick(r, List.of("fuzzUnknown", "__proto__", "constructor", "", "PROMPT", "id")), 1);
                    return d.body(object.path().isEmpty() ? withUnknown : SchemaValues.with(d.tree, object.path(), withUnknown))
                            .done(c, "unknown property", Expect.INVALID);
                }));
            }
            List<String> required = List.copyOf(values.required(branch));
            if (!required.isEmpty()) {
                out.add(new Variant("missing required property", r -> {
                    Draft d = draft(op, r);
                    String missing = pick(r, required);
                    JsonNode body = object.path().isEmpty() ? SchemaValues.without(d.tree, List.of(missing))
                            : SchemaValues.with(d.tree, object.path(), SchemaValues.without(values.valid(branch), List.of(missing)));
                    return d.body(body).done(c, "missing required property", Expect.INVALID);
                }));
            }
        }
    }

    // ---- values

    private void values(ApiDescription.Operation op, List<Variant> out) {
        if (op.body() == null) {
            return;
        }
        String c = "values";
        for (Location l : values.locations(op.body())) {
            Set<String> types = values.types(l.schema());
            if (types.isEmpty() || types.contains("string")) {
                out.add(new Variant("odd string", r -> at(op, r, l.path(), SchemaValues.NODES.textNode(pick(r, ODD_STRINGS)))
                        .done(c, "odd string", Expect.ANY)));
                out.add(new Variant("random text", r -> at(op, r, l.path(), SchemaValues.NODES.textNode(token(r, 1 + r.nextInt(40))))
                        .done(c, "random text", Expect.ANY)));
                out.add(new Variant("lone surrogate", r -> raw(op, r, l.path(), pick(r, List.of("\"\\ud800\"", "\"x\\udc00y\"", "\"\\udbff\"")))
                        .done(c, "lone surrogate", Expect.ANY)));
            }
            if (types.isEmpty() || types.contains("integer")) {
                out.add(new Variant("large integer", r -> raw(op, r, l.path(), pick(r, List.of("2147483647", "2147483648", "-2147483649",
                        "9223372036854775807",
                                        "9223372036854775808", "-9223372036854775809", "1e400", "-0", "1.0", "1E2")))
                        .done(c, "large integer", Expect.ANY)));
            }
        }
    }

    // ---- huge

    private void huge(ApiDescription.Operation op, List<Variant> out) {
        String c = "huge";
        out.add(new Variant("20 KB header", r -> draft(op, r).header("X-Fuzz", "h".repeat(20_000)).done(c, "20 KB header", Expect.REFUSED)));
        out.add(new Variant("200 headers", r -> {
            Draft d = draft(op, r);
            for (int i = 0; i < 200; i++) {
                d.header("X-Fuzz-" + i, "v" + i);
            }
            return d.done(c, "200 headers", Expect.ANY);
        }));
        out.add(new Variant("10 KB query string", r -> draft(op, r).query("fuzz=" + "q".repeat(10_000)).done(c, "10 KB query string", Expect.ANY)));
        if (op.body() == null) {
            return;
        }
        List<Location> strings = values.locations(op.body()).stream()
                .filter(l -> values.types(l.schema()).contains("string")).toList();
        List<Location> anywhere = new ArrayList<>(values.locations(op.body()));
        anywhere.add(new Location(List.of("fuzzHuge"), SchemaValues.NODES.objectNode()));
        out.add(new Variant("1 MB string", r -> {
            Location l = strings.isEmpty() ? anywhere.get(anywhere.size() - 1) : pick(r, strings);
            return raw(op, r, l.path(), "\"" + "x".repeat(BODY_LIMIT + 50_000) + "\"").done(c, "1 MB string", Expect.REFUSED);
        }));
        out.add(new Variant("string just under the limit", r -> {
            Location l = strings.isEmpty() ? anywhere.get(anywhere.size() - 1) : pick(r, strings);
            String unit = pick(r, List.of("x", "é", "\\u0000"));
            int bytes = unit.getBytes(StandardCharsets.UTF_8).length;
            return raw(op, r, l.path(), "\"" + unit.repeat(900_000 / bytes) + "\"")
                    .done(c, "string just under the limit", Expect.ANY);
        }));
        out.add(new Variant("deep nesting", r -> {
            int depth = pick(r, List.of(200, 999, 1001, 5000, 100_000));
            boolean arrays = r.nextBoolean();
            String nested = arrays ? "[".repeat(depth) + "]".repeat(depth) : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
            if (r.nextInt(4) == 0) {
                return draft(op, r).rawBody(nested).done(c, "deep nesting (the body)", badBody(op));
            }
            Location l = pick(r, anywhere);
            return raw(op, r, l.path(), nested)
                    .done(c, "deep nesting", Expect.ANY);
        }));
        out.add(new Variant("wide array", r -> {
            Location l = pick(r, anywhere);
            return raw(op, r, l.path(), "[" + "1,".repeat(200_000) + "1]").done(c, "wide array", Expect.ANY);
        }));
        out.add(new Variant("many properties", r -> {
            StringBuilder props = new StringBuilder("{");
            for (int i = 0; i < 50_000; i++) {
                props.append(i == 0 ? "" : ",").append("\"p").append(i).append("\":1");
            }
            Location l = pick(r, anywhere);
            return raw(op, r, l.path(), props.append('}').toString()).done(c, "many properties", Expect.ANY);
        }));
        out.add(new Variant("long property name", r -> raw(op, r, List.of("fuzzLong"), "1")
                .rename("fuzzLong", "k".repeat(500_000)).done(c, "long property name", Expect.ANY)));
        out.add(new Variant("long number", r -> {
            Location l = pick(r, anywhere);
            return raw(op, r, l.path(), "1" + "0".repeat(pick(r, List.of(999, 1001, 100_000)))).done(c, "long number", Expect.ANY);
        }));
        out.add(new Variant("1 MB of whitespace", r -> {
            Draft d = draft(op, r);
            return d.rawBody(" ".repeat(BODY_LIMIT) + d.body).done(c, "1 MB of whitespace", Expect.REFUSED);
        }));
    }

    // ---- empty

    private void empty(ApiDescription.Operation op, List<Variant> out) {
        if (op.body() == null) {
            return;
        }
        String c = "empty";
        out.add(new Variant("empty body", r -> draft(op, r).rawBody("").done(c, "empty body", Expect.ANY)));
        out.add(new Variant("no body, no content type", r -> draft(op, r).noBody().done(c, "no body, no content type", Expect.ANY)));
        out.add(new Variant("blank body", r -> draft(op, r).rawBody(pick(r, List.of(" ", "\n", "\t\r\n ", "\u00a0")))
                .done(c, "blank body", Expect.ANY)));
        out.add(new Variant("empty object", r -> draft(op, r).rawBody("{}").done(c, "empty object", Expect.ANY)));
        for (Location l : values.locations(op.body())) {
            Set<String> types = values.types(l.schema());
            List<JsonNode> empties = new ArrayList<>();
            if (types.isEmpty() || types.contains("string")) {
                empties.add(SchemaValues.NODES.textNode(""));
                empties.add(SchemaValues.NODES.textNode("   "));
            }
            if (types.contains("array")) {
                empties.add(SchemaValues.NODES.arrayNode());
            }
            if (types.contains("object")) {
                empties.add(SchemaValues.NODES.objectNode());
            }
            if (types.contains("integer")) {
                empties.add(SchemaValues.NODES.numberNode(0));
            }
            if (!empties.isEmpty()) {
                out.add(new Variant("empty value", r -> at(op, r, l.path(), pick(r, empties))
                        .done(c, "empty value", Expect.ANY)));
            }
        }
    }

    // ---- params

    private void params(ApiDescription.Operation op, List<Variant> out) {
        String c = "params";
        for (ApiDescription.Parameter p : op.parameters()) {
            if (p.in().equals("path")) {
                continue;
            }
            JsonNode s = values.resolve(p.schema());
            Set<String> types = values.types(s);
            boolean header = p.in().equals("header");
            // why: where a stream resumes from (Last-Event-ID, after) gets four turns to the other parameters' one
            int turns = p.name().equals("Last-Event-ID") || p.name().equals("after") ? 4 : 1;
            Variant variant = new Variant("param " + p.name(), r -> {
                String value;
                Expect expect = Expect.ANY;
                if (types.contains("integer")) {
                    int choice = r.nextInt(3);
                    if (choice == 0) {
                        value = pick(r, header ? INVALID_INTEGERS.stream().filter(v -> !v.contains("%")).toList() : INVALID_INTEGERS);
                        expect = Expect.INVALID;
                    } else if (choice == 1 && (s.has("minimum") || s.has("maximum"))) {
                        value = s.has("maximum") && (r.nextBoolean() || !s.has("minimum"))
                                ? Long.toString(s.get("maximum").asLong() + 1) : Long.toString(s.get("minimum").asLong() - 1);
                        expect = Expect.INVALID;
                    } else {
                        value = pick(r, header ? ODD_HEADER_INTEGERS : ODD_INTEGERS);
                    }
                } else if (s.path("enum").isArray()) {
                    value = pick(r, List.of("FUZZ", s.path("enum").get(0).asText().toUpperCase(Locale.ROOT), "",
                            header ? "x".repeat(3000) : "%00"));
                    expect = value.equals("FUZZ") ? Expect.INVALID : Expect.ANY;
                } else if (types.contains("boolean")) {
                    value = pick(r, List.of("yes", "TRUE", "1", "", "on", "%00"));
                } else {
                    value = header ? pick(r, List.of("", " ", "x".repeat(3000), "text/event-stream;q=0", "*/*",
                            "text/event-stream, application/json", "ключ", "\u0000", "pull_request", "sha256=zz"))
                            : pick(r, ODD_QUERY_VALUES);
                }
                Draft d = draft(op, r);
                if (header) {
                    d.header(p.name(), value.replace("\u0000", ""));
                } else {
                    d.query(p.name() + "=" + value);
                    if (r.nextInt(5) == 0) {
                        d.query(p.name() + "=" + pick(r, INVALID_INTEGERS));
                    }
                }
                if (p.name().equals("Last-Event-ID") || p.name().equals("after")) {
                    // why: the events route reads Last-Event-ID before after; both are sent alone and together
                    if (r.nextBoolean()) {
                        d.header("Accept", "text/event-stream");
                    }
                    if (r.nextInt(4) == 0) {
                        if (header) {
                            d.query("after=" + pick(r, INVALID_INTEGERS));
                        } else {
                            // why: Last-Event-ID is read first; when after is the invalid one, so must it be
                            d.header("Last-Event-ID", expect == Expect.INVALID
                                    ? pick(r, INVALID_INTEGERS.stream().filter(v -> !v.contains("%")).toList())
                                    : pick(r, ODD_HEADER_INTEGERS));
                        }
                    }
                }
                return d.done(c, (header ? "header " : "query ") + p.name(), expect);
            });
            for (int turn = 0; turn < turns; turn++) {
                out.add(variant);
            }
        }
        List<String> queryNames = op.in("query").stream().map(ApiDescription.Parameter::name).toList();
        if (!queryNames.isEmpty()) {
            out.add(new Variant("repeated and unknown params", r -> draft(op, r).query("fuzz=1").query("fuzz=2")
                    .query(pick(r, queryNames) + "=").query(pick(r, queryNames) + "=1")
                    .done(c, "repeated and unknown params", Expect.ANY)));
        }
    }

    // ---- methods

    private void methods(ApiDescription.Operation op, List<Variant> out) {
        String c = "methods";
        Set<String> declared = api.methodsOf(op.path());
        List<String> wrong = METHODS.stream().filter(m -> !declared.contains(m))
                .filter(m -> !(m.equals("HEAD") && declared.contains("GET"))).toList();
        out.add(new Variant("undeclared method", r -> {
            String method = pick(r, wrong);
            Draft d = draft(op, r).method(method);
            if (d.body == null && Set.of("POST", "PUT", "PATCH").contains(method)) {
                d.rawBody("{}");
            }
            return d.done(c, "undeclared method", method.equals("OPTIONS") ? Expect.ANY : Expect.REFUSED);
        }));
        out.add(new Variant("odd path", r -> {
            Draft d = draft(op, r);
            String kind = pick(r, List.of("extra segment", "upper case", "double slash", "dot segment", "trailing slash",
                    "encoded slash", "path parameter", "dot-dot segment", "fragment", "absolute form", "backslash"));
            d.pathRewrite = switch (kind) {
                case "extra segment" -> p -> p + "/fuzz";
                case "upper case" -> p -> p.toUpperCase(Locale.ROOT);
                case "double slash" -> p -> "/" + p;
                case "dot segment" -> p -> p.replaceFirst("/", "/./");
                case "trailing slash" -> p -> p + "/";
                case "encoded slash" -> p -> p.replaceFirst("/([^/]*)$", "%2F$1");
                case "path parameter" -> p -> p + ";fuzz=1";
                case "dot-dot segment" -> p -> p.replaceFirst("^/([^/]+)/", "/$1/fuzz/../");
                case "fragment" -> p -> p + "#fuzz";
                case "absolute form" -> p -> "http://127.0.0.1" + p;
                default -> p -> p.replace("/", "\\");
            };
            boolean api = op.path().startsWith("/api/");
            return d.done(c, "odd path (" + kind + ")", kind.equals("extra segment") && api ? Expect.REFUSED : Expect.ANY);
        }));
    }

    // ---- building requests

    private record Schemes(String header, String cookie, boolean bearer) {
    }

    private Schemes schemes(ApiDescription.Operation op) {
        String header = null;
        String cookie = null;
        boolean bearer = false;
        for (String name : op.credentials()) {
            JsonNode scheme = api.securityScheme(name);
            String type = scheme.path("type").asText();
            if (type.equals("apiKey") && scheme.path("in").asText().equals("header")) {
                header = scheme.path("name").asText();
            } else if (type.equals("apiKey") && scheme.path("in").asText().equals("cookie")) {
                cookie = scheme.path("name").asText();
            } else if (type.equals("http") && scheme.path("scheme").asText().equalsIgnoreCase("bearer")) {
                bearer = true;
            }
        }
        return new Schemes(header, cookie, bearer);
    }

    /** The valid request with {@code value} at {@code path} in its body. */
    private Draft at(ApiDescription.Operation op, SplittableRandom r, List<Object> path, JsonNode value) {
        Draft d = draft(op, r);
        return d.body(SchemaValues.with(d.tree, path, value));
    }

    /** The valid request with the JSON text {@code raw} at {@code path} in its body. */
    private Draft raw(ApiDescription.Operation op, SplittableRandom r, List<Object> path, String raw) {
        Draft d = draft(op, r);
        return d.body(SchemaValues.with(d.tree, path, SchemaValues.NODES.textNode(RAW)), raw);
    }

    /** A valid request for the operation: real ids, the admin's credentials (key or browser), a valid body. */
    private Draft draft(ApiDescription.Operation op, SplittableRandom r) {
        return new Draft(op, r);
    }

    private final class Draft {
        final ApiDescription.Operation op;
        final Map<String, String> pathValues = new LinkedHashMap<>();
        final List<String> query = new ArrayList<>();
        final List<Map.Entry<String, String>> headers = new ArrayList<>();
        String method;
        String caller;
        JsonNode tree;
        String body;
        byte[] bytes;
        String contentType;
        String cookie;
        Function<String, String> pathRewrite = Function.identity();

        Draft(ApiDescription.Operation op, SplittableRandom r) {
            this.op = op;
            this.method = op.method();
            for (ApiDescription.Parameter p : op.in("path")) {
                pathValues.put(p.name(), targets.target(op, p.name()));
            }
            Schemes schemes = schemes(op);
            this.cookie = schemes.cookie;
            this.caller = op.isPublic() ? "none" : schemes.header != null && (schemes.cookie == null || r.nextInt(10) < 7) ? "key"
                    : schemes.cookie != null ? "browser" : schemes.bearer ? "bearer" : "none";
            if (op.body() != null) {
                body(values.valid(op.body()));
            }
        }

        Draft as(String caller) {
            this.caller = caller;
            return this;
        }

        Draft method(String method) {
            this.method = method;
            return this;
        }

        Draft path(String name, String value) {
            pathValues.put(name, value);
            return this;
        }

        Draft query(String pair) {
            query.add(pair);
            return this;
        }

        Draft header(String name, String value) {
            headers.add(Map.entry(name, value));
            return this;
        }

        Draft body(JsonNode tree) {
            return body(tree, null);
        }

        /** The body as JSON, with the text {@code raw} in place of the string {@code RAW} when given. */
        Draft body(JsonNode tree, String raw) {
            this.tree = tree;
            try {
                String text = JSON.writeValueAsString(tree);
                this.body = raw == null ? text : text.replace("\"" + RAW + "\"", raw);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            this.bytes = null;
            this.contentType = "application/json";
            return this;
        }

        Draft rename(String property, String to) {
            this.body = body.replace("\"" + property + "\"", "\"" + to + "\"");
            return this;
        }

        Draft rawBody(String text) {
            this.body = text;
            this.bytes = null;
            if (contentType == null) {
                contentType = "application/json";
            }
            return this;
        }

        Draft bytes(byte[] raw) {
            this.bytes = raw;
            if (contentType == null) {
                contentType = "application/json";
            }
            return this;
        }

        Draft noBody() {
            this.body = null;
            this.bytes = null;
            this.contentType = null;
            return this;
        }

        Draft contentType(String type) {
            this.contentType = type;
            return this;
        }

        FuzzRequest done(String category, String kind, Expect expect) {
            String path = op.path();
            for (Map.Entry<String, String> v : pathValues.entrySet()) {
                path = path.replace("{" + v.getKey() + "}", Matcher.quoteReplacement(v.getValue()));
            }
            String target = pathRewrite.apply(path) + (query.isEmpty() ? "" : "?" + String.join("&", query));
            List<Map.Entry<String, String>> all = new ArrayList<>();
            boolean unsafe = !Set.of("GET", "HEAD", "OPTIONS").contains(method.toUpperCase(Locale.ROOT));
            switch (caller) {
                case "key" -> all.add(Map.entry("x-api-key", targets.adminKey()));
                case "browser", "browser-without-csrf" -> {
                    Targets.SignIn in = targets.adminBrowser();
                    all.add(Map.entry("Cookie", cookie + "=" + in.session() + "; " + CSRF_COOKIE + "=" + in.csrf()));
                    if (unsafe && caller.equals("browser")) {
                        all.add(Map.entry(CSRF_HEADER, in.csrf()));
                    }
                }
                case "bearer" -> all.add(Map.entry("Authorization", "Bearer " + targets.metricsToken()));
                default -> {
                }
            }
            all.addAll(headers);
            byte[] payload = bytes != null ? bytes : body == null ? null : body.getBytes(StandardCharsets.UTF_8);
            for (Map.Entry<String, String> h : targets.bodyHeaders(op, payload == null ? new byte[0] : payload)) {
                if (headers.stream().noneMatch(own -> own.getKey().equalsIgnoreCase(h.getKey()))) {
                    all.add(h);
                }
            }
            if (payload != null && contentType != null && !contentType.isEmpty()) {
                all.add(Map.entry("Content-Type", contentType));
            }
            return new FuzzRequest(category, kind, op, new RawHttp.Request(method, target, all, payload), expect);
        }
    }

    private static <T> T pick(SplittableRandom r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    private static String token(SplittableRandom r, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static String uuid(SplittableRandom r) {
        String hex = new BigInteger(128, new java.util.Random(r.nextLong())).toString(16);
        hex = "0".repeat(32 - hex.length()) + hex;
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-7" + hex.substring(13, 16) + "-a" + hex.substring(17, 20)
                + "-" + hex.substring(20);
    }

    private static String flipLast(String id) {
        char last = id.charAt(id.length() - 1);
        return id.substring(0, id.length() - 1) + (last == '0' ? '1' : '0');
    }

    static String abbreviate(String s, int max) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length() && out.length() < max; i++) {
            char ch = s.charAt(i);
            out.append(ch < 0x20 || ch == 0x7f ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
        }
        return s.length() > max ? out + "…(" + s.length() + " chars)" : out.toString();
    }
}
