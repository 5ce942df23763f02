//! One error type for everything that can go wrong talking to ISC, and its sanitized translation
//! for the browser.

use std::time::Duration;

use app::caller::CredentialError;
use app::error::{AppError, NoAnswer};

#[derive(Debug, Clone, thiserror::Error)]
pub enum IscError {
    /// ISC answered with an error status (400/403/404/5xx…) and, usually, an ErrorResponseDto.
    #[error("ISC answered {status}: {message}")]
    Status {
        status: u16,
        detail_code: Option<String>,
        message: String,
        tracking_id: Option<String>,
    },
    /// The token was refused (401) even after a refresh.
    #[error("ISC refused the access token")]
    Unauthorized,
    #[error("ISC is rate-limiting; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// Only a short, fixed text: never a URL.
    #[error(transparent)]
    NoAnswer(#[from] NoAnswer),
    #[error("not a valid ISC id")]
    InvalidId,
    /// The console's ISC URL cannot take a path (it is checked at start-up, so this is a bug).
    #[error("the ISC API URL cannot take a path")]
    BadApiUrl,
    /// No token could be had for the caller.
    #[error("no access token: {0}")]
    Credential(#[from] CredentialError),
}

/// Which way a request that produced no answer failed (for the API and the token endpoint).
pub fn no_answer(e: &reqwest::Error) -> NoAnswer {
    if e.is_timeout() {
        NoAnswer::Timeout
    } else if e.is_decode() {
        NoAnswer::Undecodable
    } else {
        NoAnswer::Unreachable
    }
}

impl IscError {
    pub fn from_reqwest(e: &reqwest::Error) -> IscError {
        IscError::NoAnswer(no_answer(e))
    }

    /// Whether the request never produced an answer from ISC (so a GET may be retried).
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            IscError::NoAnswer(NoAnswer::Timeout | NoAnswer::Unreachable)
        )
    }
}

impl From<IscError> for AppError {
    fn from(e: IscError) -> AppError {
        match e {
            IscError::Status {
                status: 404,
                tracking_id: _,
                ..
            } => AppError::NotFound {
                what: "The requested object".into(),
            },
            IscError::Status {
                status,
                detail_code,
                message,
                tracking_id,
            } => AppError::Upstream {
                status,
                detail_code,
                message,
                tracking_id,
            },
            IscError::Unauthorized => AppError::Unauthorized,
            IscError::RateLimited { retry_after } => AppError::RateLimited {
                retry_after_secs: retry_after.as_secs().max(1),
            },
            IscError::NoAnswer(e) => e.into(),
            IscError::InvalidId => AppError::NotFound {
                what: "An object with this id".into(),
            },
            IscError::BadApiUrl => AppError::NotConfigured {
                message: "The console's ISC API URL is not usable. Ask its operator to check ISC_API_URL.".into(),
            },
            IscError::Credential(e) => e.into(),
        }
    }
}
