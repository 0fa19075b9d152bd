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
            diff --git a/gone.txt b/gone.txt
            deleted file mode 100644
            --- a/gone.txt
            +++ /dev/null
            @@ -1,2 +0,0 @@
            -first
            -second
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
    void lines_of_the_old_side_are_found_by_their_old_numbers_also_in_a_deleted_file() {
        ReviewComment.Side old = ReviewComment.Side.OLD;
        assertThat(new ReviewComment("src/app.js", old, 20, 21, "why rename?").hunkIn(DIFF))
                .hasValueSatisfying(h -> assertThat(h).startsWith("@@ -20,2 +22,2 @@").contains("-old();"));
        assertThat(new ReviewComment("src/app.js", old, 22, 22, "x").hunkIn(DIFF)).as("22 is a new number only").isEmpty();
        assertThat(new ReviewComment("src/app.js", old, 1, 1, "x").hunkIn(DIFF)).as("an added file has no old lines").isEmpty();
        assertThat(new ReviewComment("gone.txt", old, 1, 2, "keep these").hunkIn(DIFF)).hasValueSatisfying(h -> h.startsWith("@@ -1,2 +0,0 @@"));
        assertThat(new ReviewComment("gone.txt", 1, 1, "x").hunkIn(DIFF)).as("a deleted file has no new lines").isEmpty();
        assertThat(ReviewComment.Side.fromWire("old")).hasValue(old);
        assertThat(ReviewComment.Side.fromWire("left")).isEmpty();
    }

    @Test
    void the_follow_up_of_an_old_side_comment_says_the_lines_are_of_the_file_before_the_changes() {
        ReviewComment comment = new ReviewComment("gone.txt", ReviewComment.Side.OLD, 1, 2, "Keep this file.");
        String text = comment.followUp(comment.hunkIn(DIFF).orElseThrow());
        assertThat(text).startsWith("Review comment on gone.txt lines 1-2 of the file before your changes (the - side):\n\nKeep this file.\n")
                .contains("-first\n-second");
    }

    @Test
    void the_follow_up_names_the_file_and_lines_and_fences_the_hunk_so_it_cannot_be_closed_early() {
        ReviewComment comment = new ReviewComment("README.md", 2, 2, "Say what the demo does.");
        String text = comment.followUp(comment.hunkIn(DIFF).orElseThrow());
        assertThat(text).startsWith("Review comment on README.md line 2:\n\nSay what the demo does.\n");
        assertThat(text).contains("````diff\n@@ -1,3 +1,4 @@\n").endsWith("\n````\n");
    }
}
