package dev.magnet.session;

/**
 * What a list shows of a session's conversation, kept on its row by the event log: how many messages it holds (user
 * messages, the agent's text, turn results) and the first and last, shortened and redacted.
 */
public record ConversationSummary(int messages, String firstPreview, String lastPreview) {
    public static final ConversationSummary NONE = new ConversationSummary(0, null, null);
}
