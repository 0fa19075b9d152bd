package dev.magnet.auth;

import dev.magnet.store.Ids;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jdbi.v3.core.Handle;

/** Storage of workspaces, users and memberships (tables {@code workspaces}, {@code users}, {@code memberships}). */
public final class Accounts {
    private final Clock clock;

    public Accounts(Clock clock) {
        this.clock = clock;
    }

    public String createWorkspace(Handle h, String name) {
        String id = Ids.newId();
        h.createUpdate("insert into workspaces (id, name, created_at) values (:id, :name, :at)")
                .bind("id", id).bind("name", name).bind("at", clock.instant()).execute();
        return id;
    }

    public void renameWorkspace(Handle h, String workspaceId, String name) {
        h.createUpdate("update workspaces set name = :name where id = :id").bind("id", workspaceId).bind("name", name).execute();
    }

    public Optional<String> workspaceName(Handle h, String workspaceId) {
        return h.createQuery("select name from workspaces where id = :id").bind("id", workspaceId)
                .mapTo(String.class).findOne();
    }

    /**
     * A new user; {@code passwordHash} may be null for users who sign in only with single sign-on.
     * {@code emailVerified} says whether the address was proven: by an invite made for it, or by the identity
     * provider; only a verified address may link single sign-on to the account or match a list of addresses.
     */
    public User createUser(Handle h, String name, String email, String passwordHash, boolean emailVerified) {
        String id = Ids.newId();
        h.createUpdate("""
                insert into users (id, name, email, password_hash, email_verified, created_at)
                values (:id, :name, :email, :hash, :verified, :at)
                """)
                .bind("id", id).bind("name", name).bind("email", normalizeEmail(email)).bind("hash", passwordHash)
                .bind("verified", emailVerified && email != null).bind("at", clock.instant()).execute();
        return new User(id, name, normalizeEmail(email));
    }

    /** Whether the user's email address was verified (false for an unknown user). */
    public boolean emailVerified(Handle h, String userId) {
        return h.createQuery("select email_verified from users where id = :id").bind("id", userId)
                .mapTo(Boolean.class).findOne().orElse(false);
    }

    /** Whether the user is an admin of at least one workspace. */
    public boolean isAdminAnywhere(Handle h, String userId) {
        return h.createQuery("select count(*) from memberships where user_id = :user and role = 'admin'")
                .bind("user", userId).mapTo(Long.class).one() > 0;
    }

    public Optional<User> user(Handle h, String userId) {
        return h.createQuery("select id, name, email from users where id = :id").bind("id", userId)
                .map((rs, ctx) -> toUser(rs)).findOne();
    }

    public Optional<User> userByEmail(Handle h, String email) {
        return h.createQuery("select id, name, email from users where email = :email")
                .bind("email", normalizeEmail(email)).map((rs, ctx) -> toUser(rs)).findOne();
    }

    /** The stored password hash of the user with this email, if the user has one. */
    public Optional<StoredPassword> passwordOf(Handle h, String email) {
        return h.createQuery("select id, password_hash from users where email = :email and password_hash is not null")
                .bind("email", normalizeEmail(email))
                .map((rs, ctx) -> new StoredPassword(rs.getString(1), rs.getString(2))).findOne();
    }

    public Optional<String> passwordHash(Handle h, String userId) {
        return h.createQuery("select password_hash from users where id = :id and password_hash is not null")
                .bind("id", userId).mapTo(String.class).findOne();
    }

    public void setPassword(Handle h, String userId, String passwordHash) {
        h.createUpdate("update users set password_hash = :hash where id = :id")
                .bind("hash", passwordHash).bind("id", userId).execute();
    }

    public Optional<User> userBySubject(Handle h, String issuer, String subject) {
        return h.createQuery("select id, name, email from users where oidc_issuer = :iss and oidc_subject = :sub")
                .bind("iss", issuer).bind("sub", subject).map((rs, ctx) -> toUser(rs)).findOne();
    }

    public void linkSubject(Handle h, String userId, String issuer, String subject) {
        h.createUpdate("update users set oidc_issuer = :iss, oidc_subject = :sub where id = :id")
                .bind("iss", issuer).bind("sub", subject).bind("id", userId).execute();
    }

    /** The user's workspaces, oldest first. */
    public List<Membership> memberships(Handle h, String userId) {
        return h.createQuery("""
                select w.id, w.name, m.role from memberships m join workspaces w on w.id = m.workspace_id
                where m.user_id = :user order by w.created_at, w.id
                """)
                .bind("user", userId)
                .map((rs, ctx) -> new Membership(rs.getString(1), rs.getString(2), rs.getString(3))).list();
    }

    public Optional<String> role(Handle h, String workspaceId, String userId) {
        return h.createQuery("select role from memberships where workspace_id = :ws and user_id = :user")
                .bind("ws", workspaceId).bind("user", userId).mapTo(String.class).findOne();
    }

    public List<Member> members(Handle h, String workspaceId) {
        return h.createQuery("""
                select u.id, u.name, u.email, m.role from memberships m join users u on u.id = m.user_id
                where m.workspace_id = :ws order by u.created_at, u.id
                """)
                .bind("ws", workspaceId)
                .map((rs, ctx) -> new Member(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4))).list();
    }

    /** Adds the user to the workspace; keeps an existing membership (and its role) as it is. */
    public void addMember(Handle h, String workspaceId, String userId, Role role) {
        if (role(h, workspaceId, userId).isPresent()) {
            return;
        }
        h.createUpdate("insert into memberships (workspace_id, user_id, role) values (:ws, :user, :role)")
                .bind("ws", workspaceId).bind("user", userId).bind("role", role.wire()).execute();
    }

    public void setRole(Handle h, String workspaceId, String userId, Role role) {
        h.createUpdate("update memberships set role = :role where workspace_id = :ws and user_id = :user")
                .bind("role", role.wire()).bind("ws", workspaceId).bind("user", userId).execute();
    }

    public void removeMember(Handle h, String workspaceId, String userId) {
        h.createUpdate("delete from memberships where workspace_id = :ws and user_id = :user")
                .bind("ws", workspaceId).bind("user", userId).execute();
    }

    public long adminCount(Handle h, String workspaceId) {
        return h.createQuery("select count(*) from memberships where workspace_id = :ws and role = 'admin'")
                .bind("ws", workspaceId).mapTo(Long.class).one();
    }

    /** Emails are compared without regard to case. */
    public static String normalizeEmail(String email) {
        return email == null ? null : email.strip().toLowerCase(Locale.ROOT);
    }

    private static User toUser(ResultSet rs) throws SQLException {
        return new User(rs.getString(1), rs.getString(2), rs.getString(3));
    }

    /** A user's id and stored password hash, for checking a sign-in. */
    public record StoredPassword(String userId, String hash) {
    }
}
