//! Helpers shared by the integration tests: a sandbox on a free port, tokens, assertions.
#![allow(dead_code, reason = "each test binary uses some of these helpers")]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Response, StatusCode};
use sandbox::{SandboxConfig, SandboxHandle};
use serde_json::Value;
use sha2::{Digest, Sha256};

// Ids of the demo org (sandbox/data/demo-org.json).
pub const AD: &str = "2c918084660f45d6016617daa9210584";
pub const ENTRA: &str = "2c918084660f45d6016617dab5a10591";
pub const GOOGLE: &str = "2c918086749d78830174a1a40e121518";
pub const GITHUB: &str = "2c91808b7e5c7c9a017e6b2f41e40c2d";
pub const LDAP: &str = "2c9180867624cbd7017642d8c8c81f67";
pub const SERVICENOW: &str = "2c918085764f64ba017658a4c4f41c1f";
pub const SALESFORCE: &str = "2c91808a7b3b8e09017b4a0f1c6a2e33";
pub const WORKDAY: &str = "2c918087701a5b2f01701f7a9d4f0a11";
pub const SLACK: &str = "2c91808c7c61d5f1017c7a5e3b0b4a52";
pub const CONTRACTOR_CSV: &str = "2c918083720b3a5e01720c5a7f5e0d21";
pub const OKTA: &str = "2c918089790f0a2e01791d3c5b6e1f48";
pub const ORACLE: &str = "2c91808e7a2d44c3017a3e1b8c9d0e74";
pub const SAP: &str = "2c91808f7d0e7b6c017d1f2a3b4c5d86";
pub const BADGE_CSV: &str = "2c918084722f1a0b01723a4c5d6e7f90";

pub const POLICY_DEFAULT: &str = "2c91808e7d976f3b017d9f5ceae440c8";
pub const POLICY_CORPORATE: &str = "2c91808d744ba0ce01746f93b6204501";
pub const POLICY_PRIVILEGED: &str = "2c91808780b8b8430180ff7a093f3bf2";
pub const POLICY_BUSINESS: &str = "2c9180887f0c1a9e017f1d2e3c4b5a69";

pub const GROUP_CORPORATE: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";
pub const GROUP_ENGINEERING: &str = "3f0b7c2e-9a41-4c8e-b5d2-71e6a0c4d9f3";
pub const GROUP_BUSINESS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

pub const REDIRECT: &str = "http://127.0.0.1:43123/auth/callback";
pub const UNAUTHORIZED_BODY: &str = r#"{"error":"JWT validation failed: JWT is expired"}"#;

pub struct Env {
    pub sb: SandboxHandle,
    pub http: reqwest::Client,
}

impl Env {
    pub async fn new() -> Env {
        Env::with(SandboxConfig::default()).await
    }

    pub async fn with(config: SandboxConfig) -> Env {
        Env {
            sb: sandbox::spawn(config).await.expect("spawn sandbox"),
            http: http_client(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.sb.base_url())
    }

    /// A client-credentials token.
    pub async fn cc_token(&self, client_id: &str, secret: &str) -> String {
        cc_token(&self.http, self.sb.base_url(), client_id, secret).await
    }

    pub async fn admin(&self) -> String {
        self.cc_token("admin-pat", "admin-pat-secret").await
    }

    pub async fn readonly(&self) -> String {
        self.cc_token("readonly-api", "readonly-api-secret").await
    }

    /// A user token through the console client (authorization code + PKCE).
    pub async fn user_token(&self, username: &str) -> String {
        user_tokens(&self.http, self.sb.base_url(), username).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: &Value,
    ) -> Response {
        self.http
            .request(method, self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send_json(reqwest::Method::PUT, path, token, body)
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// GET returning (status, JSON body).
    pub async fn get_json(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let res = self.get(path, token).await;
        let status = res.status();
        (status, res.json().await.unwrap_or(Value::Null))
    }
}

pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn cc_token(http: &reqwest::Client, base: &str, client_id: &str, secret: &str) -> String {
    let res = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(client_id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Signs in on the sign-in page and returns the `Location` of the redirect.
pub async fn sign_in(
    http: &reqwest::Client,
    base: &str,
    username: &str,
    password: &str,
    challenge: &str,
    state: &str,
) -> reqwest::Response {
    http.post(format!("{base}/oauth/authorize"))
        .form(&[
            ("response_type", "code"),
            ("client_id", "console"),
            ("redirect_uri", REDIRECT),
            ("state", state),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// The query parameters of a redirect's `Location`.
pub fn location_params(res: &reqwest::Response) -> Vec<(String, String)> {
    let location = res.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

/// An authorization code for `username` (console client, PKCE S256), and its verifier.
pub async fn code_for(http: &reqwest::Client, base: &str, username: &str) -> (String, String) {
    let (verifier, challenge) = pkce();
    let res = sign_in(http, base, username, username, &challenge, "st").await;
    assert_eq!(res.status(), 302);
    let code = param(&location_params(&res), "code").unwrap();
    (code, verifier)
}

/// Exchanges a code at the token endpoint.
pub async fn exchange(
    http: &reqwest::Client,
    base: &str,
    code: &str,
    verifier: &str,
) -> reqwest::Response {
    http.post(format!("{base}/oauth/token"))
        .basic_auth("console", Some("console-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .unwrap()
}

/// The token response for `username` (password = username) through the console client.
pub async fn user_tokens(http: &reqwest::Client, base: &str, username: &str) -> Value {
    let (code, verifier) = code_for(http, base, username).await;
    let res = exchange(http, base, &code, &verifier).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The claims of a JWT (not verified: the test just received it from the sandbox).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Asserts an `ErrorResponseDto` with `status` and `detail_code`; returns the message text.
pub async fn assert_error(res: Response, status: u16, detail_code: &str) -> String {
    assert_eq!(res.status().as_u16(), status, "status");
    assert!(is_hex32(request_id(&res)), "SLPT-Request-ID");
    let body: Value = res.json().await.expect("JSON error body");
    assert_eq!(body["detailCode"], detail_code, "{body}");
    assert!(is_hex32(body["trackingId"].as_str().unwrap()), "{body}");
    assert_eq!(body["messages"][0]["locale"], "en-US");
    assert_eq!(body["messages"][0]["localeOrigin"], "DEFAULT");
    assert_eq!(body["causes"], serde_json::json!([]));
    body["messages"][0]["text"].as_str().unwrap().to_owned()
}

pub async fn assert_unauthorized(res: Response) {
    assert_eq!(res.status(), 401);
    assert!(is_hex32(request_id(&res)));
    assert_eq!(res.text().await.unwrap(), UNAUTHORIZED_BODY);
}

pub fn request_id(res: &Response) -> &str {
    res.headers()
        .get("slpt-request-id")
        .expect("SLPT-Request-ID header")
        .to_str()
        .unwrap()
}

/// A `refresh_token` grant through the console client.
pub async fn refresh(http: &reqwest::Client, base: &str, refresh_token: &str) -> Response {
    http.post(format!("{base}/oauth/token"))
        .basic_auth("console", Some("console-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .send()
        .await
        .unwrap()
}

/// POSTs JSON to a control endpoint (`/__sandbox/...`), as a script would.
pub async fn control_post(env: &Env, path: &str, body: &Value) -> Response {
    env.http
        .post(env.url(path))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// GETs a control endpoint; (status, JSON body).
pub async fn control_get(env: &Env, path: &str) -> (StatusCode, Value) {
    let res = env.http.get(env.url(path)).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}
