package dev.magnet.git;

import java.util.List;
import java.util.Map;

/**
 * How host git may reach one origin in one call, as {@link OriginPolicy} decided: the only transport protocol it
 * may use, settings that pin its connection (the address checked, no redirects), and for a local origin the
 * {@code upload-pack} and {@code receive-pack} commands that run in it without its hooks or risky settings.
 *
 * @param protocol    the transport protocol allowed ({@code https}, {@code http} or {@code file})
 * @param config      settings for this call, e.g. {@code http.curloptResolve}
 * @param fetchArgs   options for {@code clone} and {@code fetch}, before the {@code --}
 * @param pushArgs    options for {@code push}, before the {@code --}
 */
public record RemoteAccess(String protocol, Map<String, String> config, List<String> fetchArgs, List<String> pushArgs) {

    public RemoteAccess {
        config = Map.copyOf(config);
        fetchArgs = List.copyOf(fetchArgs);
        pushArgs = List.copyOf(pushArgs);
    }

    /** The credentials {@code auth} with this access's settings added. */
    GitAuth with(GitAuth auth) {
        java.util.Map<String, String> all = new java.util.LinkedHashMap<>(config);
        all.putAll(auth.config());
        return new GitAuth(all, auth.env());
    }
}
