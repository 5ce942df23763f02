//! Helpers shared by the integration tests: a console on a loopback port with its own data
//! directory, and a "browser" (cookie jar, no automatic redirects) that walks the sign-in by hand.

#![allow(dead_code, reason = "each test binary uses some of these helpers")]
#![expect(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::cookie::{CookieStore, Jar};
use server::config::Config;
use tempfile::TempDir;
use url::Url;

pub struct Console {
    pub base: String,
    pub sandbox: Option<sandbox::Sandbox>,
    pub data: Arc<TempDir>,
    _stop: tokio::sync::oneshot::Sender<()>,
    _background: server::BackgroundTasks,
}

/// A console on the embedded sandbox tenant, with handles on both.
pub struct Embedded {
    pub base: String,
    pub sandbox: sandbox::Sandbox,
    _console: Console,
}

pub async fn embedded(vars: &[(&str, &str)]) -> Embedded {
    let console = start(vars).await;
    Embedded {
        base: console.base.clone(),
        sandbox: console.sandbox.clone().expect("embedded sandbox"),
        _console: console,
    }
}

impl Embedded {
    /// A browser signed in as `user` on the sandbox's own sign-in page.
    pub async fn signed_in(&self, user: &str) -> Browser {
        let browser = Browser::new();
        browser.sign_in(&self.base, user).await;
        browser
    }
}

/// An access token from the tenant at `root` (e.g. `{console}/sandbox`) for an OAuth client with
/// the client-credentials grant, to look at the tenant directly rather than through the console.
pub async fn client_token(root: &str, client_id: &str, client_secret: &str) -> String {
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!("{root}/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    token["access_token"].as_str().unwrap().to_string()
}

pub fn config(vars: &[(&str, &str)]) -> Config {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
        .expect("config")
}

/// A console with `vars` and a fresh data directory.
pub async fn start(vars: &[(&str, &str)]) -> Console {
    start_config(config(vars)).await
}

pub async fn start_config(config: Config) -> Console {
    start_in(config, Arc::new(data_dir())).await
}

/// A fresh data directory, owner-only as the console requires (temporary directories are
/// created with the umask's mode).
pub fn data_dir() -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).expect("chmod");
    dir
}

/// A console served under `path` of its public URL (`http://127.0.0.1:PORT{path}`), as behind
/// a proxy that forwards the path; `base` is that public URL.
pub async fn start_under(path: &str, vars: &[(&str, &str)]) -> Console {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let public = format!("http://{addr}{path}");
    let mut all: Vec<(&str, &str)> = vars.to_vec();
    all.push(("CONSOLE_PUBLIC_URL", &public));
    serve_on(listener, config(&all), Arc::new(data_dir()), public.clone()).await
}

/// A console keeping its sessions in `data` (share it to restart a console).
pub async fn start_in(mut config: Config, data: Arc<TempDir>) -> Console {
    if let server::store::Location::Sqlite { data_dir } = &mut config.store.location {
        *data_dir = data.path().to_path_buf();
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    serve_on(listener, config, data, format!("http://{addr}")).await
}

async fn serve_on(
    listener: tokio::net::TcpListener,
    mut config: Config,
    data: Arc<TempDir>,
    base: String,
) -> Console {
    if let server::store::Location::Sqlite { data_dir } = &mut config.store.location {
        *data_dir = data.path().to_path_buf();
    }
    let addr = listener.local_addr().expect("addr");
    let console = server::build(&config, addr).await.expect("console");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, console.router, async {
        let _ = stopped.await;
    }));
    Console {
        base,
        sandbox: console.sandbox,
        data,
        _stop: stop,
        _background: console.background,
    }
}

/// The tokens the console in `data_dir` (SQLite, its key file) keeps, opened: `(access,
/// refresh)` per signed-in user.
pub async fn stored_tokens(data_dir: &std::path::Path) -> Vec<(String, Option<String>)> {
    let location = server::store::Location::Sqlite {
        data_dir: data_dir.to_path_buf(),
    };
    let db = server::store::Database::open(&location)
        .await
        .expect("database");
    let key = server::store::sealing::key_file(data_dir).expect("key file");
    let table = server::store::tokens::TokenTable::new(db, server::store::Sealer::new(key, None));
    let mut tokens = Vec::new();
    for id in table.ids().await.expect("ids") {
        if let Some(stored) = table.load(&id).await.expect("opens") {
            tokens.push((stored.tokens.access, stored.tokens.refresh));
        }
    }
    tokens
}

/// The settings of a console whose tenant is `tenant`, a sandbox served on its own port
/// (so tests can configure it, and it outlives console restarts).
pub fn remote_vars(tenant: &sandbox::SandboxHandle, readonly: bool) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("ISC_API_URL", tenant.base_url().to_string()),
        ("ISC_CLIENT_ID", "console".to_string()),
        ("ISC_CLIENT_SECRET", "console-secret".to_string()),
    ];
    if readonly {
        vars.push(("ISC_READONLY_CLIENT_ID", "readonly-api".to_string()));
        vars.push((
            "ISC_READONLY_CLIENT_SECRET",
            "readonly-api-secret".to_string(),
        ));
    }
    vars
}

pub fn as_refs<'a>(vars: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    vars.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A browser: keeps cookies, follows no redirect by itself.
#[derive(Clone)]
pub struct Browser {
    pub http: reqwest::Client,
    pub jar: Arc<Jar>,
}

impl Browser {
    pub fn new() -> Browser {
        let jar = Arc::new(Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Browser { http, jar }
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.expect("GET")
    }

    /// Calls a server function as the hydrated app does (POST, form-encoded, no arguments).
    pub async fn api(&self, base: &str, name: &str) -> reqwest::Response {
        self.http
            .post(format!("{base}/api/{name}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .send()
            .await
            .expect("POST")
    }

    /// The value of cookie `name` the browser would send to `base`.
    pub fn cookie(&self, base: &str, name: &str) -> Option<String> {
        let header = self.jar.cookies(&Url::parse(base).expect("url"))?;
        header
            .to_str()
            .expect("ascii")
            .split("; ")
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }

    /// Signs in as `user` (password = user name in the demo org), starting at `/auth/login`.
    /// Returns the console's answer to ISC's redirect back.
    pub async fn sign_in(&self, base: &str, user: &str) -> reqwest::Response {
        self.sign_in_from(&format!("{base}/auth/login"), user).await
    }

    /// Follows the console's redirects from `start` to ISC's sign-in page, signs in there and
    /// goes back to the console's callback; returns the callback's answer.
    pub async fn sign_in_from(&self, start: &str, user: &str) -> reqwest::Response {
        let authorize = self.to_sign_in_page(start).await;
        let callback = self.sign_in_at(&authorize, user).await;
        self.get(&callback).await
    }

    /// Follows redirects from `start` until they point at ISC's authorize endpoint; returns it.
    pub async fn to_sign_in_page(&self, start: &str) -> String {
        let mut url = start.to_string();
        for _ in 0..5 {
            let response = self.get(&url).await;
            assert_eq!(response.status(), StatusCode::FOUND, "GET {url}");
            let next = location(&response);
            if next.contains("/oauth/authorize") {
                return next;
            }
            url = next;
        }
        panic!("no redirect to the sign-in page from {start}");
    }

    /// Posts ISC's sign-in form for `authorize` (the authorize URL the console redirected to)
    /// as `user`; returns where ISC sends the browser back (the callback URL).
    pub async fn sign_in_at(&self, authorize: &str, user: &str) -> String {
        let url = Url::parse(authorize).expect("authorize URL");
        let page = self.get(authorize).await;
        assert_eq!(page.status(), StatusCode::OK, "the sign-in page");
        // The form carries the authorization request's parameters as hidden fields.
        let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        form.push(("username".into(), user.into()));
        form.push(("password".into(), user.into()));
        form.push(("action".into(), "login".into()));
        let mut action = url.clone();
        action.set_query(None);
        let response = self
            .http
            .post(action)
            .form(&form)
            .send()
            .await
            .expect("POST sign-in form");
        assert_eq!(response.status(), StatusCode::FOUND, "the sign-in form");
        location(&response)
    }
}

/// The absolute `Location` of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    let value = response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("{} without Location", response.status()))
        .to_str()
        .expect("ascii");
    response.url().join(value).expect("location").to_string()
}

/// The path and query of a redirect's `Location`.
pub fn location_path(response: &reqwest::Response) -> String {
    let url = Url::parse(&location(response)).expect("url");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// Every `Set-Cookie` of a response.
pub fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ascii").to_string())
        .collect()
}
