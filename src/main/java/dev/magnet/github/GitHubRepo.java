package dev.magnet.github;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A repository on the connected GitHub, named {@code owner/name}. Users may write it that way or as
 * {@code https://github.com/owner/name(.git)} (or the same on the GitHub Enterprise host);
 * {@link #fullName()} is the canonical form Magnet stores.
 */
public record GitHubRepo(String owner, String name) {
    private static final Pattern OWNER = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    /** The host of {@code scheme://[user@]host[:port]/...} or {@code [user@]host:path}. */
    private static final Pattern ADDRESS_HOST = Pattern.compile("^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?([a-z0-9.-]+(?::\\d+)?)[:/]");
    private static final Pattern SHORT = Pattern.compile("^(" + OWNER + ")/(" + NAME + ")$");

    public GitHubRepo {
        if (owner == null || !OWNER.matcher(owner).matches()) {
            throw new IllegalArgumentException("'" + owner + "' is not a GitHub owner name");
        }
        if (name == null || !NAME.matcher(name).matches() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("'" + name + "' is not a GitHub repository name");
        }
    }

    /**
     * The GitHub repository {@code input} names, if it has a GitHub form: {@code owner/name}, or an
     * {@code https://} (or {@code http://}) URL on one of {@code webHosts} ({@code host} or {@code host:port}).
     * Anything else (another host, a local path) is empty.
     */
    public static Optional<GitHubRepo> parse(String input, Set<String> webHosts) {
        if (input == null) {
            return Optional.empty();
        }
        String text = input.strip();
        Matcher shortForm = SHORT.matcher(stripGit(text));
        if (shortForm.matches()) {
            return Optional.of(new GitHubRepo(shortForm.group(1), shortForm.group(2)));
        }
        if (!text.startsWith("https://") && !text.startsWith("http://")) {
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawQuery() != null) {
            return Optional.empty();
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT) + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        if (!webHosts.contains(host)) {
            return Optional.empty();
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Matcher m = SHORT.matcher(stripGit(path.startsWith("/") ? path.substring(1) : path));
        return m.matches() ? Optional.of(new GitHubRepo(m.group(1), m.group(2))) : Optional.empty();
    }

    /**
     * True when {@code input} is a URL or {@code user@host:path} address on one of {@code webHosts}, or on any
     * {@code github.com} host, whatever its form.
     */
    public static boolean onHost(String input, Set<String> webHosts) {
        if (input == null) {
            return false;
        }
        String text = input.strip().toLowerCase(Locale.ROOT);
        Matcher address = ADDRESS_HOST.matcher(text);
        if (!address.find()) {
            return false;
        }
        String host = address.group(1);
        String bare = host.contains(":") ? host.substring(0, host.indexOf(':')) : host;
        return webHosts.contains(host) || webHosts.contains(bare) || bare.equals("github.com") || bare.endsWith(".github.com");
    }

    /** True for the canonical {@code owner/name} form (how Magnet stores a GitHub repository on a session). */
    public static boolean isFullName(String value) {
        return value != null && SHORT.matcher(value).matches();
    }

    /** The repository of a canonical {@code owner/name}; throws IllegalArgumentException for anything else. */
    public static GitHubRepo ofFullName(String fullName) {
        if (!isFullName(fullName)) {
            throw new IllegalArgumentException("'" + fullName + "' is not an owner/name GitHub repository");
        }
        String[] parts = fullName.split("/", 2);
        return new GitHubRepo(parts[0], parts[1]);
    }

    /** {@code owner/name}. */
    public String fullName() {
        return owner + "/" + name;
    }

    @Override
    public String toString() {
        return fullName();
    }

    private static String stripGit(String s) {
        return s.endsWith(".git") ? s.substring(0, s.length() - 4) : s;
    }
}
