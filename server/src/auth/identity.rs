//! Who just signed in: the claims of the access token the token endpoint returned, plus the
//! display name from `/oauth/userinfo`.
//!
//! The JWT is decoded without checking its signature. That is sound only because the token came
//! straight from ISC's token endpoint over the back channel (TLS, our client secret), never from
//! the browser; tokens seen anywhere else must not be read this way.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::Deserialize;
use url::Url;

/// The claims of an ISC access token the console uses.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenClaims {
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub authorities: Vec<String>,
    /// The person's identity id (ISC puts it in user tokens).
    #[serde(default)]
    pub identity_id: Option<String>,
}

/// Reads the payload of a JWT `header.payload.signature` (see the module docs for why unverified).
pub fn unverified_claims(jwt: &str) -> Option<TokenClaims> {
    let mut parts = jwt.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let engine = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = engine.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[derive(Debug, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub authorities: Option<Vec<String>>,
}

/// `GET /oauth/userinfo` with the fresh token. Best effort: `None` on any failure, the claims
/// are enough to sign in.
pub async fn userinfo(http: &reqwest::Client, url: &Url, access_token: &str) -> Option<UserInfo> {
    let response = http
        .get(url.clone())
        .bearer_auth(access_token)
        .header(reqwest::header::ACCEPT, "application/json")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        tracing::debug!(status = %response.status(), "userinfo refused; using the token's claims");
        return None;
    }
    response.json().await.ok()
}

/// The signed-in person as far as the console cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_name: String,
    pub display_name: String,
    pub levels: Vec<String>,
    pub identity_id: Option<String>,
}

impl Identity {
    /// Combines the token's claims with userinfo; the token's levels win when both have some.
    pub fn from_sources(claims: Option<TokenClaims>, info: Option<UserInfo>) -> Option<Identity> {
        let claims = claims.unwrap_or_default();
        let user_name = claims
            .user_name
            .clone()
            .or_else(|| info.as_ref().and_then(|i| i.user_name.clone()))
            .or_else(|| info.as_ref().and_then(|i| i.preferred_username.clone()))
            .filter(|n| !n.trim().is_empty())?;
        let levels = if claims.authorities.is_empty() {
            info.as_ref()
                .and_then(|i| i.authorities.clone())
                .unwrap_or_default()
        } else {
            claims.authorities
        };
        let display_name = info
            .and_then(|i| i.name)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| user_name.clone());
        Some(Identity {
            user_name,
            display_name,
            levels,
            identity_id: claims.identity_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(payload: &str) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256"}"#),
            URL_SAFE_NO_PAD.encode(payload)
        )
    }

    #[test]
    fn claims_are_read_from_the_payload() {
        let claims = unverified_claims(&jwt(
            r#"{"user_name":"admin","authorities":["ORG_ADMIN"],"exp":1}"#,
        ))
        .expect("claims");
        assert_eq!(claims.user_name.as_deref(), Some("admin"));
        assert_eq!(claims.authorities, vec!["ORG_ADMIN"]);
        assert!(unverified_claims("opaque-token").is_none());
        assert!(unverified_claims("a.b.c.d").is_none());
        assert!(unverified_claims("a.!!!.c").is_none());
    }

    #[test]
    fn identity_prefers_token_levels_and_userinfo_names() {
        let claims = TokenClaims {
            user_name: Some("admin".into()),
            authorities: vec!["ORG_ADMIN".into()],
            identity_id: Some("2c91808a".into()),
        };
        let info = UserInfo {
            user_name: Some("admin".into()),
            preferred_username: None,
            name: Some("Alex Admin".into()),
            authorities: Some(vec!["HELPDESK".into()]),
        };
        let id = Identity::from_sources(Some(claims.clone()), Some(info)).expect("identity");
        assert_eq!(id.display_name, "Alex Admin");
        assert_eq!(id.levels, vec!["ORG_ADMIN"]);
        let id = Identity::from_sources(Some(claims), None).expect("identity");
        assert_eq!(id.display_name, "admin");
        assert!(Identity::from_sources(None, None).is_none());
    }
}
