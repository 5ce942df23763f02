//! Who is calling (server side only).
//!
//! The server resolves each request's [`Caller`] once, in its caller middleware, from the
//! session cookie, and puts it in the request's extensions. Server functions take it from
//! there through `api`'s `as_reader` / `as_admin`, which turn it into a [`Reader`] or an
//! [`Admin`]: proofs of the role that carry the ISC credential acting for that caller. Every
//! backend method takes one of them, so a server function that forgets its role does not
//! compile, and nothing below a server function looks the caller up again.

use std::sync::Arc;

use crate::error::{AppError, NoAnswer};
use crate::model::{SessionState, Viewer};

/// An ISC access token on demand, for one caller's calls. The server implements it twice: a
/// signed-in administrator's own tokens (refreshed through their session) and the console's
/// read-only application credential (client credentials).
#[async_trait::async_trait]
pub trait Credential: Send + Sync {
    /// A token that is believed to be valid now.
    async fn access_token(&self) -> Result<String, CredentialError>;
    /// ISC refused `rejected` (401): return a fresh token. Concurrent callers that saw the same
    /// rejected token share one renewal.
    async fn renew(&self, rejected: &str) -> Result<String, CredentialError>;
    /// The ISC API client the tokens belong to: ISC limits requests per client id, so the
    /// console budgets them per client id too.
    fn client_id(&self) -> &str;
}

/// Why no token could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// The user's sign-in is over (the refresh was refused, or the session ended meanwhile).
    #[error("the sign-in has ended")]
    SignedOut,
    /// ISC's token endpoint refused the console's own application credential.
    #[error("ISC refused the console's application credential (HTTP {status})")]
    Refused { status: u16 },
    /// ISC's token endpoint gave no usable answer.
    #[error("token endpoint: {0}")]
    NoAnswer(#[from] NoAnswer),
    /// The console's own session database could not be read or written.
    #[error("the console's session store is unavailable")]
    Store,
}

/// What a caller hears when no token could be had for them.
impl From<CredentialError> for AppError {
    fn from(e: CredentialError) -> AppError {
        match e {
            CredentialError::SignedOut => AppError::Unauthorized,
            CredentialError::Refused { status } => AppError::Upstream {
                status,
                detail_code: None,
                message: "ISC refused the console's application credential.".into(),
                tracking_id: None,
            },
            CredentialError::NoAnswer(e) => e.into(),
            CredentialError::Store => AppError::StoreUnavailable,
        }
    }
}

/// The caller of one request, as the server resolved it.
#[derive(Clone)]
pub enum Caller {
    SignedOut,
    /// Signed in at ISC with no user level the console serves.
    NoAccess {
        user_name: String,
        levels: Vec<String>,
    },
    /// An administrator, acting with their own ISC token.
    Admin {
        viewer: Viewer,
        own_token: Arc<dyn Credential>,
        /// The request's id (`x-request-id`): the audit record names the request that made a
        /// change.
        request_id: String,
    },
    /// A helpdesk user, reading through the console's application credential (`None` when the
    /// operator has not configured one).
    Helpdesk {
        viewer: Viewer,
        app_credential: Option<Arc<dyn Credential>>,
        /// The request's id: the record of a person lookup names the request.
        request_id: String,
    },
}

/// The words of every refusal by role, in one place.
const NEEDS_A_LEVEL: &str = "This console needs the ISC user level ORG_ADMIN or HELPDESK.";
const NEEDS_ORG_ADMIN: &str = "Changing sync groups needs the ISC user level ORG_ADMIN.";
const NO_APP_CREDENTIAL: &str = "Helpdesk access is not set up: the console has no read-only ISC credential. Ask its operator to set ISC_READONLY_CLIENT_ID and ISC_READONLY_CLIENT_SECRET.";

impl Caller {
    /// What the page frame shows about the session.
    pub fn session_state(&self) -> SessionState {
        match self {
            Caller::SignedOut => SessionState::SignedOut,
            Caller::NoAccess { user_name, levels } => SessionState::NoAccess {
                user_name: user_name.clone(),
                levels: levels.clone(),
            },
            Caller::Admin { viewer, .. } | Caller::Helpdesk { viewer, .. } => {
                SessionState::SignedIn(viewer.clone())
            }
        }
    }

    /// Anyone signed in with a level the console serves may read: administrators with their
    /// own token, helpdesk users with the console's application credential.
    pub fn reader(&self) -> Result<Reader, AppError> {
        match self {
            Caller::Admin {
                viewer,
                own_token,
                request_id,
            } => Ok(Reader {
                viewer: viewer.clone(),
                credential: own_token.clone(),
                request_id: request_id.clone(),
            }),
            Caller::Helpdesk {
                viewer,
                app_credential: Some(credential),
                request_id,
            } => Ok(Reader {
                viewer: viewer.clone(),
                credential: credential.clone(),
                request_id: request_id.clone(),
            }),
            Caller::Helpdesk {
                app_credential: None,
                ..
            } => Err(AppError::NotConfigured {
                message: NO_APP_CREDENTIAL.into(),
            }),
            Caller::SignedOut | Caller::NoAccess { .. } => Err(self.refusal()),
        }
    }

    /// Only administrators change anything, and always with their own token (never the
    /// console's application credential).
    pub fn admin(&self) -> Result<Admin, AppError> {
        match self {
            Caller::Admin {
                viewer,
                own_token,
                request_id,
            } => Ok(Admin {
                viewer: viewer.clone(),
                credential: own_token.clone(),
                request_id: request_id.clone(),
            }),
            Caller::Helpdesk { .. } => Err(AppError::Forbidden {
                needed: NEEDS_ORG_ADMIN.into(),
            }),
            Caller::SignedOut | Caller::NoAccess { .. } => Err(self.refusal()),
        }
    }

    /// Why someone who is not signed in with a served level is refused.
    fn refusal(&self) -> AppError {
        match self {
            Caller::SignedOut => AppError::Unauthorized,
            _ => AppError::Forbidden {
                needed: NEEDS_A_LEVEL.into(),
            },
        }
    }
}

/// Proof that the caller may read, with the credential that reads for them. Made only by
/// [`Caller::reader`] (or from an [`Admin`]).
#[derive(Clone)]
pub struct Reader {
    viewer: Viewer,
    credential: Arc<dyn Credential>,
    request_id: String,
}

impl Reader {
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The id of the request this reader reads in.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn credential(&self) -> &dyn Credential {
        self.credential.as_ref()
    }
}

/// Proof that the caller is an administrator, with their own ISC token. Made only by
/// [`Caller::admin`].
#[derive(Clone)]
pub struct Admin {
    viewer: Viewer,
    credential: Arc<dyn Credential>,
    request_id: String,
}

impl Admin {
    pub fn viewer(&self) -> &Viewer {
        &self.viewer
    }

    /// The id of the request this administrator acts in.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    pub fn credential(&self) -> &dyn Credential {
        self.credential.as_ref()
    }

    /// An administrator reads with their own token.
    pub fn reader(&self) -> Reader {
        Reader {
            viewer: self.viewer.clone(),
            credential: self.credential.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    struct Fixed;

    #[async_trait::async_trait]
    impl Credential for Fixed {
        async fn access_token(&self) -> Result<String, CredentialError> {
            Ok("t".into())
        }
        async fn renew(&self, _rejected: &str) -> Result<String, CredentialError> {
            Ok("t".into())
        }
        fn client_id(&self) -> &str {
            "c"
        }
    }

    fn viewer(role: Role) -> Viewer {
        Viewer {
            user_name: "u".into(),
            display_name: "U".into(),
            role,
            identity_id: None,
        }
    }

    fn callers() -> [Caller; 5] {
        [
            Caller::SignedOut,
            Caller::NoAccess {
                user_name: "auditor".into(),
                levels: vec!["CERT_ADMIN".into()],
            },
            Caller::Helpdesk {
                viewer: viewer(Role::Helpdesk),
                app_credential: None,
                request_id: "r".into(),
            },
            Caller::Helpdesk {
                viewer: viewer(Role::Helpdesk),
                app_credential: Some(Arc::new(Fixed)),
                request_id: "r".into(),
            },
            Caller::Admin {
                viewer: viewer(Role::Admin),
                own_token: Arc::new(Fixed),
                request_id: "r".into(),
            },
        ]
    }

    /// Each kind of caller against each role, with the error a refused one gets.
    #[test]
    fn one_rule_decides_who_reads_and_who_changes() {
        let outcome = |r: Result<(), AppError>| match r {
            Ok(()) => "ok",
            Err(AppError::Unauthorized) => "401",
            Err(AppError::Forbidden { .. }) => "403",
            Err(AppError::NotConfigured { .. }) => "503",
            Err(_) => "other",
        };
        let reads: Vec<&str> = callers()
            .iter()
            .map(|c| outcome(c.reader().map(|_| ())))
            .collect();
        let writes: Vec<&str> = callers()
            .iter()
            .map(|c| outcome(c.admin().map(|_| ())))
            .collect();
        assert_eq!(reads, ["401", "403", "503", "ok", "ok"]);
        assert_eq!(writes, ["401", "403", "403", "403", "ok"]);
    }

    #[test]
    fn refusals_name_the_level_needed() {
        let [_, no_access, helpdesk, ..] = callers();
        assert!(matches!(
            no_access.reader(),
            Err(AppError::Forbidden { needed }) if needed.contains("ORG_ADMIN or HELPDESK")
        ));
        assert!(matches!(
            helpdesk.admin(),
            Err(AppError::Forbidden { needed }) if needed.contains("ORG_ADMIN")
        ));
        assert!(matches!(
            helpdesk.reader(),
            Err(AppError::NotConfigured { message }) if message.contains("ISC_READONLY_CLIENT_ID")
        ));
    }
}
