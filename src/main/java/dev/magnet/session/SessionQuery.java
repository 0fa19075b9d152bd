package dev.magnet.session;

/**
 * A page of a workspace's sessions, newest first. Null filters are not applied.
 *
 * @param cursor the id of the last session of the previous page
 */
public record SessionQuery(String workspaceId, Status status, String repo, String author, String text,
                           int limit, String cursor) {
    public static final int MAX_LIMIT = 200;

    public SessionQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT);
        }
    }
}
