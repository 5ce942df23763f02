//! Configuration from environment variables. Every variable is documented in the README; a bad
//! value stops start-up with a message naming the variable (never a panic trace).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

/// A secret that never shows up in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// An OAuth client's id and secret.
#[derive(Debug, Clone)]
pub struct ClientCredential {
    pub client_id: String,
    pub client_secret: Secret,
}

/// Which ISC tenant the console talks to.
#[derive(Debug, Clone)]
pub enum Tenant {
    /// The in-process sandbox tenant, mounted under `/sandbox` on the console's own address.
    Embedded,
    /// A real tenant: `https://{tenant}.api.identitynow.com`.
    Remote { api_url: Url, name: String },
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `CONSOLE_ADDR`: where the console listens.
    pub addr: SocketAddr,
    pub tenant: Tenant,
    /// `ISC_API_VERSION`: the path prefix of the API version (`beta`, `v3`, `v2025`, …).
    pub api_version: String,
    /// `ISC_READONLY_CLIENT_ID` / `ISC_READONLY_CLIENT_SECRET`: the console's own read-only
    /// application credential (client credentials). `None` when not configured.
    pub readonly_client: Option<ClientCredential>,
    /// `ISC_CONNECT_TIMEOUT_SECS` and `ISC_TIMEOUT_SECS`.
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// `CONSOLE_ISC_REQUESTS_PER_10S`: this replica's budget of ISC requests per client id and
    /// API version in any 10 seconds (ISC allows 100; default 90). With N replicas, 90 / N.
    pub isc_budget: u32,
    /// `LEPTOS_SITE_ROOT`: where cargo-leptos put the compiled site (CSS, JS, wasm, public files).
    pub site_root: String,
    /// Sign-in and sessions.
    pub auth: AuthConfig,
    /// Where sessions, tokens and the audit record live, and the key that seals tokens.
    pub store: StoreConfig,
    /// `CONSOLE_TRUSTED_PROXIES`: the reverse proxies whose `X-Forwarded-For` / `Forwarded`
    /// are believed (CIDR list); nobody's when unset.
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// `CONSOLE_LOG_FORMAT`: `text` (default) or `json` (one JSON object per line).
    pub log_format: LogFormat,
    /// `CONSOLE_METRICS_ADDR`: where Prometheus metrics are served (`GET /metrics`), on a
    /// listener of their own. `None` (the default): no metrics listener.
    pub metrics_addr: Option<SocketAddr>,
    /// `CONSOLE_SHUTDOWN_DRAIN_SECS` (0–300, default 5): after SIGTERM, how long the console
    /// keeps serving with `/readyz` failing, so load balancers stop sending before it stops
    /// accepting connections.
    pub shutdown_drain: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Where the console keeps its state, and the keys that seal tokens there.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `CONSOLE_DATABASE_URL` (`postgres://…`), or SQLite in `CONSOLE_DATA_DIR` (default
    /// `./data`) when unset.
    pub location: crate::store::Location,
    /// `CONSOLE_SECRET_KEY` (32 bytes, base64). Required with PostgreSQL; on SQLite, when unset,
    /// the key file `secret.key` in the data directory (created on first start).
    pub secret_key: Option<crate::store::SecretKey>,
    /// `CONSOLE_SECRET_KEY_PREVIOUS`: still opens what the previous key sealed (rotation).
    pub previous_key: Option<crate::store::SecretKey>,
}

/// Settings of sign-in (OAuth authorization code + PKCE against ISC) and of browser sessions.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `CONSOLE_PUBLIC_URL`: the URL browsers use to reach the console, possibly under a path
    /// (redirect URI, cookies' `Secure`, prefix and `Path`, CSRF origin, the base of every link).
    /// `None`: `http://` plus the address the console listens on.
    pub public_url: Option<Url>,
    /// `ISC_CLIENT_ID` / `ISC_CLIENT_SECRET`: the console's OAuth client for signing users in.
    pub client: ClientCredential,
    /// `ISC_AUTHORIZE_URL`. `None`: the embedded sandbox's page under the public URL, or for a
    /// real tenant the `authorizeEndpoint` of `{ISC_API_URL}/oauth/info`.
    pub authorize_url: Option<Url>,
    /// `ISC_TOKEN_URL`. `None`: `{ISC_API_URL}/oauth/token` (over loopback on the sandbox).
    pub token_url: Option<Url>,
    /// `ISC_OAUTH_SCOPES`: scopes asked for at sign-in.
    pub scopes: Vec<String>,
    /// `CONSOLE_SESSION_IDLE_MINUTES`: a session unused this long ends.
    pub session_idle: Duration,
    /// `CONSOLE_SESSION_MAX_HOURS`: a session ends this long after sign-in, used or not.
    pub session_max: Duration,
    /// `CONSOLE_HELPDESK_LEVELS`: ISC user levels served as helpdesk besides HELPDESK.
    pub helpdesk_levels: Vec<String>,
    /// `CONSOLE_ACCESS_CHECK_MINUTES` (1–15, default 15): how often a signed-in user's ISC user
    /// levels are checked again.
    pub recheck: Duration,
}

impl AuthConfig {
    /// The console's public URL without a trailing slash: `CONSOLE_PUBLIC_URL`, or
    /// `http://{listening}` (pass the loopback form of a wildcard listening address).
    pub fn public_base(&self, listening: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_string(),
            None => format!("http://{listening}"),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

fn bad(variable: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable,
        problem: problem.into(),
    }
}

/// The sandbox's read-only API client, used by default on the embedded tenant.
const SANDBOX_READONLY_CLIENT: (&str, &str) = ("readonly-api", "readonly-api-secret");
/// The sandbox's OAuth client for signing users in, used by default on the embedded tenant.
const SANDBOX_CONSOLE_CLIENT: (&str, &str) = ("console", "console-secret");

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };

        let addr = match get("CONSOLE_ADDR") {
            Some(v) => v.parse::<SocketAddr>().map_err(|_| {
                bad(
                    "CONSOLE_ADDR",
                    format!("`{v}` is not an address such as 127.0.0.1:3000"),
                )
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };

        let tenant = match get("ISC_API_URL") {
            None => Tenant::Embedded,
            Some(v) => {
                let url = Url::parse(&v).map_err(|_| {
                    bad(
                        "ISC_API_URL",
                        format!("`{v}` is not a URL such as https://acme.api.identitynow.com"),
                    )
                })?;
                if url.scheme() != "https" && !is_loopback_http(&url) {
                    return Err(bad(
                        "ISC_API_URL",
                        "must be an https URL (http only for a loopback test tenant)",
                    ));
                }
                if url.query().is_some() || url.fragment().is_some() || url.host_str().is_none() {
                    return Err(bad(
                        "ISC_API_URL",
                        "must be a plain base URL without query or fragment",
                    ));
                }
                let name = get("ISC_TENANT_NAME").unwrap_or_else(|| tenant_name_from_host(&url));
                Tenant::Remote { api_url: url, name }
            }
        };

        let api_version = get("ISC_API_VERSION").unwrap_or_else(|| "beta".to_string());
        let version_ok = api_version.len() <= 16
            && !api_version.is_empty()
            && api_version
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !version_ok {
            return Err(bad(
                "ISC_API_VERSION",
                format!("`{api_version}` is not an API version such as beta or v2025"),
            ));
        }

        let readonly_client = client_pair(
            &get,
            ("ISC_READONLY_CLIENT_ID", "ISC_READONLY_CLIENT_SECRET"),
        )?
        .or_else(|| match tenant {
            Tenant::Embedded => Some(credential(SANDBOX_READONLY_CLIENT)),
            Tenant::Remote { .. } => None,
        });

        let secs = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(Duration::from_secs(default)),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (1..=600).contains(&n) => Ok(Duration::from_secs(n)),
                    _ => Err(bad(
                        name,
                        format!("`{v}` is not a number of seconds between 1 and 600"),
                    )),
                },
            }
        };

        let isc_budget = match get("CONSOLE_ISC_REQUESTS_PER_10S") {
            None => crate::isc::budget::DEFAULT_LIMIT,
            Some(v) => match v.parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(bad(
                        "CONSOLE_ISC_REQUESTS_PER_10S",
                        format!("`{v}` is not a number of requests between 1 and 100"),
                    ));
                }
            },
        };
        let auth = auth_config(&get, &tenant)?;
        let store = store_config(&get)?;
        let trusted_proxies = crate::client_addr::TrustedProxies::parse(
            &get("CONSOLE_TRUSTED_PROXIES").unwrap_or_default(),
        )
        .map_err(|problem| bad("CONSOLE_TRUSTED_PROXIES", problem))?;
        let log_format = match get("CONSOLE_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(bad(
                    "CONSOLE_LOG_FORMAT",
                    format!("`{other}` is not a log format: text or json"),
                ));
            }
        };

        let metrics_addr = get("CONSOLE_METRICS_ADDR")
            .map(|v| {
                v.parse::<SocketAddr>().map_err(|_| {
                    bad(
                        "CONSOLE_METRICS_ADDR",
                        format!("`{v}` is not an address such as 127.0.0.1:9100"),
                    )
                })
            })
            .transpose()?;
        if metrics_addr.is_some_and(|m| m == addr && m.port() != 0) {
            return Err(bad(
                "CONSOLE_METRICS_ADDR",
                "must differ from CONSOLE_ADDR (metrics are served on a listener of their own)",
            ));
        }
        let shutdown_drain = match get("CONSOLE_SHUTDOWN_DRAIN_SECS") {
            None => Duration::from_secs(5),
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n <= 300 => Duration::from_secs(n),
                _ => {
                    return Err(bad(
                        "CONSOLE_SHUTDOWN_DRAIN_SECS",
                        format!("`{v}` is not a number of seconds between 0 and 300"),
                    ));
                }
            },
        };

        Ok(Config {
            addr,
            tenant,
            api_version,
            readonly_client,
            connect_timeout: secs("ISC_CONNECT_TIMEOUT_SECS", 5)?,
            request_timeout: secs("ISC_TIMEOUT_SECS", 20)?,
            isc_budget,
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string()),
            auth,
            store,
            trusted_proxies,
            log_format,
            metrics_addr,
            shutdown_drain,
        })
    }
}

fn credential((id, secret): (&str, &str)) -> ClientCredential {
    ClientCredential {
        client_id: id.to_string(),
        client_secret: Secret::new(secret),
    }
}

/// An OAuth client id and secret: both or neither.
fn client_pair(
    get: &impl Fn(&str) -> Option<String>,
    (id_var, secret_var): (&'static str, &'static str),
) -> Result<Option<ClientCredential>, ConfigError> {
    match (get(id_var), get(secret_var)) {
        (Some(id), Some(secret)) => Ok(Some(ClientCredential {
            client_id: id,
            client_secret: Secret::new(secret),
        })),
        (Some(_), None) => Err(bad(secret_var, format!("is required when {id_var} is set"))),
        (None, Some(_)) => Err(bad(id_var, format!("is required when {secret_var} is set"))),
        (None, None) => Ok(None),
    }
}

fn auth_config(
    get: &impl Fn(&str) -> Option<String>,
    tenant: &Tenant,
) -> Result<AuthConfig, ConfigError> {
    let public_url = get("CONSOLE_PUBLIC_URL")
        .map(|v| public_url(&v))
        .transpose()?;

    let client = match client_pair(get, ("ISC_CLIENT_ID", "ISC_CLIENT_SECRET"))? {
        Some(c) => c,
        None => match tenant {
            Tenant::Embedded => credential(SANDBOX_CONSOLE_CLIENT),
            // Without its OAuth client nobody can sign in: better to refuse to start than to
            // serve a console whose every page fails.
            Tenant::Remote { .. } => {
                return Err(bad(
                    "ISC_CLIENT_ID",
                    "is required with ISC_API_URL (with ISC_CLIENT_SECRET): the console's OAuth \
                     client (authorization code and refresh token grants) that users sign in through",
                ));
            }
        },
    };

    let endpoint = |name: &'static str| -> Result<Option<Url>, ConfigError> {
        get(name)
            .map(|v| {
                let url = Url::parse(&v).map_err(|_| bad(name, format!("`{v}` is not a URL")))?;
                if url.scheme() != "https" && !is_loopback_http(&url) {
                    return Err(bad(
                        name,
                        "must be an https URL (http only for a loopback test tenant)",
                    ));
                }
                if url.fragment().is_some() || url.host_str().is_none() {
                    return Err(bad(name, "must be a plain URL without fragment"));
                }
                Ok(url)
            })
            .transpose()
    };

    let scopes = parse_scopes(&get("ISC_OAUTH_SCOPES").unwrap_or_else(|| "sp:scopes:all".into()))?;

    let number =
        |name: &'static str, default: u64, max: u64, unit: &str| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(v) => match v.parse::<u64>() {
                    Ok(n) if (1..=max).contains(&n) => Ok(n),
                    _ => Err(bad(
                        name,
                        format!("`{v}` is not a number of {unit} between 1 and {max}"),
                    )),
                },
            }
        };

    Ok(AuthConfig {
        public_url,
        client,
        authorize_url: endpoint("ISC_AUTHORIZE_URL")?,
        token_url: endpoint("ISC_TOKEN_URL")?,
        scopes,
        session_idle: Duration::from_secs(
            60 * number(
                "CONSOLE_SESSION_IDLE_MINUTES",
                8 * 60,
                7 * 24 * 60,
                "minutes",
            )?,
        ),
        session_max: Duration::from_secs(
            3600 * number("CONSOLE_SESSION_MAX_HOURS", 12, 30 * 24, "hours")?,
        ),
        helpdesk_levels: parse_levels(&get("CONSOLE_HELPDESK_LEVELS").unwrap_or_default())?,
        recheck: Duration::from_secs(
            60 * number("CONSOLE_ACCESS_CHECK_MINUTES", 15, 15, "minutes")?,
        ),
    })
}

fn store_config(get: &impl Fn(&str) -> Option<String>) -> Result<StoreConfig, ConfigError> {
    let key = |name: &'static str| {
        get(name)
            .map(|v| crate::store::SecretKey::from_base64(&v).map_err(|problem| bad(name, problem)))
            .transpose()
    };
    let secret_key = key("CONSOLE_SECRET_KEY")?;
    let previous_key = key("CONSOLE_SECRET_KEY_PREVIOUS")?;
    if previous_key.is_some() && secret_key.is_none() {
        return Err(bad(
            "CONSOLE_SECRET_KEY",
            "is required when CONSOLE_SECRET_KEY_PREVIOUS is set (the new key to seal with)",
        ));
    }
    let location = match get("CONSOLE_DATABASE_URL") {
        None => crate::store::Location::Sqlite {
            data_dir: PathBuf::from(get("CONSOLE_DATA_DIR").unwrap_or_else(|| "./data".into())),
        },
        Some(url) => {
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(bad(
                    "CONSOLE_DATABASE_URL",
                    "must be a PostgreSQL URL such as postgres://console:…@db.example.com/console                      (leave it unset for SQLite in CONSOLE_DATA_DIR)",
                ));
            }
            if secret_key.is_none() {
                return Err(bad(
                    "CONSOLE_SECRET_KEY",
                    "is required with CONSOLE_DATABASE_URL: every replica seals and opens users' \
                     tokens with the same key (make one with `openssl rand -base64 32`)",
                ));
            }
            crate::store::Location::Postgres {
                url: Secret::new(url),
            }
        }
    };
    Ok(StoreConfig {
        location,
        secret_key,
        previous_key,
    })
}

/// `https://console.example.com`: an origin (the console is served at the root of it).
fn public_url(v: &str) -> Result<Url, ConfigError> {
    const VAR: &str = "CONSOLE_PUBLIC_URL";
    let url = Url::parse(v).map_err(|_| {
        bad(
            VAR,
            format!("`{v}` is not a URL such as https://console.example.com"),
        )
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(bad(VAR, "must be an http or https URL with a host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad(VAR, "must be a URL without query or fragment"));
    }
    // A path (`/tools/sync-groups`) is where a reverse proxy serves the console; only plain
    // segments, so that it can be written into links and cookie paths as it is.
    let plain_segment = |segment: &str| {
        segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
            && !matches!(segment, "." | "..")
    };
    let segments: Vec<&str> = url.path().split('/').filter(|s| !s.is_empty()).collect();
    if !segments.iter().all(|s| plain_segment(s)) {
        return Err(bad(
            VAR,
            "its path may hold only letters, digits, `-`, `_`, `.` and `~` between slashes, \
             such as /tools/sync-groups",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(VAR, "must not contain user info"));
    }
    Ok(url)
}

/// Space- or comma-separated OAuth scopes (RFC 6749 §3.3 scope tokens).
fn parse_scopes(v: &str) -> Result<Vec<String>, ConfigError> {
    const VAR: &str = "ISC_OAUTH_SCOPES";
    let scopes: Vec<String> = v
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if scopes.is_empty() {
        return Err(bad(VAR, "must name at least one scope"));
    }
    let valid = |s: &str| {
        s.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b))
    };
    if let Some(s) = scopes.iter().find(|s| !valid(s)) {
        return Err(bad(VAR, format!("`{s}` is not a valid scope")));
    }
    // ISC refuses a request for both.
    if scopes.iter().any(|s| s == "sp:scopes:all")
        && scopes.iter().any(|s| s == "sp:scopes:default")
    {
        return Err(bad(
            VAR,
            "ask for sp:scopes:all or sp:scopes:default, not both",
        ));
    }
    Ok(scopes)
}

/// Comma-separated ISC user levels such as `CERT_ADMIN,REPORT_ADMIN` (case-insensitive).
fn parse_levels(v: &str) -> Result<Vec<String>, ConfigError> {
    v.split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && s.len() <= 64 {
                Ok(s.to_ascii_uppercase())
            } else {
                Err(bad(
                    "CONSOLE_HELPDESK_LEVELS",
                    format!("`{s}` is not an ISC user level such as CERT_ADMIN"),
                ))
            }
        })
        .collect()
}

fn is_loopback_http(url: &Url) -> bool {
    url.scheme() == "http"
        && match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost",
            None => false,
        }
}

/// `acme.api.identitynow.com` → `acme`; an address (a tunnel, a test tenant) stays whole: its
/// first part (`127`) names nothing.
fn tenant_name_from_host(url: &Url) -> String {
    match url.host() {
        Some(url::Host::Domain(host)) => host.split('.').next().unwrap_or(host).to_string(),
        Some(address) => address.to_string(),
        None => "ISC".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn the_tenant_is_named_after_its_host() {
        let name = |u: &str| tenant_name_from_host(&Url::parse(u).expect("url"));
        assert_eq!(name("https://acme.api.identitynow.com"), "acme");
        assert_eq!(name("http://127.0.0.1:8080/"), "127.0.0.1");
        assert_eq!(name("http://[::1]:8080/"), "[::1]");
    }

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_run_on_the_embedded_sandbox() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert!(matches!(c.tenant, Tenant::Embedded));
        assert_eq!(c.api_version, "beta");
        assert_eq!(
            c.readonly_client.map(|c| c.client_id).as_deref(),
            Some("readonly-api")
        );
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(
            config(&[("CONSOLE_ADDR", "nope")])
                .err()
                .map(|e| e.variable),
            Some("CONSOLE_ADDR")
        );
        assert_eq!(
            config(&[("ISC_API_URL", "not a url")])
                .err()
                .map(|e| e.variable),
            Some("ISC_API_URL")
        );
        assert_eq!(
            config(&[("ISC_API_URL", "http://acme.api.identitynow.com")])
                .err()
                .map(|e| e.variable),
            Some("ISC_API_URL")
        );
        assert_eq!(
            config(&[("ISC_API_VERSION", "../v3")])
                .err()
                .map(|e| e.variable),
            Some("ISC_API_VERSION")
        );
        assert_eq!(
            config(&[("ISC_TIMEOUT_SECS", "0")])
                .err()
                .map(|e| e.variable),
            Some("ISC_TIMEOUT_SECS")
        );
        assert_eq!(
            config(&[("ISC_READONLY_CLIENT_ID", "x")])
                .err()
                .map(|e| e.variable),
            Some("ISC_READONLY_CLIENT_SECRET")
        );
    }

    #[test]
    fn a_real_tenant_has_no_default_credential_and_a_name_from_its_host() {
        let c = config(&[
            ("ISC_API_URL", "https://acme.api.identitynow.com"),
            ("ISC_CLIENT_ID", "abc"),
            ("ISC_CLIENT_SECRET", "def"),
        ])
        .expect("valid");
        assert!(c.readonly_client.is_none());
        match c.tenant {
            Tenant::Remote { name, .. } => assert_eq!(name, "acme"),
            Tenant::Embedded => panic!("expected a remote tenant"),
        }
    }

    #[test]
    fn the_store_defaults_to_sqlite_and_postgres_needs_a_key() {
        let c = config(&[]).expect("valid");
        assert!(matches!(
            &c.store.location,
            crate::store::Location::Sqlite { data_dir } if data_dir == &PathBuf::from("./data")
        ));
        assert!(c.store.secret_key.is_none());
        assert_eq!(c.log_format, LogFormat::Text);

        let url = (
            "CONSOLE_DATABASE_URL",
            "postgres://console:hunter2@db/console",
        );
        let key = crate::store::SecretKey::generate().to_base64();
        assert_eq!(
            config(&[url]).err().map(|e| e.variable),
            Some("CONSOLE_SECRET_KEY")
        );
        let c = config(&[url, ("CONSOLE_SECRET_KEY", &key)]).expect("valid");
        assert!(matches!(
            c.store.location,
            crate::store::Location::Postgres { .. }
        ));
        assert!(
            !format!("{c:?}").contains("hunter2"),
            "the password does not print"
        );

        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        for (name, value) in [
            ("CONSOLE_SECRET_KEY", "c2hvcnQ="),
            ("CONSOLE_DATABASE_URL", "mysql://db/console"),
            ("CONSOLE_LOG_FORMAT", "xml"),
            ("CONSOLE_ACCESS_CHECK_MINUTES", "60"),
            ("CONSOLE_TRUSTED_PROXIES", "10.0.0.0/33"),
        ] {
            assert_eq!(variable(&[(name, value)]), Some(name), "{name}={value}");
        }
        assert_eq!(
            variable(&[("CONSOLE_SECRET_KEY_PREVIOUS", &key)]),
            Some("CONSOLE_SECRET_KEY")
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let c = config(&[]).expect("valid");
        let printed = format!("{c:?}");
        assert!(!printed.contains("readonly-api-secret"));
        assert!(!printed.contains("console-secret"));
    }

    #[test]
    fn sign_in_defaults_on_the_embedded_sandbox() {
        let c = config(&[]).expect("valid").auth;
        assert_eq!(c.client.client_id, "console");
        assert!(c.public_url.is_none());
        assert!(c.authorize_url.is_none() && c.token_url.is_none());
        assert_eq!(c.scopes, vec!["sp:scopes:all".to_string()]);
        assert_eq!(c.session_idle, Duration::from_secs(8 * 3600));
        assert_eq!(c.session_max, Duration::from_secs(12 * 3600));
        assert!(c.helpdesk_levels.is_empty());
        assert_eq!(
            c.public_base("127.0.0.1:3000".parse().expect("addr")),
            "http://127.0.0.1:3000"
        );
    }

    #[test]
    fn sign_in_settings_are_read_and_checked() {
        let c = config(&[
            ("CONSOLE_PUBLIC_URL", "https://console.example.com/"),
            ("ISC_OAUTH_SCOPES", "sp:scopes:default, extra:scope"),
            ("CONSOLE_HELPDESK_LEVELS", "cert_admin,REPORT_ADMIN"),
            ("CONSOLE_SESSION_IDLE_MINUTES", "30"),
            ("CONSOLE_SESSION_MAX_HOURS", "2"),
            ("CONSOLE_DATA_DIR", "/var/lib/console"),
        ])
        .expect("valid")
        .auth;
        assert_eq!(
            c.public_base("0.0.0.0:3000".parse().expect("addr")),
            "https://console.example.com"
        );
        assert_eq!(c.scopes, vec!["sp:scopes:default", "extra:scope"]);
        assert_eq!(c.helpdesk_levels, vec!["CERT_ADMIN", "REPORT_ADMIN"]);
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.session_max, Duration::from_secs(2 * 3600));

        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        for (name, value) in [
            ("CONSOLE_PUBLIC_URL", "console.example.com"),
            ("CONSOLE_PUBLIC_URL", "https://console.example.com/a b"),
            ("CONSOLE_PUBLIC_URL", "https://console.example.com/x?y=1"),
            ("CONSOLE_PUBLIC_URL", "ftp://console.example.com"),
            (
                "ISC_AUTHORIZE_URL",
                "http://acme.login.sailpoint.com/oauth/authorize",
            ),
            ("ISC_TOKEN_URL", "nope"),
            ("ISC_OAUTH_SCOPES", "sp:scopes:all sp:scopes:default"),
            ("ISC_OAUTH_SCOPES", "bad\"scope"),
            ("CONSOLE_SESSION_IDLE_MINUTES", "0"),
            ("CONSOLE_SESSION_MAX_HOURS", "many"),
            ("CONSOLE_HELPDESK_LEVELS", "CERT ADMIN;"),
        ] {
            assert_eq!(variable(&[(name, value)]), Some(name), "{name}={value}");
        }
        assert_eq!(
            variable(&[("ISC_CLIENT_SECRET", "s")]),
            Some("ISC_CLIENT_ID")
        );
    }

    #[test]
    fn metrics_are_off_and_shutdown_drains_briefly_by_default() {
        let c = config(&[]).expect("valid");
        assert!(c.metrics_addr.is_none());
        assert_eq!(c.shutdown_drain, Duration::from_secs(5));

        let c = config(&[
            ("CONSOLE_METRICS_ADDR", "0.0.0.0:9100"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECS", "0"),
        ])
        .expect("valid");
        assert_eq!(
            c.metrics_addr.map(|a| a.to_string()).as_deref(),
            Some("0.0.0.0:9100")
        );
        assert_eq!(c.shutdown_drain, Duration::ZERO);

        let variable = |vars: &[(&str, &str)]| config(vars).err().map(|e| e.variable);
        for (name, value) in [
            ("CONSOLE_METRICS_ADDR", "9100"),
            ("CONSOLE_METRICS_ADDR", "127.0.0.1:3000"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECS", "301"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECS", "-1"),
            ("CONSOLE_SHUTDOWN_DRAIN_SECS", "soon"),
        ] {
            assert_eq!(variable(&[(name, value)]), Some(name), "{name}={value}");
        }
    }

    #[test]
    fn a_real_tenant_needs_the_consoles_oauth_client() {
        let err =
            config(&[("ISC_API_URL", "https://acme.api.identitynow.com")]).expect_err("refused");
        assert_eq!(err.variable, "ISC_CLIENT_ID");
        let c = config(&[
            ("ISC_API_URL", "https://acme.api.identitynow.com"),
            ("ISC_CLIENT_ID", "abc"),
            ("ISC_CLIENT_SECRET", "def"),
        ])
        .expect("valid");
        assert_eq!(c.auth.client.client_id, "abc");
    }
}
