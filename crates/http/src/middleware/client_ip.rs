//! Who the client is, for budgets and session records: the socket peer, unless the peer is a
//! trusted proxy, in which case the right-most `X-Forwarded-For` entry that is not itself a
//! trusted proxy. A header from an untrusted peer is ignored, so it cannot be spoofed.

use std::net::IpAddr;

use ipnet::IpNet;

/// The resolved client address, stored in the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

fn trusted(ip: IpAddr, proxies: &[IpNet]) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

pub fn resolve(peer: IpAddr, forwarded_for: &[&str], proxies: &[IpNet]) -> IpAddr {
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
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !trusted(ip, proxies) {
                    break;
                }
            }
            // Garbage in the chain: nothing beyond it can be believed.
            Err(_) => break,
        }
    }
    client
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
}
