//! The one error type that server functions return to the browser.
//!
//! Every variant carries only sanitized, user-facing text: never an upstream URL, body or token.
//! ISC's `trackingId` is kept because SailPoint support asks for it.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

use crate::model::GroupDetail;
use crate::model::draft::FieldErrors;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// No (or no longer a) signed-in session.
    #[error("Your session has expired. Sign in again.")]
    Unauthorized,
    /// Signed in, but the role does not allow this.
    #[error("You do not have access to this. {needed}")]
    Forbidden { needed: String },
    #[error("{what} was not found.")]
    NotFound { what: String },
    /// ISC answered with an error body; `message` is ISC's own text for the user.
    #[error("ISC refused the request: {message}")]
    Upstream {
        status: u16,
        detail_code: Option<String>,
        message: String,
        tracking_id: Option<String>,
    },
    #[error("ISC is rate-limiting this console, try again in {retry_after_secs} s.")]
    RateLimited { retry_after_secs: u64 },
    /// This user has looked up many people in a short time (the console's own limit on person
    /// lookups, which protects people's privacy and the console's share of ISC's rate limit).
    #[error("You have looked up many people in a short time. Try again in {retry_after_secs} s.")]
    TooManyLookups { retry_after_secs: u64 },
    /// ISC could not be reached or kept failing; worth a retry.
    #[error("ISC is unavailable: {message}")]
    Unavailable { message: String },
    /// The console itself is not set up for this (e.g. a missing credential).
    #[error("{message}")]
    NotConfigured { message: String },
    /// The request breaks one of ISC's rules for a sync group; nothing was sent to ISC.
    #[error("Some fields need attention.")]
    Invalid { errors: FieldErrors },
    /// The group changed in ISC since the form was opened; nothing was written. `current` is the
    /// group as it is now, or `None` when it was deleted meanwhile.
    #[error("This group was changed in ISC since you opened it.")]
    Stale { current: Option<Box<GroupDetail>> },
    /// The console's own store (sessions, tokens) cannot be reached; worth a retry.
    #[error(
        "The console is temporarily unavailable: its session store did not answer. Try again shortly."
    )]
    StoreUnavailable,
    /// The request itself could not be read (malformed body, missing or mistyped field). The
    /// message is the console's own words, never the decoder's.
    #[error("The console could not read this request: {message}")]
    BadRequest { message: String },
    /// The request's body is larger than the console accepts.
    #[error("This request is too large for the console.")]
    TooLarge,
    /// Transport errors of the server-function call itself, in the browser (network, an
    /// answer it could not read).
    #[error("The console could not complete the request: {0}")]
    ServerFn(String),
}

/// A call to ISC (an API call or a token request) that produced no usable answer. One type, so
/// the words users read about it are written once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoAnswer {
    #[error("ISC did not answer in time.")]
    Timeout,
    /// Connection refused, DNS, TLS…
    #[error("ISC could not be reached.")]
    Unreachable,
    #[error("ISC sent a response the console does not understand.")]
    Undecodable,
}

impl From<NoAnswer> for AppError {
    fn from(e: NoAnswer) -> AppError {
        AppError::Unavailable {
            message: e.to_string(),
        }
    }
}

impl AppError {
    /// Whether retrying the same call later may succeed, so pages offer a retry button.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            AppError::RateLimited { .. }
                | AppError::TooManyLookups { .. }
                | AppError::Unavailable { .. }
                | AppError::StoreUnavailable
                | AppError::ServerFn(_)
        ) || matches!(self, AppError::Upstream { status, .. } if *status >= 500)
    }

    /// A refusal of the name field alone.
    pub fn invalid_name(message: &str) -> AppError {
        AppError::Invalid {
            errors: FieldErrors {
                name: Some(message.to_string()),
                ..FieldErrors::default()
            },
        }
    }

    /// `Invalid` unless `errors` is empty.
    pub fn invalid_unless_empty(errors: FieldErrors) -> Result<(), AppError> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid { errors })
        }
    }

    pub fn tracking_id(&self) -> Option<&str> {
        match self {
            AppError::Upstream { tracking_id, .. } => tracking_id.as_deref(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these mean the request's arguments could not be decoded: the
            // caller's mistake (400), told in plain words (serde's text names internals).
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => {
                AppError::BadRequest {
                    message: "a field is missing, malformed or of the wrong type.".into(),
                }
            }
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::MissingArg(name) => AppError::BadRequest {
                message: format!("the field {} is missing.", plain_field_name(&name)),
            },
            // Anything else on the server is the console's own fault: no internals leave it.
            #[cfg(feature = "ssr")]
            _ => AppError::ServerFn("the server could not process it.".into()),
            #[cfg(not(feature = "ssr"))]
            other => AppError::ServerFn(other.to_string()),
        }
    }
}

impl AppError {
    /// The HTTP status a server function answers with when it fails this way (server_fn 0.8
    /// would otherwise send 500 for everything).
    pub fn status_code(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AppError::NotFound { .. } => StatusCode::NOT_FOUND,
            AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
            AppError::Stale { .. } => StatusCode::CONFLICT,
            AppError::Upstream { status, .. } if *status < 500 => StatusCode::BAD_REQUEST,
            AppError::RateLimited { .. } | AppError::TooManyLookups { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::NotConfigured { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Upstream { .. } | AppError::Unavailable { .. } => StatusCode::BAD_GATEWAY,
            AppError::StoreUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::ServerFn(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// An argument name as server_fn reports it, reduced to what a field name can be.
#[cfg(feature = "ssr")]
fn plain_field_name(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        assert!(
            AppError::RateLimited {
                retry_after_secs: 3
            }
            .is_transient()
        );
        assert!(
            AppError::Unavailable {
                message: "timeout".into()
            }
            .is_transient()
        );
        assert!(!AppError::Unauthorized.is_transient());
        let refused = AppError::Upstream {
            status: 400,
            detail_code: Some("400.1.409 Reference conflict".into()),
            message: "in use".into(),
            tracking_id: Some("abc".into()),
        };
        assert!(!refused.is_transient());
        assert_eq!(refused.tracking_id(), Some("abc"));
    }

    #[test]
    fn rate_limit_message_names_the_wait() {
        let e = AppError::RateLimited {
            retry_after_secs: 7,
        };
        assert_eq!(
            e.to_string(),
            "ISC is rate-limiting this console, try again in 7 s."
        );
    }

    #[test]
    fn refusals_of_a_change_have_their_status_and_words() {
        let invalid = AppError::Invalid {
            errors: FieldErrors {
                name: Some("Enter a name for the group.".into()),
                ..FieldErrors::default()
            },
        };
        assert_eq!(invalid.status_code(), http::StatusCode::BAD_REQUEST);
        assert!(!invalid.is_transient());
        assert_eq!(invalid.to_string(), "Some fields need attention.");
        let stale = AppError::Stale { current: None };
        assert_eq!(stale.status_code(), http::StatusCode::CONFLICT);
        assert!(!stale.is_transient());
        assert_eq!(
            stale.to_string(),
            "This group was changed in ISC since you opened it."
        );
        // They travel to the browser (JSON) and back unchanged.
        for e in [invalid, stale] {
            let back = AppError::de(e.ser());
            assert_eq!(back, e);
        }
    }
}
