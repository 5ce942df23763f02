//! The helpdesk view (issue 9) through the console's server functions, on the embedded sandbox
//! tenant: finding people page by page with what a caller says (escaped, never widened), one
//! person's password sync with the verdict drawn from ISC's facts, the scope ISC needs named
//! when it is missing, and the record and limit of lookups.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::collections::HashSet;

use app::error::AppError;
use app::model::people::{LookupKind, LookupPage, PAGE_SIZE, PeopleResults, PersonSync};
use app::model::person::Finding;
use common::{Browser, Embedded, embedded};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_fn::error::FromServerFnError;

async fn call(
    browser: &Browser,
    env: &Embedded,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(format!("{}/api/{path}", env.base))
        .form(form)
        .send()
        .await
        .expect("POST")
}

async fn find(browser: &Browser, env: &Embedded, query: &str, offset: usize) -> PeopleResults {
    let offset = offset.to_string();
    let response = call(
        browser,
        env,
        "find_people",
        &[("query", query), ("offset", &offset)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("results")
}

async fn sync_of(browser: &Browser, env: &Embedded, id: &str) -> PersonSync {
    let response = call(browser, env, "person_sync", &[("id", id)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("person")
}

async fn refused(response: reqwest::Response) -> (StatusCode, AppError) {
    let status = response.status();
    (status, AppError::de(response.bytes().await.expect("body")))
}

/// The sandbox's control endpoint, as a test tool calls it (JSON, no Origin).
async fn control(
    env: &Embedded,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request =
        reqwest::Client::new().request(method, format!("{}/sandbox/__sandbox/{path}", env.base));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("control");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("json")
}

/// The demo org's groups: (id, source ids).
async fn groups(env: &Embedded) -> Vec<(String, Vec<String>)> {
    let admin = env.signed_in("admin").await;
    let response = call(&admin, env, "list_groups", &[]).await;
    let groups: Vec<app::model::GroupSummary> = response.json().await.expect("groups");
    groups
        .into_iter()
        .map(|g| (g.id, g.sources.into_iter().map(|s| s.id).collect()))
        .collect()
}

#[tokio::test]
async fn the_helpdesk_finds_people_page_by_page_and_input_never_widens_the_search() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;

    // Everyone's email is at example.com: many results, a page at a time, no one twice.
    let first = find(&helpdesk, &env, "example.com", 0).await;
    let total = first.total.expect("ISC counts");
    assert!(total > 2 * PAGE_SIZE, "{total}");
    assert_eq!(first.matches.len(), PAGE_SIZE);
    assert_eq!(first.next_offset(), Some(PAGE_SIZE));
    let second = find(&helpdesk, &env, "example.com", PAGE_SIZE).await;
    assert_eq!(second.offset, PAGE_SIZE);
    let ids: HashSet<&str> = first
        .matches
        .iter()
        .chain(&second.matches)
        .map(|m| m.person.id.as_str())
        .collect();
    assert_eq!(ids.len(), 2 * PAGE_SIZE, "pages overlap");

    // A person by their display name, and by the start of it.
    let someone = &first.matches[3].person;
    let by_name = find(&helpdesk, &env, &someone.display_name, 0).await;
    assert!(by_name.matches.iter().any(|m| m.person.id == someone.id));
    let start: String = someone.display_name.chars().take(5).collect();
    let by_start = find(&helpdesk, &env, &start, 0).await;
    assert!(
        by_start.matches.iter().all(|m| m
            .person
            .display_name
            .to_lowercase()
            .contains(&start.to_lowercase())
            || m.person
                .email
                .as_deref()
                .unwrap_or("")
                .contains(&start.to_lowercase())
            || m.person.name.contains(&start.to_lowercase())),
        "{by_start:?}"
    );

    // Query syntax typed into the box is text: it matches nothing rather than everyone.
    for hostile in [
        "name:*",
        "* OR *",
        "\" OR name:*",
        "a*) OR (b",
        "@accounts(*)",
    ] {
        let found = find(&helpdesk, &env, hostile, 0).await;
        assert_eq!(
            found.total,
            Some(0),
            "{hostile} widened the search: {found:?}"
        );
    }
    // A name with a quote and an operator finds exactly the people called that.
    let obrien = find(&helpdesk, &env, "O'Brien AND *", 0).await;
    assert_eq!(obrien.total, Some(0), "{obrien:?}");
    let obrien = find(&helpdesk, &env, "O'Brien", 0).await;
    assert!(!obrien.matches.is_empty());
    assert!(
        obrien
            .matches
            .iter()
            .all(|m| m.person.display_name.contains("O'Brien")),
        "{obrien:?}"
    );

    // Too short: refused before anything is asked of ISC.
    let response = call(&helpdesk, &env, "find_people", &[("query", "ab")]).await;
    let (status, error) = refused(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(error.to_string().contains("at least 3"), "{error}");
}

#[tokio::test]
async fn a_failed_change_and_an_older_password_show_on_the_persons_page() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let groups = groups(&env).await;
    // Someone with accounts on two sources of one group.
    let people = control(&env, reqwest::Method::GET, "people", None).await;
    let (person, group, on) = people
        .as_array()
        .expect("people")
        .iter()
        .find_map(|p| {
            let accounts: Vec<&str> = p["accounts"]
                .as_array()?
                .iter()
                .filter_map(|a| a["sourceId"].as_str())
                .collect();
            groups.iter().find_map(|(gid, sources)| {
                let on: Vec<String> = sources
                    .iter()
                    .filter(|s| accounts.contains(&s.as_str()))
                    .cloned()
                    .collect();
                (on.len() >= 2).then(|| (p.clone(), gid.clone(), on))
            })
        })
        .expect("someone in a group");
    let id = person["id"].as_str().expect("id");

    // They changed their password a minute ago; it reached the first source, not the second.
    let message =
        "The password does not meet the password policy requirements of the target system.";
    control(
        &env,
        reqwest::Method::POST,
        &format!("people/{id}/events"),
        Some(json!({"sourceId": on[0], "action": "USER_PASSWORD_UPDATE_PASSED", "minutesAgo": 1})),
    )
    .await;
    control(
        &env,
        reqwest::Method::POST,
        &format!("people/{id}/events"),
        Some(json!({"sourceId": on[1], "action": "USER_PASSWORD_UPDATE_FAILED", "message": message, "minutesAgo": 1})),
    )
    .await;

    let sync = sync_of(&helpdesk, &env, id).await;
    assert_eq!(sync.person.id, id);
    let card = sync
        .groups
        .iter()
        .find(|g| g.id == group)
        .expect("the group's card");
    assert!(card.has_problem());
    match &card.findings[0] {
        Finding::ChangeFailed { message: m, .. } => assert_eq!(m, message),
        other => panic!("expected the failed change first, got {other:?}"),
    }
    // The failed source's password is older than the one just set.
    assert!(
        card.findings
            .iter()
            .any(|f| matches!(f, Finding::OutOfSync { .. })),
        "{:?}",
        card.findings
    );
    assert!(sync.headline().contains("attention"), "{}", sync.headline());
    // The timeline: newest first, the failure in it with its message.
    assert!(sync.events.windows(2).all(|w| w[0].at >= w[1].at));
    assert!(sync.events.iter().any(|e| !e.passed
        && e.message.as_deref() == Some(message)
        && e.source_id.as_deref() == Some(on[1].as_str())));

    // An id that is not a person's.
    let response = call(
        &helpdesk,
        &env,
        "person_sync",
        &[("id", "2c9180000000000000000000000000ff")],
    )
    .await;
    let (status, error) = refused(response).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error:?}");
}

#[tokio::test]
async fn a_missing_search_scope_is_named_not_a_crash() {
    // Administrators search with their own sign-in: without sp:search:read, ISC refuses.
    let env = embedded(&[(
        "ISC_OAUTH_SCOPES",
        "idn:password-sync-group:manage idn:password-policy:read idn:sources:read",
    )])
    .await;
    let admin = env.signed_in("admin").await;
    let response = call(&admin, &env, "find_people", &[("query", "example.com")]).await;
    let (status, error) = refused(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        matches!(&error, AppError::Upstream { status: 403, message, .. } if message.contains("sp:search:read")),
        "{error:?}"
    );
}

#[tokio::test]
async fn lookups_are_recorded_for_administrators_and_limited_per_user() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let admin = env.signed_in("admin").await;

    let found = find(&helpdesk, &env, "example.com", 0).await;
    let person = found.matches[0].person.clone();
    sync_of(&helpdesk, &env, &person.id).await;

    let response = call(&admin, &env, "lookups", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: LookupPage = response.json().await.expect("lookups");
    let helpdesk_entries: Vec<_> = page
        .entries
        .iter()
        .filter(|e| e.actor_user == "helpdesk")
        .collect();
    assert_eq!(helpdesk_entries.len(), 2, "{page:?}");
    assert_eq!(helpdesk_entries[0].kind, LookupKind::View, "newest first");
    assert_eq!(
        helpdesk_entries[0].person_id.as_deref(),
        Some(person.id.as_str())
    );
    assert_eq!(helpdesk_entries[0].subject, person.display_name);
    assert_eq!(helpdesk_entries[1].kind, LookupKind::Search);
    assert_eq!(helpdesk_entries[1].subject, "example.com");
    assert_eq!(helpdesk_entries[1].actor_role, "helpdesk");

    // Only administrators read the record.
    let response = call(&helpdesk, &env, "lookups", &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // A burst of lookups is cut off with a wait, for this user only.
    let mut limited = None;
    for _ in 0..server::lookup_limit::LookupLimit::DEFAULT_BURST {
        let response = call(
            &helpdesk,
            &env,
            "find_people",
            &[("query", "nobody-matches-this")],
        )
        .await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(refused(response).await.1);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    match limited {
        Some(AppError::TooManyLookups { retry_after_secs }) => assert!(retry_after_secs >= 1),
        other => panic!("expected the per-user limit, got {other:?}"),
    }
    let other_user = find(&admin, &env, "example.com", 0).await;
    assert!(!other_user.matches.is_empty());
}

#[tokio::test]
async fn events_past_one_page_of_search_are_read_with_search_after() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let people = control(&env, reqwest::Method::GET, "people", None).await;
    let person = people
        .as_array()
        .expect("people")
        .iter()
        .find(|p| p["accounts"].as_array().is_some_and(|a| !a.is_empty()))
        .expect("someone with an account")
        .clone();
    let id = person["id"].as_str().expect("id");
    let source = person["accounts"][0]["sourceId"].as_str().expect("source");
    let before = sync_of(&helpdesk, &env, id).await.events.len();
    // More than one page of ISC's search (250), some in the same minute.
    for i in 0..300 {
        control(
            &env,
            reqwest::Method::POST,
            &format!("people/{id}/events"),
            Some(json!({"sourceId": source, "action": "ACCOUNT_PASSWORD_RESET_FAILED", "message": format!("attempt {i}"), "minutesAgo": 5 + i / 3})),
        )
        .await;
    }
    let searches = |stats: &Value| {
        stats["apiRequests"]["byRoute"]["POST /v3/search"]
            .as_u64()
            .unwrap_or(0)
    };
    let counted = searches(&control(&env, reqwest::Method::GET, "stats", None).await);
    let sync = sync_of(&helpdesk, &env, id).await;
    let pages = searches(&control(&env, reqwest::Method::GET, "stats", None).await) - counted;
    assert!(sync.events_complete);
    assert_eq!(sync.events.len(), before + 300);
    let messages: HashSet<&str> = sync
        .events
        .iter()
        .filter_map(|e| e.message.as_deref())
        .filter(|m| m.starts_with("attempt "))
        .collect();
    assert_eq!(messages.len(), 300, "every event once");
    assert!(
        sync.events.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first"
    );
    // One search for the person, two pages of events.
    assert_eq!(pages, 3);
}
