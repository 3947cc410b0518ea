//! The client's address, for sign-in throttling and the `origin` of audit rows: the connection's
//! peer, or — when the peer is a reverse proxy the operator named in `trusted_proxies` — the
//! nearest address of `X-Forwarded-For` (read from the right) that is not itself a trusted proxy.
//! A header from anyone else is ignored, so that a client cannot choose its own address; an entry
//! that is not an address stops the walk at the proxy.

use std::net::IpAddr;

/// The address a request is counted and audited under.
pub fn client_address(peer: Option<IpAddr>, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> String {
    let Some(peer) = peer else { return "unknown".into() };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let Some(header) = forwarded_for else { return peer.to_string() };
    let mut nearest = peer;
    for entry in header.rsplit(',').map(str::trim) {
        match entry.parse::<IpAddr>() {
            Ok(address) if trusted.contains(&address) => nearest = address,
            Ok(address) => return address.to_string(),
            Err(_) => break,
        }
    }
    nearest.to_string()
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_header_counts_only_behind_a_trusted_proxy() {
        let proxy = [ip("127.0.0.1"), ip("10.0.0.2")];
        // No trusted proxy: the peer, whatever the header says.
        assert_eq!(client_address(Some(ip("198.51.100.4")), Some("203.0.113.7"), &[]), "198.51.100.4");
        assert_eq!(client_address(Some(ip("198.51.100.4")), Some("203.0.113.7"), &proxy), "198.51.100.4");
        // Behind the proxy: the nearest address that is not a proxy, from the right.
        assert_eq!(client_address(Some(ip("127.0.0.1")), Some("203.0.113.7"), &proxy), "203.0.113.7");
        assert_eq!(
            client_address(Some(ip("127.0.0.1")), Some("6.6.6.6, 203.0.113.7, 10.0.0.2"), &proxy),
            "203.0.113.7"
        );
        // No header, an empty one or garbage: the proxy itself (never a forged value).
        assert_eq!(client_address(Some(ip("127.0.0.1")), None, &proxy), "127.0.0.1");
        assert_eq!(client_address(Some(ip("127.0.0.1")), Some(""), &proxy), "127.0.0.1");
        assert_eq!(client_address(Some(ip("127.0.0.1")), Some("x\" forged, 10.0.0.2"), &proxy), "10.0.0.2");
        assert_eq!(client_address(None, Some("203.0.113.7"), &proxy), "unknown");
        assert_eq!(client_address(Some(ip("127.0.0.1")), Some("2001:db8::1"), &proxy), "2001:db8::1");
    }
}
