//! One error type for everything that can go wrong talking to ISC, and its sanitized translation
//! for the browser.

use std::time::Duration;

use app::caller::CredentialError;
use app::error::AppError;

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
    #[error("ISC did not answer in time")]
    Timeout,
    /// Connection refused, DNS, TLS… Only a short, fixed text: never a URL.
    #[error("ISC could not be reached")]
    Unreachable,
    #[error("ISC sent a response the console does not understand")]
    Decode,
    #[error("not a valid ISC id")]
    InvalidId,
    /// The console's ISC URL cannot take a path (it is checked at start-up, so this is a bug).
    #[error("the ISC API URL cannot take a path")]
    BadApiUrl,
    /// No token could be had for the caller.
    #[error("no access token: {0}")]
    Credential(#[from] CredentialError),
}

impl IscError {
    pub fn from_reqwest(e: &reqwest::Error) -> IscError {
        if e.is_timeout() {
            IscError::Timeout
        } else if e.is_decode() {
            IscError::Decode
        } else {
            IscError::Unreachable
        }
    }

    /// Whether the request never produced an answer from ISC (so a GET may be retried).
    pub fn is_transport(&self) -> bool {
        matches!(self, IscError::Timeout | IscError::Unreachable)
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
            IscError::Timeout => AppError::Unavailable {
                message: "ISC did not answer in time.".into(),
            },
            IscError::Unreachable => AppError::Unavailable {
                message: "ISC could not be reached.".into(),
            },
            IscError::Decode => AppError::Unavailable {
                message: "ISC sent a response the console does not understand.".into(),
            },
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
