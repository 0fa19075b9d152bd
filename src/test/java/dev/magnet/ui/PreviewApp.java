package dev.magnet.ui;

/**
 * The small app the preview tests run: a Python web server (static files, a WebSocket echo at {@code /ws}, every
 * request's headers noted in {@code /tmp/seen.txt}) and a page whose script reports the echo, whether it could read
 * Magnet's API, and the cookies it sees.
 */
final class PreviewApp {
    private PreviewApp() {
    }

    static final String SERVER = """
            import base64, hashlib, http.server, struct, sys

            class Handler(http.server.SimpleHTTPRequestHandler):
                def do_GET(self):
                    with open('/tmp/seen.txt', 'a') as seen:
                        seen.write(self.path + '\\n' + str(self.headers) + '\\n')
                    if self.path == '/ws' and self.headers.get('Upgrade', '').lower() == 'websocket':
                        return self.echo()
                    return super().do_GET()

                def echo(self):
                    key = self.headers['Sec-WebSocket-Key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
                    self.send_response(101)
                    self.send_header('Upgrade', 'websocket')
                    self.send_header('Connection', 'Upgrade')
                    self.send_header('Sec-WebSocket-Accept', base64.b64encode(hashlib.sha1(key.encode()).digest()).decode())
                    self.end_headers()
                    self.wfile.flush()
                    while True:
                        head = self.rfile.read(2)
                        if len(head) < 2 or head[0] & 0x0f == 8:
                            return
                        n = head[1] & 0x7f
                        if n == 126:
                            n = struct.unpack('>H', self.rfile.read(2))[0]
                        mask = self.rfile.read(4)
                        data = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(n)))
                        reply = b'echo: ' + data
                        self.wfile.write(bytes([0x81, len(reply)]) + reply)
                        self.wfile.flush()

                def log_message(self, fmt, *args):
                    print('served ' + self.path, flush=True)

            print('listening on %d' % int(sys.argv[1]), flush=True)
            http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), Handler).serve_forever()
            """;

    static String page(String title) {
        return "<!doctype html><html><head><title>app</title></head><body><h1 id=\"title\">" + title + "</h1>"
                + "<p id=\"ws\"></p><p id=\"api\"></p><p id=\"cookies\"></p><script src=\"/app.js\"></script></body></html>\n";
    }

    /** The page's script; {@code magnetUrl} is Magnet's own origin, which it tries to read as the signed-in user. */
    static String script(String magnetUrl) {
        return """
                const ws = new WebSocket(`ws://${location.host}/ws`);
                ws.onopen = () => ws.send('ping');
                ws.onmessage = (m) => { document.getElementById('ws').textContent = m.data; ws.close(); };
                fetch('%s/api/sessions', { credentials: 'include' })
                  .then((r) => r.text().then((t) => { document.getElementById('api').textContent = `read ${r.status}: ${t.slice(0, 80)}`; }))
                  .catch(() => { document.getElementById('api').textContent = 'blocked'; });
                document.getElementById('cookies').textContent = document.cookie || 'none';
                """.formatted(magnetUrl);
    }
}
