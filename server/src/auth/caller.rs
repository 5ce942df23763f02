//! The caller middleware: resolves each request's [`Caller`] once, from its session, and puts
//! it in the request's extensions, where server functions (through leptos_axum's `Parts`) and
//! page renders find it. Pages need a signed-in user: a signed-out browser asking for one is
//! sent to sign in (and back afterwards). Server functions (`/api/*`) are not redirected: they
//! answer 401 themselves.

use app::caller::Caller;
use app::error::AppError;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use super::session::SIGNED_IN_COOKIE;
use super::{Auth, local_return_path, routes};

/// How a request path is treated.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    /// Server functions: they need the caller, and answer for themselves.
    ServerFn,
    /// Sign-in routes, the site bundle, the sandbox, static files: no caller needed.
    NotAPage,
    /// Pages anyone may see: where signed-out and refused users are sent.
    PublicPage,
    Page,
}

fn kind(path: &str) -> Kind {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    let last = path.rsplit('/').next().unwrap_or("");
    if first == "api" {
        Kind::ServerFn
    } else if matches!(first, "auth" | "pkg" | "sandbox") || last.contains('.') {
        Kind::NotAPage
    } else if matches!(path, "/signin" | "/no-access") {
        Kind::PublicPage
    } else {
        Kind::Page
    }
}

/// Middleware (inside the session layer): resolves the caller of server-function calls and
/// pages, and redirects page loads of signed-out and refused users.
pub async fn resolve_caller(
    State(auth): State<Auth>,
    mut request: Request,
    next: Next,
) -> Response {
    let kind = kind(request.uri().path());
    if kind == Kind::NotAPage {
        return next.run(request).await;
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        return next.run(request).await;
    };
    let request_id = crate::request_id::of(request.headers()).to_string();
    let caller = match auth.caller(&session, &request_id).await {
        Ok(caller) => caller,
        Err(e) => {
            let error = AppError::from(e);
            if kind == Kind::ServerFn {
                return (error.status_code(), error.to_string()).into_response();
            }
            // A page: say so in the console's own words, with a way to try again.
            let here = request.uri().path_and_query().map_or("/", |pq| pq.as_str());
            return crate::plain_page::render(
                &auth.inner.base,
                error.status_code(),
                "Temporarily unavailable",
                &error.to_string(),
                ("Try again", local_return_path(here).unwrap_or("/")),
            );
        }
    };
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if is_read && kind == Kind::Page {
        match &caller {
            Caller::Admin { .. } | Caller::Helpdesk { .. } => {}
            Caller::NoAccess { .. } => return auth.found(app::routes::NO_ACCESS),
            Caller::SignedOut => {
                let here = request
                    .uri()
                    .path_and_query()
                    .map(|pq| pq.as_str())
                    .and_then(local_return_path);
                if auth
                    .inner
                    .cookies
                    .read(request.headers(), SIGNED_IN_COOKIE)
                    .is_some()
                {
                    // Their session ended (timeout or failed refresh): say so before sending
                    // them to ISC, and forget the marker so it is said once.
                    let mut response = auth.found(&app::routes::signin(
                        Some(app::routes::SigninReason::Expired),
                        here,
                    ));
                    routes::set_cookie(&mut response, auth.inner.cookies.removal(SIGNED_IN_COOKIE));
                    return response;
                }
                return auth.found(&app::routes::login(here));
            }
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_told_apart_from_everything_else() {
        for page in ["/", "/groups", "/groups/abc", "/nowhere", "/signin/x"] {
            assert_eq!(kind(page), Kind::Page, "{page}");
        }
        for public in ["/signin", "/no-access"] {
            assert_eq!(kind(public), Kind::PublicPage, "{public}");
        }
        assert_eq!(kind("/api/list_groups"), Kind::ServerFn);
        for other in [
            "/auth/login",
            "/pkg/sync-groups-console.js",
            "/sandbox/oauth/authorize",
            "/favicon.svg",
            "/robots.txt",
        ] {
            assert_eq!(kind(other), Kind::NotAPage, "{other}");
        }
    }
}
