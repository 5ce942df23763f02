//! Pages need a signed-in user: a signed-out browser asking for one is sent to sign in (and
//! back afterwards). Server functions (`/api/*`) are not redirected: they answer 401 themselves.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::session::{Access, SIGNED_IN_COOKIE};
use super::{Auth, local_return_path, routes};

/// How a request path is treated.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Server functions, sign-in routes, the site bundle, the sandbox, static files.
    NotAPage,
    /// Pages anyone may see: where signed-out and refused users are sent.
    PublicPage,
    Page,
}

fn kind(path: &str) -> Kind {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    if matches!(first, "api" | "auth" | "pkg" | "sandbox") || last.contains('.') {
        Kind::NotAPage
    } else if matches!(path, "/signin" | "/no-access") {
        Kind::PublicPage
    } else {
        Kind::Page
    }
}

/// Middleware (inside the session layer): redirects page loads of signed-out and refused users.
pub async fn guard(State(auth): State<Auth>, request: Request, next: Next) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if !is_read || kind(request.uri().path()) != Kind::Page {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let here = request
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str())
        .and_then(local_return_path)
        .map(str::to_string);
    match auth.current_checked(&session).await {
        Ok(Some(data)) => match data.access {
            Access::Granted { .. } => next.run(request).await,
            Access::Denied { .. } => routes::found("/no-access"),
        },
        Ok(None) if had_session(request.headers()) => {
            // Their session ended (timeout or failed refresh): say so before sending them to
            // ISC, and forget the marker so it is said once.
            let mut response = routes::found(&routes::with_query(
                "/signin",
                &[("reason", Some("expired")), ("return", here.as_deref())],
            ));
            routes::clear_cookie(&mut response, SIGNED_IN_COOKIE, auth.inner.secure_cookies);
            response
        }
        Ok(None) => routes::found(&routes::with_query(
            "/auth/login",
            &[("return", here.as_deref())],
        )),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// Whether the browser sent the marker of an earlier sign-in.
fn had_session(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .any(|(name, _)| name == SIGNED_IN_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn pages_are_told_apart_from_everything_else() {
        for page in ["/", "/groups", "/groups/abc", "/nowhere", "/signin/x"] {
            assert_eq!(kind(page), Kind::Page, "{page}");
        }
        for public in ["/signin", "/no-access"] {
            assert_eq!(kind(public), Kind::PublicPage, "{public}");
        }
        for other in [
            "/api/list_groups",
            "/auth/login",
            "/pkg/sync-groups-console.js",
            "/sandbox/oauth/authorize",
            "/favicon.svg",
            "/robots.txt",
        ] {
            assert_eq!(kind(other), Kind::NotAPage, "{other}");
        }
    }

    #[test]
    fn the_marker_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sgc_signed_in=1; b=2"),
        );
        assert!(had_session(&headers));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("sgc_signed_in_not=1"),
        );
        assert!(!had_session(&headers));
    }
}
