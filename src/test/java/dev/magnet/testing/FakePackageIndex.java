package dev.magnet.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A Python package index (PEP 503 "simple" pages) on a loopback address, serving one pure-Python wheel built here:
 * {@code magnetdemo 1.0}, whose {@code magnetdemo.greet()} returns {@code "hello from the index"}. It listens on
 * {@code 127.0.0.2} so that a sandbox reaches it through Magnet's egress proxy (its {@code NO_PROXY} names 127.0.0.1),
 * which the operator must allow ({@code MAGNET_EGRESS_PRIVATE_ADDRESSES=127.0.0.2}).
 */
public final class FakePackageIndex implements AutoCloseable {
    public static final String HOST = "127.0.0.2";
    public static final String PACKAGE = "magnetdemo";
    public static final String GREETING = "hello from the index";
    private static final String WHEEL = PACKAGE + "-1.0-py3-none-any.whl";

    private final HttpServer server;
    private final byte[] wheel;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private FakePackageIndex(HttpServer server, byte[] wheel) {
        this.server = server;
        this.wheel = wheel;
    }

    public static FakePackageIndex start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(HOST), 0), 16);
            FakePackageIndex index = new FakePackageIndex(server, wheel());
            server.createContext("/", index::handle);
            server.start();
            return index;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The index URL to give pip ({@code --index-url}). */
    public String simpleUrl() {
        return "http://" + HOST + ":" + server.getAddress().getPort() + "/simple/";
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The paths requested so far. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            byte[] body;
            String type;
            if (path.equals("/simple/" + PACKAGE + "/") || path.equals("/simple/" + PACKAGE)) {
                body = ("<!DOCTYPE html><html><body><a href=\"/files/" + WHEEL + "#sha256=" + sha256Hex(wheel) + "\">"
                        + WHEEL + "</a></body></html>").getBytes(StandardCharsets.UTF_8);
                type = "text/html";
            } else if (path.equals("/files/" + WHEEL)) {
                body = wheel;
                type = "application/octet-stream";
            } else {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("content-type", type);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static byte[] wheel() throws IOException {
        String info = PACKAGE + "-1.0.dist-info/";
        Map<String, String> files = new LinkedHashMap<>();
        files.put(PACKAGE + "/__init__.py", "def greet():\n    return \"" + GREETING + "\"\n");
        files.put(info + "METADATA", "Metadata-Version: 2.1\nName: " + PACKAGE + "\nVersion: 1.0\n");
        files.put(info + "WHEEL", "Wheel-Version: 1.0\nGenerator: magnet-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n");
        StringBuilder record = new StringBuilder();
        for (Map.Entry<String, String> f : files.entrySet()) {
            byte[] content = f.getValue().getBytes(StandardCharsets.UTF_8);
            record.append(f.getKey()).append(",sha256=")
                    .append(Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(content)))
                    .append(',').append(content.length).append('\n');
        }
        record.append(info).append("RECORD,,\n");
        files.put(info + "RECORD", record.toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> f : files.entrySet()) {
                zip.putNextEntry(new ZipEntry(f.getKey()));
                zip.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256(data));
    }
}
