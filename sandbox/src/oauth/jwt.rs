//! HS256 JWTs with ISC's claims, signed with a random per-instance key: tokens of one sandbox
//! are worthless to another one (or to the same one after a restart).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The claims of an ISC access token. `identity_id`, `user_name` and `authorities` are absent
/// for tokens of API clients, which carry no user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claims {
    pub tenant_id: String,
    pub internal: bool,
    pub pod: String,
    pub org: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    pub strong_auth: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorities: Vec<String>,
    pub client_id: String,
    pub strong_auth_supported: bool,
    /// Granted scopes, one string each (ISC's own tokens encode them; the sandbox spells them out).
    pub scope: Vec<String>,
    pub exp: u64,
    pub iat: u64,
    pub jti: String,
}

pub(crate) struct Signer {
    mac: HmacSha256,
}

impl Signer {
    pub(crate) fn random() -> Self {
        // A 64-byte key: SHA-256's block size, the most HMAC can use without hashing the key.
        let key = GenericArray::from(rand::random::<[u8; 64]>());
        Self {
            mac: <HmacSha256 as Mac>::new(&key),
        }
    }

    pub(crate) fn sign(&self, claims: &Claims) -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap_or_default());
        let signing_input = format!("{header}.{payload}");
        let mut mac = self.mac.clone();
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{signing_input}.{signature}")
    }

    /// The claims of a token this signer made; `None` for anything else.
    pub(crate) fn verify(&self, token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (header_b64, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
        // Only the one algorithm we sign with: no "none", no algorithm confusion.
        if header.get("alg").and_then(Value::as_str) != Some("HS256") {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac.clone();
        mac.update(header_b64.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Claims {
        Claims {
            tenant_id: "t".into(),
            internal: false,
            pod: "p".into(),
            org: "o".into(),
            identity_id: None,
            user_name: None,
            strong_auth: false,
            authorities: vec![],
            client_id: "c".into(),
            strong_auth_supported: false,
            scope: vec!["sp:scopes:all".into()],
            exp: 2,
            iat: 1,
            jti: "j".into(),
        }
    }

    #[test]
    fn round_trip_and_tampering() {
        let signer = Signer::random();
        let token = signer.sign(&claims());
        assert_eq!(signer.verify(&token), Some(claims()));
        assert_eq!(
            Signer::random().verify(&token),
            None,
            "another instance's key"
        );
        let mut forged = claims();
        forged.authorities = vec!["ORG_ADMIN".into()];
        let parts: Vec<&str> = token.split('.').collect();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(signer.verify(&tampered), None);
        let none_alg = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#),
            parts[1]
        );
        assert_eq!(signer.verify(&none_alg), None);
        assert_eq!(signer.verify("garbage"), None);
        assert_eq!(signer.verify(&format!("{token}.x")), None);
    }
}
