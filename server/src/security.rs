//! Response headers that every page and API answer carries, and the CSRF check of mutations.

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
        .layer(header("x-content-type-options", "nosniff"))
        .layer(header("referrer-policy", "same-origin"))
        // The console is never meant to be framed (clickjacking on destructive buttons).
        .layer(header("x-frame-options", "DENY"))
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
