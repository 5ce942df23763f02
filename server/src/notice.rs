//! Notices in the URL, signed: the console's pages show some query parameters as messages in
//! their own panels (the list's `deleted=` and `sources=` after a delete; `__path=` and `__err=`,
//! which leptos_router turns into a server action's error after a failed plain form post). A
//! link anyone can write must not put text there, so the console only shows them when it wrote
//! them itself, moments ago.
//!
//! The rule:
//!
//! - **Written** by the server-function edge (`boundary`): when an answer's `Location` carries a
//!   notice parameter the server wrote, `__sig=<unix seconds>.<base64url>` is appended. The
//!   signature is a [`Sealer`] seal of nothing, with associated data
//!   `notice:<seconds>:<path>?<query>`: the page's path inside the console (the base taken off,
//!   percent-decoded) and every other parameter of the query, decoded, in order, written out
//!   again in one canonical form (so `%20` and `+` do not matter, but adding, removing,
//!   changing or reordering any parameter does).
//! - **What the server wrote**: a `Location` may repeat what the browser sent in `Referer`
//!   (server_fn sends a failed plain form back to its `Referer`, adding `__path` and `__err`;
//!   other answers to a plain form go back to it as it is). A notice parameter with the same key
//!   and value as one in the `Referer`'s query is taken as the browser's, once per occurrence, and
//!   dropped from the `Location` before signing; without any notice of its own the `Location` is
//!   left as it is (unsigned). Otherwise anyone could have the console sign their own text by
//!   posting to a server function with a made-up `Referer`. (The one cost: a notice the app
//!   writes that equals one already in the page's URL, such as deleting a second group of the
//!   same name and sources from the list that names the first, is not shown.)
//! - **Read** by the page edge: a page request whose query holds a notice parameter is served
//!   only with exactly one `__sig` that opens for its path and the rest of its query and is at
//!   most [`VALID_FOR`] old (and not dated more than a minute ahead: replicas' clocks). Any
//!   other such request (no signature, a forged, altered, expired or moved one) is sent to the
//!   same page without the notice parameters and `__sig`, its other parameters kept.
//!
//! Parameters are compared as the page reads them (the application/x-www-form-urlencoded
//! parser of `url` on the server and of `URLSearchParams` in the browser), so an encoded key
//! such as `__er%72` is a notice parameter too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use app::routes::Base;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::percent_decode_str;
use url::{Url, form_urlencoded};

use crate::store::Sealer;

/// The query parameters a page shows as a message.
pub const NOTICE_PARAMS: [&str; 4] = ["deleted", "sources", "__err", "__path"];

/// The parameter that carries the signature.
pub const SIGNATURE_PARAM: &str = "__sig";

/// How long a signed notice is shown: enough to follow the redirect (or reload the page soon
/// after), not enough to pass a link around.
pub const VALID_FOR: Duration = Duration::from_secs(10 * 60);

/// How far ahead of this server's clock a signature may be dated (another replica signed it).
const CLOCK_SKEW_SECS: u64 = 60;

/// Signs and checks notice parameters under the console's key.
#[derive(Clone)]
pub struct Notices {
    sealer: Sealer,
}

/// One `key=value` of a query: its text as written, and what it says.
struct Param<'a> {
    raw: &'a str,
    key: String,
    value: String,
}

impl Param<'_> {
    fn is_notice(&self) -> bool {
        NOTICE_PARAMS.contains(&self.key.as_str())
    }

    fn is_signature(&self) -> bool {
        self.key == SIGNATURE_PARAM
    }
}

fn params_of(query: &str) -> Vec<Param<'_>> {
    query
        .split('&')
        .filter(|raw| !raw.is_empty())
        .map(|raw| {
            let (key, value) = form_urlencoded::parse(raw.as_bytes())
                .next()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .unwrap_or_default();
            Param { raw, key, value }
        })
        .collect()
}

/// `url` without its fragment, and the fragment.
fn split_fragment(url: &str) -> (&str, Option<&str>) {
    match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    }
}

/// The query of a URL (absolute or not), if it has one.
fn query_of(url: &str) -> Option<&str> {
    split_fragment(url)
        .0
        .split_once('?')
        .map(|(_, query)| query)
}

/// What a signature covers: when it was made, the page, and the query but for `__sig`.
fn signed_text(issued: u64, path: &str, params: &[&Param<'_>]) -> String {
    let path = percent_decode_str(path).decode_utf8_lossy();
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params.iter().map(|p| (p.key.as_str(), p.value.as_str())))
        .finish();
    // The canonical query never holds a bare `?` (it is written `%3F`): the text is unambiguous.
    format!("notice:{issued}:{path}?{query}")
}

/// The console path a `Location` leads to (the browser resolves a relative one against the
/// server function's address, under `/api`; the app's own are absolute paths).
fn location_path(target: &str, base: &Base) -> Option<String> {
    let origin = Url::parse("http://console.invalid/api/").ok()?;
    let url = origin.join(target).ok()?;
    Some(base.strip(url.path()).to_string())
}

/// Unix seconds now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

impl Notices {
    pub fn new(sealer: Sealer) -> Notices {
        Notices { sealer }
    }

    fn signature(&self, issued: u64, path: &str, params: &[&Param<'_>]) -> String {
        let sealed = self.sealer.seal(&signed_text(issued, path, params), b"");
        format!("{issued}.{}", URL_SAFE_NO_PAD.encode(sealed))
    }

    fn verifies(&self, signature: &str, path: &str, params: &[&Param<'_>], now: u64) -> bool {
        let Some((issued_text, sealed)) = signature.split_once('.') else {
            return false;
        };
        let Ok(issued) = issued_text.parse::<u64>() else {
            return false;
        };
        // One spelling of the time only (no `+600`, no `0600`).
        if issued.to_string() != issued_text {
            return false;
        }
        if issued > now.saturating_add(CLOCK_SKEW_SECS)
            || now.saturating_sub(issued) > VALID_FOR.as_secs()
        {
            return false;
        }
        let Ok(sealed) = URL_SAFE_NO_PAD.decode(sealed) else {
            return false;
        };
        self.sealer
            .open(&signed_text(issued, path, params), &sealed)
            .is_ok_and(|opened| opened.plaintext.is_empty())
    }

    /// The server-function edge: `location` with its notice parameters signed, or None to leave
    /// it as it is (no notice the server wrote). `referer` is the request's, as server_fn read
    /// it; `base` the console's place on its origin.
    pub fn sign_location(
        &self,
        location: &str,
        referer: Option<&str>,
        base: &Base,
        now: u64,
    ) -> Option<String> {
        let (target, fragment) = split_fragment(location);
        let (before_query, query) = target.split_once('?')?;
        let params = params_of(query);
        if !params.iter().any(Param::is_notice) {
            return None;
        }
        // The notices the browser sent: each taken off once where the Location repeats it.
        let mut sent: Vec<(String, String)> = referer
            .and_then(query_of)
            .map(|query| {
                params_of(query)
                    .into_iter()
                    .filter(Param::is_notice)
                    .map(|p| (p.key, p.value))
                    .collect()
            })
            .unwrap_or_default();
        let kept: Vec<&Param<'_>> = params
            .iter()
            .filter(|p| {
                if p.is_signature() {
                    return false;
                }
                if !p.is_notice() {
                    return true;
                }
                match sent
                    .iter()
                    .position(|(key, value)| *key == p.key && *value == p.value)
                {
                    Some(index) => {
                        sent.remove(index);
                        false
                    }
                    None => true,
                }
            })
            .collect();
        if !kept.iter().any(|p| p.is_notice()) {
            return None;
        }
        let path = location_path(before_query, base)?;
        let signature = self.signature(now, &path, &kept);
        let mut query: Vec<&str> = kept.iter().map(|p| p.raw).collect();
        let signature = format!("{SIGNATURE_PARAM}={signature}");
        query.push(&signature);
        let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
        Some(format!("{before_query}?{}{fragment}", query.join("&")))
    }

    /// The page edge: None when a request for `path` (inside the console) with `query` may be
    /// served as it is; otherwise the query to serve it with instead (empty for none): the same
    /// without notice parameters and `__sig`.
    pub fn refused(&self, path: &str, query: &str, now: u64) -> Option<String> {
        let params = params_of(query);
        if !params.iter().any(Param::is_notice) {
            return None;
        }
        let mut signatures = params.iter().filter(|p| p.is_signature());
        let valid = match (signatures.next(), signatures.next()) {
            (Some(signature), None) => {
                let rest: Vec<&Param<'_>> = params.iter().filter(|p| !p.is_signature()).collect();
                self.verifies(&signature.value, path, &rest, now)
            }
            _ => false,
        };
        if valid {
            return None;
        }
        let others: Vec<&str> = params
            .iter()
            .filter(|p| !p.is_notice() && !p.is_signature())
            .map(|p| p.raw)
            .collect();
        Some(others.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SecretKey;

    const T: u64 = 1_700_000_000;

    fn notices() -> Notices {
        Notices::new(Sealer::new(SecretKey::generate(), None))
    }

    fn root() -> Base {
        Base::new("/")
    }

    /// The path and query of a signed `Location` (what the browser then asks for).
    fn path_and_query(location: &str) -> (String, String) {
        let url = Url::parse("http://console.invalid/")
            .and_then(|origin| origin.join(location))
            .expect("url");
        (
            url.path().to_string(),
            url.query().unwrap_or_default().to_string(),
        )
    }

    fn signed(notices: &Notices, location: &str) -> String {
        notices
            .sign_location(location, None, &root(), T)
            .expect("signed")
    }

    #[test]
    fn a_notice_the_server_wrote_is_signed_and_then_shown() {
        let notices = notices();
        let location = signed(&notices, "/groups?deleted=Cloud&sources=Okta%2C%20SAP");
        assert!(
            location.starts_with("/groups?deleted=Cloud&sources=Okta%2C%20SAP&__sig="),
            "{location}"
        );
        let (path, query) = path_and_query(&location);
        assert_eq!(notices.refused(&path, &query, T), None);
        assert_eq!(notices.refused(&path, &query, T + 600), None);
        // The browser may write the same values another way.
        let respelled = query.replace("%20", "+");
        assert_eq!(notices.refused(&path, &respelled, T + 1), None);
    }

    #[test]
    fn anything_else_is_sent_to_the_page_without_its_notices() {
        let notices = notices();
        let (path, query) = path_and_query(&signed(&notices, "/groups?q=a&deleted=Cloud"));
        let refused = |path: &str, query: &str| notices.refused(path, query, T + 1);

        // Unsigned, and encoded keys are keys.
        assert_eq!(
            refused("/groups", "q=a&deleted=Call%20555&sort=name"),
            Some("q=a&sort=name".into())
        );
        assert_eq!(refused("/groups", "del%65ted=x"), Some(String::new()));
        assert_eq!(
            refused("/groups/x/edit", "__path=%2Fapi%2Fsave_group&__er%72=e30"),
            Some(String::new())
        );
        // Another name under the same signature; an added, removed or reordered parameter.
        let sig = query.split('&').next_back().expect("sig");
        assert_eq!(
            refused(&path, &format!("q=a&deleted=Call%20555&{sig}")),
            Some("q=a".into())
        );
        assert_eq!(
            refused(&path, &format!("{query}&sources=Call%20555")),
            Some("q=a".into())
        );
        assert_eq!(
            refused(&path, &format!("q=a&q=b&deleted=Cloud&{sig}")),
            Some("q=a&q=b".into())
        );
        assert_eq!(
            refused(&path, &format!("deleted=Cloud&{sig}")),
            Some(String::new())
        );
        assert_eq!(
            refused(&path, &format!("deleted=Cloud&q=a&{sig}")),
            Some("q=a".into())
        );
        // Moved to another page; twice; damaged; another key's.
        assert_eq!(refused("/groups/x", &query), Some("q=a".into()));
        assert_eq!(
            refused(&path, &format!("{query}&{sig}")),
            Some("q=a".into())
        );
        let damaged = query.replace(".", ".A");
        assert_eq!(refused(&path, &damaged), Some("q=a".into()));
        let other_key = self::notices();
        assert_eq!(other_key.refused(&path, &query, T), Some("q=a".into()));
        // A signature dated otherwise.
        let redated = query.replace(&format!("{T}."), &format!("{}.", T + 1));
        assert_eq!(refused(&path, &redated), Some("q=a".into()));
        let padded = query.replace(&format!("{T}."), &format!("0{T}."));
        assert_eq!(refused(&path, &padded), Some("q=a".into()));
        // Nothing to refuse without a notice.
        assert_eq!(refused("/groups", "q=a&__sig=nonsense"), None);
        assert_eq!(refused("/groups", ""), None);
    }

    #[test]
    fn a_signature_holds_for_ten_minutes() {
        let notices = notices();
        let (path, query) = path_and_query(&signed(&notices, "/groups?deleted=Cloud"));
        assert_eq!(notices.refused(&path, &query, T + 600), None);
        assert_eq!(notices.refused(&path, &query, T + 601), Some(String::new()));
        // Dated ahead by another replica's clock: a little, not more.
        assert_eq!(notices.refused(&path, &query, T - 60), None);
        assert_eq!(notices.refused(&path, &query, T - 61), Some(String::new()));
    }

    #[test]
    fn a_signature_made_under_the_previous_key_still_holds() {
        let old = SecretKey::generate();
        let before = Notices::new(Sealer::new(old.clone(), None));
        let (path, query) = path_and_query(&signed(&before, "/groups?deleted=Cloud"));
        let after = Notices::new(Sealer::new(SecretKey::generate(), Some(old)));
        assert_eq!(after.refused(&path, &query, T), None);
    }

    #[test]
    fn what_the_browser_sent_in_referer_is_not_signed() {
        let notices = notices();
        let sign = |location: &str, referer: &str| {
            notices.sign_location(location, Some(referer), &root(), T)
        };
        // A plain form's answer that goes back to its page as it is.
        assert_eq!(
            sign(
                "http://h/groups?deleted=Call+555",
                "http://h/groups?deleted=Call%20555"
            ),
            None
        );
        // A failed one: only server_fn's `__path` and `__err` are the server's.
        let location = sign(
            "http://h/groups?deleted=Call+555&__path=%2Fapi%2Fdelete_group&__err=e30",
            "http://h/groups?deleted=Call%20555",
        )
        .expect("signed");
        assert!(
            location.starts_with("http://h/groups?__path=%2Fapi%2Fdelete_group&__err=e30&__sig="),
            "{location}"
        );
        // The same error again, from the page showing the first: the first one goes.
        let previous = "http://h/groups/x/edit?q=1&__path=%2Fapi%2Fsave_group&__err=e30&__sig=1.AA";
        let location = sign(
            &format!("{previous}&__path=%2Fapi%2Fsave_group&__err=e30"),
            previous,
        )
        .expect("signed");
        assert!(
            location.starts_with(
                "http://h/groups/x/edit?q=1&__path=%2Fapi%2Fsave_group&__err=e30&__sig="
            ),
            "{location}"
        );
        let (path, query) = path_and_query(&location);
        assert_eq!(path, "/groups/x/edit");
        assert_eq!(notices.refused(&path, &query, T), None);
        // A notice of the app's own where the page had another.
        let location =
            sign("/groups?deleted=B", "http://h/groups?deleted=A&__sig=1.AA").expect("signed");
        assert!(
            location.starts_with("/groups?deleted=B&__sig="),
            "{location}"
        );
    }

    #[test]
    fn locations_without_notices_are_left_alone() {
        let notices = notices();
        for location in [
            "/groups/x?saved=updated",
            "/groups",
            "http://h/groups/x/edit?q=1",
            "/groups?q=a&__sig=1.AA",
        ] {
            assert_eq!(notices.sign_location(location, None, &root(), T), None);
        }
    }

    #[test]
    fn a_location_under_the_base_is_signed_for_the_path_inside_it() {
        let notices = notices();
        let base = Base::new("/tools/sync-groups");
        let location = notices
            .sign_location(
                "https://intranet.example.com/tools/sync-groups/groups/x/edit?__path=%2Fapi%2Fsave_group&__err=e30#top",
                None,
                &base,
                T,
            )
            .expect("signed");
        let (before, fragment) = location.split_once('#').expect("fragment kept");
        assert_eq!(fragment, "top");
        let query = before.split_once('?').expect("query").1;
        assert_eq!(notices.refused("/groups/x/edit", query, T), None);
        let app = notices
            .sign_location("/tools/sync-groups/groups?deleted=A", None, &base, T)
            .expect("signed");
        let query = app.split_once('?').expect("query").1;
        assert_eq!(notices.refused("/groups", query, T), None);
    }
}
