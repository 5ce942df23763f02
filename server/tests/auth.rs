//! Sign-in, sessions, roles and CSRF over real HTTP on loopback ports, against the sandbox
//! tenant (embedded, or on its own port when a test needs to configure it or outlive a restart).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::api::ConsoleContext;
use app::model::{Role, SessionState};
use common::{Browser, as_refs, location, location_path, remote_vars, set_cookies, start};
use reqwest::StatusCode;
use reqwest::cookie::CookieStore;
use url::Url;

const SESSION: &str = "sgc_session";

fn query(url: &str) -> Vec<(String, String)> {
    Url::parse(url)
        .expect("url")
        .query_pairs()
        .into_owned()
        .collect()
}

fn param(url: &str, name: &str) -> Option<String> {
    query(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

async fn context(browser: &Browser, base: &str) -> ConsoleContext {
    let response = browser.api(base, "console_context").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("context")
}

async fn sandbox_with(config: sandbox::SandboxConfig) -> sandbox::SandboxHandle {
    sandbox::spawn(config).await.expect("sandbox")
}

#[tokio::test]
async fn the_whole_sign_in_flow_returns_to_the_page_asked_for() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();

    let page = browser.get(&format!("{base}/groups?q=git")).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        location_path(&page),
        "/auth/login?return=%2Fgroups%3Fq%3Dgit"
    );

    let login = browser.get(&location(&page)).await;
    assert_eq!(login.status(), StatusCode::FOUND);
    assert_eq!(login.headers()["cache-control"], "no-store");
    let authorize = location(&login);
    assert!(
        authorize.starts_with(&format!("{base}/sandbox/oauth/authorize?")),
        "{authorize}"
    );
    assert_eq!(param(&authorize, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&authorize, "client_id").as_deref(), Some("console"));
    assert_eq!(
        param(&authorize, "redirect_uri"),
        Some(format!("{base}/auth/callback"))
    );
    assert_eq!(param(&authorize, "scope").as_deref(), Some("sp:scopes:all"));
    assert!(param(&authorize, "state").is_some_and(|s| s.len() >= 16));

    let callback = browser.sign_in_at(&authorize, "admin").await;
    assert!(
        callback.starts_with(&format!("{base}/auth/callback?")),
        "{callback}"
    );
    let back = browser.get(&callback).await;
    assert_eq!(back.status(), StatusCode::FOUND);
    assert_eq!(location_path(&back), "/groups?q=git");

    let page = browser.get(&location(&back)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("Alex Admin"), "the user's name is missing");
    assert!(html.contains("GitHub"), "the groups are missing");

    let ctx = context(&browser, base).await;
    match ctx.session {
        SessionState::SignedIn(viewer) => {
            assert_eq!(viewer.user_name, "admin");
            assert_eq!(viewer.display_name, "Alex Admin");
            assert_eq!(viewer.role, Role::Admin);
        }
        other => panic!("not signed in: {other:?}"),
    }
}

#[tokio::test]
async fn pkce_uses_s256_and_a_code_from_another_verifier_is_refused() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    let authorize = browser.to_sign_in_page(&format!("{base}/auth/login")).await;
    assert_eq!(
        param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let challenge = param(&authorize, "code_challenge").unwrap();
    assert_eq!(challenge.len(), 43, "a base64url SHA-256");

    // Someone else's authorization request with the same state but their own challenge: the
    // code they get must be useless to the console, which redeems it with its own verifier.
    let mut forged = Url::parse(&authorize).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "code_challenge" {
                (k, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".to_string())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = browser.sign_in_at(forged.as_str(), "admin").await;
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status(), StatusCode::BAD_GATEWAY);
    assert!(answer.text().await.unwrap().contains("Sign in again"));
    assert!(matches!(
        context(&browser, base).await.session,
        SessionState::SignedOut
    ));
}

#[tokio::test]
async fn a_callback_with_an_unknown_state_is_refused_and_creates_no_session() {
    let console = start(&[]).await;
    let base = &console.base;

    // A browser that never started a sign-in.
    let stranger = Browser::new();
    let answer = stranger
        .get(&format!("{base}/auth/callback?code=abc&state=forged"))
        .await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(
        set_cookies(&answer).is_empty(),
        "no session for a forged callback"
    );
    assert!(stranger.cookie(base, SESSION).is_none());

    // A browser with a sign-in in progress, handed a callback with another state.
    let browser = Browser::new();
    let authorize = browser.to_sign_in_page(&format!("{base}/auth/login")).await;
    let callback = browser.sign_in_at(&authorize, "admin").await;
    let state = param(&callback, "state").unwrap();
    let code = param(&callback, "code").unwrap();
    let answer = browser
        .get(&format!(
            "{base}/auth/callback?code={code}&state=not-{state}"
        ))
        .await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
    assert!(matches!(
        context(&browser, base).await.session,
        SessionState::SignedOut
    ));
    let page = browser.get(&format!("{base}/groups")).await;
    assert_eq!(location_path(&page), "/auth/login?return=%2Fgroups");

    // The genuine callback still works, once.
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(location_path(&answer), "/");
    let replay = browser.get(&callback).await;
    assert_eq!(replay.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_session_id_changes_at_sign_in() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    let authorize = browser.to_sign_in_page(&format!("{base}/auth/login")).await;
    assert!(
        browser.cookie(base, SESSION).is_none(),
        "no session before sign-in"
    );
    // An id planted in the browser before sign-in (session fixation).
    let before = "AAAAAAAAAAAAAAAAAAAAAA".to_string();
    browser.jar.add_cookie_str(
        &format!("{SESSION}={before}; Path=/"),
        &Url::parse(base).unwrap(),
    );
    let callback = browser.sign_in_at(&authorize, "admin").await;
    let answer = browser.get(&callback).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    let after = browser.cookie(base, SESSION).expect("a session");
    assert_ne!(before, after);

    // The id from before sign-in is worth nothing.
    let planted = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = planted
        .get(format!("{base}/groups"))
        .header("cookie", format!("{SESSION}={before}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FOUND);
    assert!(location_path(&page).starts_with("/auth/login"));
}

#[tokio::test]
async fn return_paths_that_leave_the_console_are_ignored() {
    let console = start(&[]).await;
    let base = &console.base;
    for evil in [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "evil.example",
        "/\t/evil.example",
    ] {
        let browser = Browser::new();
        let start = format!(
            "{base}/auth/login?return={}",
            url::form_urlencoded::byte_serialize(evil.as_bytes()).collect::<String>()
        );
        let answer = browser.sign_in_from(&start, "admin").await;
        assert_eq!(answer.status(), StatusCode::FOUND);
        assert_eq!(location(&answer), format!("{base}/"), "return={evil:?}");
    }
    // A local one is kept.
    let browser = Browser::new();
    let answer = browser
        .sign_in_from(
            &format!("{base}/auth/login?return=%2Fgroups%2Fabc"),
            "admin",
        )
        .await;
    assert_eq!(location_path(&answer), "/groups/abc");
}

#[tokio::test]
async fn signing_out_ends_the_session_and_clears_the_cookie() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    let cookie = browser.cookie(base, SESSION).unwrap();

    let get = browser.get(&format!("{base}/auth/logout")).await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(matches!(
        context(&browser, base).await.session,
        SessionState::SignedIn(_)
    ));

    let out = browser
        .http
        .post(format!("{base}/auth/logout"))
        .header("origin", base.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_path(&out), "/signin?reason=signed_out");
    let cleared = set_cookies(&out);
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with(&format!("{SESSION}=")) && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    assert!(browser.cookie(base, SESSION).is_none());

    // Signed out everywhere: the old cookie no longer opens anything.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}/groups"))
        .header("cookie", format!("{SESSION}={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::FOUND);
    assert!(location_path(&replay).starts_with("/auth/login"));
    let page = browser.get(&format!("{base}/groups")).await;
    assert!(
        location_path(&page).starts_with("/auth/login"),
        "no 'expired' after a sign-out"
    );
}

/// A token endpoint in front of `target` that counts refresh-token grants (ISC_TOKEN_URL).
async fn counting_token_endpoint(target: String) -> (String, Arc<AtomicUsize>) {
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counter = refreshes.clone();
    let http = reqwest::Client::new();
    let app = axum::Router::new().route(
        "/oauth/token",
        axum::routing::post(move |body: axum::body::Bytes| {
            let (http, target, counter) = (http.clone(), target.clone(), counter.clone());
            async move {
                let form: Vec<(String, String)> =
                    url::form_urlencoded::parse(&body).into_owned().collect();
                if form
                    .iter()
                    .any(|(k, v)| k == "grant_type" && v == "refresh_token")
                {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
                let answer = http
                    .post(&target)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = answer.status();
                let bytes = answer.bytes().await.unwrap();
                (status, [("content-type", "application/json")], bytes)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/oauth/token"), refreshes)
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_for_concurrent_calls() {
    // `form_options` reads ISC with the admin's own token every time (lists come from the
    // shared cache, which would not reach ISC at all).
    let tenant = sandbox_with(sandbox::SandboxConfig::default()).await;
    let (token_url, refreshes) =
        counting_token_endpoint(format!("{}/oauth/token", tenant.base_url())).await;
    let mut vars = remote_vars(&tenant, true);
    vars.push(("ISC_TOKEN_URL", token_url));
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    assert_eq!(
        browser.api(base, "form_options").await.status(),
        StatusCode::OK
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);

    // Every token is now refused (refresh tokens still work, once each: they rotate). Slow
    // answers make the concurrent calls overlap.
    let faults = tenant.sandbox().faults();
    faults.expire_all_tokens();
    faults.set_latency(Duration::from_millis(150));
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let (browser, base) = (browser.clone(), base.clone());
            tokio::spawn(async move { browser.api(&base, "form_options").await.status() })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap(), StatusCode::OK);
    }
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "one refresh for six calls"
    );
    faults.reset();
    assert_eq!(
        browser.api(base, "form_options").await.status(),
        StatusCode::OK
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    assert!(matches!(
        context(&browser, base).await.session,
        SessionState::SignedIn(_)
    ));
}

#[tokio::test]
async fn an_expired_token_is_refreshed_on_the_embedded_sandbox_too() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    console
        .sandbox
        .as_ref()
        .unwrap()
        .faults()
        .expire_all_tokens();
    assert_eq!(
        browser.api(base, "list_groups").await.status(),
        StatusCode::OK
    );
    let page = browser.get(&format!("{base}/groups")).await;
    assert_eq!(page.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let tenant = sandbox_with(sandbox::SandboxConfig {
        token_ttl: Duration::from_secs(2),
        ..Default::default()
    })
    .await;
    let vars = remote_vars(&tenant, true);
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        assert_eq!(
            browser.api(base, "list_groups").await.status(),
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn a_failed_refresh_ends_the_session_and_the_next_page_says_why() {
    // Access tokens are renewed 2 s after sign-in; by then the refresh token has expired.
    let tenant = sandbox_with(sandbox::SandboxConfig {
        token_ttl: Duration::from_secs(4),
        refresh_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let vars = remote_vars(&tenant, true);
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;
    assert_eq!(
        browser.api(base, "form_options").await.status(),
        StatusCode::OK
    );

    tokio::time::sleep(Duration::from_millis(2200)).await;
    let refused = browser.api(base, "form_options").await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(matches!(
        context(&browser, base).await.session,
        SessionState::SignedOut
    ));

    let page = browser.get(&format!("{base}/groups/abc?x=1")).await;
    assert_eq!(page.status(), StatusCode::FOUND);
    assert_eq!(
        location_path(&page),
        "/signin?reason=expired&return=%2Fgroups%2Fabc%3Fx%3D1"
    );
    let signin = browser.get(&location(&page)).await;
    assert_eq!(signin.status(), StatusCode::OK);
    assert!(signin.text().await.unwrap().contains("/auth/login?return="));
    // Said once; afterwards it is a plain sign-in.
    let page = browser.get(&format!("{base}/groups")).await;
    assert_eq!(location_path(&page), "/auth/login?return=%2Fgroups");
    assert_eq!(
        browser.api(base, "form_options").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_session_past_its_maximum_age_ends() {
    let mut config = common::config(&[]);
    config.auth.session_max = Duration::from_secs(3);
    let console = common::start_config(config).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "helpdesk").await;
    assert_eq!(
        browser.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let page = browser.get(&format!("{base}/groups")).await;
    assert_eq!(
        location_path(&page),
        "/signin?reason=expired&return=%2Fgroups"
    );
}

#[tokio::test]
async fn an_idle_session_ends_and_a_busy_one_does_not() {
    let mut config = common::config(&[]);
    config.auth.session_idle = Duration::from_secs(4);
    let console = common::start_config(config).await;
    let base = &console.base;
    let busy = Browser::new();
    busy.sign_in(base, "helpdesk").await;
    let idle = Browser::new();
    idle.sign_in(base, "helpdesk").await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(matches!(
            context(&busy, base).await.session,
            SessionState::SignedIn(_)
        ));
    }
    // 7.5 s without a request: past the idle timeout.
    let page = idle.get(&format!("{base}/groups")).await;
    assert_eq!(
        location_path(&page),
        "/signin?reason=expired&return=%2Fgroups"
    );
    assert_eq!(
        busy.get(&format!("{base}/groups")).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_session_survives_a_restart_of_the_console() {
    // A tenant of its own, which outlives the console (an embedded one would restart with it).
    let tenant = sandbox_with(sandbox::SandboxConfig::default()).await;
    let vars = remote_vars(&tenant, true);
    let data = Arc::new(common::data_dir());
    let first = common::start_in(common::config(&as_refs(&vars)), data.clone()).await;
    let browser = Browser::new();
    browser.sign_in(&first.base, "admin").await;
    assert_eq!(
        browser.api(&first.base, "list_groups").await.status(),
        StatusCode::OK
    );
    drop(first);

    let second = common::start_in(common::config(&as_refs(&vars)), data).await;
    // Cookies belong to the host, not the port: the browser sends the same session.
    let page = browser.get(&format!("{}/groups", second.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Alex Admin"));
    assert_eq!(
        browser.api(&second.base, "list_groups").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn roles_follow_isc_user_levels() {
    let console = start(&[]).await;
    let base = &console.base;

    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    let html = admin
        .get(&format!("{base}/groups"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Administrator"));

    let helpdesk = Browser::new();
    let back = helpdesk.sign_in(base, "helpdesk").await;
    assert_eq!(location_path(&back), "/");
    match context(&helpdesk, base).await.session {
        SessionState::SignedIn(viewer) => assert_eq!(viewer.role, Role::Helpdesk),
        other => panic!("{other:?}"),
    }

    // CERT_ADMIN is not a level the console serves by default.
    let auditor = Browser::new();
    let back = auditor
        .sign_in_from(&format!("{base}/auth/login?return=%2Fgroups"), "auditor")
        .await;
    assert_eq!(location_path(&back), "/no-access");
    assert!(
        set_cookies(&back)
            .iter()
            .all(|c| !c.starts_with("sgc_signed_in=")),
        "no marker for a refused user"
    );
    assert_eq!(
        context(&auditor, base).await.session,
        SessionState::NoAccess {
            user_name: "auditor".into(),
            levels: vec!["CERT_ADMIN".into()],
        }
    );
    let page = auditor.get(&format!("{base}/groups")).await;
    assert_eq!(location_path(&page), "/no-access");
    let no_access = auditor.get(&format!("{base}/no-access")).await;
    assert_eq!(no_access.status(), StatusCode::OK);
    assert!(no_access.text().await.unwrap().contains("CERT_ADMIN"));
    assert_eq!(
        auditor.api(base, "list_groups").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn configured_levels_make_helpdesk_users() {
    let console = start(&[("CONSOLE_HELPDESK_LEVELS", "CERT_ADMIN,REPORT_ADMIN")]).await;
    let base = &console.base;
    let auditor = Browser::new();
    let back = auditor
        .sign_in_from(&format!("{base}/auth/login?return=%2Fgroups"), "auditor")
        .await;
    assert_eq!(location_path(&back), "/groups");
    match context(&auditor, base).await.session {
        SessionState::SignedIn(viewer) => {
            assert_eq!(viewer.role, Role::Helpdesk);
            assert_eq!(viewer.display_name, "Avery Auditor");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        auditor.api(base, "list_groups").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn helpdesk_reads_go_out_with_the_application_credential() {
    let console = start(&[]).await;
    let base = &console.base;
    let helpdesk = Browser::new();
    helpdesk.sign_in(base, "helpdesk").await;
    // The sandbox, like ISC, refuses HELPDESK tokens on sync groups: a list means the console
    // used its own read-only credential.
    let response = helpdesk.api(base, "list_groups").await;
    assert_eq!(response.status(), StatusCode::OK);
    let groups: Vec<app::model::GroupSummary> = response.json().await.unwrap();
    assert!(groups.len() >= 3);
}

#[tokio::test]
async fn helpdesk_without_a_readonly_credential_is_told_what_is_missing() {
    let tenant = sandbox_with(sandbox::SandboxConfig::default()).await;
    let vars = remote_vars(&tenant, false);
    let console = start(&as_refs(&vars)).await;
    let base = &console.base;
    let helpdesk = Browser::new();
    let back = helpdesk
        .sign_in_from(&format!("{base}/groups"), "helpdesk")
        .await;
    assert_eq!(location_path(&back), "/groups");
    let response = helpdesk.api(base, "list_groups").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("ISC_READONLY_CLIENT_ID")
    );
    let html = helpdesk
        .get(&format!("{base}/groups"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("ISC_READONLY_CLIENT_ID"), "{html}");
    // Admins are not affected: they read with their own token.
    let admin = Browser::new();
    admin.sign_in(base, "admin").await;
    assert_eq!(
        admin.api(base, "list_groups").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_real_tenant_is_asked_where_its_sign_in_page_is() {
    let tenant = sandbox_with(sandbox::SandboxConfig::default()).await;
    let vars = remote_vars(&tenant, true);
    let console = start(&as_refs(&vars)).await;
    let browser = Browser::new();
    let authorize = browser
        .to_sign_in_page(&format!("{}/auth/login", console.base))
        .await;
    assert!(
        authorize.starts_with(&format!("{}/oauth/authorize?", tenant.base_url())),
        "{authorize}"
    );
}

#[tokio::test]
async fn start_up_says_what_is_missing() {
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    // A tenant that cannot tell where its sign-in page is (nothing listens on port 9).
    let vars = [
        ("ISC_API_URL", "http://127.0.0.1:9"),
        ("ISC_CLIENT_ID", "console"),
        ("ISC_CLIENT_SECRET", "console-secret"),
    ];
    let data = common::data_dir();
    let mut config = common::config(&vars);
    config.store.location = server::store::Location::Sqlite {
        data_dir: data.path().to_path_buf(),
    };
    let error = server::build(&config, addr).await.err().expect("refused");
    assert!(error.to_string().contains("ISC_AUTHORIZE_URL"), "{error}");
    let mut with_url = vars.to_vec();
    with_url.push((
        "ISC_AUTHORIZE_URL",
        "https://acme.login.sailpoint.com/oauth/authorize",
    ));
    let mut config = common::config(&with_url);
    config.store.location = server::store::Location::Sqlite {
        data_dir: data.path().to_path_buf(),
    };
    assert!(server::build(&config, addr).await.is_ok());

    // A data directory that cannot be created.
    let file = data.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let mut config = common::config(&[]);
    config.store.location = server::store::Location::Sqlite {
        data_dir: file.join("data"),
    };
    let error = server::build(&config, addr).await.err().expect("refused");
    assert!(error.to_string().starts_with("CONSOLE_DATA_DIR"), "{error}");
}

#[tokio::test]
async fn cross_site_requests_are_refused() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    browser.sign_in(base, "admin").await;

    let post = |path: &str, header: (&'static str, &'static str)| {
        browser
            .http
            .post(format!("{base}{path}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header(header.0, header.1)
            .send()
    };
    for header in [
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("sec-fetch-site", "cross-site"),
    ] {
        assert_eq!(
            post("/api/list_groups", header).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{header:?}"
        );
        assert_eq!(
            post("/auth/logout", header).await.unwrap().status(),
            StatusCode::FORBIDDEN,
            "{header:?}"
        );
    }
    // A garbled Origin is not the console's either.
    assert_eq!(
        post("/api/list_groups", ("origin", "SELF"))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    // The refused sign-out did nothing, and the console's own pages pass.
    let own = browser
        .http
        .post(format!("{base}/api/list_groups"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", base.as_str())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn cookies_are_http_only_lax_and_host_only() {
    let console = start(&[]).await;
    let browser = Browser::new();
    let login = browser.get(&format!("{}/auth/login", console.base)).await;
    let cookies = set_cookies(&login);
    assert!(
        !cookies.iter().any(|c| c.starts_with("sgc_session=")),
        "no session before sign-in: {cookies:?}"
    );
    // The sign-in in progress: sealed, short-lived.
    let pending = cookies
        .iter()
        .find(|c| c.starts_with("sgc_login="))
        .expect("the pending sign-in cookie");
    let signed_in = browser.sign_in(&console.base, "admin").await;
    let after = set_cookies(&signed_in);
    let session = after
        .iter()
        .find(|c| c.starts_with("sgc_session="))
        .expect("a session cookie");
    let marker = after
        .iter()
        .find(|c| c.starts_with("sgc_signed_in="))
        .expect("the marker cookie");
    for cookie in [pending, session, marker] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(cookie.contains("Path=/"), "{cookie}");
        assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    }
    assert!(pending.contains("Max-Age=900"), "{pending}");
    assert!(
        after
            .iter()
            .any(|c| c.starts_with("sgc_login=;") && c.contains("Max-Age=0")),
        "the pending sign-in is cleared after it completes: {after:?}"
    );
}

#[tokio::test]
async fn behind_an_https_public_url_cookies_are_secure() {
    let console = start(&[("CONSOLE_PUBLIC_URL", "https://console.example.com")]).await;
    let browser = Browser::new();
    let login = browser.get(&format!("{}/auth/login", console.base)).await;
    // At the root of an https origin: `Secure` and the `__Host-` prefix.
    let pending = set_cookies(&login)
        .into_iter()
        .find(|c| c.starts_with("__Host-sgc_login="))
        .expect("a pending sign-in cookie");
    assert!(pending.contains("Secure"), "{pending}");
    let authorize = location(&login);
    assert!(
        authorize.starts_with("https://console.example.com/sandbox/oauth/authorize?"),
        "{authorize}"
    );
    assert_eq!(
        param(&authorize, "redirect_uri").as_deref(),
        Some("https://console.example.com/auth/callback")
    );
    // The public origin is the console's own for the CSRF check.
    let own = reqwest::Client::new()
        .post(format!("{}/api/console_context", console.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://console.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

#[tokio::test]
async fn signed_out_server_function_calls_get_401_not_a_redirect() {
    let console = start(&[]).await;
    let response = Browser::new().api(&console.base, "list_groups").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Public pages and static files are not redirected either.
    let browser = Browser::new();
    for path in ["/signin", "/no-access"] {
        let page = browser.get(&format!("{}{path}", console.base)).await;
        assert_eq!(page.status(), StatusCode::OK, "{path}");
    }
    let icon = browser.get(&format!("{}/favicon.svg", console.base)).await;
    assert_ne!(icon.status(), StatusCode::FOUND);
}

#[tokio::test]
async fn cancelling_at_isc_leads_back_to_the_sign_in_page() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    let authorize = browser
        .to_sign_in_page(&format!("{base}/auth/login?return=%2Fgroups"))
        .await;
    let url = Url::parse(&authorize).unwrap();
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    form.push(("action".into(), "cancel".into()));
    let mut action = url.clone();
    action.set_query(None);
    let cancelled = browser.http.post(action).form(&form).send().await.unwrap();
    let back = browser.get(&location(&cancelled)).await;
    assert_eq!(back.status(), StatusCode::FOUND);
    assert_eq!(location_path(&back), "/signin?return=%2Fgroups");
}

#[tokio::test]
async fn no_token_reaches_the_browser() {
    let console = start(&[]).await;
    let base = &console.base;
    let browser = Browser::new();
    let mut bodies = Vec::new();
    let back = browser.sign_in(base, "admin").await;
    bodies.push(back.text().await.unwrap());
    for path in ["/groups", "/signin", "/no-access", "/nowhere"] {
        bodies.push(
            browser
                .get(&format!("{base}{path}"))
                .await
                .text()
                .await
                .unwrap(),
        );
    }
    for name in ["console_context", "list_groups"] {
        bodies.push(browser.api(base, name).await.text().await.unwrap());
    }
    // Force a refresh, so the newest tokens are checked too.
    console
        .sandbox
        .as_ref()
        .unwrap()
        .faults()
        .expire_all_tokens();
    bodies.push(browser.api(base, "list_groups").await.text().await.unwrap());

    let rows = common::stored_tokens(console.data.path()).await;
    assert_eq!(rows.len(), 1, "one signed-in admin");
    let (access, refresh) = rows[0].clone();
    let refresh = refresh.expect("a refresh token");
    for body in &bodies {
        assert!(!body.contains(&access), "the access token leaked");
        assert!(!body.contains(&refresh), "the refresh token leaked");
        // A JWT's header starts `{"`, base64url `eyJ`.
        assert!(!body.contains("eyJ"), "something JWT-like leaked");
    }
    // Cookies carry only the random session id and the marker.
    for cookie in browser.jar.cookies(&Url::parse(base).unwrap()).iter() {
        let cookie = cookie.to_str().unwrap();
        assert!(!cookie.contains(&access) && !cookie.contains(&refresh));
    }
}
