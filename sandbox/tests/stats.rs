//! Request counters: token requests by grant type and outcome, API requests by route;
//! `Sandbox::stats`, `GET /__sandbox/stats`, and their reset.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use common::*;
use sandbox::{Outcomes, Sandbox, SandboxConfig, SandboxStats};
use serde_json::{Value, json};
use tower::ServiceExt as _;

async fn token_request(env: &Env, basic: (&str, &str), form: &[(&str, &str)]) -> u16 {
    env.http
        .post(env.url("/oauth/token"))
        .basic_auth(basic.0, Some(basic.1))
        .form(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn token_requests_are_counted_by_grant_type_and_outcome() {
    let env = Env::new().await;
    let base = env.sb.base_url();
    assert_eq!(env.sb.sandbox().stats(), SandboxStats::default());

    // authorization_code: one exchange that works, one with a wrong verifier.
    let tokens = user_tokens(&env.http, base, "admin").await;
    let (code, _) = code_for(&env.http, base, "admin").await;
    assert_eq!(
        exchange(&env.http, base, &code, &"x".repeat(43))
            .await
            .status(),
        400
    );
    // refresh_token: two that work, a reused one, an unknown one.
    let first = tokens["refresh_token"].as_str().unwrap();
    let second: Value = refresh(&env.http, base, first).await.json().await.unwrap();
    let second = second["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&env.http, base, second).await.status(), 200);
    assert_eq!(refresh(&env.http, base, first).await.status(), 400);
    assert_eq!(refresh(&env.http, base, "nope").await.status(), 400);
    // client_credentials: a PAT, an API client, a wrong secret, a scope too wide.
    env.admin().await;
    env.readonly().await;
    let cc = [("grant_type", "client_credentials")];
    assert_eq!(token_request(&env, ("admin-pat", "wrong"), &cc).await, 401);
    let wide = [
        ("grant_type", "client_credentials"),
        ("scope", "sp:scopes:all"),
    ];
    assert_eq!(
        token_request(&env, ("readonly-api", "readonly-api-secret"), &wide).await,
        400
    );
    // Neither: no grant_type, an unsupported one.
    assert_eq!(
        token_request(&env, ("console", "console-secret"), &[]).await,
        400
    );
    let password = [("grant_type", "password")];
    assert_eq!(
        token_request(&env, ("console", "console-secret"), &password).await,
        400
    );

    let stats = env.sb.sandbox().stats();
    let t = &stats.token_requests;
    assert_eq!(t.authorization_code, Outcomes { ok: 1, refused: 1 });
    assert_eq!(t.refresh_token, Outcomes { ok: 2, refused: 2 });
    assert_eq!(t.client_credentials, Outcomes { ok: 2, refused: 2 });
    assert_eq!(t.other, Outcomes { ok: 0, refused: 2 });

    // The same over HTTP, camelCase.
    let (status, body) = control_get(&env, "/__sandbox/stats").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["tokenRequests"],
        json!({
            "authorizationCode": {"ok": 1, "refused": 1},
            "refreshToken": {"ok": 2, "refused": 2},
            "clientCredentials": {"ok": 2, "refused": 2},
            "other": {"ok": 0, "refused": 2},
        })
    );
    assert_eq!(serde_json::from_value::<SandboxStats>(body).unwrap(), stats);
}

#[tokio::test]
async fn api_requests_are_counted_by_route_whatever_the_answer() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let helpdesk = env.user_token("helpdesk").await;
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        200
    );
    assert_eq!(
        env.get("/beta/password-sync-groups", &admin).await.status(),
        200
    );
    let one = format!("/beta/password-sync-groups/{GROUP_CORPORATE}");
    assert_eq!(env.get(&one, &admin).await.status(), 200);
    assert_eq!(env.get(&one, &helpdesk).await.status(), 403);
    assert_eq!(env.get("/v3/sources", "not-a-token").await.status(), 401);
    env.sb.sandbox().faults().fail_next(1, 500);
    assert_eq!(
        env.get("/v2025/password-policies", &admin).await.status(),
        500
    );
    assert_eq!(env.get("/beta/nothing-here", &admin).await.status(), 404);
    // Neither OAuth, the sign-in page nor the control endpoint are API requests.
    env.http.get(env.url("/oauth/info")).send().await.unwrap();
    control_get(&env, "/__sandbox/faults").await;

    let stats = env.sb.sandbox().stats();
    assert_eq!(stats.api_requests.total, 7, "{stats:?}");
    let expected: Vec<(&str, u64)> = vec![
        ("GET /beta/*", 1),
        ("GET /beta/password-sync-groups", 2),
        ("GET /beta/password-sync-groups/{id}", 2),
        ("GET /v2025/password-policies", 1),
        ("GET /v3/sources", 1),
    ];
    let got: Vec<(&str, u64)> = stats
        .api_requests
        .by_route
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(got, expected);
    let (_, body) = control_get(&env, "/__sandbox/stats").await;
    assert_eq!(body["apiRequests"]["total"], 7);
    assert_eq!(
        body["apiRequests"]["byRoute"]["GET /beta/password-sync-groups/{id}"],
        2
    );
}

#[tokio::test]
async fn routes_are_named_relative_to_the_mount_point() {
    let sb = Sandbox::new(SandboxConfig::default());
    let app = axum::Router::new().nest("/sandbox", sb.router());
    let req = axum::http::Request::get("/sandbox/beta/sources/abc")
        .body(Body::empty())
        .unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), 401);
    let req = axum::http::Request::delete("/sandbox/v3/whatever")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.clone().oneshot(req).await.unwrap().status(), 404);
    let mut req = axum::http::Request::get("/sandbox/__sandbox/stats")
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo("127.0.0.1:4000".parse::<SocketAddr>().unwrap()));
    let res = app.oneshot(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = axum::body::to_bytes(res.into_body(), 100_000)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["apiRequests"],
        json!({"total": 2, "byRoute": {"GET /beta/sources/{id}": 1, "DELETE /v3/*": 1}, "rateLimited": 0})
    );
}

#[tokio::test]
async fn reset_clears_the_counters() {
    let env = Env::new().await;
    let admin = env.admin().await;
    env.get("/beta/sources", &admin).await;
    let stats = env.sb.sandbox().stats();
    assert_eq!(stats.api_requests.total, 1);
    assert_eq!(stats.token_requests.client_credentials.ok, 1);

    let res = control_post(&env, "/__sandbox/reset", &json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(env.sb.sandbox().stats(), SandboxStats::default());
    let (_, body) = control_get(&env, "/__sandbox/stats").await;
    assert_eq!(
        body,
        json!({
            "tokenRequests": {
                "authorizationCode": {"ok": 0, "refused": 0},
                "refreshToken": {"ok": 0, "refused": 0},
                "clientCredentials": {"ok": 0, "refused": 0},
                "other": {"ok": 0, "refused": 0},
            },
            "apiRequests": {"total": 0, "byRoute": {}, "rateLimited": 0},
        })
    );

    // They count again from zero; the library can clear them too.
    env.get("/beta/sources", &admin).await;
    assert_eq!(env.sb.sandbox().stats().api_requests.total, 1);
    env.sb.sandbox().reset_stats();
    assert_eq!(env.sb.sandbox().stats(), SandboxStats::default());
}

#[tokio::test]
async fn stats_follow_the_control_endpoint_rules() {
    let env = Env::new().await;
    let res = env
        .http
        .get(env.url("/__sandbox/stats"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_error(res, 403, "403 Forbidden").await;
    let res = env
        .http
        .get(env.url("/__sandbox/stats"))
        .header("x-forwarded-for", "198.51.100.4")
        .send()
        .await
        .unwrap();
    assert_error(res, 403, "403 Forbidden").await;
    let env = Env::with(SandboxConfig {
        control_endpoint: false,
        ..Default::default()
    })
    .await;
    assert_eq!(control_get(&env, "/__sandbox/stats").await.0, 404);
}

#[tokio::test]
async fn rate_limited_answers_are_counted() {
    let env = Env::with(SandboxConfig {
        rate_limit: 2,
        ..SandboxConfig::default()
    })
    .await;
    let admin = env.admin().await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(env.get("/beta/sources", &admin).await.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 429, 429]);
    // Injected 429s are faults, not the rate limit.
    env.sb.sandbox().faults().fail_next(1, 429);
    env.get("/v3/sources", &admin).await;
    let stats = env.sb.sandbox().stats();
    assert_eq!(stats.api_requests.total, 5);
    assert_eq!(stats.api_requests.rate_limited, 2);
    let (_, body) = control_get(&env, "/__sandbox/stats").await;
    assert_eq!(body["apiRequests"]["rateLimited"], 2);
}
