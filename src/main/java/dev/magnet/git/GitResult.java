package dev.magnet.git;

/** What a finished git process returned: its exit code and its output decoded as UTF-8. */
public record GitResult(int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }

    /** stdout without its trailing line break; handy for commands that print one value. */
    public String line() {
        return stdout.strip();
    }
}
