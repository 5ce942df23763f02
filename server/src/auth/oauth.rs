//! The console as an OAuth client of ISC: authorization code + PKCE (S256) as a confidential
//! client, refresh with rotation, and where ISC's endpoints are.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError,
    Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use url::Url;

use crate::config::ClientCredential;

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// Lifetime assumed when the token endpoint states none.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// Renew this long before the stated expiry (at most half the lifetime, for short-lived tokens).
const RENEW_MARGIN: Duration = Duration::from_secs(60);

/// ISC's OAuth endpoints for the console.
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub authorize: Url,
    pub token: Url,
    pub userinfo: Url,
    pub redirect: Url,
}

pub use crate::store::tokens::Tokens;

/// Why a token request failed.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// ISC answered with an OAuth error (`invalid_grant`, …): retrying will not help.
    #[error("ISC refused the token request ({0})")]
    Refused(String),
    /// No usable answer (network, timeout, 5xx, an unreadable body): may work later.
    #[error("ISC's token endpoint did not answer usably")]
    Unavailable,
}

pub struct OAuth {
    client: Client,
    http: reqwest::Client,
    scopes: Vec<String>,
    userinfo: Url,
}

impl OAuth {
    /// `http` must not follow redirects (a redirect from a token endpoint could carry the code,
    /// secret or refresh token elsewhere).
    pub fn new(
        credential: &ClientCredential,
        endpoints: &Endpoints,
        scopes: Vec<String>,
        http: reqwest::Client,
    ) -> OAuth {
        let client = BasicClient::new(ClientId::new(credential.client_id.clone()))
            .set_client_secret(ClientSecret::new(
                credential.client_secret.expose().to_string(),
            ))
            .set_auth_uri(AuthUrl::from_url(endpoints.authorize.clone()))
            .set_token_uri(TokenUrl::from_url(endpoints.token.clone()))
            .set_redirect_uri(RedirectUrl::from_url(endpoints.redirect.clone()))
            // Client id and secret as form fields, as SailPoint documents its token endpoint.
            .set_auth_type(AuthType::RequestBody);
        OAuth {
            client,
            http,
            scopes,
            userinfo: endpoints.userinfo.clone(),
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn userinfo_url(&self) -> &Url {
        &self.userinfo
    }

    /// Where to send the browser, with a fresh `state` and PKCE S256 verifier to remember.
    pub fn authorize(&self) -> (Url, CsrfToken, PkceCodeVerifier) {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self
            .client
            .authorize_url(CsrfToken::new_random)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge)
            .url();
        (url, state, verifier)
    }

    pub async fn exchange_code(
        &self,
        code: String,
        verifier: String,
    ) -> Result<Tokens, ExchangeError> {
        let response = self
            .client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier))
            .request_async(&self.http)
            .await;
        self.note_answer(&response);
        tokens(response, None)
    }

    /// Uses up `refresh_token` (ISC rotates them) for a new token pair.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, ExchangeError> {
        let refresh = RefreshToken::new(refresh_token.to_string());
        let response = self
            .client
            .exchange_refresh_token(&refresh)
            .request_async(&self.http)
            .await;
        self.note_answer(&response);
        // Without a new refresh token in the answer, the old one stays valid.
        tokens(response, Some(refresh_token))
    }

    /// For readiness: the token endpoint answered, whatever it said (only a request that got
    /// no HTTP answer does not count).
    fn note_answer<T, E: std::error::Error>(
        &self,
        response: &Result<T, RequestTokenError<E, oauth2::basic::BasicErrorResponse>>,
    ) {
        if !matches!(response, Err(RequestTokenError::Request(_))) {
            crate::health::token_endpoint_answered(self.client.token_uri().url());
        }
    }
}

fn tokens<E: std::error::Error>(
    response: Result<BasicTokenResponse, RequestTokenError<E, oauth2::basic::BasicErrorResponse>>,
    previous_refresh: Option<&str>,
) -> Result<Tokens, ExchangeError> {
    let response = response.map_err(|e| match e {
        RequestTokenError::ServerResponse(body) => match body.error() {
            // RFC 6749 extensions that say "try again later".
            BasicErrorResponseType::Extension(code)
                if code == "server_error" || code == "temporarily_unavailable" =>
            {
                ExchangeError::Unavailable
            }
            code => ExchangeError::Refused(code.to_string()),
        },
        // The Parse variant holds the raw body, which may contain tokens: it is dropped here.
        RequestTokenError::Request(_)
        | RequestTokenError::Parse(..)
        | RequestTokenError::Other(_) => ExchangeError::Unavailable,
    })?;
    let lifetime = response.expires_in().unwrap_or(DEFAULT_LIFETIME);
    let margin = RENEW_MARGIN.min(lifetime / 2);
    let renew_in = i64::try_from(lifetime.saturating_sub(margin).as_secs()).unwrap_or(i64::MAX);
    Ok(Tokens {
        access: response.access_token().secret().clone(),
        refresh: response
            .refresh_token()
            .map(|r| r.secret().clone())
            .or_else(|| previous_refresh.map(str::to_string)),
        renew_at: super::now().saturating_add(renew_in),
    })
}

/// Discovery document of a tenant (`GET {api}/oauth/info`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OAuthInfo {
    authorize_endpoint: Option<String>,
}

/// Finds ISC's sign-in page for a real tenant: its discovery document, else the documented
/// `https://{tenant}.login.sailpoint.com/oauth/authorize` for `{tenant}.api.identitynow.com`.
pub async fn discover_authorize_url(http: &reqwest::Client, api_url: &Url) -> Option<Url> {
    let discovered = async {
        let info_url = join(api_url, "oauth/info")?;
        let response = http
            .get(info_url)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .ok()?;
        if !response.status().is_success() {
            return None;
        }
        let info: OAuthInfo = response.json().await.ok()?;
        let url = Url::parse(&info.authorize_endpoint?).ok()?;
        acceptable_endpoint(&url).then_some(url)
    }
    .await;
    if discovered.is_some() {
        return discovered;
    }
    let documented = documented_authorize_url(api_url);
    if documented.is_some() {
        tracing::warn!("ISC's /oauth/info did not answer; using the documented sign-in URL");
    }
    documented
}

/// `https://{tenant}.login.sailpoint.com/oauth/authorize` for `https://{tenant}.api.identitynow.com`.
fn documented_authorize_url(api_url: &Url) -> Option<Url> {
    let tenant = api_url.host_str()?.strip_suffix(".api.identitynow.com")?;
    if tenant.is_empty() || tenant.contains('.') {
        return None;
    }
    Url::parse(&format!(
        "https://{tenant}.login.sailpoint.com/oauth/authorize"
    ))
    .ok()
}

/// https, or http to a loopback test tenant.
fn acceptable_endpoint(url: &Url) -> bool {
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        },
        _ => false,
    }
}

/// `{base}/{path}`, keeping any path prefix of `base` (the sandbox is mounted under one).
pub fn join(base: &Url, path: &str) -> Option<Url> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let with_slash = format!("{}/", base.path());
        base.set_path(&with_slash);
    }
    base.join(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_keeps_the_prefix() {
        let base = Url::parse("http://127.0.0.1:3000/sandbox").expect("url");
        assert_eq!(
            join(&base, "oauth/token").map(String::from).as_deref(),
            Some("http://127.0.0.1:3000/sandbox/oauth/token")
        );
    }

    #[test]
    fn an_identitynow_tenant_has_a_documented_sign_in_page() {
        let url = |s: &str| Url::parse(s).expect("url");
        assert_eq!(
            documented_authorize_url(&url("https://acme.api.identitynow.com"))
                .map(String::from)
                .as_deref(),
            Some("https://acme.login.sailpoint.com/oauth/authorize")
        );
        assert!(documented_authorize_url(&url("https://isc.example.com")).is_none());
        assert!(documented_authorize_url(&url("https://a.b.api.identitynow.com")).is_none());
        assert!(!acceptable_endpoint(&url(
            "http://evil.example/oauth/authorize"
        )));
        assert!(acceptable_endpoint(&url(
            "http://127.0.0.1:7100/oauth/authorize"
        )));
    }

    #[tokio::test]
    async fn discovery_gives_up_on_an_unreachable_tenant() {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        // Port 9 (discard) on loopback is closed: discovery fails at once.
        let unreachable = Url::parse("http://127.0.0.1:9").expect("url");
        assert!(discover_authorize_url(&http, &unreachable).await.is_none());
    }
}
