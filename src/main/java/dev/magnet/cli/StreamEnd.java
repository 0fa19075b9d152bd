package dev.magnet.cli;

/**
 * The data of the final {@code end} frame of an event stream: how the session ended.
 *
 * @param status  {@code completed} or {@code failed}
 * @param failure why it failed, or null
 */
record StreamEnd(String status, SessionAnswer.Failure failure) {

    static StreamEnd parse(String json) {
        if (json == null || json.isBlank()) {
            return new StreamEnd(null, null);
        }
        return ClientJson.read(json, StreamEnd.class);
    }

    boolean failed() {
        return "failed".equals(status);
    }
}
