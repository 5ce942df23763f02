//! What every answer carries (policy, transport and caching headers, compression) and the
//! console served under a path of its public URL, as behind a reverse proxy that forwards it.

#![expect(clippy::expect_used, reason = "test helpers")]

mod common;

use common::{Browser, location, set_cookies, start, start_under};
use reqwest::StatusCode;

const PREFIX: &str = "/tools/sync-groups";

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().expect("ascii").to_string())
        .unwrap_or_default()
}

/// The nonce in a Content-Security-Policy header.
fn nonce(policy: &str) -> String {
    let start = policy.find("'nonce-").expect("a nonce") + "'nonce-".len();
    policy[start..]
        .split('\'')
        .next()
        .expect("nonce")
        .to_string()
}

#[tokio::test]
async fn every_page_has_a_fresh_nonce_on_its_only_inline_script() {
    let console = start(&[]).await;
    let browser = console_browser(&console.base).await;
    let mut nonces = Vec::new();
    for path in ["/groups", "/groups"] {
        let page = browser.get(&format!("{}{path}", console.base)).await;
        assert_eq!(page.status(), StatusCode::OK);
        let policy = header(&page, "content-security-policy");
        assert!(policy.contains("default-src 'self'"), "{policy}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        let nonce = nonce(&policy);
        let html = page.text().await.expect("body");
        let inline: Vec<&str> = html
            .split("<script")
            .skip(1)
            .filter(|tag| !tag.split('>').next().unwrap_or("").contains("src="))
            .collect();
        assert!(!inline.is_empty(), "the hydration script is inline");
        for script in inline {
            assert!(
                script.contains(&format!("nonce=\"{nonce}\"")),
                "an inline script without this response's nonce: {script:.120}"
            );
        }
        nonces.push(nonce);
    }
    assert_ne!(nonces[0], nonces[1], "a nonce is never reused");
}

async fn console_browser(base: &str) -> Browser {
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    browser
}

#[tokio::test]
async fn signed_in_answers_are_never_stored_and_pages_are_compressed() {
    let console = start(&[]).await;
    let browser = console_browser(&console.base).await;
    let page = browser
        .http
        .get(format!("{}/groups", console.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("page");
    assert_eq!(header(&page, "cache-control"), "no-store");
    assert_eq!(header(&page, "content-encoding"), "br");
    let answer = browser.api(&console.base, "list_groups").await;
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(header(&answer, "cache-control"), "no-store");
    // Plain http: no HSTS (a browser would ignore it, and it must not stick to a test origin).
    assert!(header(&page, "strict-transport-security").is_empty());
}

#[tokio::test]
async fn over_https_every_answer_asks_for_https_only() {
    let console = start(&[("CONSOLE_PUBLIC_URL", "https://console.example.com")]).await;
    let page = Browser::new()
        .get(&format!("{}/signin", console.base))
        .await;
    assert_eq!(
        header(&page, "strict-transport-security"),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn under_a_path_every_address_the_browser_gets_is_under_it() {
    let console = start_under(PREFIX, &[]).await;
    let base = &console.base;
    assert!(base.ends_with(PREFIX));
    let browser = Browser::new();
    // A page outside the session goes to sign-in under the path, and the OAuth redirect URI
    // is under it too.
    let first = browser.get(&format!("{base}/groups")).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let login = location(&first);
    assert!(
        login.contains(&format!("{PREFIX}/auth/login?return=%2Fgroups")),
        "{login}"
    );
    let to_isc = browser.get(&login).await;
    let authorize = location(&to_isc);
    let redirect_uri = url::Url::parse(&authorize)
        .expect("url")
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .expect("redirect_uri");
    assert!(
        redirect_uri.ends_with(&format!("{PREFIX}/auth/callback")),
        "{redirect_uri}"
    );
    for cookie in set_cookies(&to_isc) {
        assert!(cookie.contains(&format!("Path={PREFIX}")), "{cookie}");
    }

    let callback = browser.sign_in_at(&authorize, "admin").await;
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::FOUND);
    assert!(
        location(&back).ends_with(&format!("{PREFIX}/groups")),
        "{}",
        location(&back)
    );
    for cookie in set_cookies(&back) {
        assert!(cookie.contains(&format!("Path={PREFIX}")), "{cookie}");
    }

    let page = browser.get(&format!("{base}/groups")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    // Every link, form, script and stylesheet of the page is under the path.
    for attribute in ["href=\"/", "src=\"/", "action=\"/"] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len() - 1..];
            assert!(
                rest.starts_with(PREFIX) || rest.starts_with("/\""),
                "{attribute}… outside {PREFIX}: {:.80}",
                rest
            );
        }
    }
    assert!(
        html.contains(&format!("content=\"{PREFIX}\"")),
        "the base for the browser"
    );
    // Server functions answer under the path, and without it: what a proxy that strips the path
    // sends (the browser still sends its cookies, whose Path is the public one).
    let session = browser.cookie(base, "sgc_session").expect("session cookie");
    let root = base.trim_end_matches(PREFIX);
    for api in [
        format!("{base}/api/list_groups"),
        format!("{root}/api/list_groups"),
    ] {
        let answer = reqwest::Client::new()
            .post(&api)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("sgc_session={session}"))
            .send()
            .await
            .expect("answer");
        assert_eq!(answer.status(), StatusCode::OK, "{api}");
    }
    // Signing out goes back to the sign-in page under the path.
    let out = browser
        .http
        .post(format!("{base}/auth/logout"))
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        location(&out).contains(&format!("{PREFIX}/signin")),
        "{}",
        location(&out)
    );
}
