package dev.magnet.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PreviewUrlsTest {
    private static final String ID = "01a23195-3c49-7000-a09c-051090e95de5";

    @Test
    void a_sessions_origin_is_the_template_with_its_short_id_and_the_proxys_port() {
        PreviewUrls urls = new PreviewUrls(PreviewUrls.DEFAULT_TEMPLATE, 7071);
        assertThat(urls.of(ID)).isEqualTo("http://90e95de5.preview.localhost:7071/");
        assertThat(urls.frameSource()).isEqualTo("http://*.preview.localhost:7071");
        assertThat(urls.shortIdOf("90E95DE5.preview.localhost:7071")).contains("90e95de5");
        assertThat(urls.shortIdOf("90e95de5.preview.localhost")).contains("90e95de5");
    }

    @Test
    void hosts_that_are_not_a_preview_origin_name_no_session() {
        PreviewUrls urls = new PreviewUrls("https://{id}.preview.example.com/", 0);
        assertThat(urls.shortIdOf("90e95de5.preview.example.com.evil.org")).isEmpty();
        assertThat(urls.shortIdOf("x.90e95de5.preview.example.com")).isEmpty();
        assertThat(urls.shortIdOf("localhost:7070")).isEmpty();
        assertThat(urls.shortIdOf(null)).isEmpty();
        assertThat(urls.https()).isTrue();
    }

    @Test
    void a_template_without_the_id_label_first_is_refused() {
        assertThatThrownBy(() -> new PreviewUrls("http://preview.localhost:{port}/{id}/", 1)).hasMessageContaining("MAGNET_PREVIEW_URL");
        assertThatThrownBy(() -> new PreviewUrls("http://preview-{id}.localhost/", 1)).hasMessageContaining("MAGNET_PREVIEW_URL");
    }

    @Test
    void heads_whose_end_is_ambiguous_are_refused() throws Exception {
        assertThatThrownBy(() -> head("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n").requestBody())
                .isInstanceOf(HttpHead.Malformed.class);
        assertThatThrownBy(() -> head("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n").requestBody())
                .isInstanceOf(HttpHead.Malformed.class);
        assertThatThrownBy(() -> head("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").requestBody())
                .isInstanceOf(HttpHead.Malformed.class);
        assertThatThrownBy(() -> head("GET / HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n")).isInstanceOf(HttpHead.Malformed.class);
        assertThatThrownBy(() -> head("GET / HTTP/1.1\r\nBad Name: 1\r\n\r\n")).isInstanceOf(HttpHead.Malformed.class);
        assertThat(head("GET / HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\n\r\n").lists("connection", "upgrade")).isTrue();
    }

    private static HttpHead head(String text) throws Exception {
        return HttpHead.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1))).orElseThrow();
    }
}
