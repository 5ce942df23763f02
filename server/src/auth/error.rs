//! What can go wrong in sign-in and the session store. These keep their causes for the log;
//! the browser only ever hears the `AppError` they become at the edge.

use app::error::AppError;

/// The session store or the token table could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the session store")]
    Session(#[source] tower_sessions::session::Error),
    #[error("cannot read the users' token table")]
    Tokens(#[source] crate::store::tokens::TokenError),
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> AppError {
        tracing::error!(error = %error_chain(&e), "the session store failed");
        AppError::StoreUnavailable
    }
}

/// Setting up sign-in at start-up.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    #[error("cannot build the HTTP client for sign-in")]
    Http(#[source] reqwest::Error),
}

/// `error: cause: cause…`, for one log line.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_hears_only_that_the_store_is_unavailable() {
        let e = AuthError::Tokens(sqlx::Error::PoolTimedOut.into());
        assert!(error_chain(&e).starts_with("cannot read the users' token table: "));
        let app = AppError::from(e);
        assert_eq!(app, AppError::StoreUnavailable);
        assert_eq!(
            app.status_code(),
            axum::http::StatusCode::SERVICE_UNAVAILABLE
        );
        assert!(app.is_transient());
    }
}
