//! Who may call what: 401 bodies, 403 for user levels, users and scopes, and rate limiting.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::time::Duration;

use common::*;
use sandbox::SandboxConfig;
use serde_json::{Value, json};

fn new_group() -> Value {
    json!({"name": "New", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, ORACLE]})
}

async fn scoped_token(env: &Env, client: &str, secret: &str, scope: &str) -> String {
    let res = env
        .http
        .post(env.url("/oauth/token"))
        .basic_auth(client, Some(secret))
        .form(&[("grant_type", "client_credentials"), ("scope", scope)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{scope}");
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn unauthorized_is_always_the_same_body() {
    let env = Env::new().await;
    let url = env.url("/beta/password-sync-groups");
    assert_unauthorized(env.http.get(&url).send().await.unwrap()).await;
    for header in [
        "Bearer",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        "Bearer not.a.jwt",
        "Bearer abc",
    ] {
        let res = env
            .http
            .get(&url)
            .header("authorization", header)
            .send()
            .await
            .unwrap();
        assert_unauthorized(res).await;
    }
    // A well-formed token from another sandbox (another signing key) is a forgery here.
    let other = Env::new().await;
    let foreign = other.admin().await;
    assert_unauthorized(env.get("/beta/password-sync-groups", &foreign).await).await;
    // A tampered payload.
    let token = env.admin().await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    assert_unauthorized(
        env.get("/beta/password-sync-groups", &parts.join("."))
            .await,
    )
    .await;
    // Every API route checks the token, writes included.
    for (method, path) in [
        ("POST", "/beta/password-sync-groups".to_owned()),
        ("PUT", format!("/v3/password-sync-groups/{GROUP_BUSINESS}")),
        (
            "DELETE",
            format!("/beta/password-sync-groups/{GROUP_BUSINESS}"),
        ),
        ("GET", "/beta/password-policies".to_owned()),
        ("GET", format!("/beta/password-policies/{POLICY_DEFAULT}")),
        ("GET", "/v3/sources".to_owned()),
        ("GET", format!("/beta/sources/{AD}")),
    ] {
        let res = env
            .http
            .request(method.parse().unwrap(), env.url(&path))
            .json(&new_group())
            .send()
            .await
            .unwrap();
        assert_unauthorized(res).await;
    }
    // Unknown paths are 404 JSON with or without a token.
    for path in [
        "/beta/nothing-here",
        "/beta/password-sync-groups/a/b",
        "/v9/sources",
        "/",
    ] {
        let res = env.http.get(env.url(path)).send().await.unwrap();
        assert_error(res, 404, "404 Not found").await;
    }
    let res = env
        .http
        .get(env.url("/beta/nothing-here"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(res, 404, "404 Not found").await;
    // A wrong method is JSON too.
    let res = env
        .http
        .patch(env.url("/beta/password-sync-groups"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(res, 405, "405 Method Not Allowed").await;
}

#[tokio::test]
async fn user_levels() {
    let env = Env::new().await;
    let helpdesk = env.user_token("helpdesk").await;
    let auditor = env.user_token("auditor").await;
    assert_eq!(claims(&helpdesk)["authorities"], json!(["HELPDESK"]));
    assert_eq!(claims(&auditor)["authorities"], json!(["CERT_ADMIN"]));
    for token in [&helpdesk, &auditor] {
        // Not even a read: ISC refuses HELPDESK on all of these.
        for path in [
            "/beta/password-sync-groups".to_owned(),
            format!("/beta/password-sync-groups/{GROUP_CORPORATE}"),
            "/beta/password-policies".to_owned(),
            format!("/beta/password-policies/{POLICY_DEFAULT}"),
            "/beta/sources".to_owned(),
            format!("/v3/sources/{AD}"),
        ] {
            let res = env.get(&path, token).await;
            let text = assert_error(res, 403, "403 Forbidden").await;
            assert_eq!(
                text,
                "The server understood the request but refuses to authorize it."
            );
        }
        assert_error(
            env.post("/beta/password-sync-groups", token, &new_group())
                .await,
            403,
            "403 Forbidden",
        )
        .await;
        let res = env
            .delete(
                &format!("/beta/password-sync-groups/{GROUP_BUSINESS}"),
                token,
            )
            .await;
        assert_error(res, 403, "403 Forbidden").await;
    }
    // An ORG_ADMIN user may do everything.
    let admin = env.user_token("admin").await;
    assert_eq!(
        env.post("/beta/password-sync-groups", &admin, &new_group())
            .await
            .status(),
        200
    );
    assert_eq!(env.get("/beta/sources", &admin).await.status(), 200);
}

#[tokio::test]
async fn application_tokens_read_but_never_write() {
    let env = Env::new().await;
    let api = env.readonly().await;
    for path in [
        "/beta/password-sync-groups".to_owned(),
        format!("/v3/password-sync-groups/{GROUP_CORPORATE}"),
        "/beta/password-policies".to_owned(),
        format!("/beta/password-policies/{POLICY_DEFAULT}"),
        "/beta/sources".to_owned(),
        format!("/beta/sources/{AD}"),
    ] {
        assert_eq!(env.get(&path, &api).await.status(), 200, "{path}");
    }
    assert_error(
        env.post("/beta/password-sync-groups", &api, &new_group())
            .await,
        403,
        "403 Forbidden",
    )
    .await;
    let path = format!("/beta/password-sync-groups/{GROUP_BUSINESS}");
    assert_error(
        env.put(&path, &api, &new_group()).await,
        403,
        "403 Forbidden",
    )
    .await;
    assert_error(env.delete(&path, &api).await, 403, "403 Forbidden").await;
}

#[tokio::test]
async fn scopes() {
    let env = Env::new().await;
    let (pat, secret) = ("admin-pat", "admin-pat-secret");
    // A user token without a sync-group scope.
    let sources_only = scoped_token(&env, pat, secret, "idn:sources:read").await;
    assert_eq!(env.get("/beta/sources", &sources_only).await.status(), 200);
    assert_error(
        env.get("/beta/password-sync-groups", &sources_only).await,
        403,
        "403 Forbidden",
    )
    .await;
    assert_error(
        env.get("/beta/password-policies", &sources_only).await,
        403,
        "403 Forbidden",
    )
    .await;
    assert_error(
        env.post("/beta/password-sync-groups", &sources_only, &new_group())
            .await,
        403,
        "403 Forbidden",
    )
    .await;

    // Read scope: reads only.
    let read = scoped_token(&env, pat, secret, "idn:password-sync-group:read").await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &read).await.status(),
        200
    );
    assert_error(
        env.post("/beta/password-sync-groups", &read, &new_group())
            .await,
        403,
        "403 Forbidden",
    )
    .await;
    assert_error(env.get("/beta/sources", &read).await, 403, "403 Forbidden").await;

    // Manage scope, and the pre-2025 scope names, allow writes.
    let manage = scoped_token(&env, pat, secret, "idn:password-sync-group:manage").await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &manage)
            .await
            .status(),
        200
    );
    let res = env
        .post("/beta/password-sync-groups", &manage, &new_group())
        .await;
    assert_eq!(res.status(), 200);
    let created: Value = res.json().await.unwrap();
    let legacy = scoped_token(
        &env,
        pat,
        secret,
        "idn:password-sync-group-management:write",
    )
    .await;
    let res = env
        .delete(
            &format!(
                "/beta/password-sync-groups/{}",
                created["id"].as_str().unwrap()
            ),
            &legacy,
        )
        .await;
    assert_eq!(res.status(), 204);
    let legacy_read =
        scoped_token(&env, pat, secret, "idn:password-sync-group-management:read").await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &legacy_read)
            .await
            .status(),
        200
    );
    assert_error(
        env.post("/beta/password-sync-groups", &legacy_read, &new_group())
            .await,
        403,
        "403 Forbidden",
    )
    .await;

    // sp:scopes:default covers them like sp:scopes:all.
    let default = scoped_token(&env, pat, secret, "sp:scopes:default").await;
    assert_eq!(
        env.post("/beta/password-sync-groups", &default, &new_group())
            .await
            .status(),
        200
    );
    let policy = scoped_token(&env, pat, secret, "idn:password-policy:read").await;
    assert_eq!(
        env.get("/beta/password-policies", &policy).await.status(),
        200
    );
}

#[tokio::test]
async fn rate_limit_per_client_and_version() {
    let env = Env::with(SandboxConfig {
        rate_limit: 3,
        rate_window: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let admin = env.admin().await;
    let api = env.readonly().await;
    // Rejected (401) requests have no client and do not count.
    for _ in 0..5 {
        assert_eq!(
            env.http
                .get(env.url("/beta/sources"))
                .send()
                .await
                .unwrap()
                .status(),
            401
        );
    }
    for _ in 0..3 {
        assert_eq!(
            env.get("/beta/password-sync-groups", &admin).await.status(),
            200
        );
    }
    let res = env.get("/beta/sources", &admin).await;
    assert_eq!(res.status(), 429);
    assert!(is_hex32(request_id(&res)));
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry, 1);
    assert_eq!(
        res.text().await.unwrap(),
        r#"{"message":" Rate Limit Exceeded "}"#
    );
    // Another API version, another client: their own windows.
    assert_eq!(
        env.get("/v3/password-sync-groups", &admin).await.status(),
        200
    );
    assert_eq!(
        env.get("/beta/password-sync-groups", &api).await.status(),
        200
    );
    // OAuth is not limited.
    for _ in 0..5 {
        assert_eq!(
            env.http
                .get(env.url("/oauth/info"))
                .send()
                .await
                .unwrap()
                .status(),
            200
        );
    }
    // The window frees.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        200
    );
}

#[tokio::test]
async fn retry_after_counts_down_the_window() {
    let env = Env::with(SandboxConfig {
        rate_limit: 1,
        ..Default::default()
    })
    .await;
    let admin = env.admin().await;
    assert_eq!(env.get("/beta/sources", &admin).await.status(), 200);
    let res = env.get("/beta/sources", &admin).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((9..=10).contains(&retry), "{retry}");
}
