package dev.magnet.preview;

import dev.magnet.git.BranchName;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Preview origins (SPEC §5): one per session, made from the template {@code MAGNET_PREVIEW_URL} (default
 * {@code http://{id}.preview.localhost:{port}/}), where {@code {id}} is the session's short id and {@code {port}} the
 * preview proxy's port. The proxy tells sessions apart by the Host header alone.
 */
public final class PreviewUrls {
    public static final String DEFAULT_TEMPLATE = "http://{id}.preview.localhost:{port}/";
    private final String template;
    private final Pattern host;
    private final boolean https;

    /** @param template a URL whose host starts with the label {@code {id}}; {@code {port}} is replaced by {@code port} */
    public PreviewUrls(String template, int port) {
        String t = template.replace("{port}", Integer.toString(port));
        URI uri = URI.create(t.replace("{id}", "00000000"));
        if (uri.getHost() == null || !t.contains("://{id}.") || !"/".equals(uri.getPath().isEmpty() ? "/" : uri.getPath())) {
            throw new IllegalArgumentException("MAGNET_PREVIEW_URL must be an http(s) URL whose host starts with {id}. and "
                    + "whose path is /, such as " + DEFAULT_TEMPLATE + "; was " + template);
        }
        this.template = t.endsWith("/") ? t : t + "/";
        this.https = "https".equals(uri.getScheme());
        String hostPart = uri.getHost().substring("00000000".length()).toLowerCase(Locale.ROOT);
        this.host = Pattern.compile("([a-z0-9]{8})" + Pattern.quote(hostPart) + "(:\\d+)?");
    }

    /** The session's preview origin, ending with {@code /}. */
    public String of(String sessionId) {
        return template.replace("{id}", BranchName.shortId(sessionId));
    }

    /** The short id a request's Host header names, when it is a preview origin's. */
    public Optional<String> shortIdOf(String hostHeader) {
        if (hostHeader == null) {
            return Optional.empty();
        }
        Matcher m = host.matcher(hostHeader.strip().toLowerCase(Locale.ROOT));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Every preview origin as a CSP source ({@code http://*.preview.localhost:7071}), for the frame of the session page. */
    public String frameSource() {
        return template.replace("{id}", "*").replaceAll("/+$", "");
    }

    public boolean https() {
        return https;
    }
}
