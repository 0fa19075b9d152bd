package dev.magnet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorAnswerTest {

    @Test
    void a_validation_problem_reads_as_title_detail_and_field() {
        ErrorAnswer problem = ErrorAnswer.fromAnswer(400, """
                {"type":"about:blank","title":"Bad Request","status":400,"detail":"prompt must not be blank","field":"prompt"}""");

        assertThat(problem.describe()).isEqualTo("Bad Request: prompt must not be blank (field: prompt)");
    }

    @Test
    void a_problem_without_detail_is_its_title() {
        assertThat(ErrorAnswer.fromAnswer(404, "{\"title\":\"Not Found\",\"status\":404}").describe()).isEqualTo("Not Found");
    }

    @Test
    void an_answer_that_is_not_json_is_described_by_its_status_and_first_line() {
        ErrorAnswer problem = ErrorAnswer.fromAnswer(502, "<html>bad gateway</html>\n<body>…</body>");

        assertThat(problem.describe()).isEqualTo("Bad Gateway: <html>bad gateway</html> …");
    }

    @Test
    void an_empty_answer_is_described_by_its_status() {
        assertThat(ErrorAnswer.fromAnswer(418, "").describe()).isEqualTo("HTTP 418");
    }

    @Test
    void a_client_error_exits_with_2_and_a_server_error_with_4() {
        assertThat(new CliException.ServerAnswer(ErrorAnswer.fromAnswer(409, "")).exitCode()).isEqualTo(2);
        assertThat(new CliException.ServerAnswer(ErrorAnswer.fromAnswer(500, "")).exitCode()).isEqualTo(4);
    }

    @Test
    void an_unauthorized_answer_points_at_magnet_api_key() {
        CliException error = new CliException.ServerAnswer(
                ErrorAnswer.fromAnswer(401, "{\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"unknown API key\"}"));

        assertThat(error.getMessage()).startsWith("Unauthorized: unknown API key").contains("MAGNET_API_KEY");
    }
}
