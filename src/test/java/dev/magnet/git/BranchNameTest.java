package dev.magnet.git;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BranchNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"main", "develop", "release/1.2", "feature/x-y_z", "v1.0", "magnet/0123abcd-fix", "ünïcode"})
    void ordinary_branch_names_are_accepted(String name) {
        assertThat(BranchName.of(name).value()).isEqualTo(name);
        assertThat(BranchName.of(name).ref()).isEqualTo("refs/heads/" + name);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--upload-pack=x   | must not start with '-'",
            "-b                | must not start with '-'",
            "../x              | '..'",
            "a..b              | '..'",
            "a@{1}             | '@{'",
            "has space         | spaces",
            "a~1               | '~'",
            "a^                | '^'",
            "a:b               | ':'",
            "a?                | '?'",
            "a*                | '*'",
            "a[b               | '['",
            "a\\b              | '\\'",
            "x.lock            | '.lock'",
            "x.lock/y          | '.lock'",
            "x/                | '/'",
            "/x                | '/'",
            "a//b              | '//'",
            "x.                | end with '.'",
            ".hidden           | start with '.'",
            "a/.b              | start with '.'",
            "@                 | reserved",
            "HEAD              | reserved"})
    void invalid_branch_names_are_rejected_saying_which_rule_they_break(String name, String reason) {
        assertThatThrownBy(() -> BranchName.of(name))
                .isInstanceOf(InvalidGitInputException.class)
                .hasMessageContaining("is not valid")
                .hasMessageContaining(reason);
    }

    @Test
    void empty_control_characters_and_overlong_names_are_rejected() {
        assertThatThrownBy(() -> BranchName.of("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> BranchName.of(null)).hasMessageContaining("empty");
        assertThatThrownBy(() -> BranchName.of("a\tb")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> BranchName.of("a\u007fb")).hasMessageContaining("control characters");
        assertThatThrownBy(() -> BranchName.of("a".repeat(201))).hasMessageContaining("longer than 200");
        assertThat(BranchName.of("a".repeat(200)).value()).hasSize(200);
    }

    @Test
    void a_session_branch_is_magnet_slash_short_id_dash_slug() {
        BranchName branch = BranchName.forSession("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", "Fix the login bug!");

        assertThat(branch.value()).isEqualTo("magnet/c2e1b5d6-fix-the-login-bug");
    }

    @Test
    void sessions_created_in_the_same_minute_get_different_branches() {
        BranchName first = BranchName.forSession("0190f3a2-7b4c-7d10-9e2f-3fa4c2e1b5d6", "Same title");
        BranchName retry = BranchName.forSession("0190f3a2-9c01-7d10-8a11-77b0e4d2a9c3", "Same title");

        assertThat(first).isNotEqualTo(retry);
    }

    @Test
    void a_slug_is_lower_case_ascii_with_single_hyphens_and_at_most_40_characters() {
        assertThat(BranchName.slug("  Héllo, Wörld -- ça va?  ")).isEqualTo("hello-world-ca-va");
        assertThat(BranchName.slug("Refactor the whole payment module into smaller services now"))
                .hasSizeLessThanOrEqualTo(40)
                .isEqualTo("refactor-the-whole-payment-module-into-s");
        assertThat(BranchName.slug("a".repeat(39) + " b")).isEqualTo("a".repeat(39));
        assertThat(BranchName.slug("日本語のタイトル")).isEqualTo("session");
        assertThat(BranchName.slug("")).isEqualTo("session");
        assertThat(BranchName.slug(null)).isEqualTo("session");
    }
}
