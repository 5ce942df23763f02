//! `GET /v3/accounts`: the generated population's accounts, filters, paging and authorization.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn filters_paging_and_shape() {
    let env = Env::new().await;
    let token = env.readonly().await;
    let res = env.get("/v3/accounts?count=true&limit=5", &token).await;
    assert_eq!(res.status(), StatusCode::OK);
    let total: usize = res.headers()["x-total-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 600, "{total}");
    let page: Vec<Value> = res.json().await.unwrap();
    assert_eq!(page.len(), 5);

    // One person's accounts.
    let identity = page[0]["identityId"].as_str().unwrap().to_owned();
    let (status, mine) = env
        .get_json(
            &format!(
                "/v3/accounts?filters={}",
                enc(&format!("identityId eq \"{identity}\""))
            ),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mine = mine.as_array().unwrap().clone();
    assert!(mine.len() >= 2);
    assert!(mine.iter().all(|a| a["identityId"] == identity.as_str()));

    // identityId and sourceId together; name eq.
    let ad = mine
        .iter()
        .find(|a| a["sourceId"] == AD)
        .or(mine.first())
        .unwrap();
    let filter = format!(
        "identityId eq \"{identity}\" and sourceId eq \"{}\"",
        ad["sourceId"].as_str().unwrap()
    );
    let (_, one) = env
        .get_json(&format!("/v3/accounts?filters={}", enc(&filter)), &token)
        .await;
    assert_eq!(one.as_array().unwrap().len(), 1);
    assert_eq!(one[0]["id"], ad["id"]);
    let filter = format!("name eq \"{}\"", ad["name"].as_str().unwrap());
    let (_, named) = env
        .get_json(&format!("/v3/accounts?filters={}", enc(&filter)), &token)
        .await;
    assert!(
        named
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == ad["id"])
    );

    // Every source of the demo org that has accounts is a real source.
    let (_, ad_accounts) = env
        .get_json(
            &format!(
                "/v3/accounts?limit=250&filters={}",
                enc(&format!("sourceId eq \"{AD}\""))
            ),
            &token,
        )
        .await;
    let ad_accounts = ad_accounts.as_array().unwrap();
    assert!(ad_accounts.len() > 100);
    assert!(
        ad_accounts
            .iter()
            .all(|a| a["sourceName"] == "Corporate AD")
    );
    assert!(
        ad_accounts
            .iter()
            .all(|a| a.get("passwordLastSet").is_none())
    );

    // Same population on another version, and after a data reset.
    let (_, beta) = env.get_json("/beta/accounts?limit=5", &token).await;
    assert_eq!(beta, Value::Array(page.clone()));
    env.sb.sandbox().reset(true);
    let (_, again) = env.get_json("/v3/accounts?limit=5", &token).await;
    assert_eq!(again[0]["id"], page[0]["id"]);

    // Bad parameters.
    for bad in [
        "filters=passwordLastSet%20eq%20%221%22",
        "limit=251",
        "sorters=bogus",
        "filters=identityId%20co%20%22a%22",
    ] {
        let res = env.get(&format!("/v3/accounts?{bad}"), &token).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn who_may_list_accounts() {
    let env = Env::new().await;
    let helpdesk = env.user_token("helpdesk").await;
    assert_eq!(
        env.get("/v3/accounts?limit=1", &helpdesk).await.status(),
        StatusCode::OK
    );
    let auditor = env.user_token("auditor").await;
    assert_eq!(
        env.get("/v3/accounts?limit=1", &auditor).await.status(),
        StatusCode::FORBIDDEN
    );
    let admin = env.admin().await;
    assert_eq!(
        env.get("/v3/accounts?limit=1", &admin).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        env.get("/v3/accounts", "nope").await.status(),
        StatusCode::UNAUTHORIZED
    );
}
