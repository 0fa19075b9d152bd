package dev.magnet.git;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository a user asked for, validated and normalised: an absolute local path (a
 * {@code file://} URL becomes one), an {@code https://}, {@code http://} or {@code ssh://} URL,
 * or scp-like {@code git@host:owner/name.git}. {@link #value()} is what git is given.
 * Transport helpers ({@code ext::...}), options ({@code -...}), control characters, relative paths
 * and passwords in URLs are rejected with {@link InvalidGitInputException}.
 */
public record RepoUrl(String value) {
    private static final Set<String> SCHEMES = Set.of("https", "http", "ssh");
    private static final Pattern TRANSPORT_HELPER = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*::");
    private static final Pattern SCHEME = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*)://");
    private static final Pattern SCP_LIKE = Pattern.compile("^(?:([^@/:]+)@)?([A-Za-z0-9.-]+):(.+)$");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+]");
    private static final String ACCEPTED =
            "use an absolute path, a file:// URL, an https://, http:// or ssh:// URL, or user@host:path";

    /** Validates and normalises {@code value}; throws {@link InvalidGitInputException} when it is not acceptable. */
    public RepoUrl {
        value = normalise(value);
    }

    /**
     * Parses what a user gave as a repository.
     *
     * @param allowLocal whether this server accepts local paths and {@code file://} URLs
     * @throws InvalidGitInputException when the value is not an acceptable repository, or is local
     *                                  and local repositories are not allowed
     */
    public static RepoUrl parse(String input, boolean allowLocal) {
        RepoUrl url = new RepoUrl(input);
        if (url.isLocal() && !allowLocal) {
            throw new InvalidGitInputException("repository '" + url.display()
                    + "' is a local path, and this server does not allow local repositories; use a URL it can clone");
        }
        return url;
    }

    /** True for a repository on this machine's filesystem. */
    public boolean isLocal() {
        return value.startsWith("/");
    }

    /** The local path, for a local repository. */
    public Optional<Path> localPath() {
        return isLocal() ? Optional.of(Path.of(value)) : Optional.empty();
    }

    /** The transport: {@code file} for a local path, {@code ssh} for {@code user@host:path}, else the URL's scheme. */
    public String scheme() {
        if (isLocal()) {
            return "file";
        }
        Matcher scheme = SCHEME.matcher(value);
        return scheme.find() ? scheme.group(1) : "ssh";
    }

    /** The host name of a URL (brackets kept for an IPv6 literal); empty for a local path. */
    public String host() {
        if (isLocal()) {
            return "";
        }
        if (SCHEME.matcher(value).find()) {
            return URI.create(value).getHost();
        }
        Matcher scp = SCP_LIKE.matcher(value);
        return scp.matches() ? scp.group(2) : "";
    }

    /** The port of a URL, or -1 when it names none. */
    public int port() {
        return SCHEME.matcher(value).find() ? URI.create(value).getPort() : -1;
    }

    /** For people: the URL without any user name for http(s), otherwise {@link #value()}. */
    public String display() {
        Matcher scheme = SCHEME.matcher(value);
        if (scheme.find() && scheme.group(1).startsWith("http")) {
            return value.replaceFirst("^(https?://)[^@/]*@", "$1");
        }
        return value;
    }

    /** A stable file-name-safe key: the SHA-256 hex of the normalised value. */
    public String mirrorKey() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return display();
    }

    private static String normalise(String input) {
        if (input == null || input.isBlank()) {
            throw new InvalidGitInputException("repository is empty; " + ACCEPTED);
        }
        String text = input.strip();
        if (text.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw new InvalidGitInputException("repository must not contain control characters");
        }
        if (text.startsWith("-")) {
            throw new InvalidGitInputException("repository '" + text + "' must not start with '-'");
        }
        if (TRANSPORT_HELPER.matcher(text).find()) {
            throw new InvalidGitInputException("repository '" + text
                    + "' uses a git transport helper (such as ext::), which is not allowed; " + ACCEPTED);
        }
        if (text.startsWith("/")) {
            return localPath(text);
        }
        Matcher scheme = SCHEME.matcher(text);
        if (scheme.find()) {
            return url(text, scheme.group(1).toLowerCase(Locale.ROOT));
        }
        Matcher scp = SCP_LIKE.matcher(text);
        if (scp.matches() && !text.contains(" ")) {
            return scpLike(text, scp);
        }
        throw new InvalidGitInputException("repository '" + text + "' is not a git URL or an absolute path; " + ACCEPTED);
    }

    private static String localPath(String path) {
        String normal = Path.of(path).normalize().toString();
        return normal.length() > 1 && normal.endsWith("/") ? normal.substring(0, normal.length() - 1) : normal;
    }

    private static String url(String text, String scheme) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidGitInputException("repository '" + text + "' is not a valid URL: " + e.getReason());
        }
        if (scheme.equals("file")) {
            if (uri.getRawAuthority() != null && !uri.getRawAuthority().equals("localhost")) {
                throw new InvalidGitInputException("repository '" + text + "' is a file:// URL on another host");
            }
            if (uri.getPath() == null || !uri.getPath().startsWith("/")) {
                throw new InvalidGitInputException("repository '" + text + "' is a file:// URL without an absolute path");
            }
            return localPath(uri.getPath());
        }
        if (!SCHEMES.contains(scheme)) {
            throw new InvalidGitInputException("repository '" + text + "' uses the unsupported scheme '" + scheme + "'; " + ACCEPTED);
        }
        String host = uri.getHost();
        if (host == null || !HOST.matcher(host).matches()) {
            throw new InvalidGitInputException("repository '" + text + "' has no valid host name");
        }
        String user = uri.getRawUserInfo();
        if (user != null && (user.contains(":") || user.isEmpty() || user.startsWith("-"))) {
            throw new InvalidGitInputException("repository URL must not contain a password or token"
                    + " (credentials belong in the server's configuration, not in the URL)");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new InvalidGitInputException("repository URL '" + text + "' must not have a query or fragment");
        }
        String path = uri.getRawPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            throw new InvalidGitInputException("repository URL '" + text + "' has no repository path");
        }
        return scheme + "://" + (user == null ? "" : user + "@") + host.toLowerCase(Locale.ROOT)
                + (uri.getPort() == -1 ? "" : ":" + uri.getPort()) + stripTrailingSlash(path);
    }

    private static String scpLike(String text, Matcher scp) {
        String user = scp.group(1);
        String host = scp.group(2);
        String path = stripTrailingSlash(scp.group(3));
        if (host.startsWith("-") || (user != null && user.startsWith("-")) || path.startsWith("-") || path.isEmpty()) {
            throw new InvalidGitInputException("repository '" + text + "' is not a valid user@host:path address");
        }
        return (user == null ? "" : user + "@") + host.toLowerCase(Locale.ROOT) + ":" + path;
    }

    private static String stripTrailingSlash(String path) {
        String result = path;
        while (result.length() > 1 && result.endsWith("/")) {
            result = result.substring(0, result.length() - 1);
        }
        return result;
    }
}
