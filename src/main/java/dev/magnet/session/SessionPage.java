package dev.magnet.session;

import java.util.List;

/** One page of sessions; {@code nextCursor} is null on the last page. */
public record SessionPage(List<Session> sessions, String nextCursor) {
}
