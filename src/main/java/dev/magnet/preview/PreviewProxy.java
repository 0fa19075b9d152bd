package dev.magnet.preview;

import dev.magnet.auth.Actor;
import dev.magnet.auth.Authenticator;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The preview proxy (SPEC §5): its own port, one origin per session told apart by the Host header
 * ({@link PreviewUrls}), each request forwarded into the session's sandbox through the unix socket of its preview port
 * ({@code Sandbox.servicePort}), never over the network. Request and response bodies stream through; a WebSocket
 * upgrade the app accepts becomes a byte pipe both ways.
 *
 * <p>Each connection carries one request (the answer says {@code Connection: close}), so every request is checked:
 * the caller must be a member of the session's workspace, by the cookie a one-time link set ({@link PreviewAccess}) or
 * an {@code x-api-key} header; else 401, or for a browser's page a redirect to Magnet's sign-in. What the app receives
 * carries none of Magnet's cookies, no API key and no {@code Authorization}; a {@code Domain} in the cookies it sets
 * is removed, so they stay on its own origin.
 */
public final class PreviewProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PreviewProxy.class);
    /** The preview cookie, set on the preview origin only. */
    static final String COOKIE = "magnet_preview";
    /** Where a one-time link enters: {@code /.magnet/enter?t=<token>}. */
    static final String ENTER = "/.magnet/enter";
    private static final int HEAD_TIMEOUT_MS = 30_000;
    private static final int BUFFER = 64 * 1024;
    private static final Set<String> DROPPED = Set.of("connection", "keep-alive", "proxy-connection", "te", "upgrade", "expect",
            "authorization", "proxy-authorization", "x-api-key", "x-csrf-token", "content-length", "transfer-encoding");
    private static final Pattern DOMAIN = Pattern.compile(";\\s*domain=[^;]*", Pattern.CASE_INSENSITIVE);

    private final PreviewUrls urls;
    private final PreviewTargets targets;
    private final PreviewAccess access;
    private final String signInUrl;
    private final ServerSocket server;
    private final Thread acceptor;

    /**
     * @param signInUrl where a browser without access is sent (Magnet's sign-in page)
     * @param bind      the address to listen on ({@code MAGNET_PREVIEW_BIND})
     * @param port      the port ({@code MAGNET_PREVIEW_PORT}; 0 picks a free one)
     */
    public PreviewProxy(String urlTemplate, PreviewTargets targets, PreviewAccess access, String signInUrl, String bind, int port) {
        this.targets = targets;
        this.access = access;
        this.signInUrl = signInUrl;
        try {
            this.server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(bind), port), 256);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for previews on " + bind + ":" + port + " (MAGNET_PREVIEW_PORT): "
                    + e.getMessage(), e);
        }
        this.urls = new PreviewUrls(urlTemplate, server.getLocalPort());
        this.acceptor = Thread.ofVirtual().name("preview-accept").start(this::acceptLoop);
    }

    /** The preview origins this proxy serves. */
    public PreviewUrls urls() {
        return urls;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().name("preview-conn").start(() -> serve(client));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    log.warn("the preview proxy stopped accepting: {}", e.getMessage());
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(HEAD_TIMEOUT_MS);
            client.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(client.getInputStream(), BUFFER);
            OutputStream out = client.getOutputStream();
            Optional<HttpHead> read;
            try {
                read = HttpHead.read(in);
            } catch (HttpHead.Malformed e) {
                answer(out, 400, "Bad Request", e.getMessage(), List.of());
                return;
            }
            if (read.isPresent()) {
                route(read.get(), in, out, client);
            }
        } catch (IOException | RuntimeException e) {
            log.debug("a preview connection ended: {}", e.getMessage());
        }
    }

    private void route(HttpHead req, InputStream in, OutputStream out, Socket client) throws IOException {
        Optional<String> shortId = urls.shortIdOf(req.value("Host").orElse(null));
        if (shortId.isEmpty() || !req.target().startsWith("/")) {
            answer(out, 404, "Not Found", "This is Magnet's preview proxy; no preview has this address.", List.of());
            return;
        }
        Optional<PreviewTargets.Target> target = targets.find(shortId.get());
        String path = req.target().split("\\?", 2)[0];
        if (path.equals(ENTER)) {
            enter(req, target, out);
            return;
        }
        Optional<String> refusal = refusal(req, target);
        if (refusal.isPresent()) {
            if (req.method().equals("GET") && req.value("Accept").orElse("").contains("text/html")) {
                answer(out, 302, "Found", "Sign in to Magnet, then open the preview from the session page.",
                        List.of(new HttpHead.Field("Location", signInUrl)));
            } else {
                answer(out, 401, "Unauthorized", refusal.get(), List.of());
            }
            return;
        }
        if (target.isEmpty()) {
            answer(out, 404, "Not Found", "No preview runs for this session on this server: start it from the session page.",
                    List.of());
            return;
        }
        forward(req, target.get(), in, out, client);
    }

    /** Why the request may not see the preview, or empty when its caller is a member of the session's workspace. */
    private Optional<String> refusal(HttpHead req, Optional<PreviewTargets.Target> target) {
        Optional<String> key = req.value("x-api-key");
        Optional<String> cookie = cookies(req).stream().filter(c -> c.startsWith(COOKIE + "=")).findFirst()
                .map(c -> c.substring(COOKIE.length() + 1));
        if (key.isEmpty() && cookie.isEmpty()) {
            return Optional.of("sign in through the session page's preview link, or send an API key in the x-api-key header");
        }
        if (target.isEmpty()) {
            return key.isPresent() && access.byApiKey(key.get()) instanceof Authenticator.Authenticated ? Optional.empty()
                    : Optional.of("this preview is not running, or these credentials are not valid");
        }
        Optional<Actor> actor = Optional.empty();
        if (key.isPresent()) {
            Authenticator.Outcome outcome = access.byApiKey(key.get());
            if (outcome instanceof Authenticator.Authenticated a) {
                actor = Optional.of(a.actor());
            }
        } else {
            actor = access.byCookie(cookie.get(), target.get().sessionId());
        }
        if (actor.isEmpty() || !actor.get().workspaceId().equals(target.get().workspaceId())) {
            return Optional.of("these credentials do not give access to this session's preview");
        }
        return Optional.empty();
    }

    /** Trades a one-time link for the preview cookie, then sends the browser to the app's first page. */
    private void enter(HttpHead req, Optional<PreviewTargets.Target> target, OutputStream out) throws IOException {
        String query = req.target().contains("?") ? req.target().substring(req.target().indexOf('?') + 1) : "";
        String token = null;
        for (String pair : query.split("&")) {
            if (pair.startsWith("t=")) {
                token = pair.substring(2);
            }
        }
        Optional<String> cookie = target.isEmpty() ? Optional.empty() : access.enter(token, target.get().sessionId());
        if (cookie.isEmpty()) {
            answer(out, 403, "Forbidden", "This preview link was used already or has expired, or the preview is not running; "
                    + "open the preview again from the session page.", List.of());
            return;
        }
        boolean secure = urls.https() || req.value("Host").orElse("").toLowerCase(java.util.Locale.ROOT).contains(".localhost");
        // why: the session page shows the preview in a frame of another site, where only SameSite=None cookies are sent
        String attributes = secure ? "; SameSite=None; Secure; Partitioned" : "; SameSite=Lax";
        answer(out, 303, "See Other", "Opening the preview.", List.of(new HttpHead.Field("Location", "/"),
                new HttpHead.Field("Cache-Control", "no-store"),
                new HttpHead.Field("Set-Cookie", COOKIE + "=" + cookie.get() + "; Path=/; HttpOnly" + attributes)));
    }

    private void forward(HttpHead req, PreviewTargets.Target target, InputStream in, OutputStream out, Socket client)
            throws IOException {
        HttpHead.Body body;
        try {
            body = req.requestBody();
        } catch (HttpHead.Malformed e) {
            answer(out, 400, "Bad Request", e.getMessage(), List.of());
            return;
        }
        boolean websocket = req.lists("Connection", "upgrade") && req.value("Upgrade").map(u -> u.equalsIgnoreCase("websocket"))
                .orElse(false);
        SocketChannel upstream = connect(target);
        if (upstream == null) {
            answer(out, 502, "Bad Gateway", "The run script does not listen on the preview port (yet); see its output on the "
                    + "session page.", List.of());
            return;
        }
        try (upstream) {
            InputStream upIn = new BufferedInputStream(Channels.newInputStream(upstream), BUFFER);
            OutputStream upOut = new BufferedOutputStream(Channels.newOutputStream(upstream), BUFFER);
            upstreamHead(req, body, websocket).write(upOut);
            client.setSoTimeout(0);
            copyBody(body, in, upOut);
            upOut.flush();
            Optional<HttpHead> answerHead = HttpHead.read(upIn);
            while (answerHead.isPresent() && answerHead.get().status() >= 100 && answerHead.get().status() < 200
                    && answerHead.get().status() != 101) {
                answerHead = HttpHead.read(upIn); // why: interim answers (100 Continue) are not passed on; the body went already
            }
            if (answerHead.isEmpty()) {
                answer(out, 502, "Bad Gateway", "The app closed the connection without answering.", List.of());
                return;
            }
            HttpHead resp = answerHead.get();
            if (websocket && resp.status() == 101) {
                resp.write(out);
                out.flush();
                Thread back = Thread.ofVirtual().start(() -> pump(upIn, out, client::shutdownOutput));
                pump(in, upOut, upstream::shutdownOutput);
                try {
                    back.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            responseHead(resp).write(out);
            upIn.transferTo(out);
            out.flush();
        }
    }

    private SocketChannel connect(PreviewTargets.Target target) {
        for (boolean refresh : new boolean[] {false, true}) {
            Optional<Path> socket = target.socket().apply(refresh);
            if (socket.isEmpty()) {
                return null;
            }
            try {
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    ch.connect(UnixDomainSocketAddress.of(socket.get()));
                    return ch;
                } catch (IOException e) {
                    ch.close();
                }
            } catch (IOException e) {
                log.debug("preview of {}: {}", target.sessionId(), e.getMessage());
            }
        }
        return null;
    }

    /** The request as the app gets it: without hop-by-hop fields, Magnet's credentials and cookies, one request per connection. */
    private static HttpHead upstreamHead(HttpHead req, HttpHead.Body body, boolean websocket) {
        List<HttpHead.Field> fields = new ArrayList<>();
        for (HttpHead.Field f : req.fields()) {
            String name = HttpHead.lower(f.name());
            if (DROPPED.contains(name) || name.startsWith("x-magnet") || name.startsWith("proxy-")) {
                continue;
            }
            if (name.equals("cookie")) {
                String kept = String.join("; ", cookies(f.value()).stream().filter(c -> !c.startsWith("magnet_")).toList());
                if (!kept.isEmpty()) {
                    fields.add(new HttpHead.Field("Cookie", kept));
                }
                continue;
            }
            fields.add(f);
        }
        switch (body) {
            case HttpHead.Body.Length l -> fields.add(new HttpHead.Field("Content-Length", Long.toString(l.bytes())));
            case HttpHead.Body.Chunked c -> fields.add(new HttpHead.Field("Transfer-Encoding", "chunked"));
            case HttpHead.Body.None n -> {
            }
        }
        if (websocket) {
            fields.add(new HttpHead.Field("Connection", "Upgrade"));
            fields.add(new HttpHead.Field("Upgrade", "websocket"));
        } else {
            fields.add(new HttpHead.Field("Connection", "close"));
        }
        return new HttpHead(req.startLine(), fields);
    }

    /** The app's answer as the browser gets it: closing the connection after it, its cookies kept to its own origin. */
    private static HttpHead responseHead(HttpHead resp) {
        List<HttpHead.Field> fields = new ArrayList<>();
        for (HttpHead.Field f : resp.fields()) {
            String name = HttpHead.lower(f.name());
            if (Set.of("connection", "keep-alive", "proxy-connection").contains(name)) {
                continue;
            }
            if (name.equals("set-cookie")) {
                Matcher m = DOMAIN.matcher(f.value());
                fields.add(new HttpHead.Field(f.name(), m.replaceAll("")));
                continue;
            }
            fields.add(f);
        }
        fields.add(new HttpHead.Field("Connection", "close"));
        return new HttpHead(resp.startLine(), fields);
    }

    /** Copies exactly the request's body, so nothing the client sends after it reaches the app unchecked. */
    private static void copyBody(HttpHead.Body body, InputStream in, OutputStream out) throws IOException {
        switch (body) {
            case HttpHead.Body.None n -> {
            }
            case HttpHead.Body.Length l -> copy(in, out, l.bytes());
            case HttpHead.Body.Chunked c -> {
                int[] budget = {HttpHead.MAX_BYTES};
                while (true) {
                    String size = HttpHead.line(in, budget);
                    if (size == null) {
                        throw new HttpHead.Malformed("the chunked body ended early");
                    }
                    String hex = size.split(";", 2)[0].strip();
                    if (!hex.matches("[0-9a-fA-F]{1,15}")) {
                        throw new HttpHead.Malformed("a chunk size that is not a number");
                    }
                    long n = Long.parseLong(hex, 16);
                    out.write((size + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    if (n == 0) {
                        String trailer;
                        while ((trailer = HttpHead.line(in, budget)) != null && !trailer.isEmpty()) {
                            out.write((trailer + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        }
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        return;
                    }
                    copy(in, out, n);
                    String end = HttpHead.line(in, budget);
                    if (end == null || !end.isEmpty()) {
                        throw new HttpHead.Malformed("a chunk longer than its size");
                    }
                    out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                }
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, long bytes) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long left = bytes;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new HttpHead.Malformed("the body ended early");
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    /** Copies until the input ends, flushing each read; then ends the other side's output. */
    private interface End {
        void run() throws IOException;
    }

    private static void pump(InputStream in, OutputStream out, End end) {
        byte[] buffer = new byte[BUFFER];
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // why: either side went away; the other direction ends with it
        } finally {
            try {
                end.run();
            } catch (IOException | RuntimeException e) {
                // why: already closed
            }
        }
    }

    private static List<String> cookies(HttpHead req) {
        return req.values("Cookie").stream().flatMap(v -> cookies(v).stream()).toList();
    }

    private static List<String> cookies(String header) {
        List<String> out = new ArrayList<>();
        for (String c : header.split(";")) {
            if (!c.isBlank()) {
                out.add(c.strip());
            }
        }
        return out;
    }

    private static void answer(OutputStream out, int status, String reason, String text, List<HttpHead.Field> extra)
            throws IOException {
        byte[] body = ("{\"status\":" + status + ",\"detail\":\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}\n")
                .getBytes(StandardCharsets.UTF_8);
        List<HttpHead.Field> fields = new ArrayList<>(extra);
        fields.add(new HttpHead.Field("Content-Type", "application/problem+json"));
        fields.add(new HttpHead.Field("Content-Length", Integer.toString(body.length)));
        fields.add(new HttpHead.Field("Connection", "close"));
        new HttpHead("HTTP/1.1 " + status + " " + reason, fields).write(out);
        out.write(body);
        out.flush();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            log.debug("closing the preview proxy: {}", e.getMessage());
        }
        acceptor.interrupt();
    }
}
