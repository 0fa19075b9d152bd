package dev.magnet.github;

import dev.magnet.events.Redactor;
import dev.magnet.git.GitAuth;
import dev.magnet.session.PullRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.kohsuke.github.GHAppInstallation;
import org.kohsuke.github.GHAppInstallationToken;
import org.kohsuke.github.GHIssueState;
import org.kohsuke.github.GHPullRequest;
import org.kohsuke.github.GHRepository;
import org.kohsuke.github.PagedIterable;

/**
 * One configured integration at work: looks repositories and branches up, opens, updates and reads pull
 * requests, and gives git the credentials for one repository (host-side only).
 */
public final class GitHubAccess {
    private final GitHubSettings settings;
    private final GitHubCalls calls;
    private final TokenSource tokens;
    /** The App's tokens, or null with a personal token. */
    private final InstallationTokens appTokens;
    private final Redactor redactor;
    private final AppJwt jwt;

    /** Who the credentials act as, and the repositories they reach (up to the number asked for). */
    public record Connection(String account, List<Repository> repositories, boolean complete) {
    }

    /** A repository the integration reaches. */
    public record Repository(String fullName, boolean isPrivate, String defaultBranch) {
    }

    GitHubAccess(GitHubSettings settings, Redactor redactor, Clock clock, java.time.Duration maxRateLimitWait) {
        this.settings = settings;
        this.redactor = redactor;
        this.calls = new GitHubCalls(settings.apiUrl(), new RateLimitBackoff(clock, maxRateLimitWait));
        if (settings.isApp()) {
            this.jwt = new AppJwt(settings.appId(), settings.privateKey(), clock);
            this.appTokens = new InstallationTokens(jwt, calls, redactor, clock);
            this.tokens = appTokens;
        } else {
            this.jwt = null;
            this.appTokens = null;
            redactor.register(settings.token());
            this.tokens = TokenSource.fixed(settings.token());
        }
    }

    /**
     * Checks the credentials against the API and lists up to {@code max} repositories they reach: a token through
     * {@code GET /user} and {@code /user/repos}; an App by listing its installations, minting a token for each and
     * reading {@code /installation/repositories} with it.
     *
     * @throws GitHubException FORBIDDEN when GitHub refuses the credentials, NOT_FOUND when an App has no installation,
     *                         UNAVAILABLE when the API cannot be reached
     */
    public Connection connect(int max) {
        if (jwt == null) {
            return calls.withToken(tokens, null, "checking the token (GET /user)", gh -> {
                String login = gh.getMyself().getLogin();
                List<Repository> repos = new ArrayList<>();
                boolean complete = take(gh.getMyself().listRepositories(Math.min(100, max)), repos, max);
                return new Connection(login, repos, complete);
            });
        }
        String app = calls.asApp(jwt, "authenticating as GitHub App " + settings.appId() + " (GET /app)", gh -> gh.getApp().getSlug());
        List<GHAppInstallation> installations = calls.asApp(jwt, "listing the installations of GitHub App " + settings.appId(),
                gh -> gh.getApp().listInstallations().toList());
        if (installations.isEmpty()) {
            throw new GitHubException(GitHubException.Kind.NOT_FOUND, 404, "GitHub App " + settings.appId()
                    + " is not installed on any account: install it on the repositories Magnet should work on");
        }
        List<Repository> repos = new ArrayList<>();
        boolean complete = true;
        for (GHAppInstallation installation : installations) {
            String doing = "minting a token for installation " + installation.getId() + " of GitHub App " + settings.appId();
            GHAppInstallationToken minted = calls.asApp(jwt, doing, gh -> installation.createToken().create());
            appTokens.remember(minted); // why: masked while it lasts, then forgotten; a listing mints one a minute
            complete &= repos.size() < max && calls.withToken(TokenSource.fixed(minted.getToken()), null,
                    "listing the repositories of installation " + installation.getId(),
                    gh -> take(gh.getInstallation().listRepositories().withPageSize(100), repos, max));
        }
        return new Connection(app, repos, complete);
    }

    /** Adds repositories to {@code into} until it holds {@code max}; true when the list ran out first. */
    private static boolean take(PagedIterable<GHRepository> list, List<Repository> into, int max) {
        for (GHRepository r : list) {
            if (into.size() >= max) {
                return false;
            }
            into.add(new Repository(r.getFullName(), r.isPrivate(), r.getDefaultBranch()));
        }
        return true;
    }

    public GitHubSettings settings() {
        return settings;
    }

    /**
     * The repository as the integration sees it.
     *
     * @throws GitHubException NOT_FOUND when it does not exist or is hidden from the integration; FORBIDDEN
     *                         when GitHub refuses access
     */
    public RepoInfo repository(GitHubRepo repo) {
        GHRepository r = calls.withToken(tokens, repo, "looking up " + repo + " on GitHub", gh -> gh.getRepository(repo.fullName()));
        String defaultBranch = r.getDefaultBranch();
        return new RepoInfo(new GitHubRepo(r.getOwnerName(), r.getName()), defaultBranch, r.getHttpTransportUrl(),
                r.getHtmlUrl() == null ? null : r.getHtmlUrl().toString());
    }

    /**
     * The repository as a picker lists it, looked up by name: for a repository past the first ones {@link #connect}
     * lists.
     *
     * @throws GitHubException NOT_FOUND when it does not exist or is hidden from the integration; FORBIDDEN when GitHub
     *                         refuses access
     */
    public Repository lookUp(GitHubRepo repo) {
        GHRepository r = calls.withToken(tokens, repo, "looking up " + repo + " on GitHub", gh -> gh.getRepository(repo.fullName()));
        return new Repository(r.getFullName(), r.isPrivate(), r.getDefaultBranch());
    }

    /**
     * Checks that {@code branch} exists in {@code repo}.
     *
     * @throws GitHubException NOT_FOUND naming the branch when it does not
     */
    public void requireBranch(GitHubRepo repo, String branch) {
        try {
            calls.withToken(tokens, repo, "looking up branch " + branch + " of " + repo,
                    gh -> gh.getRepository(repo.fullName()).getBranch(branch));
        } catch (GitHubException e) {
            if (e.kind() == GitHubException.Kind.NOT_FOUND) {
                throw new GitHubException(e.kind(), e.status(), "base branch '" + branch + "' does not exist in "
                        + repo + ". " + e.getMessage());
            }
            throw e;
        }
    }

    /** Opens a pull request from {@code head} into {@code base}. */
    public PullRequest openPullRequest(GitHubRepo repo, String title, String head, String base, String body, boolean draft) {
        return calls.withToken(tokens, repo, "opening a pull request on " + repo, gh -> toPullRequest(
                gh.getRepository(repo.fullName()).createPullRequest(title, head, base, body, true, draft)));
    }

    /** Replaces the body of pull request {@code number}; returns it as it is now. */
    public PullRequest updatePullRequestBody(GitHubRepo repo, int number, String body) {
        return calls.withToken(tokens, repo, "updating pull request #" + number + " of " + repo, gh -> {
            GHPullRequest pr = gh.getRepository(repo.fullName()).getPullRequest(number);
            pr.setBody(body);
            return toPullRequest(gh.getRepository(repo.fullName()).getPullRequest(number));
        });
    }

    /** The open pull request whose head is {@code branch} of {@code repo} itself, if there is one. */
    public java.util.Optional<PullRequest> openPullRequestFrom(GitHubRepo repo, String branch) {
        return calls.withToken(tokens, repo, "looking for the pull request of " + branch + " on " + repo, gh -> {
            for (GHPullRequest pr : gh.getRepository(repo.fullName()).queryPullRequests()
                    .head(repo.owner() + ":" + branch).state(GHIssueState.OPEN).list().toList()) {
                return java.util.Optional.of(toPullRequest(pr));
            }
            return java.util.Optional.<PullRequest>empty();
        });
    }

    /**
     * Ends every comment Magnet posts (invisible once GitHub renders the Markdown): a delivery of a comment that holds it
     * is Magnet's own, and never starts or steers a session, whatever text of the agent's it quotes.
     */
    public static final String POSTED_BY_MAGNET = "<!-- posted by Magnet -->";

    /** Comments on issue (or pull request) {@code number}; returns the comment's URL. */
    public String comment(GitHubRepo repo, int number, String body) {
        return post(repo, "/repos/" + repo.fullName() + "/issues/" + number + "/comments", body,
                "commenting on #" + number + " of " + repo);
    }

    /** Replies in the thread of review comment {@code commentId} on pull request {@code number}; returns the reply's URL. */
    public String replyToReviewComment(GitHubRepo repo, int number, long commentId, String body) {
        return post(repo, "/repos/" + repo.fullName() + "/pulls/" + number + "/comments/" + commentId + "/replies", body,
                "replying to review comment " + commentId + " on #" + number + " of " + repo);
    }

    private String post(GitHubRepo repo, String path, String body, String doing) {
        java.net.http.HttpResponse<String> response = calls.send(tokens, repo, path, doing, request -> request
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(dev.magnet.json.Json.write(java.util.Map.of("body",
                        body + "\n\n" + POSTED_BY_MAGNET)))));
        if (response.statusCode() / 100 != 2) {
            throw new GitHubException(response.statusCode() == 404 ? GitHubException.Kind.NOT_FOUND
                    : GitHubException.Kind.FORBIDDEN, response.statusCode(), doing + ": GitHub answered "
                    + response.statusCode() + " " + response.body());
        }
        return dev.magnet.json.Json.readMap(response.body()).getOrDefault("html_url", "").toString();
    }

    /**
     * GETs a repository's API path (e.g. {@code /issues/comments?since=…}) as JSON, conditionally on {@code etag}.
     *
     * @throws GitHubException with GitHub's message when it fails
     */
    GitHubCalls.Answer read(GitHubRepo repo, String pathAndQuery, String etag) {
        return calls.get(tokens, repo, "/repos/" + repo.fullName() + pathAndQuery, etag, "reading " + pathAndQuery.replaceAll("\\?.*", "")
                + " of " + repo);
    }

    private volatile Long accountId;

    /**
     * The GitHub user id a personal token acts as (so its own comments are known by id, not by a login anyone could
     * imitate); empty for a GitHub App, whose comments come from its bot (type {@code Bot}).
     */
    java.util.Optional<Long> tokenAccountId() {
        if (jwt != null) {
            return java.util.Optional.empty();
        }
        Long known = accountId;
        if (known == null) {
            known = calls.withToken(tokens, null, "reading the token's account (GET /user)", gh -> gh.getMyself().getId());
            accountId = known;
        }
        return java.util.Optional.of(known);
    }

    /** Pull request {@code number} as it is now. */
    public PullRequest pullRequest(GitHubRepo repo, int number) {
        return calls.withToken(tokens, repo, "reading pull request #" + number + " of " + repo,
                gh -> toPullRequest(gh.getRepository(repo.fullName()).getPullRequest(number)));
    }

    /**
     * Credentials for git to fetch from and push to {@code cloneUrl} of {@code repo}: an
     * {@code http.<url>.extraHeader} with the token, given to git through its environment only.
     */
    public GitAuth gitAuth(GitHubRepo repo, String cloneUrl) {
        String token = tokens.token(repo);
        String basic = Base64.getEncoder().encodeToString(("x-access-token:" + token).getBytes(StandardCharsets.UTF_8));
        redactor.register(basic);
        return GitAuth.ofConfig("http." + cloneUrl + ".extraHeader", "Authorization: Basic " + basic);
    }

    /** git refused the credentials of {@link #gitAuth}: the next call mints a fresh token (App) if it can. */
    public void gitCredentialsRefused(GitHubRepo repo, GitAuth auth) {
        String header = auth.config().values().stream().findFirst().orElse("");
        String basic = header.substring(header.lastIndexOf(' ') + 1);
        String decoded = new String(Base64.getDecoder().decode(basic), StandardCharsets.UTF_8);
        tokens.rejected(repo, decoded.substring(decoded.indexOf(':') + 1));
    }

    static PullRequest toPullRequest(GHPullRequest pr) throws IOException {
        PullRequest.State state = pr.isMerged() ? PullRequest.State.MERGED
                : pr.getState() == GHIssueState.OPEN ? PullRequest.State.OPEN : PullRequest.State.CLOSED;
        return new PullRequest(pr.getNumber(), pr.getHtmlUrl().toString(), state);
    }
}
