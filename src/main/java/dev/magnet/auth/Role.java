package dev.magnet.auth;

import dev.magnet.web.InvalidRequestException;
import java.util.Locale;

/** A member's role in a workspace: admins manage membership, invites, everyone's keys, integrations and the audit log. */
public enum Role {
    ADMIN, MEMBER;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role named by a request; a 400 naming {@code field} when it is neither admin nor member. */
    public static Role parse(String value, String field) {
        if ("admin".equals(value)) {
            return ADMIN;
        }
        if ("member".equals(value)) {
            return MEMBER;
        }
        throw new InvalidRequestException(field, field + " must be admin or member");
    }
}
