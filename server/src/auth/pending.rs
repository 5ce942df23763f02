//! Sign-ins in progress (between `/auth/login` and `/auth/callback`): their `state`, PKCE
//! verifier and return path live in a sealed, HttpOnly cookie that expires in 15 minutes, not in
//! the database. Nothing is stored for a browser that has not signed in, so any number of
//! anonymous requests to `/auth/login` leave the database and the server's memory as they were.
//! The cookie is sealed with the console's key (the verifier must stay secret, and a browser
//! must not be able to forge a pending sign-in).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::Cookie;

use super::cookies::CookieRules;
use crate::store::Sealer;

/// The cookie's name (before its prefix).
pub const LOGIN_COOKIE: &str = "sgc_login";
/// How long a sign-in may take at ISC's page.
pub const LOGIN_TTL_SECS: i64 = 15 * 60;
/// Sign-ins pending at once in one browser (several tabs), oldest dropped first.
pub const MAX_PENDING_LOGINS: usize = 5;
/// A return path longer than this is not kept (the cookie must stay small): the user returns to
/// the start page.
const MAX_RETURN_LEN: usize = 512;
/// What the sealed cookie value is bound to.
const SEALED_AS: &str = "cookie/pending-login";

/// One sign-in in progress. No `Debug`: it holds the PKCE verifier.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingLogin {
    pub state: String,
    pub verifier: String,
    pub return_to: String,
    pub created_at: i64,
}

/// The browser's sign-ins in progress.
#[derive(Default)]
pub struct PendingLogins(Vec<PendingLogin>);

impl PendingLogins {
    /// Those in the request's cookie that have not expired (none if the cookie is missing,
    /// forged or sealed under a key the console no longer has).
    pub fn from_request(
        headers: &axum::http::HeaderMap,
        rules: &CookieRules,
        sealer: &Sealer,
    ) -> PendingLogins {
        let Some(value) = rules.read(headers, LOGIN_COOKIE) else {
            return PendingLogins::default();
        };
        let opened = URL_SAFE_NO_PAD
            .decode(value)
            .ok()
            .and_then(|sealed| sealer.open(SEALED_AS, &sealed).ok())
            .and_then(|opened| serde_json::from_slice::<Vec<PendingLogin>>(&opened.plaintext).ok())
            .unwrap_or_default();
        let now = super::now();
        PendingLogins(
            opened
                .into_iter()
                .filter(|p| (0..LOGIN_TTL_SECS).contains(&(now - p.created_at)))
                .collect(),
        )
    }

    pub fn push(&mut self, mut login: PendingLogin) {
        if login.return_to.len() > MAX_RETURN_LEN {
            login.return_to = "/".into();
        }
        self.0.push(login);
        let excess = self.0.len().saturating_sub(MAX_PENDING_LOGINS);
        self.0.drain(..excess);
    }

    /// Removes and returns the sign-in whose `state` matches.
    pub fn take(&mut self, state: &str) -> Option<PendingLogin> {
        let index = self
            .0
            .iter()
            .position(|p| constant_time_eq(p.state.as_bytes(), state.as_bytes()))?;
        Some(self.0.remove(index))
    }

    /// The `Set-Cookie` that stores what is left (or deletes the cookie when nothing is).
    pub fn cookie(&self, rules: &CookieRules, sealer: &Sealer) -> Cookie<'static> {
        if self.0.is_empty() {
            return rules.removal(LOGIN_COOKIE);
        }
        let json = serde_json::to_vec(&self.0).unwrap_or_default();
        let value = URL_SAFE_NO_PAD.encode(sealer.seal(SEALED_AS, &json));
        rules
            .build(LOGIN_COOKIE, value)
            .max_age(time::Duration::seconds(LOGIN_TTL_SECS))
            .build()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecretKey;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn login(state: &str, created_at: i64) -> PendingLogin {
        PendingLogin {
            state: state.into(),
            verifier: "verifier-secret".into(),
            return_to: "/groups".into(),
            created_at,
        }
    }

    fn request_with(cookie: &Cookie<'_>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let pair = format!("{}={}", cookie.name(), cookie.value());
        headers.insert(header::COOKIE, HeaderValue::from_str(&pair).expect("ascii"));
        headers
    }

    #[test]
    fn pending_sign_ins_round_trip_sealed_and_expire() {
        let rules =
            CookieRules::for_public_url(&url::Url::parse("http://127.0.0.1:1").expect("url"));
        let sealer = Sealer::new(SecretKey::generate(), None);
        let mut pending = PendingLogins::default();
        pending.push(login("old", super::super::now() - LOGIN_TTL_SECS - 1));
        pending.push(login("a", super::super::now()));
        let cookie = pending.cookie(&rules, &sealer);
        assert!(!cookie.value().contains("verifier"), "sealed, not readable");
        assert!(cookie.http_only().unwrap_or(false));

        let mut back = PendingLogins::from_request(&request_with(&cookie), &rules, &sealer);
        assert!(back.take("old").is_none(), "expired");
        assert_eq!(
            back.take("a").map(|p| p.return_to).as_deref(),
            Some("/groups")
        );
        assert!(back.take("a").is_none(), "used once");

        let other = Sealer::new(SecretKey::generate(), None);
        let mut forged = PendingLogins::from_request(&request_with(&cookie), &rules, &other);
        assert!(
            forged.take("a").is_none(),
            "another key's cookie is worth nothing"
        );
    }

    #[test]
    fn at_most_five_are_kept_newest_last() {
        let mut pending = PendingLogins::default();
        for i in 0..7 {
            pending.push(login(&i.to_string(), super::super::now()));
        }
        assert!(pending.take("1").is_none());
        assert!(pending.take("2").is_some());
    }
}
