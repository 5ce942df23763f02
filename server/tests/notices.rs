//! Notices in the URL (`?deleted=`, `__err=`) are shown only when the console wrote them: a
//! server function's redirect carries them signed (`__sig`), and a page asked for with a notice
//! parameter but no valid signature is sent to the same page without it (see `server::notice`
//! for the rule; its unit tests cover expiry and each way of altering a signed query).

#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use app::error::AppError;
use base64::Engine as _;
use reqwest::StatusCode;

use common::Browser;

const ENGINEERING_SYSTEMS: &str = "3f0b7c2e-9a41-4c8e-b5d2-71e6a0c4d9f3";
const CORPORATE_SIGN_IN: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";

/// The text a crafted link tries to put in the console's panels.
const PLANTED: &str = "Call 555-0100 to restore";

/// A plain HTML form post from the console's page `referer` (a path, or a whole URL), as a
/// browser without JavaScript sends it.
async fn post_html_form(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
    referer: &str,
) -> reqwest::Response {
    let referer = if referer.starts_with('/') {
        format!("{base}{referer}")
    } else {
        referer.to_string()
    };
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .header("referer", referer)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The value of the query parameter `name` in the redirect's `Location`.
fn param(response: &reqwest::Response, name: &str) -> Option<String> {
    let location = url::Url::parse(&common::location(response)).unwrap();
    location
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `url` and the redirects from it, up to the page they end at: (each URL asked for, the page).
async fn follow(browser: &Browser, url: &str) -> (Vec<String>, reqwest::Response) {
    let mut visited = vec![url.to_string()];
    for _ in 0..5 {
        let response = browser.get(visited.last().unwrap()).await;
        if response.status() != StatusCode::FOUND {
            return (visited, response);
        }
        visited.push(common::location(&response));
    }
    panic!("too many redirects from {url}: {visited:?}");
}

/// A page at `path` that a crafted link with `query` asks for: sent once to `path?kept` (under
/// the console's address), which shows nothing of `PLANTED`.
async fn refused(env: &common::Embedded, browser: &Browser, path: &str, query: &str, kept: &str) {
    let response = browser.get(&format!("{}{path}?{query}", env.base)).await;
    assert_eq!(response.status(), StatusCode::FOUND, "{path}?{query}");
    let expected = if kept.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{kept}")
    };
    assert_eq!(common::location_path(&response), expected);
    let page = browser.get(&common::location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK, "{expected}");
    let html = page.text().await.unwrap();
    assert!(!html.contains("555-0100"), "{html}");
    assert!(!html.contains("Deleted the sync group"), "{html}");
}

fn planted_error() -> String {
    let error = AppError::Upstream {
        status: 400,
        detail_code: None,
        message: PLANTED.into(),
        tracking_id: None,
    };
    base64::engine::general_purpose::URL_SAFE.encode(serde_json::to_vec(&error).unwrap())
}

#[tokio::test]
async fn a_delete_without_javascript_leads_to_its_signed_notice() {
    let env = common::embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let response = post_html_form(
        &admin,
        &env.base,
        "delete_group",
        &[
            ("id", ENGINEERING_SYSTEMS),
            ("confirm_name", "Engineering Systems"),
        ],
        &format!("/groups/{ENGINEERING_SYSTEMS}/delete"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = common::location_path(&response);
    let (notice, signature) = location
        .split_once("&__sig=")
        .unwrap_or_else(|| panic!("unsigned: {location}"));
    assert_eq!(
        notice,
        "/groups?deleted=Engineering%20Systems&sources=GitHub%20Enterprise%2C%20Unix%20LDAP"
    );
    assert!(!signature.contains('&'), "{location}");

    let (visited, page) = follow(&admin, &common::location(&response)).await;
    assert_eq!(visited.len(), 1, "{visited:?}");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Deleted the sync group"), "{html}");
    assert!(html.contains("Engineering Systems"), "{html}");
    assert!(html.contains("no longer synchronised"), "{html}");

    // The same link with another name, or moved to another page, is refused.
    let query = location.split_once('?').unwrap().1;
    let altered = query.replace("Engineering%20Systems", "Call%20555-0100%20to%20restore");
    refused(&env, &admin, "/groups", &altered, "").await;
    refused(&env, &admin, "/groups/new", query, "").await;
}

#[tokio::test]
async fn the_hydrated_apps_redirect_is_signed_too() {
    let env = common::embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let response = admin
        .http
        .post(format!("{}/api/delete_group", env.base))
        .header("accept", "application/json")
        .header("referer", format!("{}/groups?q=eng", env.base))
        .form(&[
            ("id", ENGINEERING_SYSTEMS),
            ("confirm_name", "Engineering Systems"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key("serverfnredirect"));
    assert!(param(&response, "__sig").is_some());
    let page = admin.get(&common::location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Deleted the sync group")
    );
}

#[tokio::test]
async fn a_crafted_deleted_notice_is_never_shown() {
    let env = common::embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    refused(
        &env,
        &admin,
        "/groups",
        "deleted=Call%20555-0100%20to%20restore",
        "",
    )
    .await;
    // Other parameters stay; an encoded key is the same key; a made-up signature is none.
    refused(
        &env,
        &admin,
        "/groups",
        "q=eng&del%65ted=Call+555-0100&sources=x&sort=modified",
        "q=eng&sort=modified",
    )
    .await;
    refused(
        &env,
        &admin,
        "/groups",
        "deleted=Call%20555-0100&__sig=1700000000.AAAA",
        "",
    )
    .await;
    // Signed out: the same redirect, before anything else.
    let stranger = Browser::new();
    let response = stranger
        .get(&format!("{}/groups?deleted=Call%20555-0100", env.base))
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(common::location_path(&response), "/groups");
}

#[tokio::test]
async fn a_crafted_error_is_never_shown() {
    let env = common::embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let query = format!("__path=%2Fapi%2Fsave_group&__err={}", planted_error());
    for page in [
        format!("/groups/{CORPORATE_SIGN_IN}/edit"),
        format!("/groups/{CORPORATE_SIGN_IN}/edit/review"),
        "/groups/new".to_string(),
    ] {
        refused(&env, &admin, &page, &query, "").await;
    }
    let query = format!("__path=%2Fapi%2Fdelete_group&__err={}", planted_error());
    refused(
        &env,
        &admin,
        &format!("/groups/{CORPORATE_SIGN_IN}/delete"),
        &query,
        "",
    )
    .await;
}

#[tokio::test]
async fn a_failed_save_without_javascript_still_shows_its_error() {
    let env = common::embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let referer = "/groups/new/review?name=Cloud";
    let fields = [("name", "Cloud"), ("policy_id", "nope")];
    let response = post_html_form(&admin, &env.base, "save_group", &fields, referer).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        param(&response, "__path").as_deref(),
        Some("/api/save_group")
    );
    assert!(param(&response, "__sig").is_some());
    let (visited, page) = follow(&admin, &common::location(&response)).await;
    assert_eq!(visited.len(), 1, "{visited:?}");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Some fields need attention"), "{html}");

    // Posting again from the page that shows the error: one error in the URL, the new one.
    let again = common::location_path(&response);
    let response = post_html_form(&admin, &env.base, "save_group", &fields, &again).await;
    let location = common::location_path(&response);
    assert_eq!(location.matches("__err=").count(), 1, "{location}");
    assert_eq!(location.matches("__sig=").count(), 1, "{location}");
    assert!(location.starts_with("/groups/new/review?name=Cloud&__path="));
    let (visited, page) = follow(&admin, &common::location(&response)).await;
    assert_eq!(visited.len(), 1, "{visited:?}");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Some fields need attention")
    );
}

#[tokio::test]
async fn the_console_does_not_sign_what_the_referer_brought() {
    let env = common::embedded(&[]).await;
    let crafted = format!("{}/groups?deleted=Call%20555-0100%20to%20restore", env.base);
    for browser in [Browser::new(), env.signed_in("helpdesk").await] {
        // A failed post goes back to its Referer with the server's error: signed without the
        // Referer's notice.
        let response = post_html_form(
            &browser,
            &env.base,
            "delete_group",
            &[("id", ENGINEERING_SYSTEMS), ("confirm_name", "x")],
            &crafted,
        )
        .await;
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(param(&response, "deleted"), None);
        assert!(param(&response, "__err").is_some());
        assert!(param(&response, "__sig").is_some());
        // A successful one goes back to it as it is: unsigned, so refused.
        let response = post_html_form(&browser, &env.base, "console_context", &[], &crafted).await;
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(param(&response, "__sig"), None);
        let (visited, page) = follow(&browser, &common::location(&response)).await;
        assert!(
            visited.iter().skip(1).all(|url| !url.contains("555-0100")),
            "{visited:?}"
        );
        assert!(!page.text().await.unwrap().contains("555-0100"));
    }
}

#[tokio::test]
async fn under_a_base_path_the_redirect_stays_under_it() {
    let console = common::start(&[(
        "CONSOLE_PUBLIC_URL",
        "http://console.example.com/tools/sync-groups",
    )])
    .await;
    let browser = Browser::new();
    // Whether the proxy forwards the base path or strips it.
    for path in ["/tools/sync-groups/groups", "/groups"] {
        let response = browser
            .get(&format!(
                "{}{path}?q=a&deleted=Call%20555-0100",
                console.base
            ))
            .await;
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(
            response.headers()["location"],
            "/tools/sync-groups/groups?q=a"
        );
    }
}
