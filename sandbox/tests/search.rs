//! `POST /{version}/search` over the generated population (identities and password events), the
//! queries the console sends, paging, result filtering, authorization and errors; and the
//! control routes that read and change the population.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::collections::{BTreeSet, HashSet};

use common::*;
use serde_json::{Value, json};

// The console's query builders, as in server/src/isc/query.rs (kept in step by hand: the
// sandbox cannot depend on the server crate).
const RESERVED: &[char] = &[
    '+', '-', '=', '&', '|', '>', '<', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?',
    ':', '\\', '/',
];

fn phrase(text: &str) -> String {
    let mut quoted = String::from('"');
    for c in text.chars().filter(|c| !c.is_control()) {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

fn prefix(text: &str) -> Option<String> {
    let mut term = String::new();
    for c in text.trim().chars().filter(|c| !c.is_control()) {
        if RESERVED.contains(&c) || c.is_whitespace() {
            term.push('\\');
        }
        term.push(c);
    }
    (!term.is_empty()).then(|| term + "*")
}

fn person(text: &str) -> String {
    let text = text.trim();
    let starts = prefix(text).unwrap();
    let exact = phrase(text);
    format!(
        "name:{exact} OR displayName:{exact} OR email:{exact} OR @accounts(name:{exact}) \
         OR name:{starts} OR displayName:{starts} OR email:{starts} OR @accounts(name:{starts})"
    )
}

/// The console's includes for the people list.
const PEOPLE_INCLUDES: [&str; 11] = [
    "id",
    "name",
    "displayName",
    "email",
    "accounts.id",
    "accounts.name",
    "accounts.source",
    "accounts.disabled",
    "accounts.locked",
    "accounts.passwordLastSet",
    "accounts.supportsPasswordChange",
];

fn people_body(query: &str) -> Value {
    json!({
        "indices": ["identities"],
        "query": {"query": query},
        "queryResultFilter": {"includes": PEOPLE_INCLUDES},
        "sort": ["displayName", "+id"],
    })
}

/// POST a search; (status, body, X-Total-Count).
async fn search(env: &Env, token: &str, params: &str, body: &Value) -> (u16, Value, Option<usize>) {
    let res = env.post(&format!("/v3/search{params}"), token, body).await;
    let status = res.status().as_u16();
    let total = res
        .headers()
        .get("x-total-count")
        .map(|v| v.to_str().unwrap().parse().unwrap());
    (status, res.json().await.unwrap_or(Value::Null), total)
}

/// The documents of a successful search.
async fn docs(env: &Env, token: &str, params: &str, body: &Value) -> Vec<Value> {
    let (status, body_out, _) = search(env, token, params, body).await;
    assert_eq!(status, 200, "{body}: {body_out}");
    body_out.as_array().unwrap().clone()
}

fn ids(docs: &[Value]) -> BTreeSet<String> {
    docs.iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Every identity document (all fields).
async fn everyone(env: &Env, token: &str) -> Vec<Value> {
    docs(
        env,
        token,
        "?limit=10000",
        &json!({"indices": ["identities"], "query": {"query": "*"}}),
    )
    .await
}

#[tokio::test]
async fn people_by_name_email_and_account() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let all = everyone(&env, &token).await;
    assert_eq!(all.len(), 300);
    assert!(all.iter().all(|d| d["_type"] == "identity"));
    let someone = all
        .iter()
        .find(|d| {
            d["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["source"]["id"] == AD)
        })
        .unwrap();
    let (id, name, display, email) = (
        someone["id"].as_str().unwrap(),
        someone["name"].as_str().unwrap(),
        someone["displayName"].as_str().unwrap(),
        someone["email"].as_str().unwrap(),
    );
    let ad_account = someone["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["source"]["id"] == AD)
        .unwrap()["name"]
        .as_str()
        .unwrap()
        .to_owned();

    // The console's people search, by username, email, display name and AD account name.
    for text in [
        name,
        email,
        display,
        ad_account.as_str(),
        &display[..display.len() - 2],
    ] {
        let (status, page, total) = search(
            &env,
            &token,
            "?limit=20&offset=0&count=true",
            &people_body(&person(text)),
        )
        .await;
        assert_eq!(status, 200, "{text}: {page}");
        let page = page.as_array().unwrap();
        assert!(page.iter().any(|d| d["id"] == id), "{text}");
        assert!(total.unwrap() >= page.len());
        // Only the included fields (and _type).
        for doc in page {
            let keys: BTreeSet<&str> = doc
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert!(
                keys.is_subset(&BTreeSet::from([
                    "id",
                    "name",
                    "displayName",
                    "email",
                    "accounts",
                    "_type"
                ])),
                "{keys:?}"
            );
            for account in doc["accounts"].as_array().unwrap() {
                let keys: BTreeSet<&str> = account
                    .as_object()
                    .unwrap()
                    .keys()
                    .map(String::as_str)
                    .collect();
                assert!(keys.is_subset(&BTreeSet::from([
                    "id",
                    "name",
                    "source",
                    "disabled",
                    "locked",
                    "passwordLastSet",
                    "supportsPasswordChange"
                ])));
                assert!(account["source"]["name"].is_string());
                assert!(
                    account.get("passwordLastSet").is_some(),
                    "null, not missing"
                );
            }
        }
    }

    // The exact username finds exactly the usernames that start with it.
    let page = docs(&env, &token, "?limit=300", &people_body(&person(name))).await;
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|d| {
            let lower = |f: &str| d[f].as_str().unwrap().to_lowercase();
            lower("name").starts_with(name)
                || lower("email").starts_with(name)
                || d["accounts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["name"].as_str().unwrap().to_lowercase().starts_with(name))
        })
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&page), expected);

    // One person by id (as the console asks).
    let one = docs(
        &env,
        &token,
        "",
        &json!({"indices": ["identities"], "query": {"query": format!("id:{id}")}, "queryResultFilter": {"includes": PEOPLE_INCLUDES}}),
    )
    .await;
    assert_eq!(ids(&one), BTreeSet::from([id.to_owned()]));

    // Prefix with an escaped space against the display name: "Olivia Sm" finds "Olivia Smith".
    let first_word = display.split(' ').next().unwrap();
    let typed = format!("{first_word} {}", &display[first_word.len() + 1..][..2]);
    let page = docs(&env, &token, "?limit=300", &people_body(&person(&typed))).await;
    assert!(page.iter().any(|d| d["id"] == id), "{typed}");
    assert!(page.iter().all(|d| {
        d["displayName"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .starts_with(&typed.to_lowercase())
            || d["accounts"].as_array().unwrap().iter().any(|a| {
                a["name"]
                    .as_str()
                    .unwrap()
                    .to_lowercase()
                    .contains(&typed.to_lowercase())
            })
    }));

    // Sorted by displayName then id.
    let page = docs(&env, &token, "?limit=300", &people_body("*")).await;
    let keys: Vec<(String, String)> = page
        .iter()
        .map(|d| {
            (
                d["displayName"].as_str().unwrap().to_lowercase(),
                d["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn wildcards_and_hostile_input() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let all = everyone(&env, &token).await;

    let page = docs(&env, &token, "?limit=300", &people_body("name:oli*")).await;
    assert!(!page.is_empty());
    assert!(
        page.iter()
            .all(|d| d["name"].as_str().unwrap().starts_with("oli"))
    );
    assert_eq!(
        page.len(),
        all.iter()
            .filter(|d| d["name"].as_str().unwrap().starts_with("oli"))
            .count()
    );
    let page = docs(&env, &token, "?limit=300", &people_body("name:*.o?rien")).await;
    assert!(!page.is_empty());
    assert!(
        page.iter()
            .all(|d| d["name"].as_str().unwrap().contains(".obrien"))
    );

    // Unescaped, `*` is everyone; escaped as the console does, nobody has these characters.
    assert_eq!(
        docs(&env, &token, "?limit=300", &people_body("*"))
            .await
            .len(),
        300
    );
    for hostile in [
        "*",
        "name:*",
        "O'Brien AND *",
        "*) OR (name:*",
        "\" OR name:*",
        "\\",
        "a OR b",
        "[* TO *]",
        "@accounts(name:*)",
        "/.*/",
        "NOT x",
    ] {
        let (status, page, total) = search(
            &env,
            &token,
            "?limit=300&count=true",
            &people_body(&person(hostile)),
        )
        .await;
        assert_eq!(status, 200, "{hostile}: {page}");
        assert_eq!(total, Some(0), "{hostile}: {page}");
    }

    // O'Brien: exactly the people called O'Brien (display name or AD account name).
    let page = docs(&env, &token, "?limit=300", &people_body(&person("O'Brien"))).await;
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|d| d["displayName"].as_str().unwrap().contains("O'Brien"))
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ids(&page), expected);
}

#[tokio::test]
async fn nested_account_clauses() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let all = everyone(&env, &token).await;
    let accounts = |d: &Value| d["accounts"].as_array().unwrap().clone();
    let nested = docs(
        &env,
        &token,
        "?limit=300",
        &json!({"indices": ["identities"], "query": {"query": "@accounts(source.name:\"Corporate AD\" AND disabled:true)"}}),
    )
    .await;
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|d| {
            accounts(d)
                .iter()
                .any(|a| a["source"]["name"] == "Corporate AD" && a["disabled"] == true)
        })
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&nested), expected);
    // Without @accounts the two conditions may hold on different accounts: more people.
    let flat = docs(
        &env,
        &token,
        "?limit=300",
        &json!({"indices": ["identities"], "query": {"query": "accounts.source.name:\"Corporate AD\" AND accounts.disabled:true"}}),
    )
    .await;
    assert!(ids(&flat).is_superset(&expected));
    assert!(flat.len() > nested.len());
    // Dotted fields: any account.
    let on_ad = docs(
        &env,
        &token,
        "?limit=300",
        &json!({"indices": ["identities"], "query": {"query": format!("accounts.source.id:{AD}")}}),
    )
    .await;
    assert_eq!(
        on_ad.len(),
        all.iter()
            .filter(|d| accounts(d).iter().any(|a| a["source"]["id"] == AD))
            .count()
    );
    // `fields`: bare terms only in those fields (a comma-separated string, or an array).
    let name = all[0]["name"].as_str().unwrap();
    for fields in [json!("email,name"), json!(["email", "name"])] {
        let page = docs(
            &env,
            &token,
            "",
            &json!({"indices": ["identities"], "query": {"query": name, "fields": fields}}),
        )
        .await;
        assert!(page.iter().any(|d| d["id"] == all[0]["id"]));
    }
    let page = docs(
        &env,
        &token,
        "",
        &json!({"indices": ["identities"], "query": {"query": name, "fields": "displayName"}}),
    )
    .await;
    assert!(page.is_empty());
}

fn events_body(target: &str, after: Option<&Value>) -> Value {
    let mut body = json!({
        "indices": ["events"],
        "query": {"query": format!("type:PASSWORD_ACTIVITY AND target.name:{} AND created:[now-30d TO now]", phrase(target))},
        "sort": ["-created", "+id"],
    });
    if let Some(last) = after {
        body["searchAfter"] = json!([last["created"], last["id"]]);
    }
    body
}

#[tokio::test]
async fn password_events_of_one_person() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let newest = docs(
        &env,
        &token,
        "?limit=1",
        &json!({"indices": ["events"], "query": {"query": "type:PASSWORD_ACTIVITY"}, "sort": ["-created"]}),
    )
    .await;
    let target = newest[0]["target"]["name"].as_str().unwrap().to_owned();
    let events = docs(&env, &token, "?limit=250", &events_body(&target, None)).await;
    assert!(!events.is_empty());
    let created: Vec<&str> = events
        .iter()
        .map(|e| e["created"].as_str().unwrap())
        .collect();
    let mut sorted = created.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(created, sorted, "newest first");
    assert!(events.iter().all(|e| e["_type"] == "event"
        && e["type"] == "PASSWORD_ACTIVITY"
        && e["target"]["name"] == target.as_str()));

    // A failure added through the control endpoint comes first; a passed update sets
    // passwordLastSet to its time.
    let (_, people) = control_get(&env, &format!("/__sandbox/people?q={target}")).await;
    let someone = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == target.as_str())
        .unwrap()
        .clone();
    let account = someone["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["passwordLastSet"].is_string())
        .unwrap()
        .clone();
    let path = format!(
        "/__sandbox/people/{}/events",
        someone["id"].as_str().unwrap()
    );
    let res = control_post(
        &env,
        &path,
        &json!({"sourceId": account["sourceId"], "action": "USER_PASSWORD_UPDATE_FAILED", "message": "boom", "minutesAgo": 1}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let failed: Value = res.json().await.unwrap();
    assert_eq!(failed["status"], "FAILED");
    assert_eq!(failed["attributes"]["errors"], "boom");
    assert_eq!(failed["attributes"]["sourceId"], account["sourceId"]);
    assert_eq!(failed["attributes"]["accountName"], account["name"]);
    let res = control_post(
        &env,
        &path,
        &json!({"sourceId": account["sourceId"], "action": "USER_PASSWORD_UPDATE_PASSED"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let passed: Value = res.json().await.unwrap();
    let events = docs(&env, &token, "?limit=250", &events_body(&target, None)).await;
    assert_eq!(events[0]["id"], passed["id"]);
    assert_eq!(events[1]["id"], failed["id"]);
    let me = docs(
        &env,
        &token,
        "",
        &json!({"indices": ["identities"], "query": {"query": format!("id:{}", someone["id"].as_str().unwrap())}}),
    )
    .await;
    let updated = me[0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == account["id"])
        .unwrap();
    assert_eq!(updated["passwordLastSet"], passed["created"]);

    // An event older than 30 days is out of the console's window.
    let res = control_post(
        &env,
        &path,
        &json!({"sourceId": account["sourceId"], "action": "ACCOUNT_PASSWORD_RESET_FAILED", "minutesAgo": 60 * 24 * 31}),
    )
    .await;
    let old: Value = res.json().await.unwrap();
    let events = docs(&env, &token, "?limit=250", &events_body(&target, None)).await;
    assert!(events.iter().all(|e| e["id"] != old["id"]));
}

#[tokio::test]
async fn paging_by_offset_and_search_after() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let body = people_body("*");
    let (_, full, total) = search(&env, &token, "?limit=300&count=true", &body).await;
    let full = full.as_array().unwrap().clone();
    assert_eq!(total, Some(300));

    // By offset.
    let mut by_offset = Vec::new();
    for offset in (0..300).step_by(37) {
        let (_, page, total) = search(
            &env,
            &token,
            &format!("?limit=37&offset={offset}&count=true"),
            &body,
        )
        .await;
        assert_eq!(total, Some(300), "X-Total-Count ignores paging");
        by_offset.extend(page.as_array().unwrap().clone());
    }
    assert_eq!(by_offset, full);

    // By searchAfter: the last document's sort values.
    let mut by_after: Vec<Value> = Vec::new();
    loop {
        let mut page_body = body.clone();
        if let Some(last) = by_after.last() {
            page_body["searchAfter"] = json!([last["displayName"], last["id"]]);
        }
        let (status, page, total) = search(&env, &token, "?limit=41&count=true", &page_body).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(total, Some(300));
        let page = page.as_array().unwrap().clone();
        if page.is_empty() {
            break;
        }
        by_after.extend(page);
    }
    assert_eq!(by_after, full, "no duplicates, no gaps");

    // Events, newest first, by searchAfter on (created, id).
    let events_query = json!({"indices": ["events"], "query": {"query": "type:PASSWORD_ACTIVITY AND created:[now-30d TO now]"}, "sort": ["-created", "+id"]});
    let all_events = docs(&env, &token, "?limit=10000", &events_query).await;
    assert!(all_events.len() > 100);
    let mut paged: Vec<Value> = Vec::new();
    loop {
        let mut b = events_query.clone();
        if let Some(last) = paged.last() {
            b["searchAfter"] = json!([last["created"], last["id"]]);
        }
        let page = docs(&env, &token, "?limit=100", &b).await;
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged, all_events);
    let unique: HashSet<&str> = paged.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), paged.len());

    // The TypeScript/Go SDKs' paginators: one sort field, searchAfter = [last[field]].
    let sdk = json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["name"], "includeNested": false, "queryResultFilter": {"includes": ["id", "name"]}});
    let first = docs(&env, &token, "?limit=100", &sdk).await;
    assert!(first.iter().all(|d| d.get("accounts").is_none()));
    let mut next = sdk.clone();
    next["searchAfter"] = json!([first.last().unwrap()["name"]]);
    let second = docs(&env, &token, "?limit=100", &next).await;
    assert_eq!(second.len(), 100);
    assert!(second[0]["name"].as_str().unwrap() > first[99]["name"].as_str().unwrap());

    // Limits of paging.
    for (params, b) in [
        ("?limit=10001", body.clone()),
        ("?limit=-1", body.clone()),
        ("?offset=9900&limit=250", body.clone()),
        ("?offset=1", {
            let mut b = body.clone();
            b["searchAfter"] = json!(["a", "b"]);
            b
        }),
    ] {
        let res = env.post(&format!("/v3/search{params}"), &token, &b).await;
        assert_error(res, 400, "400.1.3 Illegal value").await;
    }
    assert_eq!(
        docs(&env, &token, "?limit=0", &body).await.len(),
        0,
        "limit=0 is allowed"
    );
    // Default limit 250.
    assert!(!docs(&env, &token, "", &body).await.is_empty());
}

#[tokio::test]
async fn result_filters_and_nested_documents() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let base = json!({"indices": ["identities"], "query": {"query": "*"}});
    let mut excluding = base.clone();
    excluding["queryResultFilter"] = json!({"excludes": ["accounts", "attributes", "manager.*"]});
    for doc in docs(&env, &token, "?limit=300", &excluding).await {
        assert!(doc.get("accounts").is_none() && doc.get("attributes").is_none());
        assert!(doc["id"].is_string() && doc["displayName"].is_string());
    }
    let mut wildcard = base.clone();
    wildcard["queryResultFilter"] =
        json!({"includes": ["accounts.source.*"], "excludes": ["accounts.source.type"]});
    let doc = &docs(&env, &token, "?limit=1", &wildcard).await[0];
    assert_eq!(doc.as_object().unwrap().len(), 2, "{doc}");
    for account in doc["accounts"].as_array().unwrap() {
        assert_eq!(
            account["source"]
                .as_object()
                .unwrap()
                .keys()
                .collect::<Vec<_>>(),
            ["id", "name"]
        );
    }
    let mut flat = base.clone();
    flat["includeNested"] = json!(false);
    let doc = &docs(&env, &token, "?limit=1", &flat).await[0];
    assert!(doc.get("accounts").is_none() && doc["accountCount"].as_u64().unwrap() > 0);

    // Both indices at once, and `*`.
    let both = docs(
        &env,
        &token,
        "?limit=10000",
        &json!({"indices": ["identities", "events"], "query": {"query": "*"}}),
    )
    .await;
    let star = docs(
        &env,
        &token,
        "?limit=10000",
        &json!({"indices": ["*"], "query": {"query": "*"}}),
    )
    .await;
    assert_eq!(both, star);
    assert!(
        both.iter().any(|d| d["_type"] == "event") && both.iter().any(|d| d["_type"] == "identity")
    );

    // Filters, as the spec's examples use them.
    let manager_free = docs(
        &env,
        &token,
        "?limit=300",
        &json!({"indices": ["identities"], "query": {"query": "*"}, "filters": {"manager": {"type": "EXISTS", "exclude": true}}}),
    )
    .await;
    assert!(!manager_free.is_empty() && manager_free.iter().all(|d| d["manager"].is_null()));
    let ad = docs(
        &env,
        &token,
        "?limit=300",
        &json!({"indices": ["identities"], "query": {"query": "*"}, "filters": {"accounts.source.name": {"type": "TERMS", "terms": ["corporate ad"]}, "accountCount": {"type": "RANGE", "range": {"lower": {"value": "3", "inclusive": true}}}}}),
    )
    .await;
    assert!(!ad.is_empty());
    assert!(ad.iter().all(|d| d["accountCount"].as_u64().unwrap() >= 3));
}

#[tokio::test]
async fn who_may_search() {
    let env = Env::new().await;
    let body = json!({"indices": ["identities"], "query": {"query": "*"}});
    let path = "/v3/search?limit=1";
    // HELPDESK is refused, with ISC's body.
    let helpdesk = env.user_token("helpdesk").await;
    let text = assert_error(env.post(path, &helpdesk, &body).await, 403, "403 Forbidden").await;
    assert_eq!(
        text,
        "The server understood the request but refuses to authorize it."
    );
    // CERT_ADMIN and ORG_ADMIN users may; so may an API client with sp:search:read.
    for token in [
        env.user_token("auditor").await,
        env.user_token("admin").await,
        env.readonly().await,
        env.admin().await,
    ] {
        assert_eq!(env.post(path, &token, &body).await.status(), 200);
    }
    // A user level from the spec's list, set at run time.
    env.sb
        .sandbox()
        .set_user_levels("helpdesk", vec!["ROLE_SUBADMIN".into()])
        .unwrap();
    let role_subadmin = env.user_token("helpdesk").await;
    assert_eq!(env.post(path, &role_subadmin, &body).await.status(), 200);
    // An API client token without sp:search:read: ISC's generic 403 (it names no scope).
    let res = env
        .http
        .post(env.url("/oauth/token"))
        .basic_auth("readonly-api", Some("readonly-api-secret"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "idn:accounts:read"),
        ])
        .send()
        .await
        .unwrap();
    let no_search: Value = res.json().await.unwrap();
    let no_search = no_search["access_token"].as_str().unwrap();
    let text = assert_error(env.post(path, no_search, &body).await, 403, "403 Forbidden").await;
    assert_eq!(
        text,
        "The server understood the request but refuses to authorize it."
    );
    // No token: the gateway's 401.
    assert_unauthorized(
        env.http
            .post(env.url(path))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    // Every version prefix serves it; GET is not the route.
    let token = env.readonly().await;
    for version in ["beta", "v3", "v2024", "v2025", "v2026"] {
        assert_eq!(
            env.post(&format!("/{version}/search?limit=1"), &token, &body)
                .await
                .status(),
            200
        );
    }
    assert_eq!(env.get("/v3/search", &token).await.status(), 405);
    let stats = env.sb.sandbox().stats();
    assert!(stats.api_requests.by_route.contains_key("POST /v3/search"));
}

#[tokio::test]
async fn bad_requests() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let url = env.url("/v3/search");
    let raw = |body: &'static str, content_type: &'static str| {
        env.http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let text = assert_error(
        raw("{\"indices\": [", "application/json").await.unwrap(),
        400,
        "400.1 Bad Request Content",
    )
    .await;
    assert!(text.starts_with("Malformed JSON"), "{text}");
    assert_error(
        raw("indices=identities", "application/x-www-form-urlencoded")
            .await
            .unwrap(),
        400,
        "400.1 Bad Request Content",
    )
    .await;
    assert_error(
        raw("[]", "application/json").await.unwrap(),
        400,
        "400.1 Bad Request Content",
    )
    .await;
    let text = assert_error(
        raw(
            "{\"indices\": \"identities\", \"query\": {\"query\": \"*\"}}",
            "application/json",
        )
        .await
        .unwrap(),
        400,
        "400.1 Bad Request Content",
    )
    .await;
    assert!(text.contains("sequence"), "{text}");

    let cases = [
        (
            json!({"query": {"query": "*"}}),
            "400.1.0 Required Data Missing Or Empty",
            "indices",
        ),
        (
            json!({"indices": ["roles"], "query": {"query": "*"}}),
            "400.1.3 Illegal value",
            "does not serve the \"roles\" index",
        ),
        (
            json!({"indices": ["people"], "query": {"query": "*"}}),
            "400.1.3 Illegal value",
            "\"people\"",
        ),
        (
            json!({"indices": ["identities"]}),
            "400.1.0 Required Data Missing Or Empty",
            "query.query",
        ),
        (
            json!({"indices": ["identities"], "queryType": "TEXT", "textQuery": {"terms": ["a"], "fields": ["name"]}}),
            "400.1.3 Illegal value",
            "not supported by the sandbox",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "name:(olivia"}}),
            "400.1 Bad Request Content",
            "Invalid query \"name:(olivia\": missing ')'",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "name:oliva~1"}}),
            "400.1 Bad Request Content",
            "fuzzy",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "created:[now-1q TO now]"}}),
            "400.1 Bad Request Content",
            "Invalid date math",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "created:[now/d TO now]", "timeZone": "America/Chicago"}}),
            "400.1 Bad Request Content",
            "America/Chicago",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["nope"]}),
            "400.1.3 Illegal value",
            "No mapping found for [nope]",
        ),
        (
            json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["accounts"]}),
            "400.1.3 Illegal value",
            "objects",
        ),
        (
            json!({"indices": ["events"], "query": {"query": "*"}, "sort": ["created"], "searchAfter": ["yesterday"]}),
            "400.1.3 Illegal value",
            "searchAfter",
        ),
    ];
    for (body, code, needle) in cases {
        let text = assert_error(env.post("/v3/search", &token, &body).await, 400, code).await;
        assert!(text.contains(needle), "{body}: {text}");
    }
    // A named zone is fine where it does not matter (the spec's own example).
    let body = json!({"indices": ["identities"], "query": {"query": "created: [2022-05-19T19:26:03.351Z TO now]", "timeZone": "America/Los_Angeles"}});
    assert!(!docs(&env, &token, "", &body).await.is_empty());
}

#[tokio::test]
async fn control_routes_read_and_change_the_population() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let (status, everybody) = control_get(&env, "/__sandbox/people").await;
    assert_eq!(status, 200);
    assert_eq!(everybody.as_array().unwrap().len(), 50, "capped");
    let res = env
        .http
        .get(env.url("/__sandbox/people"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-total-count"], "300");
    let (_, smiths) = control_get(&env, "/__sandbox/people?q=SMITH").await;
    let smiths = smiths.as_array().unwrap();
    assert!(!smiths.is_empty());
    for p in smiths {
        assert!(p["displayName"].as_str().unwrap().contains("Smith"));
        for a in p["accounts"].as_array().unwrap() {
            for key in [
                "id",
                "name",
                "sourceId",
                "sourceName",
                "disabled",
                "locked",
                "passwordLastSet",
            ] {
                assert!(a.get(key).is_some(), "{key}");
            }
        }
    }
    let someone = &smiths[0];
    let account = someone["accounts"][0].clone();
    let account_id = account["id"].as_str().unwrap();

    // PATCH an account; the search documents show it.
    let patch = |body: Value| {
        env.http
            .patch(env.url(&format!("/__sandbox/accounts/{account_id}")))
            .json(&body)
            .send()
    };
    let res = patch(json!({"locked": true, "disabled": true, "passwordLastSetMinutesAgo": 17280}))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["id"], account["id"]);
    assert_eq!(changed["locked"], true);
    assert_eq!(changed["source"]["id"], account["sourceId"]);
    let set = changed["passwordLastSet"].as_str().unwrap().to_owned();
    let query = json!({"indices": ["identities"], "query": {"query": format!("@accounts(id:{account_id} AND locked:true AND disabled:true AND passwordLastSet:[now-13d TO now-11d])")}});
    assert_eq!(
        ids(&docs(&env, &token, "", &query).await),
        BTreeSet::from([someone["id"].as_str().unwrap().to_owned()])
    );
    let res = patch(json!({"passwordLastSetMinutesAgo": null}))
        .await
        .unwrap();
    let cleared: Value = res.json().await.unwrap();
    assert!(cleared["passwordLastSet"].is_null());
    assert_eq!(cleared["locked"], true, "unchanged");
    assert_ne!(set, "");
    assert_eq!(patch(json!({"locked": "yes"})).await.unwrap().status(), 400);
    assert_eq!(
        patch(json!({"passwordLastSetMinutesAgo": -5}))
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(patch(json!({"bogus": 1})).await.unwrap().status(), 400);
    let res = env
        .http
        .patch(env.url("/__sandbox/accounts/nope"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_error(res, 404, "404 Not found").await;

    // Events: unknown person, source, account; bad action; missing fields.
    let events = format!(
        "/__sandbox/people/{}/events",
        someone["id"].as_str().unwrap()
    );
    let res = control_post(
        &env,
        "/__sandbox/people/nope/events",
        &json!({"sourceId": AD, "action": "USER_PASSWORD_UPDATE_PASSED"}),
    )
    .await;
    assert!(
        assert_error(res, 404, "404 Not found")
            .await
            .contains("identity")
    );
    let res = control_post(
        &env,
        &events,
        &json!({"sourceId": "nope", "action": "USER_PASSWORD_UPDATE_PASSED"}),
    )
    .await;
    assert!(
        assert_error(res, 404, "404 Not found")
            .await
            .contains("Unknown source")
    );
    let without = [
        AD, ENTRA, GOOGLE, GITHUB, LDAP, SERVICENOW, SALESFORCE, OKTA, ORACLE, SAP,
    ]
    .into_iter()
    .find(|s| {
        !someone["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["sourceId"] == *s)
    })
    .unwrap();
    let res = control_post(
        &env,
        &events,
        &json!({"sourceId": without, "action": "USER_PASSWORD_UPDATE_PASSED"}),
    )
    .await;
    assert!(
        assert_error(res, 404, "404 Not found")
            .await
            .contains("no account")
    );
    let res = control_post(
        &env,
        &events,
        &json!({"sourceId": account["sourceId"], "action": "PASSWORD_GUESSED"}),
    )
    .await;
    assert_error(res, 400, "400.1.3 Illegal value").await;
    let res = control_post(&env, &events, &json!({"sourceId": account["sourceId"]})).await;
    assert_error(res, 400, "400.1.0 Required Data Missing Or Empty").await;
    let res = control_post(
        &env,
        &events,
        &json!({"action": "USER_PASSWORD_UPDATE_PASSED"}),
    )
    .await;
    assert_error(res, 400, "400.1.0 Required Data Missing Or Empty").await;
    // A failure leaves passwordLastSet alone; the event carries the group of its source.
    let res = control_post(
        &env,
        &events,
        &json!({"sourceId": AD, "action": "ACCOUNT_PASSWORD_RESET_FAILED"}),
    )
    .await;
    if res.status() == 200 {
        let e: Value = res.json().await.unwrap();
        assert_eq!(e["attributes"]["passwordSyncGroup"], "Corporate Sign-in");
        assert!(
            e["attributes"]["errors"]
                .as_str()
                .unwrap()
                .contains("ConnectorException")
        );
    }

    // Control routes keep their protections.
    let res = env
        .http
        .get(env.url("/__sandbox/people"))
        .header("origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = env
        .http
        .post(env.url(&events))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // A data reset regenerates the population: same people and accounts, changes gone.
    let res = control_post(&env, "/__sandbox/reset", &json!({"data": true})).await;
    assert_eq!(res.status(), 200);
    let (_, again) = control_get(&env, "/__sandbox/people?q=SMITH").await;
    let again_account = again[0]["accounts"][0].clone();
    assert_eq!(again_account["id"], account["id"]);
    assert_eq!(again_account["locked"], account["locked"]);
    assert_eq!(again_account["disabled"], account["disabled"]);
}
