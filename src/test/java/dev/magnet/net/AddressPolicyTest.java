package dev.magnet.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressPolicyTest {
    private static final Map<String, List<String>> DNS = Map.of(
            "public.example", List.of("93.184.216.34"),
            "rebind.example", List.of("93.184.216.34", "10.0.0.7"),
            "git.internal", List.of("10.1.2.3"),
            "metadata.example", List.of("169.254.169.254"));

    @Test
    void loopback_link_local_private_shared_and_unique_local_addresses_are_not_public() throws Exception {
        for (String address : List.of("127.0.0.1", "127.8.9.10", "10.0.0.1", "172.16.5.4", "172.31.255.255",
                "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
                "fe80::1", "fd00::1", "fc12::3", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:a00:1::1",
                "::127.0.0.1")) {
            assertThat(AddressPolicy.isPublic(InetAddress.getByName(address))).as(address).isFalse();
        }
        for (String address : List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8")) {
            assertThat(AddressPolicy.isPublic(InetAddress.getByName(address))).as(address).isTrue();
        }
    }

    @Test
    void a_host_with_any_address_that_is_not_public_is_refused_naming_the_setting() {
        AddressPolicy policy = new AddressPolicy(List.of(), AddressPolicyTest::resolve);

        assertThat(policy.check("public.example")).hasSize(1);
        assertThatThrownBy(() -> policy.check("rebind.example")).isInstanceOfSatisfying(ForbiddenAddressException.class,
                e -> assertThat(e.forbidden()).isTrue()).hasMessageContaining("10.0.0.7")
                .hasMessageContaining("MAGNET_ALLOW_PRIVATE_ADDRESSES");
        assertThatThrownBy(() -> policy.check("metadata.example")).isInstanceOf(ForbiddenAddressException.class);
        assertThatThrownBy(() -> policy.check("127.0.0.1")).isInstanceOf(ForbiddenAddressException.class);
        assertThatThrownBy(() -> policy.check("[::1]")).isInstanceOf(ForbiddenAddressException.class);
    }

    @Test
    void the_operator_may_allow_hosts_and_ranges() {
        AddressPolicy policy = new AddressPolicy(List.of("git.internal", "127.0.0.1", "10.0.0.0/8"), AddressPolicyTest::resolve);

        assertThat(policy.check("git.internal")).hasSize(1);
        assertThat(policy.check("127.0.0.1")).hasSize(1);
        assertThat(policy.check("rebind.example")).hasSize(2);
        assertThatThrownBy(() -> policy.check("127.0.0.2")).isInstanceOf(ForbiddenAddressException.class);
        assertThatThrownBy(() -> policy.check("metadata.example")).isInstanceOf(ForbiddenAddressException.class);
    }

    @Test
    void a_host_that_does_not_resolve_is_said_so_and_an_entry_that_is_neither_host_nor_range_is_refused() {
        AddressPolicy policy = new AddressPolicy(List.of(), AddressPolicyTest::resolve);

        assertThatThrownBy(() -> policy.check("nowhere.example")).isInstanceOfSatisfying(ForbiddenAddressException.class,
                e -> assertThat(e.forbidden()).isFalse()).hasMessageContaining("does not resolve");
        assertThatThrownBy(() -> new AddressPolicy(List.of("10.0.0.0/33"), AddressPolicyTest::resolve))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AddressPolicy(List.of("http://x"), AddressPolicyTest::resolve))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MAGNET_ALLOW_PRIVATE_ADDRESSES");
    }

    private static List<InetAddress> resolve(String host) throws UnknownHostException {
        if (host.matches("[0-9.]+") || host.contains(":")) {
            return List.of(InetAddress.getByName(host));
        }
        List<String> addresses = DNS.get(host);
        if (addresses == null) {
            throw new UnknownHostException(host);
        }
        java.util.ArrayList<InetAddress> out = new java.util.ArrayList<>();
        for (String a : addresses) {
            out.add(InetAddress.getByName(a));
        }
        return out;
    }
}
