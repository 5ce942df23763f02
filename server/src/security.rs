//! Response headers that every page and API answer carries (Content-Security-Policy with a
//! fresh nonce per page, HSTS over https, caching rules), and the CSRF check of mutations.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::set_header::SetResponseHeaderLayer;
use url::Url;

/// `public_origin`: the console's public URL (e.g. `https://console.example.com`); `exact`: it was
/// configured (`CONSOLE_PUBLIC_URL`), so it is the only origin a browser may post from.
pub fn layers(router: Router, public_origin: Url, exact: bool) -> Router {
    let rules = PageRules {
        https: public_origin.scheme() == "https",
        hashed_assets: crate::assets::hashed(),
    };
    let header = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        )
    };
    router
        .layer(middleware::from_fn_with_state(
            CsrfOrigin {
                own: public_origin.origin(),
                exact,
            },
            csrf,
        ))
        .layer(middleware::from_fn_with_state(rules, page_headers))
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("referrer-policy", "same-origin"))
        // The console is never meant to be framed (clickjacking on destructive buttons).
        .layer(header("x-frame-options", "DENY"))
}

/// The nonce of this response's Content-Security-Policy, in the request's extensions: the
/// server's Leptos context hands it to the renderer, which puts it on the inline hydration script.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

#[derive(Debug, Clone, Copy)]
struct PageRules {
    https: bool,
    hashed_assets: bool,
}

/// What a path serves, for its caching and policy.
#[derive(Debug, PartialEq, Eq)]
enum Area {
    /// The embedded sandbox tenant: its own site with its own pages; left alone.
    Sandbox,
    /// The site bundle (`/pkg/…`): CSS, JS, wasm.
    Bundle,
    /// Other files of the site (`/favicon.svg`): small, unhashed.
    PublicFile,
    /// Pages, server functions, sign-in: about the signed-in user, never stored by anyone.
    Dynamic,
}

impl Area {
    fn of(path: &str) -> Area {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        match first {
            "sandbox" => Area::Sandbox,
            "pkg" => Area::Bundle,
            _ if !path.get(1..).unwrap_or("").contains('/') && first.contains('.') => {
                Area::PublicFile
            }
            _ => Area::Dynamic,
        }
    }
}

/// The Content-Security-Policy of the console's pages. Scripts: the bundle from the console's
/// own origin and the one inline hydration script carrying this response's nonce (no
/// `unsafe-inline`); `wasm-unsafe-eval` is what compiling the wasm needs. Everything else from
/// the console's own origin only; nothing may frame a page; forms post only to the console.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
         base-uri 'none'; frame-ancestors 'none'; object-src 'none'; form-action 'self'"
    )
}

fn fresh_nonce() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// Policy, transport and caching headers by area (see [`Area`]).
async fn page_headers(
    State(rules): State<PageRules>,
    mut request: Request,
    next: Next,
) -> Response {
    let area = Area::of(request.uri().path());
    let nonce = fresh_nonce();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if rules.https {
        // A year; not `includeSubDomains`: the intranet name may host other tools.
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let cache = match area {
        Area::Sandbox => return response,
        // A hashed name changes with the content: keep it for a year, never revalidate.
        Area::Bundle if rules.hashed_assets => "public, max-age=31536000, immutable",
        Area::Bundle => "no-cache",
        Area::PublicFile => "public, max-age=86400",
        Area::Dynamic => "no-store",
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html && let Ok(policy) = HeaderValue::from_str(&content_security_policy(&nonce)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
}

#[derive(Clone)]
struct CsrfOrigin {
    own: url::Origin,
    exact: bool,
}

/// Refuses state-changing requests another site's page makes a browser send: server-function
/// mutations (`/api/*`) and sign-out, anything but GET/HEAD/OPTIONS. Leptos server functions and
/// tower-sessions have no CSRF protection of their own, and the SameSite=Lax cookie does not
/// cover requests from a sibling subdomain. Requests without `Origin` and `Sec-Fetch-Site`
/// (non-browser clients, which carry no ambient cookie risk) pass. The embedded sandbox
/// (`/sandbox`) is another "site" with its own rules and is left alone.
async fn csrf(State(own): State<CsrfOrigin>, request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    let checked = path.starts_with("/api/") || path == "/auth/logout";
    if unsafe_method && checked && !same_origin(&own.own, own.exact, request.headers()) {
        tracing::warn!(%path, "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response();
    }
    next.run(request).await
}

/// Whether the browser says the request comes from the console's own pages. With a configured
/// public URL (`exact`) only its origin, scheme and port included, is the console's; without one,
/// also the host the request was sent to (the console reached by IP on the intranet).
fn same_origin(own: &url::Origin, exact: bool, headers: &HeaderMap) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    if fetch_site.is_some_and(|s| s.eq_ignore_ascii_case("cross-site")) {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    // `Origin: null` (sandboxed frames, some redirects) or garbage: not ours.
    let Some(origin) = origin.to_str().ok().and_then(|o| Url::parse(o).ok()) else {
        return false;
    };
    if origin.origin() == *own {
        return true;
    }
    if exact {
        return false;
    }
    // Reached under another name than the public URL (e.g. by IP on the intranet): the
    // browser's Origin then names the host it sent the request to.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (host, origin.host_str()) {
        (Some(host), Some(origin_host)) => {
            let origin_authority = match origin.port() {
                Some(port) => format!("{origin_host}:{port}"),
                None => origin_host.to_string(),
            };
            origin_authority.eq_ignore_ascii_case(host.trim())
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_are_told_apart() {
        assert_eq!(Area::of("/sandbox/oauth/authorize"), Area::Sandbox);
        assert_eq!(Area::of("/pkg/sync-groups-console.abc.wasm"), Area::Bundle);
        assert_eq!(Area::of("/favicon.svg"), Area::PublicFile);
        for dynamic in [
            "/",
            "/groups",
            "/groups/a.b",
            "/api/list_groups",
            "/auth/login",
        ] {
            assert_eq!(Area::of(dynamic), Area::Dynamic, "{dynamic}");
        }
    }

    #[test]
    fn the_policy_allows_no_inline_script_but_the_nonced_one() {
        let policy = content_security_policy("abc");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(!policy.contains("unsafe-inline"));
        for directive in [
            "default-src 'self'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(policy.contains(directive), "{directive}");
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    fn own() -> url::Origin {
        Url::parse("https://console.example.com")
            .expect("url")
            .origin()
    }

    #[test]
    fn own_origin_and_non_browsers_pass() {
        assert!(same_origin(&own(), false, &headers(&[])));
        assert!(same_origin(
            &own(),
            false,
            &headers(&[("origin", "https://console.example.com")])
        ));
        assert!(same_origin(
            &own(),
            false,
            &headers(&[("sec-fetch-site", "same-origin")])
        ));
        // Reached by another name: the Origin matches the Host it was sent to, unless the
        // public URL is configured (then it is the only origin).
        assert!(!same_origin(
            &own(),
            true,
            &headers(&[
                ("origin", "http://10.0.0.5:3000"),
                ("host", "10.0.0.5:3000")
            ])
        ));
        assert!(same_origin(
            &own(),
            false,
            &headers(&[
                ("origin", "http://10.0.0.5:3000"),
                ("host", "10.0.0.5:3000")
            ])
        ));
    }

    #[test]
    fn other_sites_are_refused() {
        for h in [
            headers(&[("origin", "https://evil.example")]),
            headers(&[
                ("origin", "https://evil.example"),
                ("host", "console.example.com"),
            ]),
            headers(&[("origin", "http://console.example.com")]),
            headers(&[("origin", "null")]),
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[
                ("origin", "https://console.example.com"),
                ("sec-fetch-site", "cross-site"),
            ]),
        ] {
            assert!(!same_origin(&own(), false, &h), "{h:?}");
        }
    }
}
