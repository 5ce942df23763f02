//! The console under a path of its public origin (`CONSOLE_PUBLIC_URL` such as
//! `https://intranet.example.com/tools/sync-groups`): requests come in under the path (a proxy
//! that forwards it as is) or without it (a proxy that strips it); either way the console routes
//! them at its root. Everything the browser is given (links, form actions, redirects, scripts,
//! cookies, the OAuth redirect URI) carries the path: see `app::routes::Base`.

use app::routes::Base;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;

/// `router`, reached under `base`: the path is taken off each request before routing.
pub fn mount(router: Router, base: Base) -> Router {
    if base.path().is_empty() {
        return router;
    }
    let stripping = axum::middleware::from_fn_with_state(base, strip);
    // A layer on the router itself would run after routing; wrapping it as a service runs the
    // rewrite first.
    Router::new().fallback_service(tower::Layer::layer(&stripping, router))
}

async fn strip(State(base): State<Base>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let inside = base.strip(path);
    if inside.len() != path.len() {
        let rewritten = match request.uri().query() {
            Some(query) => format!("{inside}?{query}"),
            None => inside.to_string(),
        };
        if let Ok(uri) = rewritten.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn path_seen(router: &Router, uri: &str) -> String {
        let response = router
            .clone()
            .oneshot(Request::get(uri).body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .expect("body");
        String::from_utf8_lossy(&body).into_owned()
    }

    #[tokio::test]
    async fn requests_are_routed_at_the_root_with_or_without_the_path() {
        let inner = Router::new()
            .route(
                "/groups",
                get(|request: Request| async move { request.uri().to_string() }),
            )
            .fallback(|| async { "not found" });
        let router = mount(inner, Base::new("/tools/sync-groups"));
        assert_eq!(
            path_seen(&router, "/tools/sync-groups/groups?q=a").await,
            "/groups?q=a"
        );
        assert_eq!(path_seen(&router, "/groups").await, "/groups");
        assert_eq!(
            path_seen(&router, "/tools/sync-groupsx/groups").await,
            "not found"
        );
    }
}
