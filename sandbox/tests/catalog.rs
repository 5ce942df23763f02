//! Password policies and sources: lists, paging, lookups, filters and sorters.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use common::*;
use serde_json::Value;

fn names(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn password_policies() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let res = env.get("/beta/password-policies?count=true", &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-total-count"], "4");
    let list: Value = res.json().await.unwrap();
    assert_eq!(
        names(&list),
        [
            "Default Password Policy",
            "Corporate Standard",
            "Privileged Engineering",
            "Business Applications"
        ]
    );
    for p in list.as_array().unwrap() {
        assert!(is_hex32(p["id"].as_str().unwrap()));
        assert!(
            p["dateCreated"].is_i64(),
            "epoch milliseconds, as ISC returns them"
        );
        assert!(p["minLength"].as_i64().unwrap() >= 8);
        assert!(p["sourceIds"].is_array());
    }
    let (_, page) = env
        .get_json("/beta/password-policies?limit=2&offset=2", &admin)
        .await;
    assert_eq!(
        names(&page),
        ["Privileged Engineering", "Business Applications"]
    );
    assert_error(
        env.get("/beta/password-policies?limit=300", &admin).await,
        400,
        "400.1.3 Illegal value",
    )
    .await;

    let (status, p) = env
        .get_json(
            &format!("/beta/password-policies/{POLICY_PRIVILEGED}"),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(p["minLength"], 16);
    assert_eq!(p["requireStrongAuthn"], true);
    let members: Vec<&str> = p["sourceIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(members, [GITHUB, LDAP]);
    assert_error(
        env.get(
            "/beta/password-policies/2c9180000000000000000000000000ff",
            &admin,
        )
        .await,
        404,
        "404 Not found",
    )
    .await;
}

#[tokio::test]
async fn sources_list_and_get() {
    let env = Env::new().await;
    let admin = env.admin().await;
    for version in ["beta", "v3"] {
        let res = env
            .get(&format!("/{version}/sources?count=true&limit=5"), &admin)
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["x-total-count"], "14");
        let list: Value = res.json().await.unwrap();
        assert_eq!(list.as_array().unwrap().len(), 5);
    }
    let (_, all) = env.get_json("/beta/sources", &admin).await;
    let all = all.as_array().unwrap();
    assert!(
        all.iter()
            .any(|s| s["healthy"] == false && s["status"] == "SOURCE_STATE_ERROR_SOURCE")
    );
    assert!(all.iter().any(|s| s["connectionType"] == "file"));
    for s in all {
        assert!(is_hex32(s["id"].as_str().unwrap()));
        assert_eq!(s["owner"]["type"], "IDENTITY");
        assert!(
            s["connector"].is_string() && s["connectorName"].is_string() && s["type"].is_string()
        );
    }
    let (status, ad) = env.get_json(&format!("/v3/sources/{AD}"), &admin).await;
    assert_eq!(status, 200);
    assert_eq!(ad["name"], "Corporate AD");
    assert_eq!(ad["passwordPolicies"][0]["type"], "PASSWORD_POLICY");
    assert_eq!(ad["passwordPolicies"][0]["id"], POLICY_CORPORATE);
    assert_eq!(ad["passwordPolicies"][0]["name"], "Corporate Standard");
    assert_error(
        env.get("/beta/sources/2c9180000000000000000000000000ff", &admin)
            .await,
        404,
        "404 Not found",
    )
    .await;
}

async fn filtered(env: &Env, token: &str, filters: &str) -> reqwest::Response {
    let url =
        reqwest::Url::parse_with_params(&env.url("/beta/sources"), [("filters", filters)]).unwrap();
    env.http.get(url).bearer_auth(token).send().await.unwrap()
}

async fn filtered_names(env: &Env, token: &str, filters: &str) -> Vec<String> {
    let res = filtered(env, token, filters).await;
    assert_eq!(res.status(), 200, "{filters}");
    let list: Value = res.json().await.unwrap();
    names(&list).into_iter().map(str::to_owned).collect()
}

#[tokio::test]
async fn source_filters_and_sorters() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let admin = admin.as_str();

    // The console's picker query: direct-connect sources with PASSWORD.
    let eligible = filtered_names(
        &env,
        admin,
        r#"features ca ("PASSWORD") and connectionType eq "direct""#,
    )
    .await;
    assert_eq!(eligible.len(), 10);
    for excluded in ["Workday", "Slack", "Contractor HR Feed"] {
        assert!(!eligible.iter().any(|n| n == excluded), "{excluded}");
    }
    let upper = filtered_names(
        &env,
        admin,
        r#"features ca ("PASSWORD") AND connectionType eq "direct""#,
    )
    .await;
    assert_eq!(upper, eligible, "AND is case-insensitive");

    for (filters, expected) in [
        (
            r#"connectionType eq "file""#.to_owned(),
            vec!["Contractor HR Feed", "Facilities Badge Export"],
        ),
        (r#"name sw "corp""#.to_owned(), vec!["Corporate AD"]),
        (r#"name eq "Slack""#.to_owned(), vec!["Slack"]),
        (
            r#"connectionType ne "direct" and name co "badge""#.to_owned(),
            vec!["Facilities Badge Export"],
        ),
        (format!("id eq \"{OKTA}\""), vec!["Okta"]),
        (
            format!("id in (\"{OKTA}\", \"{SAP}\")"),
            vec!["Okta", "SAP S/4HANA"],
        ),
        (
            r#"name sw "s" or name eq "Okta""#.to_owned(),
            vec!["ServiceNow", "Salesforce", "Slack", "Okta", "SAP S/4HANA"],
        ),
        ("healthy isnull".to_owned(), vec![]),
        (
            "authoritative eq true".to_owned(),
            vec!["Workday", "Contractor HR Feed"],
        ),
    ] {
        assert_eq!(
            filtered_names(&env, admin, &filters).await,
            expected,
            "{filters}"
        );
    }

    // Sorters, alone or with a filter, and the count ignores paging but not the filter.
    let url = reqwest::Url::parse_with_params(
        &env.url("/beta/sources"),
        [
            ("filters", r#"features ca ("PASSWORD")"#),
            ("sorters", "-name"),
            ("limit", "3"),
            ("count", "true"),
        ],
    )
    .unwrap();
    let res = env.http.get(url).bearer_auth(admin).send().await.unwrap();
    assert_eq!(res.headers()["x-total-count"], "10");
    let page: Value = res.json().await.unwrap();
    assert_eq!(names(&page), ["Unix LDAP", "ServiceNow", "SAP S/4HANA"]);
    let (_, sorted) = env.get_json("/beta/sources?sorters=name", admin).await;
    assert_eq!(
        names(&sorted)[..3],
        ["Contractor HR Feed", "Corporate AD", "Entra ID"]
    );
    let (_, by_two) = env
        .get_json("/beta/sources?sorters=connectionType,-name", admin)
        .await;
    assert_eq!(names(&by_two)[0], "Workday");
    assert_eq!(names(&by_two)[13], "Contractor HR Feed");

    // Unsupported fields, operators, syntax and sorters are refused, naming the culprit.
    for (bad, culprit) in [
        (r#"colour eq "red""#, "colour"),
        (r#"name xx "a""#, "xx"),
        (r#"features eq "PASSWORD""#, "eq"),
        (r#"healthy eq true"#, "eq"),
        (r#"name eq "unterminated"#, "unterminated"),
        (r#"name eq "a" and"#, "field name"),
    ] {
        let text = assert_error(
            filtered(&env, admin, bad).await,
            400,
            "400.1.3 Illegal value",
        )
        .await;
        assert!(text.contains(culprit), "{bad}: {text}");
    }
    for bad in ["bogus", "name,", "-nope"] {
        let res = env
            .get(&format!("/beta/sources?sorters={bad}"), admin)
            .await;
        let text = assert_error(res, 400, "400.1.3 Illegal value").await;
        assert!(text.contains("sorters"), "{text}");
    }
}
