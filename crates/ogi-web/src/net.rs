//! Who is asking: the client's address behind trusted reverse proxies.
//!
//! `X-Forwarded-For` is believed only from a configured proxy
//! (`ogi serve --trusted-proxy`): the client is the rightmost hop that is
//! not itself a trusted proxy. From any other peer the header is ignored,
//! so a client cannot choose the address its failed logins count against.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

/// A proxy (or a network of proxies) whose `X-Forwarded-For` is believed.
pub type TrustedProxy = IpNet;

/// `10.0.0.5`, `10.0.0.0/8`, `::1` or `fd00::/8`.
pub fn parse_trusted_proxy(s: &str) -> Result<TrustedProxy, String> {
    let t = s.trim();
    let net = match t.parse::<IpNet>() {
        Ok(n) => n,
        Err(_) => match t.parse::<IpAddr>() {
            Ok(ip) => IpNet::from(ip),
            Err(_) => return Err(format!("“{s}”不是 IP 地址或网段（例如 10.0.0.5 或 10.0.0.0/8）")),
        },
    };
    Ok(net.trunc())
}

/// The client's address as this server judges it (in the request's
/// extensions, set by `auth::middleware`; also an extractor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<ClientAddr>().copied().unwrap_or_else(|| client_addr(parts, &[])))
    }
}

/// The client of a request: its peer, or what trusted proxies forwarded.
pub fn client_addr(parts: &Parts, trusted: &[TrustedProxy]) -> ClientAddr {
    let peer =
        parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    ClientAddr(client_ip(peer, &parts.headers, trusted))
}

/// The rightmost address of `X-Forwarded-For` that is not a trusted proxy,
/// when the peer is one; else the peer. A hop that is not an address stops
/// the walk at the trusted hop that reported it.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[TrustedProxy]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|n| n.contains(ip));
    let peer = peer.to_canonical();
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { return client };
        client = ip;
        if !is_trusted(&ip) {
            return ip;
        }
    }
    client
}

/// `203.0.113.7`, `203.0.113.7:51234`, `2001:db8::1` or `[2001:db8::1]:443`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip())).map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = [parse_trusted_proxy("10.0.0.0/8").unwrap(), parse_trusted_proxy("192.0.2.1").unwrap()];
        let h = xff(&["198.51.100.9, 203.0.113.7"]);
        // An untrusted peer: its header is ignored.
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &trusted), ip("198.51.100.1"));
        assert_eq!(client_ip(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        // A trusted peer: the rightmost untrusted hop (the left one may be forged).
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.7"));
        // Chained trusted proxies are skipped, across several headers too.
        let h = xff(&["198.51.100.9, 203.0.113.7", "192.0.2.1", "10.9.9.9"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.7"));
        // Only proxies all the way: the leftmost of them.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff(&["10.0.0.7, 192.0.2.1"]), &trusted), ip("10.0.0.7"));
        // No header: the proxy itself.
        assert_eq!(client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted), ip("10.1.2.3"));
        // Garbage stops at the trusted hop that reported it.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff(&["203.0.113.7, evil, 10.0.0.8"]), &trusted), ip("10.0.0.8"));
        // Ports and IPv6, and IPv4 peers seen through an IPv6 socket.
        assert_eq!(client_ip(ip("10.1.2.3"), &xff(&["203.0.113.7:5555"]), &trusted), ip("203.0.113.7"));
        assert_eq!(client_ip(ip("10.1.2.3"), &xff(&["[2001:db8::1]:443"]), &trusted), ip("2001:db8::1"));
        assert_eq!(client_ip(ip("::ffff:10.1.2.3"), &xff(&["203.0.113.7"]), &trusted), ip("203.0.113.7"));
    }

    #[test]
    fn proxies_are_addresses_or_networks() {
        assert_eq!(parse_trusted_proxy("127.0.0.1").unwrap().to_string(), "127.0.0.1/32");
        assert_eq!(parse_trusted_proxy("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(parse_trusted_proxy("::1").unwrap().to_string(), "::1/128");
        assert!(parse_trusted_proxy("proxy.local").unwrap_err().contains("不是 IP 地址或网段"));
        assert!(parse_trusted_proxy("10.0.0.0/33").is_err());
    }
}
