//! Changing a user's user levels at run time (`Sandbox::set_user_levels`,
//! `POST /__sandbox/users/{userName}/levels`): new tokens and userinfo follow, issued access
//! tokens keep their claims.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use common::*;
use sandbox::UserLevelsError;
use serde_json::{Value, json};

async fn userinfo(env: &Env, token: &str) -> Value {
    let res = env
        .http
        .get(env.url("/oauth/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn access(tokens: &Value) -> &str {
    tokens["access_token"].as_str().unwrap()
}

#[tokio::test]
async fn changed_levels_reach_new_tokens_and_userinfo_not_issued_tokens() {
    let env = Env::new().await;
    let base = env.sb.base_url();
    let before = user_tokens(&env.http, base, "helpdesk").await;
    assert_eq!(claims(access(&before))["authorities"], json!(["HELPDESK"]));
    assert_eq!(
        env.get("/beta/password-sync-groups", access(&before))
            .await
            .status(),
        403
    );

    // Promoted to ORG_ADMIN.
    let res = control_post(
        &env,
        "/__sandbox/users/helpdesk/levels",
        &json!({"levels": ["ORG_ADMIN"]}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"userName": "helpdesk", "levels": ["ORG_ADMIN"]})
    );

    // The access token already issued keeps its claims (a JWT), and its level's rights.
    assert_eq!(claims(access(&before))["authorities"], json!(["HELPDESK"]));
    assert_eq!(
        env.get("/beta/password-sync-groups", access(&before))
            .await
            .status(),
        403
    );
    // userinfo tells the truth at once, whichever token asks.
    assert_eq!(
        userinfo(&env, access(&before)).await["authorities"],
        json!(["ORG_ADMIN"])
    );
    // A refresh carries the new levels.
    let res = refresh(&env.http, base, before["refresh_token"].as_str().unwrap()).await;
    assert_eq!(res.status(), 200);
    let refreshed: Value = res.json().await.unwrap();
    assert_eq!(
        claims(access(&refreshed))["authorities"],
        json!(["ORG_ADMIN"])
    );
    assert_eq!(
        env.get("/beta/password-sync-groups", access(&refreshed))
            .await
            .status(),
        200
    );
    // So does a new sign-in (code exchange).
    let fresh = user_tokens(&env.http, base, "helpdesk").await;
    assert_eq!(claims(access(&fresh))["authorities"], json!(["ORG_ADMIN"]));

    // Demoted to no level at all, through the library: the refreshed token keeps ORG_ADMIN,
    // the next refresh has none.
    env.sb
        .sandbox()
        .set_user_levels("helpdesk", Vec::new())
        .unwrap();
    assert_eq!(
        env.get("/beta/password-sync-groups", access(&refreshed))
            .await
            .status(),
        200
    );
    let res = refresh(
        &env.http,
        base,
        refreshed["refresh_token"].as_str().unwrap(),
    )
    .await;
    let none: Value = res.json().await.unwrap();
    let c = claims(access(&none));
    assert!(
        c.get("authorities")
            .is_none_or(|a| a.as_array().unwrap().is_empty()),
        "{c}"
    );
    assert_eq!(
        env.get("/beta/password-sync-groups", access(&none))
            .await
            .status(),
        403
    );
    assert_eq!(
        userinfo(&env, access(&none)).await["authorities"],
        json!([])
    );
}

#[tokio::test]
async fn a_personal_access_token_follows_its_users_levels() {
    let env = Env::new().await;
    let before = env.admin().await;
    env.sb
        .sandbox()
        .set_user_levels("admin", vec!["HELPDESK".into()])
        .unwrap();
    let after = env.admin().await;
    assert_eq!(claims(&before)["authorities"], json!(["ORG_ADMIN"]));
    assert_eq!(claims(&after)["authorities"], json!(["HELPDESK"]));
    assert_eq!(env.get("/beta/sources", &before).await.status(), 200);
    assert_eq!(env.get("/beta/sources", &after).await.status(), 403);
}

#[tokio::test]
async fn levels_control_endpoint() {
    let env = Env::new().await;
    let (status, body) = control_get(&env, "/__sandbox/users/auditor/levels").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"userName": "auditor", "levels": ["CERT_ADMIN"]})
    );

    // Duplicates collapse; several levels are kept in order.
    let res = control_post(
        &env,
        "/__sandbox/users/auditor/levels",
        &json!({"levels": ["REPORT_ADMIN", "CERT_ADMIN", "REPORT_ADMIN"]}),
    )
    .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["levels"],
        json!(["REPORT_ADMIN", "CERT_ADMIN"])
    );
    assert_eq!(
        env.sb.sandbox().user_levels("auditor"),
        Some(vec!["REPORT_ADMIN".to_owned(), "CERT_ADMIN".to_owned()])
    );

    // Unknown user: 404 JSON, over HTTP and through the library.
    let res = control_post(
        &env,
        "/__sandbox/users/nobody/levels",
        &json!({"levels": ["ORG_ADMIN"]}),
    )
    .await;
    let text = assert_error(res, 404, "404 Not found").await;
    assert!(text.contains("nobody"), "{text}");
    let res = env
        .http
        .get(env.url("/__sandbox/users/nobody/levels"))
        .send()
        .await
        .unwrap();
    assert_error(res, 404, "404 Not found").await;
    assert_eq!(
        env.sb
            .sandbox()
            .set_user_levels("nobody", vec!["ORG_ADMIN".into()]),
        Err(UserLevelsError::UnknownUser("nobody".into()))
    );
    assert_eq!(env.sb.sandbox().user_levels("nobody"), None);

    // Bad bodies change nothing.
    assert_error(
        control_post(&env, "/__sandbox/users/auditor/levels", &json!({})).await,
        400,
        "400.1.0 Required Data Missing Or Empty",
    )
    .await;
    for levels in [json!([""]), json!(["ORG ADMIN"])] {
        assert_error(
            control_post(
                &env,
                "/__sandbox/users/auditor/levels",
                &json!({ "levels": levels }),
            )
            .await,
            400,
            "400.1.3 Illegal value",
        )
        .await;
    }
    for body in [
        json!({"levels": "ORG_ADMIN"}),
        json!({"levels": [], "user": "x"}),
    ] {
        assert_error(
            control_post(&env, "/__sandbox/users/auditor/levels", &body).await,
            400,
            "400.1 Bad Request Content",
        )
        .await;
    }
    assert_eq!(
        control_get(&env, "/__sandbox/users/auditor/levels").await.1["levels"],
        json!(["REPORT_ADMIN", "CERT_ADMIN"])
    );

    // The sign-in page shows the current levels.
    let (_, challenge) = pkce();
    let url = reqwest::Url::parse_with_params(
        &env.url("/oauth/authorize"),
        [
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let html = env
        .http
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("REPORT_ADMIN"), "{html}");

    // A reset without data keeps the levels; with data, the demo org's come back.
    control_post(&env, "/__sandbox/reset", &json!({})).await;
    assert_eq!(
        env.sb.sandbox().user_levels("auditor").unwrap(),
        ["REPORT_ADMIN", "CERT_ADMIN"]
    );
    env.sb
        .sandbox()
        .set_user_levels("admin", Vec::new())
        .unwrap();
    control_post(&env, "/__sandbox/reset", &json!({"data": true})).await;
    assert_eq!(
        env.sb.sandbox().user_levels("auditor").unwrap(),
        ["CERT_ADMIN"]
    );
    assert_eq!(
        control_get(&env, "/__sandbox/users/admin/levels").await.1["levels"],
        json!(["ORG_ADMIN"])
    );
    assert_eq!(
        claims(&env.admin().await)["authorities"],
        json!(["ORG_ADMIN"])
    );
}
