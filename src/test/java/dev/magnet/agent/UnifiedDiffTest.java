package dev.magnet.agent;

import org.junit.jupiter.api.Test;

import static dev.magnet.agent.Transcripts.json;
import static org.assertj.core.api.Assertions.assertThat;

class UnifiedDiffTest {

    @Test
    void a_new_file_adds_every_line() {
        assertThat(UnifiedDiff.ofNewFile("a.txt", "one\ntwo\n")).isEqualTo("""
                --- /dev/null
                +++ b/a.txt
                @@ -0,0 +1,2 @@
                +one
                +two
                """);
    }

    @Test
    void a_new_file_without_a_final_newline_says_so() {
        assertThat(UnifiedDiff.ofNewFile("a.txt", "one")).endsWith("+one\n\\ No newline at end of file\n");
    }

    @Test
    void an_empty_new_file_has_headers_only() {
        assertThat(UnifiedDiff.ofNewFile("a.txt", "")).isEqualTo("--- /dev/null\n+++ b/a.txt\n");
    }

    @Test
    void a_new_file_keeps_blank_lines() {
        assertThat(UnifiedDiff.ofNewFile("a.txt", "\n\nx\n")).contains("@@ -0,0 +1,3 @@\n+\n+\n+x\n");
    }

    @Test
    void hunks_of_a_structured_patch_become_at_at_sections() {
        String diff = UnifiedDiff.ofPatch("src/a.txt", false, json("""
                [{"oldStart":1,"oldLines":2,"newStart":1,"newLines":2,"lines":[" a","-b","+c"]},
                 {"oldStart":10,"oldLines":1,"newStart":10,"newLines":2,"lines":[" x","+y"]}]"""));

        assertThat(diff).isEqualTo("""
                --- a/src/a.txt
                +++ b/src/a.txt
                @@ -1,2 +1,2 @@
                 a
                -b
                +c
                @@ -10,1 +10,2 @@
                 x
                +y
                """);
    }

    @Test
    void an_empty_side_starts_at_the_line_before_it() {
        String diff = UnifiedDiff.ofPatch("a.txt", false, json("""
                [{"oldStart":3,"oldLines":2,"newStart":3,"newLines":0,"lines":["-x","-y"]}]"""));

        assertThat(diff).contains("@@ -3,2 +2,0 @@\n");
    }

    @Test
    void a_path_outside_the_workspace_has_no_a_b_prefixes() {
        assertThat(UnifiedDiff.ofPatch("/etc/hosts", false, json("[]"))).isEqualTo("--- /etc/hosts\n+++ /etc/hosts\n");
    }
}
