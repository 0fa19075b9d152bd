package dev.magnet.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The operator's access settings: who creates workspaces, who shares the server's GitHub credentials, and bounds. */
class AccessSettingsTest {

    @Test
    void workspace_creators_default_to_admins_of_some_workspace() {
        WorkspaceCreators creators = WorkspaceCreators.parse(null);
        assertThat(creators.allow(true, "a@x", false)).isTrue();
        assertThat(creators.allow(false, "a@x", true)).isFalse();
        assertThat(WorkspaceCreators.parse("all").allow(false, null, false)).isTrue();
        assertThat(WorkspaceCreators.parse("none").allow(true, "a@x", true)).isFalse();
    }

    @Test
    void a_list_of_workspace_creators_matches_verified_addresses_only_whatever_their_case() {
        WorkspaceCreators creators = WorkspaceCreators.parse(" Boss@Corp.test , chief@corp.test ");
        assertThat(creators.allow(false, "boss@corp.test", true)).isTrue();
        assertThat(creators.allow(false, "CHIEF@corp.test", true)).isTrue();
        assertThat(creators.allow(false, "boss@corp.test", false)).isFalse();
        assertThat(creators.allow(true, "other@corp.test", true)).isFalse();
        assertThatThrownBy(() -> WorkspaceCreators.parse("admins,boss@corp.test"))
                .hasMessageContaining("MAGNET_WORKSPACE_CREATORS");
        assertThatThrownBy(() -> WorkspaceCreators.parse(" , ")).hasMessageContaining("MAGNET_WORKSPACE_CREATORS");
    }

    @Test
    void the_servers_github_credentials_are_shared_with_the_first_workspace_unless_the_operator_says_otherwise() {
        GitHubConfig.SharedWith first = GitHubConfig.SharedWith.parse(null);
        assertThat(first.includes("ws-1", "ws-1")).isTrue();
        assertThat(first.includes("ws-2", "ws-1")).isFalse();
        assertThat(GitHubConfig.SharedWith.parse("all").includes("ws-2", "ws-1")).isTrue();
        GitHubConfig.SharedWith listed = GitHubConfig.SharedWith.parse("ws-2, ws-3");
        assertThat(listed.includes("ws-3", "ws-1")).isTrue();
        assertThat(listed.includes("ws-1", "ws-1")).isFalse();
        assertThat(GitHubConfig.SharedWith.parse("first,ws-3").includes("ws-1", "ws-1")).isTrue();
        assertThatThrownBy(() -> GitHubConfig.SharedWith.parse("ws 2")).hasMessageContaining("MAGNET_GITHUB_SHARED_WITH");
        assertThatThrownBy(() -> GitHubConfig.SharedWith.parse(",")).hasMessageContaining("MAGNET_GITHUB_SHARED_WITH");
        assertThat(GitHubConfig.fromEnvironment(Map.of()).sharedWith()).isEqualTo(first);
    }

    @Test
    void password_hashing_and_stream_rechecks_have_bounds_and_defaults() {
        AccountSettings defaults = AccountSettings.fromEnvironment(Map.of());
        assertThat(defaults.maxPasswordHashes()).isEqualTo(4);
        assertThat(defaults.streamRecheck()).isEqualTo(Duration.ofSeconds(15));
        assertThatThrownBy(() -> AccountSettings.fromEnvironment(Map.of("MAGNET_MAX_PASSWORD_HASHES", "0")))
                .hasMessageContaining("MAGNET_MAX_PASSWORD_HASHES");
        assertThatThrownBy(() -> AccountSettings.fromEnvironment(Map.of("MAGNET_STREAM_RECHECK_SECONDS", "60")))
                .hasMessageContaining("MAGNET_STREAM_RECHECK_SECONDS");
    }
}
