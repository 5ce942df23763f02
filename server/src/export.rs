//! `GET /export/sync-groups.json`: every sync group of the tenant as a document ("sync groups as
//! code"), as a download, read fresh from ISC for a signed-in reader (administrators and
//! helpdesk). A plain route, not a page or a server function: the browser saves the answer.
//!
//! Its path ends in a file name, which the caller middleware treats as a file and lets through
//! without resolving a caller: this route resolves it itself, from the session, the same way.

use std::sync::Arc;

use app::backend::Backend;
use app::caller::Caller;
use app::error::AppError;
use app::routes::{self, Base};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_sessions::Session;

use crate::auth::Auth;

struct Download {
    auth: Auth,
    backend: Arc<dyn Backend>,
    base: Base,
}

/// The download's route (inside the session layer, so the request carries its session).
pub fn routes<S: Clone + Send + Sync + 'static>(
    auth: Auth,
    backend: Arc<dyn Backend>,
    base: Base,
) -> Router<S> {
    let state = Arc::new(Download {
        auth,
        backend,
        base,
    });
    Router::new().route(routes::EXPORT_DOWNLOAD, get(download).with_state(state))
}

async fn download(State(d): State<Arc<Download>>, request: Request) -> Response {
    let caller = match request.extensions().get::<Caller>().cloned() {
        Some(caller) => caller,
        None => {
            let Some(session) = request.extensions().get::<Session>().cloned() else {
                return refused(&d.base, &AppError::Unauthorized);
            };
            let request_id = crate::request_id::of(request.headers()).to_string();
            match d.auth.caller(&session, &request_id).await {
                Ok(caller) => caller,
                Err(e) => return refused(&d.base, &AppError::from(e)),
            }
        }
    };
    if matches!(caller, Caller::SignedOut) {
        // As for a page: sign in, then back to the export page (which offers the download).
        return crate::auth::found(&d.base.href(&routes::login(Some(routes::EXPORT))));
    }
    let reader = match caller.reader() {
        Ok(reader) => reader,
        Err(e) => return refused(&d.base, &e),
    };
    match d.backend.export(&reader).await {
        Ok(exported) => {
            let disposition = format!(
                "attachment; filename=\"sync-groups-{}.json\"",
                file_name_part(&exported.tenant)
            );
            let mut response = exported.text.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(e) => refused(&d.base, &e),
    }
}

/// The tenant's name as it may appear in a file name: letters, digits, `.`, `_`, `-`.
fn file_name_part(tenant: &str) -> String {
    let part: String = tenant
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if part.trim_matches(['-', '.']).is_empty() {
        "tenant".to_string()
    } else {
        part
    }
}

/// A refusal or failure, in the console's words, with a way back to the export page (never
/// cached: `plain_page` says so).
fn refused(base: &Base, error: &AppError) -> Response {
    crate::plain_page::render(
        base,
        error.status_code(),
        "Export not available",
        &error.to_string(),
        ("Back to the export page", routes::EXPORT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_name_becomes_a_safe_file_name_part() {
        assert_eq!(file_name_part("acme-sb"), "acme-sb");
        assert_eq!(file_name_part("a\"b/c d"), "a-b-c-d");
        assert_eq!(file_name_part(".."), "tenant");
        assert_eq!(file_name_part(""), "tenant");
    }
}
