package dev.magnet.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReviewCommentTest {
    private static final String DIFF = """
            diff --git a/README.md b/README.md
            index 3b18e51..a9c2f04 100644
            --- a/README.md
            +++ b/README.md
            @@ -1,3 +1,4 @@
             # Demo
            +A line about ```fences```
             more
             end
            diff --git a/src/app.js b/src/app.js
            new file mode 100644
            --- /dev/null
            +++ b/src/app.js
            @@ -0,0 +1,3 @@
            +const a = 1;
            +const b = 2;
            +export { a, b };
            @@ -20,2 +22,2 @@ function later()
            -old();
            +renamed();
             done();
            """;

    @Test
    void the_hunk_holding_the_lines_of_the_file_is_found_in_the_stored_diff() {
        assertThat(new ReviewComment("src/app.js", 2, 3, "why two?").hunkIn(DIFF)).hasValue("""
                @@ -0,0 +1,3 @@
                +const a = 1;
                +const b = 2;
                +export { a, b };""");
        assertThat(new ReviewComment("src/app.js", 22, 23, "x").hunkIn(DIFF)).hasValueSatisfying(h -> h.startsWith("@@ -20,2 +22,2 @@"));
        assertThat(new ReviewComment("README.md", 2, 2, "x").hunkIn(DIFF)).hasValueSatisfying(h -> h.contains("+A line about"));
    }

    @Test
    void lines_outside_a_hunk_or_across_two_or_of_another_file_are_not_found() {
        assertThat(new ReviewComment("src/app.js", 3, 22, "x").hunkIn(DIFF)).isEmpty();
        assertThat(new ReviewComment("src/app.js", 10, 10, "x").hunkIn(DIFF)).isEmpty();
        assertThat(new ReviewComment("src/other.js", 1, 1, "x").hunkIn(DIFF)).isEmpty();
        assertThat(new ReviewComment("README.md", 1, 5, "x").hunkIn(DIFF)).isEmpty();
        assertThatThrownBy(() -> new ReviewComment("README.md", 3, 2, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_follow_up_names_the_file_and_lines_and_fences_the_hunk_so_it_cannot_be_closed_early() {
        ReviewComment comment = new ReviewComment("README.md", 2, 2, "Say what the demo does.");
        String text = comment.followUp(comment.hunkIn(DIFF).orElseThrow());
        assertThat(text).startsWith("Review comment on README.md line 2:\n\nSay what the demo does.\n");
        assertThat(text).contains("````diff\n@@ -1,3 +1,4 @@\n").endsWith("\n````\n");
    }
}
