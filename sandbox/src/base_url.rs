//! The sandbox's external address as the client sees it, so every absolute URL it emits is
//! right whether it is served at "/" or nested under a prefix (e.g. `/sandbox` in the console).

use axum::http::{HeaderMap, Uri, header};

/// The path prefix the sandbox router is nested under ("" at the root, "/sandbox" when nested):
/// axum's `OriginalUri` keeps the full path, the request `Uri` has the prefix stripped.
pub(crate) fn prefix(original: &Uri, nested: &Uri) -> String {
    original
        .path()
        .strip_suffix(nested.path())
        .unwrap_or("")
        .trim_end_matches('/')
        .to_owned()
}

/// `scheme://host[:port]{prefix}`, from the `Host` header (or the request target's authority)
/// and `X-Forwarded-Proto` when a TLS-terminating proxy says `https`.
pub(crate) fn external_base(headers: &HeaderMap, original: &Uri, nested: &Uri) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| original.authority().map(|a| a.as_str()))
        .filter(|h| is_plausible_host(h))
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
    {
        Some(p) if p.eq_ignore_ascii_case("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}{}", prefix(original, nested))
}

/// Host names, IPv4/IPv6 literals and ports only: nothing that could smuggle markup or a path.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn prefix_from_nesting() {
        let nested: Uri = "/oauth/info".parse().unwrap();
        assert_eq!(prefix(&"/oauth/info".parse().unwrap(), &nested), "");
        assert_eq!(
            prefix(&"/sandbox/oauth/info".parse().unwrap(), &nested),
            "/sandbox"
        );
        assert_eq!(
            prefix(&"/a/b/oauth/info?x=1".parse().unwrap(), &nested),
            "/a/b"
        );
    }

    #[test]
    fn base_from_host_and_proto() {
        let nested: Uri = "/oauth/info".parse().unwrap();
        let original: Uri = "/sandbox/oauth/info".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("intranet-host:3000"));
        assert_eq!(
            external_base(&headers, &original, &nested),
            "http://intranet-host:3000/sandbox"
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            external_base(&headers, &original, &nested),
            "https://intranet-host:3000/sandbox"
        );
        headers.insert(header::HOST, HeaderValue::from_static("evil\"><script>"));
        assert_eq!(
            external_base(&headers, &original, &nested),
            "https://localhost/sandbox"
        );
    }
}
