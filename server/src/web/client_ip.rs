//! The client's address, for throttling sign-ins. The peer's address, unless
//! the peer is a proxy the configuration trusts (`trusted_proxies`): then the
//! nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
//! A header from an untrusted peer is ignored, so clients cannot pick their
//! own address to escape a throttle.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;
use ipnet::IpNet;

/// Parses the configured proxies: addresses (`10.0.0.5`) or ranges (`10.0.0.0/8`).
pub fn parse_trusted(entries: &[String]) -> anyhow::Result<Vec<IpNet>> {
    entries
        .iter()
        .map(|entry| {
            let entry = entry.trim();
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| anyhow::anyhow!("trusted_proxies: `{entry}` is neither an address nor a CIDR range"))
        })
        .collect()
}

fn trusted(proxies: &[IpNet], ip: IpAddr) -> bool {
    proxies.iter().any(|net| net.contains(&ip))
}

/// One `X-Forwarded-For` hop: `1.2.3.4`, `2001:db8::1`, `1.2.3.4:5678` or `[2001:db8::1]:5678`.
fn hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>().ok().or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

pub fn client_ip(proxies: &[IpNet], peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    if proxies.is_empty() || !trusted(proxies, peer) {
        return peer;
    }
    let hops: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok()).flat_map(|value| value.split(',')).collect();
    // From the right: each trusted proxy appended the address it got the
    // request from. The first one that is not a trusted proxy is the client.
    let mut client = peer;
    for text in hops.iter().rev() {
        let Some(ip) = hop(text) else { break };
        client = ip;
        if !trusted(proxies, ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append("x-forwarded-for", value.parse().expect("header value"));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_trusted_peers_are_believed() {
        let proxies = parse_trusted(&["10.0.0.0/8".into(), "127.0.0.1".into()]).expect("valid");
        let forwarded = headers(&["203.0.113.7"]);
        assert_eq!(client_ip(&proxies, ip("127.0.0.1"), &forwarded), ip("203.0.113.7"));
        assert_eq!(client_ip(&proxies, ip("198.51.100.1"), &forwarded), ip("198.51.100.1"), "an untrusted peer's header is ignored");
        assert_eq!(client_ip(&[], ip("127.0.0.1"), &forwarded), ip("127.0.0.1"), "no proxies configured");
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let proxies = parse_trusted(&["10.0.0.0/8".into()]).expect("valid");
        // The client may put anything first; only what the proxies appended counts.
        let forwarded = headers(&["6.6.6.6, 203.0.113.7", "10.1.1.1"]);
        assert_eq!(client_ip(&proxies, ip("10.0.0.2"), &forwarded), ip("203.0.113.7"));
        assert_eq!(client_ip(&proxies, ip("10.0.0.2"), &headers(&["[2001:db8::1]:4711"])), ip("2001:db8::1"));
        assert_eq!(client_ip(&proxies, ip("10.0.0.2"), &headers(&["garbage, 10.1.1.1"])), ip("10.1.1.1"), "stops at what it cannot read");
        assert_eq!(client_ip(&proxies, ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
    }

    #[test]
    fn bad_entries_are_named() {
        let err = parse_trusted(&["10.0.0.0/33".into()]).expect_err("invalid");
        assert!(err.to_string().contains("10.0.0.0/33"), "{err}");
    }
}
