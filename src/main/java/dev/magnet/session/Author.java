package dev.magnet.session;

/** Who created a session or sent a message. */
public record Author(String id, String name, String email) {

    /** The author of what an actor does. */
    public static Author of(dev.magnet.auth.Actor actor) {
        return new Author(actor.userId(), actor.userName(), actor.userEmail());
    }
}
