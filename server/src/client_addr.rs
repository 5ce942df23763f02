//! The client's address and scheme, as far as the console can tell them.
//!
//! The TCP peer is the only address nobody can forge. When the peer is one of the operator's
//! reverse proxies (`CONSOLE_TRUSTED_PROXIES`), the proxy's forwarding headers say who *its* peer
//! was: `Forwarded: for=` (RFC 7239) and the de-facto `X-Forwarded-For`, each proxy appending the
//! address it saw. The chain is walked from the right, past the operator's own proxies; the first
//! address that is not one of them is the client. Everything left of it was written by the client
//! (or by proxies nobody vouches for) and is never believed. A peer that is not a trusted proxy
//! has its forwarding headers ignored entirely: otherwise anyone could claim any address.
//!
//! Both headers are read when both are sent. A proxy that writes one of them usually passes the
//! other through as the client sent it, so a disagreement between the two means one was forged,
//! and which one cannot be told: the request is then attributed to the trusted peer itself (an
//! address the client cannot choose), never to either header's claim.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, header};
use ipnet::{IpNet, Ipv4Net};

/// `X-Forwarded-For`: the de-facto list of addresses, one appended per proxy.
const X_FORWARDED_FOR: &str = "x-forwarded-for";
/// `X-Forwarded-Proto`: the scheme the client used, as the proxy saw it.
const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

/// The operator's reverse proxies (`CONSOLE_TRUSTED_PROXIES`): the only peers whose forwarding
/// headers are believed. Empty by default: then no header is believed and the client is the TCP
/// peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No trusted proxy: forwarding headers are never believed.
    pub fn none() -> TrustedProxies {
        TrustedProxies(Vec::new())
    }

    /// Reads a list of CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`) and single addresses
    /// (`192.0.2.7` meaning `/32`, `2001:db8::7` meaning `/128`), separated by commas and/or
    /// whitespace. An empty list trusts no proxy. IPv4-mapped IPv6 entries (`::ffff:10.0.0.1`)
    /// are read as the IPv4 they map. The error names the first entry that is neither.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map(canonical_net)
                    .map_err(|_| {
                        format!(
                            "{entry:?} is neither an IP address nor a CIDR range \
                             (expected e.g. 10.0.0.0/8, 192.0.2.7 or 2001:db8::/32)"
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether `ip` is one of the trusted proxies. An IPv4-mapped IPv6 address
    /// (`::ffff:10.0.0.1`, how a dual-stack listener sees an IPv4 peer) counts as its IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The trusted ranges, as read (host bits cleared).
    pub fn networks(&self) -> &[IpNet] {
        &self.0
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(list: &str) -> Result<TrustedProxies, String> {
        TrustedProxies::parse(list)
    }
}

/// `10.0.0.0/8, 192.0.2.7/32`, or `none`: for the startup log.
impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, net) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{net}")?;
        }
        Ok(())
    }
}

/// Host bits cleared; an IPv6 range inside `::ffff:0:0/96` becomes the IPv4 range it maps.
fn canonical_net(net: IpNet) -> IpNet {
    if let IpNet::V6(v6) = net
        && let Some(v4) = v6.network().to_ipv4_mapped()
        && let Some(prefix) = v6.prefix_len().checked_sub(96)
        && let Ok(mapped) = Ipv4Net::new(v4, prefix)
    {
        return IpNet::V4(mapped).trunc();
    }
    net.trunc()
}

/// The client's address, for request extensions (a middleware computes it once with
/// [`client_ip`]; handlers and logs read it from there).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub IpAddr);

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The client's address for a request served with connection info
/// (`into_make_service_with_connect_info::<SocketAddr>()`): [`client_ip`] of the
/// `ConnectInfo<SocketAddr>` peer and the request's headers. None without connection info.
pub fn request_client_ip<B>(request: &Request<B>, trusted: &TrustedProxies) -> Option<IpAddr> {
    let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
    Some(client_ip(*peer, request.headers(), trusted))
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy; then the forwarding
/// chain (`Forwarded: for=`, `X-Forwarded-For`; every instance of the header, in order) is
/// walked from the right past trusted proxies, and the first address that is not one is the
/// client. When every address in the chain is trusted, the leftmost. An entry that is not an
/// address (garbage, `unknown`, an obfuscated `_name`) stops the walk: the last address reached
/// is the client. When both headers are sent and name different clients, the peer.
///
/// IPv4-mapped IPv6 addresses are returned as IPv4.
pub fn client_ip(peer: SocketAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.ip().to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let forwarded = forwarded_elements(headers)
        .map(|elements| walk(peer, elements.iter().map(|e| e.node), trusted).0);
    let x_forwarded = x_forwarded_for(headers).map(|hops| walk(peer, hops, trusted).0);
    match (forwarded, x_forwarded) {
        (Some(a), Some(b)) if a != b => peer,
        (Some(client), _) | (None, Some(client)) => client,
        (None, None) => peer,
    }
}

/// The scheme the client used (`"http"` or `"https"`), as a trusted proxy says: the `proto=` of
/// the `Forwarded` element that names the client (or of the trusted peer's own element), and the
/// last `X-Forwarded-Proto` value (the one the trusted peer set). None when the peer is not a
/// trusted proxy, when neither header says, when the value is anything else, or when the two
/// headers disagree.
pub fn forwarded_proto(
    peer: SocketAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<String> {
    let peer = peer.ip().to_canonical();
    if !trusted.contains(peer) {
        return None;
    }
    let forwarded = forwarded_elements(headers).and_then(|elements| {
        let (_, at) = walk(peer, elements.iter().map(|e| e.node), trusted);
        let element = match at {
            Some(i) => elements.get(i),
            None => elements.last(),
        }?;
        element.proto.as_deref().and_then(scheme)
    });
    let x_forwarded = headers
        .get_all(X_FORWARDED_PROTO)
        .iter()
        .next_back()
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(scheme);
    match (forwarded, x_forwarded) {
        (Some(a), Some(b)) if a != b => None,
        (Some(proto), _) | (None, Some(proto)) => Some(proto.to_string()),
        (None, None) => None,
    }
}

/// `http` or `https`, whatever the case; None for anything else.
fn scheme(value: &str) -> Option<&'static str> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("https") {
        Some("https")
    } else if value.eq_ignore_ascii_case("http") {
        Some("http")
    } else {
        None
    }
}

/// Walks a chain of hops (left to right as sent) from the right, starting at the trusted peer:
/// each address is taken in turn; the first untrusted one ends the walk, and so does an entry
/// that is not an address (the last address reached stands). Returns the client and the index of
/// the hop it came from (None: the peer itself).
fn walk(
    peer: IpAddr,
    hops: impl DoubleEndedIterator<Item = Option<IpAddr>> + ExactSizeIterator,
    trusted: &TrustedProxies,
) -> (IpAddr, Option<usize>) {
    let mut client = (peer, None);
    for (i, hop) in hops.enumerate().rev() {
        let Some(ip) = hop else { break };
        let ip = ip.to_canonical();
        client = (ip, Some(i));
        if !trusted.contains(ip) {
            break;
        }
    }
    client
}

/// Every `X-Forwarded-For` entry, left to right across the header's instances: an address, or
/// None for an entry that is not one (an instance that is not text is one such entry). Empty
/// list elements are skipped. None when the header is absent.
fn x_forwarded_for(headers: &HeaderMap) -> Option<std::vec::IntoIter<Option<IpAddr>>> {
    let mut hops = Vec::new();
    let mut present = false;
    for value in headers.get_all(X_FORWARDED_FOR) {
        present = true;
        let Ok(value) = value.to_str() else {
            hops.push(None);
            continue;
        };
        hops.extend(
            value
                .split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(x_forwarded_for_entry),
        );
    }
    present.then(|| hops.into_iter())
}

/// `192.0.2.7`, `2001:db8::7`; with a port as some proxies write them (`192.0.2.7:4711`,
/// `[2001:db8::7]:4711`), or bracketed (`[2001:db8::7]`).
fn x_forwarded_for_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .or_else(|| {
            entry
                .strip_prefix('[')?
                .strip_suffix(']')?
                .parse::<Ipv6Addr>()
                .ok()
                .map(IpAddr::V6)
        })
}

/// One `Forwarded` element: the `for=` node (None: absent, `unknown`, obfuscated or malformed)
/// and the `proto=` value.
#[derive(Debug, Default)]
struct Element {
    node: Option<IpAddr>,
    proto: Option<String>,
}

/// Every `Forwarded` element, left to right across the header's instances. None when the header
/// is absent. An element that does not parse is kept, empty (so that it stops the walk).
fn forwarded_elements(headers: &HeaderMap) -> Option<Vec<Element>> {
    let mut elements = Vec::new();
    let mut present = false;
    for value in headers.get_all(header::FORWARDED) {
        present = true;
        let Ok(value) = value.to_str() else {
            elements.push(Element::default());
            continue;
        };
        elements.extend(
            split_unquoted(value, ',')
                .into_iter()
                .map(str::trim)
                .filter(|element| !element.is_empty())
                .map(|element| forwarded_element(element).unwrap_or_default()),
        );
    }
    present.then_some(elements)
}

/// `for=192.0.2.60;proto=http;by=203.0.113.43`: parameter names are case-insensitive, each at
/// most once; values are tokens or quoted strings. None when malformed.
fn forwarded_element(element: &str) -> Option<Element> {
    let mut node = None;
    let mut proto = None;
    for pair in split_unquoted(element, ';') {
        let pair = pair.trim();
        if pair.is_empty() {
            continue;
        }
        let (name, value) = pair.split_once('=')?;
        let name = name.trim();
        let value = unquote(value.trim())?;
        if name.eq_ignore_ascii_case("for") {
            if node.is_some() {
                return None;
            }
            node = Some(forwarded_node(&value));
        } else if name.eq_ignore_ascii_case("proto") {
            if proto.is_some() {
                return None;
            }
            proto = Some(value);
        } else if name.is_empty() || !name.bytes().all(is_tchar) {
            return None;
        }
    }
    Some(Element {
        node: node.flatten(),
        proto,
    })
}

/// RFC 7239 §6 node: `192.0.2.60`, `"192.0.2.60:4711"`, `"[2001:db8::17]"`,
/// `"[2001:db8::17]:4711"` (a bare IPv6 inside quotes is tolerated). None for `unknown`, an
/// obfuscated `_name` and anything malformed.
fn forwarded_node(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        let (ip, rest) = rest.split_once(']')?;
        let ip = ip.parse::<Ipv6Addr>().ok()?;
        return (rest.is_empty() || rest.strip_prefix(':').is_some_and(is_node_port))
            .then_some(IpAddr::V6(ip));
    }
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    let (ip, port) = node.split_once(':')?;
    let ip = ip.parse::<Ipv4Addr>().ok()?;
    is_node_port(port).then_some(IpAddr::V4(ip))
}

/// `node-port = port / obfport`: 1–5 digits, or `_` and letters, digits, `.`, `_`, `-`.
fn is_node_port(port: &str) -> bool {
    if let Some(obfuscated) = port.strip_prefix('_') {
        return !obfuscated.is_empty()
            && obfuscated
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    }
    (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit())
}

/// A token as is, or a quoted string's content (backslash escapes resolved). None when neither.
fn unquote(value: &str) -> Option<String> {
    let Some(quoted) = value.strip_prefix('"') else {
        // Lenient: a token, or an unquoted `192.0.2.60:4711` / `[2001:db8::17]`.
        return (!value.is_empty()
            && value
                .bytes()
                .all(|b| is_tchar(b) || matches!(b, b':' | b'[' | b']')))
        .then(|| value.to_string());
    };
    let mut content = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => content.push(chars.next()?),
            '"' => return chars.as_str().is_empty().then_some(content),
            c => content.push(c),
        }
    }
    None
}

/// RFC 7230 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Splits on `separator` outside quoted strings (which may hold it, and escaped quotes).
fn split_unquoted(s: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if escaped {
            escaped = false;
        } else if quoted && c == '\\' {
            escaped = true;
        } else if c == '"' {
            quoted = !quoted;
        } else if c == separator && !quoted {
            parts.push(&s[start..i]);
            start = i + c.len_utf8();
        }
    }
    parts.push(&s[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderName, HeaderValue};

    fn trusted(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).unwrap()
    }

    fn peer(ip: &str) -> SocketAddr {
        SocketAddr::new(ip.parse().unwrap(), 54321)
    }

    fn ip(ip: &str) -> IpAddr {
        ip.parse().unwrap()
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        headers
    }

    /// The proxies of most tests: a load balancer in 10.0.0.0/8 and nginx on 192.0.2.10.
    fn proxies() -> TrustedProxies {
        trusted("10.0.0.0/8, 192.0.2.10")
    }

    #[test]
    fn the_list_takes_ranges_and_single_addresses_separated_any_way() {
        let list = trusted(" 10.0.0.0/8,192.168.1.7\n2001:db8::/32 ,, ::1\t172.16.0.0/12 ");
        let shown: Vec<String> = list.networks().iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "10.0.0.0/8",
                "192.168.1.7/32",
                "2001:db8::/32",
                "::1/128",
                "172.16.0.0/12"
            ]
        );
        assert_eq!(
            list.to_string(),
            "10.0.0.0/8, 192.168.1.7/32, 2001:db8::/32, ::1/128, 172.16.0.0/12"
        );
    }

    #[test]
    fn an_empty_list_trusts_nobody() {
        for list in ["", "   ", ",", " , \n"] {
            let list = trusted(list);
            assert!(list.is_empty());
            assert!(!list.contains(ip("10.0.0.1")));
            assert_eq!(list.to_string(), "none");
        }
        assert_eq!(TrustedProxies::none(), TrustedProxies::default());
    }

    #[test]
    fn a_bad_entry_is_named() {
        for (list, bad) in [
            ("10.0.0.0/8, proxy.internal", "\"proxy.internal\""),
            ("10.0.0.0/33", "\"10.0.0.0/33\""),
            ("10.0.0.0/8;192.0.2.1", "\"10.0.0.0/8;192.0.2.1\""),
            ("fe80::1%eth0", "\"fe80::1%eth0\""),
            ("10.0.0.256", "\"10.0.0.256\""),
        ] {
            let error = TrustedProxies::parse(list).unwrap_err();
            assert!(error.starts_with(bad), "{list}: {error}");
            assert!(error.contains("CIDR"), "{error}");
        }
    }

    #[test]
    fn host_bits_are_cleared_and_mapped_entries_read_as_ipv4() {
        let list = trusted("10.1.2.3/8 ::ffff:192.0.2.7 ::ffff:198.51.100.0/120");
        let shown: Vec<String> = list.networks().iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.0.2.7/32", "198.51.100.0/24"]);
        assert!(list.contains(ip("198.51.100.200")));
        assert!(list.contains(ip("::ffff:198.51.100.200")));
    }

    #[test]
    fn membership_canonicalises_ipv4_mapped_peers() {
        let list = proxies();
        assert!(list.contains(ip("10.200.0.1")));
        assert!(list.contains(ip("::ffff:10.200.0.1")));
        assert!(list.contains(ip("192.0.2.10")));
        assert!(!list.contains(ip("192.0.2.11")));
        assert!(!list.contains(ip("11.0.0.1")));
        assert!(!list.contains(ip("::1")));
        let v6 = trusted("2001:db8:1::/48");
        assert!(v6.contains(ip("2001:db8:1:ffff::1")));
        assert!(!v6.contains(ip("2001:db8:2::1")));
    }

    #[test]
    fn without_forwarding_headers_the_client_is_the_peer() {
        let none = HeaderMap::new();
        assert_eq!(
            client_ip(peer("203.0.113.5"), &none, &proxies()),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(peer("10.0.0.1"), &none, &proxies()),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_ip(peer("::ffff:203.0.113.5"), &none, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        for (name, value) in [
            ("x-forwarded-for", "198.51.100.77"),
            ("x-forwarded-for", "198.51.100.77, 10.0.0.1"),
            ("forwarded", "for=198.51.100.77"),
            ("x-forwarded-proto", "https"),
        ] {
            let spoofed = headers(&[(name, value)]);
            assert_eq!(
                client_ip(peer("203.0.113.5"), &spoofed, &proxies()),
                ip("203.0.113.5")
            );
            assert_eq!(
                client_ip(peer("203.0.113.5"), &spoofed, &TrustedProxies::none()),
                ip("203.0.113.5")
            );
            assert_eq!(
                forwarded_proto(peer("203.0.113.5"), &spoofed, &proxies()),
                None
            );
        }
    }

    #[test]
    fn a_trusted_peer_names_the_client() {
        let xff = headers(&[("x-forwarded-for", "203.0.113.5")]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &xff, &proxies()),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_ip(peer("::ffff:10.0.0.1"), &xff, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn a_chain_through_two_proxies_is_walked_past_both() {
        // Client → load balancer 10.0.0.1 → nginx 192.0.2.10 → console.
        let chain = headers(&[("x-forwarded-for", "203.0.113.5, 10.0.0.1")]);
        assert_eq!(
            client_ip(peer("192.0.2.10"), &chain, &proxies()),
            ip("203.0.113.5")
        );
        // The same chain as two header instances.
        let split = headers(&[
            ("x-forwarded-for", "203.0.113.5"),
            ("x-forwarded-for", "10.0.0.1"),
        ]);
        assert_eq!(
            client_ip(peer("192.0.2.10"), &split, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn what_the_client_prepends_is_not_believed() {
        // The client sent `X-Forwarded-For: 198.51.100.1, 10.9.9.9`; the proxy appended the
        // address it saw. The walk stops at the first untrusted address from the right.
        let chain = headers(&[("x-forwarded-for", "198.51.100.1, 10.9.9.9, 203.0.113.5")]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &chain, &proxies()),
            ip("203.0.113.5")
        );
        let instances = headers(&[
            ("x-forwarded-for", "198.51.100.1"),
            ("x-forwarded-for", "203.0.113.5, 10.0.0.2"),
        ]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &instances, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn when_every_hop_is_trusted_the_leftmost_is_the_client() {
        let chain = headers(&[("x-forwarded-for", "10.1.1.1, 10.0.0.2")]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &chain, &proxies()),
            ip("10.1.1.1")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_good_address() {
        for (chain, client) in [
            ("203.0.113.5, garbage", "10.0.0.1"),
            ("203.0.113.5, unknown", "10.0.0.1"),
            ("198.51.100.1, garbage, 10.0.0.2", "10.0.0.2"),
            ("garbage, 203.0.113.5", "203.0.113.5"),
            ("203.0.113.5, 10.0.0.2:8080", "203.0.113.5"),
            ("203.0.113.5, 1.2.3", "10.0.0.1"),
            ("203.0.113.5,, 10.0.0.2,", "203.0.113.5"),
        ] {
            let headers = headers(&[("x-forwarded-for", chain)]);
            assert_eq!(
                client_ip(peer("10.0.0.1"), &headers, &proxies()),
                ip(client),
                "{chain}"
            );
        }
    }

    #[test]
    fn a_header_that_is_not_text_stops_the_walk() {
        let mut headers = headers(&[("x-forwarded-for", "198.51.100.1")]);
        headers.append(
            X_FORWARDED_FOR,
            HeaderValue::from_bytes(b"\xff203.0.113.5").unwrap(),
        );
        headers.append(X_FORWARDED_FOR, HeaderValue::from_static("10.0.0.2"));
        assert_eq!(
            client_ip(peer("10.0.0.1"), &headers, &proxies()),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_clients_and_proxies() {
        let v6 = trusted("2001:db8:ffff::/48, 10.0.0.0/8");
        for (chain, client) in [
            ("2001:db8:1::5", "2001:db8:1::5"),
            ("2001:db8:1::5, 2001:db8:ffff::2", "2001:db8:1::5"),
            ("[2001:db8:1::5]:4711", "2001:db8:1::5"),
            ("[2001:db8:1::5]", "2001:db8:1::5"),
            ("::ffff:203.0.113.5", "203.0.113.5"),
            ("203.0.113.5:4711", "203.0.113.5"),
        ] {
            let headers = headers(&[("x-forwarded-for", chain)]);
            assert_eq!(
                client_ip(peer("2001:db8:ffff::1"), &headers, &v6),
                ip(client),
                "{chain}"
            );
        }
    }

    #[test]
    fn the_forwarded_header_is_read() {
        for (forwarded, client) in [
            ("for=203.0.113.5", "203.0.113.5"),
            ("For=203.0.113.5;Proto=https", "203.0.113.5"),
            ("for=\"203.0.113.5:4711\"", "203.0.113.5"),
            ("for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17"),
            ("for=\"[2001:db8:cafe::17]:_port\"", "2001:db8:cafe::17"),
            (
                "for=198.51.100.1, for=203.0.113.5;by=10.0.0.1",
                "203.0.113.5",
            ),
            ("for=203.0.113.5, for=10.0.0.2", "203.0.113.5"),
            ("for=10.1.1.1, for=10.0.0.2", "10.1.1.1"),
            (
                "proto=https;for=\"203.0.113.5\";host=console.example",
                "203.0.113.5",
            ),
            ("for=\"_hidden\", for=10.0.0.2", "10.0.0.2"),
            ("for=unknown", "10.0.0.1"),
            ("for=_gazonk", "10.0.0.1"),
            ("proto=https", "10.0.0.1"),
            ("for=203.0.113.5;for=198.51.100.1", "10.0.0.1"),
            ("for=\"203.0.113.5", "10.0.0.1"),
            ("for=203.0.113.5:99999x", "10.0.0.1"),
            ("for=\"[2001:db8::17\"", "10.0.0.1"),
            ("for", "10.0.0.1"),
            ("bad name=1;for=203.0.113.5", "10.0.0.1"),
        ] {
            let headers = headers(&[("forwarded", forwarded)]);
            assert_eq!(
                client_ip(peer("10.0.0.1"), &headers, &proxies()),
                ip(client),
                "{forwarded}"
            );
        }
    }

    #[test]
    fn forwarded_instances_are_read_in_order() {
        let headers = headers(&[
            ("forwarded", "for=198.51.100.1"),
            ("forwarded", "for=203.0.113.5;proto=https, for=10.0.0.2"),
        ]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &headers, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn quoted_separators_do_not_split() {
        let headers = headers(&[(
            "forwarded",
            "for=203.0.113.5;host=\"a,b;c\\\"d\", for=10.0.0.2",
        )]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &headers, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn both_headers_agreeing_name_the_client() {
        let headers = headers(&[
            ("forwarded", "for=203.0.113.5"),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &headers, &proxies()),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn both_headers_disagreeing_name_the_peer() {
        // nginx appends to X-Forwarded-For and passes the client's forged `Forwarded` through:
        // neither claim can be told from the other, so the request is the proxy's.
        let forged = headers(&[
            ("forwarded", "for=198.51.100.77"),
            ("x-forwarded-for", "203.0.113.5"),
        ]);
        assert_eq!(
            client_ip(peer("10.0.0.1"), &forged, &proxies()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_client_of_a_request_needs_connection_info() {
        let mut request = Request::builder()
            .header("x-forwarded-for", "203.0.113.5")
            .body(())
            .unwrap();
        assert_eq!(request_client_ip(&request, &proxies()), None);
        request
            .extensions_mut()
            .insert(ConnectInfo(peer("10.0.0.1")));
        assert_eq!(
            request_client_ip(&request, &proxies()),
            Some(ip("203.0.113.5"))
        );
        request
            .extensions_mut()
            .insert(ConnectInfo(peer("198.51.100.1")));
        assert_eq!(
            request_client_ip(&request, &proxies()),
            Some(ip("198.51.100.1"))
        );
    }

    #[test]
    fn client_ip_shows_as_the_address() {
        assert_eq!(ClientIp(ip("2001:db8::1")).to_string(), "2001:db8::1");
    }

    #[test]
    fn the_scheme_comes_only_from_a_trusted_peer() {
        let https = headers(&[("x-forwarded-proto", "https")]);
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &https, &proxies()).as_deref(),
            Some("https")
        );
        assert_eq!(
            forwarded_proto(peer("203.0.113.5"), &https, &proxies()),
            None
        );
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &HeaderMap::new(), &proxies()),
            None
        );
    }

    #[test]
    fn the_scheme_is_http_or_https_only() {
        for (value, proto) in [
            ("HTTPS", Some("https")),
            (" http ", Some("http")),
            ("ftp", None),
            ("javascript", None),
            ("", None),
            // The last value is the one the trusted peer set.
            ("http, https", Some("https")),
            ("https, ws", None),
        ] {
            let headers = headers(&[("x-forwarded-proto", value)]);
            assert_eq!(
                forwarded_proto(peer("10.0.0.1"), &headers, &proxies()).as_deref(),
                proto,
                "{value}"
            );
        }
        let instances = headers(&[
            ("x-forwarded-proto", "http"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &instances, &proxies()).as_deref(),
            Some("https")
        );
    }

    #[test]
    fn the_forwarded_scheme_is_the_one_beside_the_client() {
        for (forwarded, proto) in [
            ("for=203.0.113.5;proto=https", Some("https")),
            // The load balancer saw https from the client; nginx saw http from the balancer.
            (
                "for=203.0.113.5;proto=https, for=10.0.0.2;proto=http",
                Some("https"),
            ),
            // What the client claims left of itself is not read.
            (
                "for=198.51.100.1;proto=http, for=203.0.113.5;proto=https",
                Some("https"),
            ),
            // The trusted peer's own element, when it names no client.
            ("proto=https", Some("https")),
            ("for=203.0.113.5", None),
            ("for=203.0.113.5;proto=gopher", None),
        ] {
            let headers = headers(&[("forwarded", forwarded)]);
            assert_eq!(
                forwarded_proto(peer("10.0.0.1"), &headers, &proxies()).as_deref(),
                proto,
                "{forwarded}"
            );
        }
    }

    #[test]
    fn disagreeing_schemes_say_nothing() {
        let agree = headers(&[
            ("forwarded", "for=203.0.113.5;proto=https"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &agree, &proxies()).as_deref(),
            Some("https")
        );
        let disagree = headers(&[
            ("forwarded", "for=203.0.113.5;proto=http"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &disagree, &proxies()),
            None
        );
        let one_says = headers(&[
            ("forwarded", "for=203.0.113.5"),
            ("x-forwarded-proto", "https"),
        ]);
        assert_eq!(
            forwarded_proto(peer("10.0.0.1"), &one_says, &proxies()).as_deref(),
            Some("https")
        );
    }
}
