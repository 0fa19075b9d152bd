package dev.magnet.git;

import dev.magnet.net.AddressPolicy;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Which repositories users may name, and how host git reaches them (SECURITY.md, rule 6).
 *
 * <ul>
 *   <li>Local repositories only when the operator allows them ({@code MAGNET_ALLOW_LOCAL_REPOS}), only under the
 *       operator's roots ({@code MAGNET_LOCAL_REPO_ROOTS}), compared by real path, never inside the data dir (where
 *       workspaces, mirrors and the database live). They are read and written through {@code upload-pack} and
 *       {@code receive-pack} run with no hooks and none of the origin's risky settings, never by copying or
 *       hard-linking their files.</li>
 *   <li>URLs over https or http only (ssh would need the server account's own keys, which Magnet never uses), to
 *       public addresses only unless the operator allows others; the address checked is the one git connects to
 *       (pinned), and redirects are not followed.</li>
 * </ul>
 */
public final class OriginPolicy {
    // why: the origin's own config must not add hooks, an fsmonitor, a checkout on push (updateInstead), a command
    // for its alternates' refs or an automatic gc; -c on the command line outranks the origin's config files
    private static final String SAFE_SETTINGS = "-c core.hooksPath=/dev/null -c core.fsmonitor=false "
            + "-c core.alternateRefsCommand=true -c receive.denyCurrentBranch=refuse -c receive.autogc=false "
            + "-c gc.auto=0";

    private final boolean allowLocal;
    private final List<Path> localRoots;
    private final Path dataDir;
    private final AddressPolicy addresses;

    /**
     * @param allowLocal whether local repositories are accepted at all
     * @param localRoots the folders local repositories must lie under (resolved to real paths here)
     * @param dataDir    Magnet's data dir, which no repository may lie in
     * @param addresses  which network addresses user-given URLs may reach
     * @throws IllegalArgumentException when a root does not exist or lies inside the data dir
     */
    public OriginPolicy(boolean allowLocal, List<Path> localRoots, Path dataDir, AddressPolicy addresses) {
        this.allowLocal = allowLocal;
        this.dataDir = realPathOrSelf(Objects.requireNonNull(dataDir, "dataDir"));
        this.addresses = Objects.requireNonNull(addresses, "addresses");
        List<Path> roots = new ArrayList<>();
        for (Path root : localRoots) {
            Path real;
            try {
                real = root.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException("MAGNET_LOCAL_REPO_ROOTS: " + root + " does not exist");
            }
            if (real.startsWith(this.dataDir)) {
                throw new IllegalArgumentException("MAGNET_LOCAL_REPO_ROOTS: " + root
                        + " lies inside the data dir " + this.dataDir + ", which holds the sessions' workspaces");
            }
            roots.add(real);
        }
        this.localRoots = List.copyOf(roots);
    }

    /**
     * Parses and checks a repository a user named: a local path (given by its real path from then on) or an https or
     * http URL to an address users may reach.
     *
     * @throws InvalidGitInputException when it is not an acceptable repository, saying why
     */
    public RepoUrl parse(String input) {
        RepoUrl url = RepoUrl.parse(input, true);
        if (url.isLocal()) {
            return RepoUrl.parse(checkedLocal(url.localPath().orElseThrow()).toString(), true);
        }
        String scheme = url.scheme();
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new InvalidGitInputException("repository '" + url.display() + "' is reached over ssh, which would need "
                    + "this server's own keys; Magnet never uses them. Use an https:// URL");
        }
        try {
            addresses.check(url.host());
        } catch (dev.magnet.net.ForbiddenAddressException e) {
            if (e.forbidden()) {
                throw new InvalidGitInputException("repository '" + url.display() + "': " + e.getMessage());
            }
            // why: a name that does not resolve now may later; cloning says so then, and checks again
        }
        return url;
    }

    /**
     * How host git may reach {@code url} now: checked again at every call (a name may resolve elsewhere later, a local
     * path may have become a link into the data dir).
     *
     * @throws GitException ACCESS_DENIED when the repository may not be reached; NETWORK when its host does not resolve
     */
    public RemoteAccess access(RepoUrl url) {
        if (url.isLocal()) {
            Path path;
            if (!Files.exists(url.localPath().orElseThrow())) {
                throw new GitException(GitException.Kind.REPO_NOT_FOUND, "repository " + url.display() + " does not exist");
            }
            try {
                path = checkedLocal(url.localPath().orElseThrow());
            } catch (InvalidGitInputException e) {
                throw new GitException(GitException.Kind.ACCESS_DENIED, e.getMessage());
            }
            if (!path.toString().equals(url.value())) {
                throw new GitException(GitException.Kind.ACCESS_DENIED, "repository " + url.display()
                        + " now leads to " + path + " (a symbolic link changed); Magnet does not follow it");
            }
            return new RemoteAccess("file", Map.of(),
                    List.of("--upload-pack=git " + SAFE_SETTINGS + " upload-pack"),
                    List.of("--receive-pack=git " + SAFE_SETTINGS + " receive-pack"));
        }
        String scheme = url.scheme();
        if (!scheme.equals("https") && !scheme.equals("http")) {
            throw new GitException(GitException.Kind.ACCESS_DENIED, "repository " + url.display()
                    + " is not an https or http URL; Magnet reaches repositories over https only");
        }
        List<InetAddress> resolved;
        try {
            resolved = addresses.check(url.host());
        } catch (dev.magnet.net.ForbiddenAddressException e) {
            throw new GitException(e.forbidden() ? GitException.Kind.ACCESS_DENIED : GitException.Kind.NETWORK,
                    "repository " + url.display() + ": " + e.getMessage());
        }
        int port = url.port() != -1 ? url.port() : scheme.equals("https") ? 443 : 80;
        String pinned = url.host() + ":" + port + ":" + resolved.stream().map(OriginPolicy::literal)
                .collect(Collectors.joining(","));
        // why: git's curl connects to exactly the addresses checked (no second DNS answer), and a redirect could
        // send it anywhere
        return new RemoteAccess(scheme, Map.of("http.curloptResolve", pinned, "http.followRedirects", "false"),
                List.of(), List.of());
    }

    /** The real path of a local repository, after checking it is allowed. */
    private Path checkedLocal(Path path) {
        if (!allowLocal) {
            throw new InvalidGitInputException("repository '" + path + "' is a local path, and this server does not allow "
                    + "local repositories (the operator can set MAGNET_ALLOW_LOCAL_REPOS=true and MAGNET_LOCAL_REPO_ROOTS)");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (IOException e) {
            throw new InvalidGitInputException("repository '" + path + "' does not exist on this server");
        }
        if (real.startsWith(dataDir)) {
            throw new InvalidGitInputException("repository '" + path + "' lies inside Magnet's data dir, which holds "
                    + "workspaces and mirrors; it cannot be a session's repository");
        }
        if (localRoots.stream().noneMatch(real::startsWith)) {
            throw new InvalidGitInputException("repository '" + path + "' is not under a folder this server allows "
                    + "local repositories in (MAGNET_LOCAL_REPO_ROOTS: " + localRoots.stream().map(Path::toString)
                    .collect(Collectors.joining(":")) + ")");
        }
        if (!Files.isDirectory(real)) {
            throw new InvalidGitInputException("repository '" + path + "' is not a folder");
        }
        return real;
    }

    private static String literal(InetAddress address) {
        return address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress();
    }

    private static Path realPathOrSelf(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** For messages: the roots, as the operator will recognise them. */
    @Override
    public String toString() {
        return "OriginPolicy[local=" + (allowLocal ? localRoots : "off") + "]";
    }
}
