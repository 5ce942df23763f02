//! The console's own application credential (client credentials), one of the two
//! [`Credential`]s that act for callers (the other is a signed-in admin's session tokens).

use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::sync::Mutex;
use url::Url;

use app::caller::{Credential, CredentialError};

use app::error::NoAnswer;

use super::error::no_answer;
use crate::config::ClientCredential;

/// Renew this long before ISC's stated expiry, so a token never expires in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);

struct Cached {
    token: String,
    renew_at: Instant,
}

/// The console's own application credential (OAuth client credentials grant).
pub struct ClientCredentialsToken {
    http: reqwest::Client,
    token_url: Url,
    credential: ClientCredential,
    // A tokio mutex held across the token request makes concurrent callers wait for one fetch.
    cached: Mutex<Option<Cached>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl ClientCredentialsToken {
    pub fn new(http: reqwest::Client, token_url: Url, credential: ClientCredential) -> Self {
        ClientCredentialsToken {
            http,
            token_url,
            credential,
            cached: Mutex::new(None),
        }
    }

    async fn fetch(&self) -> Result<Cached, CredentialError> {
        let started = Instant::now();
        let sent = self
            .http
            .post(self.token_url.clone())
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.credential.client_id.as_str()),
                ("client_secret", self.credential.client_secret.expose()),
            ])
            .send()
            .await;
        let status = sent.as_ref().map(|r| r.status().as_u16());
        crate::metrics::isc_call("token_client_credentials", status, started);
        let response = sent.map_err(|e| CredentialError::NoAnswer(no_answer(&e)))?;
        crate::health::token_endpoint_answered(&self.token_url);
        let status = response.status();
        if !status.is_success() {
            tracing::warn!(%status, client_id = %self.credential.client_id, "ISC refused the application credential");
            return Err(CredentialError::Refused {
                status: status.as_u16(),
            });
        }
        let body: TokenResponse = response
            .json()
            .await
            .map_err(|_| CredentialError::NoAnswer(NoAnswer::Undecodable))?;
        let lifetime = Duration::from_secs(body.expires_in.unwrap_or(300));
        Ok(Cached {
            token: body.access_token,
            renew_at: Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN),
        })
    }
}

#[async_trait::async_trait]
impl Credential for ClientCredentialsToken {
    async fn access_token(&self) -> Result<String, CredentialError> {
        let mut slot = self.cached.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(c.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    async fn renew(&self, rejected: &str) -> Result<String, CredentialError> {
        let mut slot = self.cached.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| c.token != rejected) {
            // Someone else already renewed while we waited for the lock.
            return Ok(c.token.clone());
        }
        let fresh = self.fetch().await?;
        let token = fresh.token.clone();
        *slot = Some(fresh);
        Ok(token)
    }

    fn client_id(&self) -> &str {
        &self.credential.client_id
    }
}
