package dev.magnet.auth;

import dev.magnet.config.WorkspaceCreators;
import dev.magnet.crypto.Tokens;
import dev.magnet.store.Ids;
import dev.magnet.web.ConflictException;
import dev.magnet.web.ForbiddenException;
import dev.magnet.web.InvalidRequestException;
import dev.magnet.web.NotFoundException;
import dev.magnet.web.TooManyRequestsException;
import dev.magnet.web.UnauthorizedException;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * What people do with their accounts: sign in with a password, see who they are, switch workspaces, change their
 * password, create workspaces; and what admins do: manage members and invites. Every call that names a
 * workspace's thing is scoped to the actor's workspace.
 */
public final class AccountService {
    public static final int MAX_NAME_CHARS = 200;
    // why: verifying against a real hash when the account does not exist keeps the answer time the same
    private static final String DUMMY_HASH = Passwords.hash(Tokens.random(16));

    private final Jdbi jdbi;
    private final Accounts accounts;
    private final BrowserSessions browsers;
    private final Invites invites;
    private final ApiKeys keys;
    private final LoginThrottle throttle;
    private final PasswordHashing hashing;
    private final WorkspaceCreators creators;
    private final AuditLog audit;

    /**
     * @param hashing  computes every password hash of accounts, within its bound on concurrent hashes
     * @param creators who may create workspaces ({@code MAGNET_WORKSPACE_CREATORS})
     */
    public AccountService(Jdbi jdbi, Accounts accounts, BrowserSessions browsers, Invites invites, ApiKeys keys,
                          LoginThrottle throttle, PasswordHashing hashing, WorkspaceCreators creators, AuditLog audit) {
        this.jdbi = jdbi;
        this.accounts = accounts;
        this.browsers = browsers;
        this.invites = invites;
        this.keys = keys;
        this.throttle = throttle;
        this.hashing = hashing;
        this.creators = creators;
        this.audit = audit;
    }

    /**
     * Checks a password sign-in and, when it is right, signs the browser in to the user's first workspace. The
     * attempt is counted before the password is hashed; a wrong email costs the same as a wrong password.
     *
     * @throws TooManyRequestsException when this account failed too often from this address lately, this address
     *                                  failed too often, or every password hashing slot is busy
     * @throws UnauthorizedException    when the email or password is wrong
     */
    public BrowserSessions.NewSignIn signIn(String email, String password, String address) {
        String account = Accounts.normalizeEmail(email);
        LoginThrottle.Attempt attempt = throttle.begin(account, address);
        Optional<Accounts.StoredPassword> stored = jdbi.withHandle(h -> accounts.passwordOf(h, account));
        boolean ok;
        try {
            ok = hashing.verify(password, stored.map(Accounts.StoredPassword::hash).orElse(DUMMY_HASH)) && stored.isPresent();
        } catch (TooManyRequestsException busy) {
            attempt.withdraw();
            throw busy;
        }
        if (!ok) {
            throw new UnauthorizedException("the email or password is wrong");
        }
        attempt.succeeded();
        String userId = stored.get().userId();
        return jdbi.inTransaction(h -> {
            List<Membership> mine = accounts.memberships(h, userId);
            if (mine.isEmpty()) {
                throw new ForbiddenException("this account is not a member of any workspace; ask an admin for an invite");
            }
            return browsers.create(h, userId, mine.get(0).workspaceId());
        });
    }

    /** Signs a user in who proved their identity elsewhere (single sign-on), to the given workspace or their first. */
    public BrowserSessions.NewSignIn signInVerified(String userId, String workspaceId) {
        return jdbi.inTransaction(h -> {
            List<Membership> mine = accounts.memberships(h, userId);
            if (mine.isEmpty()) {
                throw new ForbiddenException("this account is not a member of any workspace; ask an admin for an invite");
            }
            String ws = mine.stream().anyMatch(m -> m.workspaceId().equals(workspaceId)) ? workspaceId : mine.get(0).workspaceId();
            return browsers.create(h, userId, ws);
        });
    }

    /**
     * Signs in a user the identity provider vouched for: known by subject, or by an email that both the provider
     * and this server verified (then linked), or new when the sign-in carries an invite. With an invite, the user
     * joins its workspace and starts there.
     *
     * @throws ForbiddenException      when the person has no account here and no invite, or the account with the
     *                                 provider's email never had its email verified here
     * @throws InvalidRequestException when the invite is for another email address
     */
    public BrowserSessions.NewSignIn signInWithProvider(OidcClient.Identity identity, String inviteToken) {
        return jdbi.inTransaction(h -> {
            Invite invite = inviteToken == null ? null : invites.byToken(h, inviteToken).filter(Invite::isPending)
                    .orElseThrow(() -> new NotFoundException("this invite link is unknown, used or expired"));
            String email = identity.emailVerified() && identity.email() != null ? Accounts.normalizeEmail(identity.email()) : null;
            Optional<User> user = accounts.userBySubject(h, identity.issuer(), identity.subject());
            if (user.isEmpty() && email != null) {
                user = accounts.userByEmail(h, email);
                if (user.isPresent() && !accounts.emailVerified(h, user.get().id())) {
                    // why: whoever made that account chose its email freely (an invite without an email); linking
                    // would hand the provider's user an account, and its password, that someone else controls
                    throw new ForbiddenException("an account with this email exists here, but its email address was "
                            + "never verified, so single sign-on cannot sign in to it; sign in with its password, or ask "
                            + "an admin");
                }
                user.ifPresent(u -> accounts.linkSubject(h, u.id(), identity.issuer(), identity.subject()));
            }
            if (user.isEmpty()) {
                if (invite == null) {
                    throw new ForbiddenException("there is no account for this sign-in; ask an admin for an invite");
                }
                String name = identity.name() != null && !identity.name().isBlank() ? identity.name().strip()
                        : email != null ? email : "user";
                User created = accounts.createUser(h, name.length() > MAX_NAME_CHARS ? name.substring(0, MAX_NAME_CHARS) : name,
                        email, null, email != null);
                accounts.linkSubject(h, created.id(), identity.issuer(), identity.subject());
                user = Optional.of(created);
            }
            String workspace = null;
            if (invite != null) {
                workspace = join(h, invite, user.get()).workspaceId();
            }
            List<Membership> mine = accounts.memberships(h, user.get().id());
            if (mine.isEmpty()) {
                throw new ForbiddenException("this account is not a member of any workspace; ask an admin for an invite");
            }
            return browsers.create(h, user.get().id(), workspace != null ? workspace : mine.get(0).workspaceId());
        });
    }

    /** The caller: user, current workspace and role, and all the user's workspaces. */
    public Me me(Actor actor) {
        return jdbi.withHandle(h -> new Me(new User(actor.userId(), actor.userName(), actor.userEmail()),
                new Membership(actor.workspaceId(), accounts.workspaceName(h, actor.workspaceId()).orElse(""), actor.role()),
                accounts.memberships(h, actor.userId())));
    }

    /**
     * Makes another of the user's workspaces the browser's current one.
     *
     * @throws NotFoundException when the user is not a member of it
     */
    public void switchWorkspace(Actor actor, String browserToken, String workspaceId) {
        if (actor.viaApiKey() || browserToken == null) {
            throw new InvalidRequestException("workspaceId",
                    "an API key belongs to one workspace; create a key in the other workspace instead");
        }
        jdbi.useTransaction(h -> {
            if (!Ids.isWellFormed(workspaceId) || accounts.role(h, workspaceId, actor.userId()).isEmpty()) {
                throw new NotFoundException("no workspace " + workspaceId);
            }
            browsers.switchWorkspace(h, browserToken, workspaceId);
        });
    }

    /**
     * Creates a workspace with the caller as its admin.
     *
     * @throws ForbiddenException when {@code MAGNET_WORKSPACE_CREATORS} does not let the caller create one
     */
    public Membership createWorkspace(Actor actor, String name) {
        String valid = requireName(name, "name");
        return jdbi.inTransaction(h -> {
            if (!creators.allow(accounts.isAdminAnywhere(h, actor.userId()), actor.userEmail(),
                    accounts.emailVerified(h, actor.userId()))) {
                throw new ForbiddenException("this server lets " + creators.describe() + " create workspaces ("
                        + WorkspaceCreators.SETTING + "); ask its operator, or an admin of a workspace to invite you");
            }
            String id = accounts.createWorkspace(h, valid);
            accounts.addMember(h, id, actor.userId(), Role.ADMIN);
            return new Membership(id, valid, Role.ADMIN.wire());
        });
    }

    /** Renames the caller's workspace (admins only); the audit log keeps the old and the new name. */
    public Membership renameWorkspace(Actor actor, String name) {
        requireAdmin(actor);
        String valid = requireName(name, "name");
        return jdbi.inTransaction(h -> {
            String before = accounts.workspaceName(h, actor.workspaceId()).orElse("");
            accounts.renameWorkspace(h, actor.workspaceId(), valid);
            audit.record(h, actor, "workspace.rename", "workspace", actor.workspaceId(), before + " → " + valid);
            return new Membership(actor.workspaceId(), valid, Role.ADMIN.wire());
        });
    }

    /**
     * Changes the caller's password and signs out the user's other browsers.
     *
     * @throws UnauthorizedException when the current password is wrong (a user without one may set it freely only
     *                               with an API key or a fresh single sign-on)
     */
    public void changePassword(Actor actor, String browserToken, String current, String next) {
        Passwords.requireAcceptable(next, "newPassword");
        Optional<String> hash = jdbi.withHandle(h -> accounts.passwordHash(h, actor.userId()));
        if (hash.isPresent() && !hashing.verify(current, hash.get())) {
            throw new UnauthorizedException("the current password is wrong");
        }
        String nextHash = hashing.hash(next);
        jdbi.useTransaction(h -> {
            if (!accounts.passwordHash(h, actor.userId()).equals(hash)) {
                throw new ConflictException("the password was changed meanwhile; sign in again");
            }
            accounts.setPassword(h, actor.userId(), nextHash);
            browsers.deleteOthers(h, actor.userId(), browserToken);
        });
    }

    public List<Member> members(Actor actor) {
        return jdbi.withHandle(h -> accounts.members(h, actor.workspaceId()));
    }

    /** Changes a member's role (admins only); the last admin cannot step down. */
    public Member setRole(Actor actor, String userId, Role role) {
        requireAdmin(actor);
        return jdbi.inTransaction(h -> {
            Member member = member(h, actor.workspaceId(), userId);
            if (role == Role.MEMBER && Role.ADMIN.wire().equals(member.role()) && accounts.adminCount(h, actor.workspaceId()) == 1) {
                throw new ConflictException("the workspace needs at least one admin");
            }
            accounts.setRole(h, actor.workspaceId(), userId, role);
            audit.record(h, actor, "member.role", "user", userId, role.wire());
            return new Member(member.userId(), member.name(), member.email(), role.wire());
        });
    }

    /** Removes a member from the workspace (admins only) and revokes the member's keys there. */
    public void removeMember(Actor actor, String userId) {
        requireAdmin(actor);
        jdbi.useTransaction(h -> {
            Member member = member(h, actor.workspaceId(), userId);
            if (Role.ADMIN.wire().equals(member.role()) && accounts.adminCount(h, actor.workspaceId()) == 1) {
                throw new ConflictException("the workspace needs at least one admin");
            }
            accounts.removeMember(h, actor.workspaceId(), userId);
            keys.revokeAllOf(h, actor.workspaceId(), userId);
            audit.record(h, actor, "member.remove", "user", userId, member.email());
        });
    }

    /** Creates an invite link (admins only). */
    public Invites.Created invite(Actor actor, Role role, String email) {
        requireAdmin(actor);
        String valid = email == null ? null : requireEmail(email, "email");
        return jdbi.inTransaction(h -> {
            Invites.Created created = invites.create(h, actor.workspaceId(), role, valid, actor.userId());
            audit.record(h, actor, "member.invite", "invite", created.invite().id(), role.wire() + (valid == null ? "" : " " + valid));
            return created;
        });
    }

    public List<Invite> invites(Actor actor) {
        requireAdmin(actor);
        return jdbi.withHandle(h -> invites.list(h, actor.workspaceId()));
    }

    public void revokeInvite(Actor actor, String inviteId) {
        requireAdmin(actor);
        jdbi.useTransaction(h -> {
            if (!Ids.isWellFormed(inviteId) || invites.find(h, actor.workspaceId(), inviteId).isEmpty()) {
                throw new NotFoundException("no invite " + inviteId);
            }
            if (!invites.revoke(h, actor.workspaceId(), inviteId)) {
                throw new ConflictException("invite " + inviteId + " was already accepted or revoked");
            }
            audit.record(h, actor, "member.invite_revoke", "invite", inviteId, null);
        });
    }

    /** A pending invite by its token (what the invite page shows before accepting). */
    public Invite pendingInvite(String token) {
        return jdbi.withHandle(h -> invites.byToken(h, token)).filter(Invite::isPending)
                .orElseThrow(() -> new NotFoundException("this invite link is unknown, used or expired"));
    }

    /**
     * Accepts an invite: a signed-in user ({@code signedIn} not null) joins the workspace; otherwise a new account
     * is made from {@code newAccount}. An invite made for an email address is accepted only by an account with that
     * address, and an account it makes has its email verified; an account made by an invite without an address
     * does not.
     *
     * @return the user who joined and the workspace
     * @throws InvalidRequestException (field {@code email}) when the invite is for another email address
     */
    public Joined acceptInvite(String token, Actor signedIn, NewAccount newAccount) {
        if (signedIn != null) {
            return jdbi.inTransaction(h -> join(h, pending(h, token),
                    new User(signedIn.userId(), signedIn.userName(), signedIn.userEmail())));
        }
        if (newAccount == null) {
            throw new InvalidRequestException("email", "sign in first, or give name, email and password for a new account");
        }
        String name = requireName(newAccount.name(), "name");
        String email = requireEmail(newAccount.email(), "email");
        String password = Passwords.requireAcceptable(newAccount.password(), "password");
        // why: an unknown token or a wrong email is refused before the password is hashed
        requireInvitedEmail(pendingInvite(token), email);
        String passwordHash = hashing.hash(password);
        return jdbi.inTransaction(h -> {
            Invite invite = pending(h, token);
            if (accounts.userByEmail(h, email).isPresent()) {
                throw new ConflictException("an account with this email exists; sign in first, then accept the invite");
            }
            return join(h, invite, accounts.createUser(h, name, email, passwordHash, invite.email() != null));
        });
    }

    /** Lets a user who signed in elsewhere join through an invite, in the caller's transaction. */
    Joined join(Handle h, Invite invite, User user) {
        requireInvitedEmail(invite, user.email());
        if (!invites.accept(h, invite.id(), user.id())) {
            throw new NotFoundException("this invite link is unknown, used or expired");
        }
        accounts.addMember(h, invite.workspaceId(), user.id(), Role.parse(invite.role(), "role"));
        Actor joined = new Actor(user.id(), user.name(), user.email(), invite.workspaceId(), invite.role());
        audit.record(h, joined, "member.join", "invite", invite.id(), invite.role());
        return new Joined(user, invite.workspaceId());
    }

    private Invite pending(Handle h, String token) {
        return invites.byToken(h, token).filter(Invite::isPending)
                .orElseThrow(() -> new NotFoundException("this invite link is unknown, used or expired"));
    }

    private static void requireInvitedEmail(Invite invite, String email) {
        if (invite.email() != null && !invite.email().equals(Accounts.normalizeEmail(email))) {
            throw new InvalidRequestException("email", "this invite is for " + invite.email()
                    + "; it can only be accepted with that email address");
        }
    }

    static void requireAdmin(Actor actor) {
        if (!actor.isAdmin()) {
            throw new ForbiddenException("only admins of the workspace may do this");
        }
    }

    static String requireName(String name, String field) {
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException(field, field + " is required");
        }
        String n = name.strip();
        if (n.length() > MAX_NAME_CHARS || n.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(field, field + " must be one line of at most " + MAX_NAME_CHARS + " characters");
        }
        return n;
    }

    static String requireEmail(String email, String field) {
        if (email == null || email.isBlank()) {
            throw new InvalidRequestException(field, field + " is required");
        }
        String e = Accounts.normalizeEmail(email);
        if (e.length() > 320 || !e.matches("[^@\\s]+@[^@\\s]+")) {
            throw new InvalidRequestException(field, field + " must be an email address");
        }
        return e;
    }

    private Member member(Handle h, String workspaceId, String userId) {
        return accounts.members(h, workspaceId).stream().filter(m -> m.userId().equals(userId)).findFirst()
                .orElseThrow(() -> new NotFoundException("no member " + userId));
    }

    /** Who the caller is, where they act now, and where else they may. */
    public record Me(User user, Membership current, List<Membership> workspaces) {
    }

    /** The details of an account made by accepting an invite. */
    public record NewAccount(String name, String email, String password) {
    }

    /** A user who joined a workspace. */
    public record Joined(User user, String workspaceId) {
    }
}
