//! OAuth: sign-in page, authorization code + PKCE, refresh rotation, client credentials,
//! token claims and lifetimes, discovery and userinfo.
#![expect(clippy::unwrap_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::time::Duration;

use common::*;
use sandbox::SandboxConfig;
use serde_json::Value;

async fn oauth_error(res: reqwest::Response, status: u16, error: &str) -> String {
    assert_eq!(res.status().as_u16(), status);
    assert!(is_hex32(request_id(&res)));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
    body["error_description"].as_str().unwrap().to_owned()
}

async fn token_form(
    env: &Env,
    basic: Option<(&str, &str)>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = env.http.post(env.url("/oauth/token")).form(form);
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn sign_in_page() {
    let env = Env::new().await;
    let (_, challenge) = pkce();
    let url = reqwest::Url::parse_with_params(
        &env.url("/oauth/authorize"),
        [
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("state", "s<1>"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("scope", "sp:scopes:all"),
        ],
    )
    .unwrap();
    let res = env.http.get(url).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(is_hex32(request_id(&res)));
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let html = res.text().await.unwrap();
    assert!(
        html.contains("<title>Sign in to sandbox (sandbox tenant)</title>"),
        "{html}"
    );
    assert!(html.contains(r#"<label for="username">Username</label>"#));
    assert!(html.contains(r#"<label for="password">Password</label>"#));
    assert!(html.contains(r#"id="password" name="password" type="password""#));
    assert!(html.contains(r#"action="/oauth/authorize""#));
    assert!(
        html.contains(r#"name="state" value="s&lt;1&gt;""#),
        "state carried, escaped"
    );
    assert!(html.contains(&format!(r#"name="code_challenge" value="{challenge}""#)));
    for user in [
        "admin",
        "helpdesk",
        "auditor",
        "ORG_ADMIN",
        "HELPDESK",
        "CERT_ADMIN",
    ] {
        assert!(html.contains(user), "demo user hint {user}");
    }
    assert!(
        html.contains("Password Sync Groups Console"),
        "client name shown"
    );
}

#[tokio::test]
async fn authorize_request_errors() {
    let env = Env::new().await;
    let authorize = |params: Vec<(&'static str, &'static str)>| {
        let url = reqwest::Url::parse_with_params(&env.url("/oauth/authorize"), params).unwrap();
        let http = env.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    // Never redirect to an unknown client or an unregistered URI: an HTML page instead.
    for params in [
        vec![
            ("response_type", "code"),
            ("client_id", "nobody"),
            ("redirect_uri", REDIRECT),
        ],
        vec![("response_type", "code"), ("redirect_uri", REDIRECT)],
        vec![
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", "https://evil.example.com/auth/callback"),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", "http://127.0.0.1:3000/other"),
        ],
        vec![("response_type", "code"), ("client_id", "console")],
        vec![
            ("response_type", "code"),
            ("client_id", "admin-pat"),
            ("redirect_uri", REDIRECT),
        ],
    ] {
        let res = authorize(params.clone()).await;
        assert_eq!(res.status(), 400, "{params:?}");
        assert!(res.headers().get("location").is_none());
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(res.text().await.unwrap().contains("Cannot sign in"));
    }
    // Both loopback host names with any port are registered.
    for redirect in [
        "http://localhost:3000/auth/callback",
        "http://127.0.0.1:1/auth/callback",
    ] {
        let url = reqwest::Url::parse_with_params(
            &env.url("/oauth/authorize"),
            [
                ("response_type", "code"),
                ("client_id", "console"),
                ("redirect_uri", redirect),
            ],
        )
        .unwrap();
        assert_eq!(
            env.http.get(url).send().await.unwrap().status(),
            200,
            "{redirect}"
        );
    }
    // Other problems go back to the client (RFC 6749 §4.1.2.1), with the state.
    for (params, error) in [
        (
            vec![("response_type", "token")],
            "unsupported_response_type",
        ),
        (vec![], "invalid_request"),
        (
            vec![
                ("response_type", "code"),
                ("code_challenge", "x"),
                ("code_challenge_method", "S256"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("code_challenge_method", "S256")],
            "invalid_request",
        ),
        (
            vec![
                ("response_type", "code"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                ),
                ("code_challenge_method", "S512"),
            ],
            "invalid_request",
        ),
        (
            vec![("response_type", "code"), ("scope", "made:up")],
            "invalid_scope",
        ),
    ] {
        let mut all = vec![
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
        ];
        all.extend(params.clone());
        let res = authorize(all).await;
        assert_eq!(res.status(), 302, "{params:?}");
        let q = location_params(&res);
        assert_eq!(param(&q, "error").as_deref(), Some(error), "{params:?}");
        assert_eq!(param(&q, "state").as_deref(), Some("xyz"));
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with(REDIRECT)
        );
    }
}

#[tokio::test]
async fn wrong_credentials_and_cancel() {
    let env = Env::new().await;
    let (_, challenge) = pkce();
    let res = sign_in(
        &env.http,
        env.sb.base_url(),
        "admin",
        "wrong",
        &challenge,
        "st",
    )
    .await;
    assert_eq!(res.status(), 401);
    assert!(res.headers().get("location").is_none());
    let html = res.text().await.unwrap();
    assert!(html.contains("Wrong username or password."));
    assert!(html.contains(r#"value="admin""#), "username kept");
    let res = sign_in(
        &env.http,
        env.sb.base_url(),
        "nobody",
        "nobody",
        &challenge,
        "st",
    )
    .await;
    assert_eq!(res.status(), 401);

    let res = env
        .http
        .post(env.url("/oauth/authorize"))
        .form(&[
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("state", "c"),
            ("action", "cancel"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(
        param(&location_params(&res), "error").as_deref(),
        Some("access_denied")
    );
}

#[tokio::test]
async fn authorization_code_with_pkce() {
    let env = Env::new().await;
    let base = env.sb.base_url();
    let (verifier, challenge) = pkce();
    let state = "a b&c=d/é?";
    // The sign-in form may be posted to /oauth/authorize/login as well.
    let res = env
        .http
        .post(format!("{base}/oauth/authorize/login"))
        .form(&[
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("state", state),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("username", "admin"),
            ("password", "admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert!(is_hex32(request_id(&res)));
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=")),
        "{location}"
    );
    let q = location_params(&res);
    assert_eq!(
        param(&q, "state").as_deref(),
        Some(state),
        "state passed back verbatim"
    );
    let code = param(&q, "code").unwrap();

    // Client authentication in the form this time.
    let res = token_form(
        &env,
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", &verifier),
            ("client_id", "console"),
            ("client_secret", "console-secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(is_hex32(request_id(&res)));
    assert_eq!(res.headers()["cache-control"], "no-store");
    let tokens: Value = res.json().await.unwrap();
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 749);
    assert_eq!(tokens["scope"], "sp:scopes:all");
    assert_eq!(tokens["user_name"], "admin");
    assert_eq!(tokens["identity_id"], "2c9180857182305e0171993735622948");
    assert_eq!(tokens["org"], "sandbox");
    for field in ["tenant_id", "pod", "jti", "refresh_token"] {
        assert!(tokens[field].is_string(), "{field}");
    }
    for field in [
        "internal",
        "strong_auth",
        "strong_auth_supported",
        "claims_supported",
    ] {
        assert!(tokens[field].is_boolean(), "{field}");
    }

    let access = tokens["access_token"].as_str().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            access.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");
    let c = claims(access);
    assert_eq!(c["tenant_id"], tokens["tenant_id"]);
    assert_eq!(c["org"], "sandbox");
    assert_eq!(c["pod"], tokens["pod"]);
    assert_eq!(c["identity_id"], tokens["identity_id"]);
    assert_eq!(c["user_name"], "admin");
    assert_eq!(c["authorities"], serde_json::json!(["ORG_ADMIN"]));
    assert_eq!(c["client_id"], "console");
    assert_eq!(c["scope"], serde_json::json!(["sp:scopes:all"]));
    assert_eq!(c["jti"], tokens["jti"]);
    let (iat, exp) = (c["iat"].as_u64().unwrap(), c["exp"].as_u64().unwrap());
    assert!((749..=750).contains(&(exp - iat)), "{iat} {exp}");

    let (status, groups) = env.get_json("/beta/password-sync-groups", access).await;
    assert_eq!(status, 200);
    assert_eq!(groups.as_array().unwrap().len(), 3);

    // userinfo
    let res = env
        .http
        .get(env.url("/oauth/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["user_name"], "admin");
    assert_eq!(me["name"], "Alex Admin");
    assert_eq!(me["identity_id"], tokens["identity_id"]);
    assert_eq!(me["authorities"], serde_json::json!(["ORG_ADMIN"]));
}

#[tokio::test]
async fn code_exchange_failures() {
    let env = Env::new().await;
    let base = env.sb.base_url();

    // PKCE: a wrong verifier, a missing one.
    let (code, _) = code_for(&env.http, base, "admin").await;
    let (other_verifier, _) = pkce();
    let text = oauth_error(
        exchange(&env.http, base, &code, &other_verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("PKCE"), "{text}");
    let (code, _) = code_for(&env.http, base, "admin").await;
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    oauth_error(res, 400, "invalid_grant").await;

    // Wrong redirect_uri.
    let (code, verifier) = code_for(&env.http, base, "admin").await;
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:9999/auth/callback"),
            ("code_verifier", &verifier),
        ],
    )
    .await;
    let text = oauth_error(res, 400, "invalid_grant").await;
    assert!(text.contains("redirect_uri"), "{text}");

    // Bad client secret, unknown client, no client authentication.
    let (code, verifier) = code_for(&env.http, base, "admin").await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("code_verifier", verifier.as_str()),
    ];
    let res = token_form(&env, Some(("console", "wrong")), &form).await;
    assert!(res.headers().contains_key("www-authenticate"));
    oauth_error(res, 401, "invalid_client").await;
    oauth_error(
        token_form(&env, Some(("nobody", "x")), &form).await,
        401,
        "invalid_client",
    )
    .await;
    oauth_error(token_form(&env, None, &form).await, 401, "invalid_client").await;
    let mut with_form_secret = form.to_vec();
    with_form_secret.extend([("client_id", "console"), ("client_secret", "wrong")]);
    oauth_error(
        token_form(&env, None, &with_form_secret).await,
        401,
        "invalid_client",
    )
    .await;
    // The code survived those (the client was never authenticated), so it still works.
    assert_eq!(
        exchange(&env.http, base, &code, &verifier).await.status(),
        200
    );

    // Unknown codes, unsupported grants, wrong grant for the client, bad content type.
    oauth_error(
        exchange(&env.http, base, "not-a-code", &verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[("grant_type", "password")],
    )
    .await;
    oauth_error(res, 400, "unsupported_grant_type").await;
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    oauth_error(res, 400, "unauthorized_client").await;
    let res = token_form(&env, Some(("readonly-api", "readonly-api-secret")), &form).await;
    oauth_error(res, 400, "unauthorized_client").await;
    let res = token_form(&env, Some(("console", "console-secret")), &[]).await;
    oauth_error(res, 400, "invalid_request").await;
    let res = env
        .http
        .post(env.url("/oauth/token"))
        .basic_auth("admin-pat", Some("admin-pat-secret"))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_request").await;
}

#[tokio::test]
async fn code_reuse_revokes_its_tokens() {
    let env = Env::new().await;
    let base = env.sb.base_url();
    let (code, verifier) = code_for(&env.http, base, "admin").await;
    let tokens: Value = exchange(&env.http, base, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        env.get("/beta/password-sync-groups", access).await.status(),
        200
    );

    let text = oauth_error(
        exchange(&env.http, base, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("already used"), "{text}");
    assert_unauthorized(env.get("/beta/password-sync-groups", access).await).await;
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    oauth_error(res, 400, "invalid_grant").await;
}

#[tokio::test]
async fn expired_code() {
    let env = Env::with(SandboxConfig {
        code_ttl: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let base = env.sb.base_url();
    let (code, verifier) = code_for(&env.http, base, "admin").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let text = oauth_error(
        exchange(&env.http, base, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("expired"), "{text}");
}

#[tokio::test]
async fn refresh_rotation() {
    let env = Env::new().await;
    let base = env.sb.base_url();
    let first = user_tokens(&env.http, base, "admin").await;
    let old_refresh = first["refresh_token"].as_str().unwrap();
    let refresh = |token: String, scope: Option<&'static str>| {
        let mut form = vec![
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.to_owned()));
        }
        let req = env
            .http
            .post(env.url("/oauth/token"))
            .basic_auth("console", Some("console-secret"))
            .form(&form);
        async move { req.send().await.unwrap() }
    };
    let res = refresh(old_refresh.to_owned(), None).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    let new_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(new_refresh, old_refresh);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(
        claims(second["access_token"].as_str().unwrap())["user_name"],
        "admin"
    );
    assert_eq!(
        env.get(
            "/beta/password-sync-groups",
            second["access_token"].as_str().unwrap()
        )
        .await
        .status(),
        200
    );
    // Both access tokens stay valid; the old refresh token does not.
    assert_eq!(
        env.get(
            "/beta/password-sync-groups",
            first["access_token"].as_str().unwrap()
        )
        .await
        .status(),
        200
    );
    oauth_error(
        refresh(old_refresh.to_owned(), None).await,
        400,
        "invalid_grant",
    )
    .await;
    // Another client cannot use it.
    let res = token_form(
        &env,
        Some(("admin-pat", "admin-pat-secret")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", new_refresh),
        ],
    )
    .await;
    oauth_error(res, 400, "unauthorized_client").await;
    // A refresh may narrow the access token's scope, not widen it.
    let res = refresh(new_refresh.to_owned(), Some("idn:password-sync-group:read")).await;
    assert_eq!(res.status(), 200);
    let third: Value = res.json().await.unwrap();
    assert_eq!(third["scope"], "idn:password-sync-group:read");
    let narrowed = third["access_token"].as_str().unwrap();
    assert_eq!(
        env.get("/beta/password-sync-groups", narrowed)
            .await
            .status(),
        200
    );
    assert_error(
        env.get("/beta/sources", narrowed).await,
        403,
        "403 Forbidden",
    )
    .await;
    let res = refresh(third["refresh_token"].as_str().unwrap().to_owned(), None).await;
    let fourth: Value = res.json().await.unwrap();
    assert_eq!(
        fourth["scope"], "sp:scopes:all",
        "the refresh token keeps the original scope"
    );
}

#[tokio::test]
async fn client_credentials() {
    let env = Env::new().await;
    // A personal access token carries its user.
    let res = token_form(
        &env,
        Some(("admin-pat", "admin-pat-secret")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    assert_eq!(res.status(), 200);
    let pat: Value = res.json().await.unwrap();
    assert!(pat.get("refresh_token").is_none());
    assert_eq!(pat["user_name"], "admin");
    let c = claims(pat["access_token"].as_str().unwrap());
    assert_eq!(c["user_name"], "admin");
    assert_eq!(c["identity_id"], "2c9180857182305e0171993735622948");
    assert_eq!(c["authorities"], serde_json::json!(["ORG_ADMIN"]));
    assert_eq!(c["client_id"], "admin-pat");
    assert_eq!(c["scope"], serde_json::json!(["sp:scopes:all"]));

    // A plain API client carries no user and only its read scopes (form client authentication).
    let res = token_form(
        &env,
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", "readonly-api"),
            ("client_secret", "readonly-api-secret"),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    let api: Value = res.json().await.unwrap();
    assert!(api.get("refresh_token").is_none());
    assert!(api.get("user_name").is_none() && api.get("identity_id").is_none());
    assert_eq!(
        api["scope"],
        "idn:password-sync-group:read idn:password-policy:read idn:sources:read idn:accounts:read sp:search:read"
    );
    let c = claims(api["access_token"].as_str().unwrap());
    assert!(c.get("identity_id").is_none() && c.get("user_name").is_none());
    assert!(
        c.get("authorities")
            .is_none_or(|a| a.as_array().unwrap().is_empty())
    );
    assert_eq!(c["client_id"], "readonly-api");
    assert_eq!(c["scope"].as_array().unwrap().len(), 5);

    // userinfo needs a user.
    let res = env
        .http
        .get(env.url("/oauth/userinfo"))
        .bearer_auth(api["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_unauthorized(
        env.http
            .get(env.url("/oauth/userinfo"))
            .send()
            .await
            .unwrap(),
    )
    .await;

    // A scope parameter narrows; it cannot widen.
    let res = token_form(
        &env,
        Some(("readonly-api", "readonly-api-secret")),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "idn:sources:read"),
        ],
    )
    .await;
    let narrowed: Value = res.json().await.unwrap();
    assert_eq!(narrowed["scope"], "idn:sources:read");
    for scope in ["sp:scopes:all", "idn:password-sync-group:manage", "made:up"] {
        let res = token_form(
            &env,
            Some(("readonly-api", "readonly-api-secret")),
            &[("grant_type", "client_credentials"), ("scope", scope)],
        )
        .await;
        oauth_error(res, 400, "invalid_scope").await;
    }
    let res = token_form(
        &env,
        Some(("admin-pat", "admin-pat-secret")),
        &[
            ("grant_type", "client_credentials"),
            ("scope", "sp:scopes:all sp:scopes:default"),
        ],
    )
    .await;
    oauth_error(res, 400, "invalid_scope").await;
}

#[tokio::test]
async fn short_token_ttl() {
    let env = Env::with(SandboxConfig {
        token_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let res = token_form(
        &env,
        Some(("admin-pat", "admin-pat-secret")),
        &[("grant_type", "client_credentials")],
    )
    .await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["expires_in"], 1);
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(
        env.get("/beta/password-sync-groups", token).await.status(),
        200
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_unauthorized(env.get("/beta/password-sync-groups", token).await).await;
}

#[tokio::test]
async fn expire_all_tokens_then_refresh() {
    let env = Env::new().await;
    let tokens = user_tokens(&env.http, env.sb.base_url(), "admin").await;
    let user = tokens["access_token"].as_str().unwrap();
    let pat = env.admin().await;
    assert_eq!(
        env.get("/beta/password-sync-groups", user).await.status(),
        200
    );
    env.sb.sandbox().faults().expire_all_tokens();
    assert_unauthorized(env.get("/beta/password-sync-groups", user).await).await;
    assert_unauthorized(env.get("/beta/password-sync-groups", &pat).await).await;
    // Recovery: a refresh, or a new client-credentials token.
    let res = token_form(
        &env,
        Some(("console", "console-secret")),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    let refreshed: Value = res.json().await.unwrap();
    assert_eq!(
        env.get(
            "/beta/password-sync-groups",
            refreshed["access_token"].as_str().unwrap()
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        env.get("/beta/password-sync-groups", &env.admin().await)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn discovery() {
    let env = Env::with(SandboxConfig {
        tenant_name: "acme".into(),
        ..Default::default()
    })
    .await;
    let res = env.http.get(env.url("/oauth/info")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(is_hex32(request_id(&res)));
    let info: Value = res.json().await.unwrap();
    let base = env.sb.base_url();
    assert_eq!(info["tenantName"], "acme");
    assert_eq!(info["org"], "acme");
    assert_eq!(info["authorizeEndpoint"], format!("{base}/oauth/authorize"));
    assert_eq!(info["tokenEndpoint"], format!("{base}/oauth/token"));
    assert_eq!(info["userinfoEndpoint"], format!("{base}/oauth/userinfo"));
    assert!(info["pod"].is_string());
    // Behind a TLS-terminating proxy, under another host name.
    let res = env
        .http
        .get(env.url("/oauth/info"))
        .header("host", "console.example.com")
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    let info: Value = res.json().await.unwrap();
    assert_eq!(
        info["tokenEndpoint"],
        "https://console.example.com/oauth/token"
    );
    let token = env.admin().await;
    assert_eq!(claims(&token)["org"], "acme");
}

#[tokio::test]
async fn refresh_tokens_are_rotated_by_default() {
    let env = Env::new().await;
    assert!(SandboxConfig::default().rotate_refresh_tokens);
    assert!(env.sb.sandbox().rotate_refresh_tokens());
    assert_eq!(
        control_get(&env, "/__sandbox/oauth").await.1,
        serde_json::json!({"rotateRefreshTokens": true})
    );
    let base = env.sb.base_url();
    let first = user_tokens(&env.http, base, "admin").await;
    let old = first["refresh_token"].as_str().unwrap();
    let res = refresh(&env.http, base, old).await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["refresh_token"].as_str().unwrap(), old);
    // The used refresh token is refused, and counted as refused.
    let text = oauth_error(refresh(&env.http, base, old).await, 400, "invalid_grant").await;
    assert!(text.contains("used"), "{text}");
    let counted = env.sb.sandbox().stats().token_requests.refresh_token;
    assert_eq!(
        counted,
        sandbox::Outcomes { ok: 1, refused: 1 },
        "{counted:?}"
    );
    // The new one works (once).
    let newer = second["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&env.http, base, newer).await.status(), 200);
    oauth_error(refresh(&env.http, base, newer).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn refresh_tokens_without_rotation() {
    let env = Env::with(SandboxConfig {
        rotate_refresh_tokens: false,
        ..Default::default()
    })
    .await;
    assert!(!env.sb.sandbox().rotate_refresh_tokens());
    let base = env.sb.base_url();
    let first = user_tokens(&env.http, base, "admin").await;
    let token = first["refresh_token"].as_str().unwrap();
    let mut access = vec![first["access_token"].clone()];
    // The same refresh token works again and again, and comes back each time.
    for _ in 0..3 {
        let res = refresh(&env.http, base, token).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["refresh_token"], token);
        assert_eq!(body["scope"], "sp:scopes:all");
        assert!(!access.contains(&body["access_token"]));
        access.push(body["access_token"].clone());
    }
    for a in &access {
        assert_eq!(
            env.get("/beta/password-sync-groups", a.as_str().unwrap())
                .await
                .status(),
            200
        );
    }
    assert_eq!(
        env.sb.sandbox().stats().token_requests.refresh_token,
        sandbox::Outcomes { ok: 3, refused: 0 }
    );
    // Still bound to its client, and still revoked with its code's family on code reuse.
    let res = token_form(
        &env,
        Some(("readonly-api", "readonly-api-secret")),
        &[("grant_type", "refresh_token"), ("refresh_token", token)],
    )
    .await;
    oauth_error(res, 400, "unauthorized_client").await;
    let (code, verifier) = code_for(&env.http, base, "admin").await;
    let tokens: Value = exchange(&env.http, base, &code, &verifier)
        .await
        .json()
        .await
        .unwrap();
    let family_refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&env.http, base, family_refresh).await.status(), 200);
    oauth_error(
        exchange(&env.http, base, &code, &verifier).await,
        400,
        "invalid_grant",
    )
    .await;
    oauth_error(
        refresh(&env.http, base, family_refresh).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        refresh(&env.http, base, token).await.status(),
        200,
        "other families are untouched"
    );
}

#[tokio::test]
async fn a_refresh_token_that_is_not_rotated_keeps_its_first_expiry() {
    let env = Env::with(SandboxConfig {
        rotate_refresh_tokens: false,
        refresh_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let base = env.sb.base_url();
    let tokens = user_tokens(&env.http, base, "admin").await;
    let token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&env.http, base, token).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    oauth_error(refresh(&env.http, base, token).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn rotation_switched_at_run_time() {
    let env = Env::with(SandboxConfig {
        rotate_refresh_tokens: false,
        ..Default::default()
    })
    .await;
    let base = env.sb.base_url();
    let tokens = user_tokens(&env.http, base, "admin").await;
    let token = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(refresh(&env.http, base, token).await.status(), 200);

    // On, through the control endpoint: the next refresh uses the token up.
    let res = control_post(
        &env,
        "/__sandbox/oauth",
        &serde_json::json!({"rotateRefreshTokens": true}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        serde_json::json!({"rotateRefreshTokens": true})
    );
    let res = refresh(&env.http, base, token).await;
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new_token = rotated["refresh_token"].as_str().unwrap();
    assert_ne!(new_token, token);
    oauth_error(refresh(&env.http, base, token).await, 400, "invalid_grant").await;
    assert_eq!(
        env.sb.sandbox().stats().token_requests.refresh_token,
        sandbox::Outcomes { ok: 2, refused: 1 }
    );

    // Off again, through the library: the new token can be reused.
    env.sb.sandbox().set_rotate_refresh_tokens(false);
    for _ in 0..2 {
        let res = refresh(&env.http, base, new_token).await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.json::<Value>().await.unwrap()["refresh_token"],
            new_token
        );
    }

    // An empty body changes nothing; a wrong field or type is refused.
    let res = control_post(&env, "/__sandbox/oauth", &serde_json::json!({})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        serde_json::json!({"rotateRefreshTokens": false})
    );
    for body in [
        serde_json::json!({"rotate": true}),
        serde_json::json!({"rotateRefreshTokens": "yes"}),
    ] {
        assert_error(
            control_post(&env, "/__sandbox/oauth", &body).await,
            400,
            "400.1 Bad Request Content",
        )
        .await;
    }

    // Reset puts back the configured value.
    control_post(
        &env,
        "/__sandbox/oauth",
        &serde_json::json!({"rotateRefreshTokens": true}),
    )
    .await;
    let res = control_post(&env, "/__sandbox/reset", &serde_json::json!({})).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["rotateRefreshTokens"],
        false
    );
    assert!(!env.sb.sandbox().rotate_refresh_tokens());
}
