package dev.magnet.cli;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Objects;

/**
 * Where the Magnet server is and the API key to send it. An option ({@code --url},
 * {@code --api-key}) wins over the environment ({@code MAGNET_URL}, {@code MAGNET_API_KEY}).
 *
 * @param baseUrl the server's base URL, without a trailing slash
 * @param apiKey  sent as the {@code x-api-key} header
 */
record ClientSettings(URI baseUrl, String apiKey) {

    static final String DEFAULT_URL = "http://localhost:7070";

    ClientSettings {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(apiKey, "apiKey");
    }

    /**
     * The settings from the options, else the environment, else the default URL.
     *
     * @throws CliException.Usage when there is no API key or the URL is not an http(s) URL
     */
    static ClientSettings resolve(String urlOption, String apiKeyOption, CliEnvironment env) {
        String url = firstPresent(urlOption, env.variable("MAGNET_URL"), DEFAULT_URL);
        String apiKey = firstPresent(apiKeyOption, env.variable("MAGNET_API_KEY"), null);
        URI baseUrl = parseUrl(url);
        if (apiKey == null) {
            throw new CliException.Usage("no API key: set MAGNET_API_KEY to an API key of the Magnet server at "
                    + baseUrl + " (or pass --api-key)");
        }
        return new ClientSettings(baseUrl, apiKey);
    }

    /** The absolute URI of a path on the server, e.g. {@code /api/sessions}. */
    URI resolvePath(String pathAndQuery) {
        return URI.create(baseUrl + pathAndQuery);
    }

    private static URI parseUrl(String url) {
        String trimmed = url.strip().replaceAll("/+$", "");
        try {
            URI uri = new URI(trimmed);
            boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
            if (!http || uri.getHost() == null) {
                throw new CliException.Usage("MAGNET_URL (or --url) must be an http:// or https:// URL such as "
                        + DEFAULT_URL + ", not '" + url + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new CliException.Usage("MAGNET_URL (or --url) is not a valid URL: " + e.getMessage());
        }
    }

    private static String firstPresent(String option, String variable, String fallback) {
        if (!Formats.isBlank(option)) {
            return option.strip();
        }
        return variable != null ? variable : fallback;
    }
}
