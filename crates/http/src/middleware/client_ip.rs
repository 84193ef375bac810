//! Who the client is, for budgets and session records: the socket peer, unless the peer is a
//! trusted proxy, in which case the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy. A header from an untrusted peer is ignored, so it cannot be spoofed.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use ipnet::{IpNet, Ipv6Net};

/// The resolved client address, stored in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

/// One `X-Forwarded-For` entry: an address, an address with a port (`203.0.113.7:4711`), or a
/// bracketed IPv6 address with or without a port (`[2001:db8::1]:443`, `[2001:db8::1]`), as
/// proxies write them. Anything else is `None`.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(addr) = entry.parse::<SocketAddr>() {
        return Some(canonical(addr.ip()));
    }
    entry
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .and_then(|inner| inner.parse::<Ipv6Addr>().ok())
        .map(|ip| canonical(IpAddr::V6(ip)))
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:192.0.2.1`) is the IPv4 client.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

pub fn resolve(peer: IpAddr, forwarded_for: &[&str], proxies: &[IpNet]) -> IpAddr {
    let peer = canonical(peer);
    if !trusted(peer, proxies) {
        return peer;
    }
    let mut client = peer;
    // Walk from the nearest hop outwards; stop at the first hop no trusted proxy vouches for.
    for entry in forwarded_for
        .iter()
        .rev()
        .flat_map(|header| header.rsplit(','))
    {
        match parse_hop(entry) {
            Some(ip) => {
                client = ip;
                if !trusted(ip, proxies) {
                    break;
                }
            }
            // Garbage in the chain: nothing beyond it can be believed.
            None => break,
        }
    }
    client
}

/// The key a client's budgets are kept under: an IPv4 address as it is, an IPv6 address by its
/// network of `ipv6_prefix` bits (one subscriber gets a whole /64 and can pick any address in
/// it, so counting single addresses would give it billions of budgets).
pub fn budget_key(ip: IpAddr, ipv6_prefix: u8) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => Ipv6Net::new(v6, ipv6_prefix.min(128))
            .map_or_else(|_| v6.to_string(), |net| net.trunc().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("an address")
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().expect("a range")).collect()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let client = resolve(ip("203.0.113.9"), &["1.1.1.1"], &nets(&["10.0.0.0/8"]));
        assert_eq!(client, ip("203.0.113.9"));
        assert_eq!(resolve(ip("10.0.0.1"), &["1.1.1.1"], &[]), ip("10.0.0.1"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let proxies = nets(&["10.0.0.0/8"]);
        let spoofed_then_real = ["6.6.6.6, 198.51.100.7", "10.0.0.2"];
        assert_eq!(
            resolve(ip("10.0.0.1"), &spoofed_then_real, &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(resolve(ip("10.0.0.1"), &[], &proxies), ip("10.0.0.1"));
        assert_eq!(
            resolve(ip("10.0.0.1"), &["not-an-ip, 10.0.0.3"], &proxies),
            ip("10.0.0.3")
        );
    }

    #[test]
    fn hops_with_ports_and_brackets_are_read() {
        let proxies = nets(&["10.0.0.0/8"]);
        for (entry, client) in [
            ("203.0.113.7:4711", "203.0.113.7"),
            ("[2001:db8::1]:443", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            (" 2001:DB8::2 ", "2001:db8::2"),
            ("::ffff:192.0.2.1", "192.0.2.1"),
            ("10.0.0.9:80, 198.51.100.3:1", "198.51.100.3"),
        ] {
            assert_eq!(
                resolve(ip("10.0.0.1"), &[entry], &proxies),
                ip(client),
                "{entry}"
            );
        }
        for garbage in ["[2001:db8::1", "2001:db8::1]:443", "1.2.3.4:x", "[1.2.3.4]"] {
            assert_eq!(
                resolve(ip("10.0.0.1"), &[garbage], &proxies),
                ip("10.0.0.1"),
                "{garbage}"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_network_and_ipv4_by_address() {
        assert_eq!(budget_key(ip("203.0.113.7"), 64), "203.0.113.7");
        assert_eq!(budget_key(ip("::ffff:203.0.113.7"), 64), "203.0.113.7");
        let a = budget_key(ip("2001:db8:1:2:aaaa::1"), 64);
        let b = budget_key(ip("2001:db8:1:2:ffff:1:2:3"), 64);
        assert_eq!(a, b);
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_ne!(a, budget_key(ip("2001:db8:1:3::1"), 64));
        assert_eq!(budget_key(ip("2001:db8::1"), 128), "2001:db8::1/128");
        assert_eq!(
            budget_key(ip("2001:db8:1:2:3::"), 48),
            budget_key(ip("2001:db8:1:ffff::"), 48)
        );
    }
}
