package dev.magnet.cli;

/**
 * Terminal emphasis for the client's output: ANSI colours when {@code colour} is on, plain text
 * otherwise (stdout not a terminal, or {@code NO_COLOR} set).
 */
record Style(boolean colour) {

    static final Style PLAIN = new Style(false);

    String dim(String text) {
        return wrap("2", text);
    }

    String bold(String text) {
        return wrap("1", text);
    }

    String red(String text) {
        return wrap("31", text);
    }

    String green(String text) {
        return wrap("32", text);
    }

    String yellow(String text) {
        return wrap("33", text);
    }

    String cyan(String text) {
        return wrap("36", text);
    }

    private String wrap(String code, String text) {
        if (!colour || text.isEmpty()) {
            return text;
        }
        return "\u001b[" + code + "m" + text + "\u001b[0m";
    }
}
