package dev.magnet.cli;

/**
 * One frame of a {@code text/event-stream}, as dispatched at a blank line.
 *
 * @param id    the frame's own {@code id:} field, or null when it had none
 * @param event the {@code event:} field, {@code message} when it had none
 * @param data  the {@code data:} lines joined with {@code \n}; empty when there were none
 */
record SseFrame(String id, String event, String data) {
}
