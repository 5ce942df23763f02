//! The console's cookies: names, `Path`, `Secure`, and the prefix browsers enforce.
//!
//! Over https every cookie is `Secure` and prefixed: `__Host-` when the console is served at the
//! root of its origin (the browser then guarantees the cookie was set by this very origin, over
//! https, for `/`), `__Secure-` under a path (`__Host-` requires `Path=/`). Over plain http
//! (loopback, the embedded default) neither prefix is allowed, so the names stay bare.

use tower_sessions::cookie::{Cookie, CookieBuilder, SameSite};
use url::Url;

#[derive(Debug, Clone)]
pub struct CookieRules {
    pub secure: bool,
    /// The public URL's path (`/`, or `/tools/sync-groups`).
    pub path: String,
    prefix: &'static str,
}

impl CookieRules {
    pub fn for_public_url(url: &Url) -> CookieRules {
        let secure = url.scheme() == "https";
        let path = match url.path().trim_end_matches('/') {
            "" => "/".to_string(),
            path => path.to_string(),
        };
        let prefix = match (secure, path.as_str()) {
            (false, _) => "",
            (true, "/") => "__Host-",
            (true, _) => "__Secure-",
        };
        CookieRules {
            secure,
            path,
            prefix,
        }
    }

    /// The full name of the cookie `base` (e.g. `sgc_session` → `__Host-sgc_session`).
    pub fn name(&self, base: &str) -> String {
        format!("{}{base}", self.prefix)
    }

    /// An HttpOnly, SameSite=Lax cookie with the console's path and `Secure` rule. Lax: the
    /// redirect back from ISC's sign-in page is a cross-site navigation, and a Strict cookie
    /// would not come with it.
    pub fn build(&self, base: &str, value: String) -> CookieBuilder<'static> {
        Cookie::build((self.name(base), value))
            .path(self.path.clone())
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
    }

    /// A `Set-Cookie` that deletes the cookie `base`.
    pub fn removal(&self, base: &str) -> Cookie<'static> {
        let mut cookie = self.build(base, String::new()).build();
        cookie.make_removal();
        cookie
    }

    /// The value of the cookie `base` in a request's `Cookie` headers.
    pub fn read(&self, headers: &axum::http::HeaderMap, base: &str) -> Option<String> {
        let name = self.name(base);
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name)
            .map(|c| c.value().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(url: &str) -> CookieRules {
        CookieRules::for_public_url(&Url::parse(url).expect("url"))
    }

    #[test]
    fn prefixes_follow_the_public_url() {
        let root = rules("https://console.example.com");
        assert_eq!(
            (root.name("s"), root.path.as_str()),
            ("__Host-s".into(), "/")
        );
        let under = rules("https://intranet.example.com/tools/sync-groups/");
        assert_eq!(
            (under.name("s"), under.path.as_str()),
            ("__Secure-s".into(), "/tools/sync-groups")
        );
        let plain = rules("http://127.0.0.1:3000");
        assert_eq!((plain.name("s"), plain.secure), ("s".into(), false));
    }

    #[test]
    fn a_removal_has_the_same_name_path_and_flags() {
        let set = rules("https://console.example.com")
            .removal("sgc_signed_in")
            .to_string();
        assert!(set.starts_with("__Host-sgc_signed_in=;"), "{set}");
        assert!(set.contains("Max-Age=0") && set.contains("Secure") && set.contains("Path=/"));
    }
}
