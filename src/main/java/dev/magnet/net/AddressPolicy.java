package dev.magnet.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Which network addresses a URL given by a user (not by the operator's environment) may reach: public addresses
 * only, unless the operator allows a host or range ({@code MAGNET_ALLOW_PRIVATE_ADDRESSES}). Loopback,
 * link-local, private, shared (CGNAT), unique-local, multicast, reserved and unspecified addresses are refused, also
 * when written as IPv4-mapped or NAT64 IPv6 addresses (SECURITY.md, rule 6).
 */
public final class AddressPolicy {
    private static final List<Cidr> NOT_PUBLIC = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"),
            Cidr.parse("192.0.2.0/24"), Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"),
            Cidr.parse("198.51.100.0/24"), Cidr.parse("203.0.113.0/24"), Cidr.parse("224.0.0.0/4"),
            Cidr.parse("240.0.0.0/4"),
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"),
            Cidr.parse("fec0::/10"), Cidr.parse("ff00::/8"), Cidr.parse("2001:db8::/32"), Cidr.parse("100::/64"));
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    private final List<String> allowedHosts;
    private final List<Cidr> allowedRanges;
    private final Resolver resolver;

    /** How host names become addresses; the system resolver unless a test gives another. */
    @FunctionalInterface
    public interface Resolver {
        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /**
     * @param allowed host names and CIDR ranges (or single addresses) that may be reached although not public, as
     *                the operator listed them; an entry that is neither is refused here with a message
     */
    public AddressPolicy(List<String> allowed, Resolver resolver) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        List<String> hosts = new ArrayList<>();
        List<Cidr> ranges = new ArrayList<>();
        for (String entry : allowed) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            if (Cidr.looksLikeAddress(e)) {
                try {
                    ranges.add(Cidr.parse(e));
                } catch (IllegalArgumentException bad) {
                    throw new IllegalArgumentException("MAGNET_ALLOW_PRIVATE_ADDRESSES: " + bad.getMessage(), bad);
                }
            } else if (e.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?")) {
                hosts.add(e.toLowerCase(Locale.ROOT));
            } else {
                throw new IllegalArgumentException("MAGNET_ALLOW_PRIVATE_ADDRESSES: '" + e
                        + "' is neither a host name nor an address or CIDR range (e.g. git.internal, 10.1.0.0/16)");
            }
        }
        this.allowedHosts = List.copyOf(hosts);
        this.allowedRanges = List.copyOf(ranges);
    }

    /** The policy with the system resolver. */
    public static AddressPolicy of(List<String> allowed) {
        return new AddressPolicy(allowed, host -> List.of(InetAddress.getAllByName(host)));
    }

    /**
     * The addresses {@code host} resolves to, after checking that every one of them may be reached. Pin the
     * connection to one of them (DNS may answer differently next time).
     *
     * @throws ForbiddenAddressException when one of them is not public and not allowed, or the host does not resolve
     */
    public List<InetAddress> check(String host) {
        String name = unbracket(host).toLowerCase(Locale.ROOT);
        List<InetAddress> addresses;
        try {
            addresses = resolver.resolve(name);
        } catch (UnknownHostException e) {
            throw new ForbiddenAddressException("the host " + name + " does not resolve", false);
        }
        if (addresses.isEmpty()) {
            throw new ForbiddenAddressException("the host " + name + " does not resolve", false);
        }
        if (allowedHosts.contains(name)) {
            return addresses;
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address) && allowedRanges.stream().noneMatch(r -> r.contains(address))) {
                throw new ForbiddenAddressException("the host " + name + " is " + address.getHostAddress()
                        + ", a loopback, link-local or private address, which user-given URLs may not reach; the "
                        + "operator can allow it with MAGNET_ALLOW_PRIVATE_ADDRESSES", true);
            }
        }
        return addresses;
    }

    /** True for an address on the public internet (none of the ranges this policy refuses). */
    public static boolean isPublic(InetAddress address) {
        InetAddress a = embeddedIpv4(address);
        for (Cidr range : NOT_PUBLIC) {
            if (range.contains(a)) {
                return false;
            }
        }
        return !a.isAnyLocalAddress() && !a.isLoopbackAddress() && !a.isLinkLocalAddress() && !a.isSiteLocalAddress()
                && !a.isMulticastAddress();
    }

    /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address, else the address. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return address;
        }
        byte[] b = address.getAddress();
        boolean zeroPrefix = true;
        for (int i = 0; i < 10; i++) {
            zeroPrefix &= b[i] == 0;
        }
        boolean mapped = zeroPrefix && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0
                && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1))));
        try {
            if (mapped || NAT64.contains(address)) {
                return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
            }
            if (SIX_TO_FOUR.contains(address)) {
                return InetAddress.getByAddress(new byte[] {b[2], b[3], b[4], b[5]});
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes always make an IPv4 address", e);
        }
        return address;
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** An address range: a base address and a prefix length. */
    record Cidr(byte[] base, int prefix) {
        static boolean looksLikeAddress(String text) {
            String address = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
            return address.matches("[0-9.]+") && address.chars().filter(c -> c == '.').count() == 3
                    || address.contains(":");
        }

        static Cidr parse(String text) {
            String address = text.contains("/") ? text.substring(0, text.indexOf('/')) : text;
            if (!looksLikeAddress(address)) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range");
            }
            byte[] bytes;
            try {
                // why: only literals reach here (checked above), so this never asks DNS
                bytes = InetAddress.getByName(address).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR range", e);
            }
            int prefix = bytes.length * 8;
            if (text.contains("/")) {
                try {
                    prefix = Integer.parseInt(text.substring(text.indexOf('/') + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "' has no valid prefix length", e);
                }
                if (prefix < 0 || prefix > bytes.length * 8) {
                    throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
                }
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(InetAddress address) {
            byte[] b = address.getAddress();
            if (b.length != base.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (b[i] != base[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (b[full] & mask) == (base[full] & mask);
        }
    }
}
