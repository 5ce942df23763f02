//! Configuration from environment variables. Every variable is documented in the README; a bad
//! value stops start-up with a message naming the variable (never a panic trace).

use std::net::SocketAddr;
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
    /// `LEPTOS_SITE_ROOT`: where cargo-leptos put the compiled site (CSS, JS, wasm, public files).
    pub site_root: String,
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

        let readonly_client = match (
            get("ISC_READONLY_CLIENT_ID"),
            get("ISC_READONLY_CLIENT_SECRET"),
        ) {
            (Some(id), Some(secret)) => Some(ClientCredential {
                client_id: id,
                client_secret: Secret::new(secret),
            }),
            (Some(_), None) => {
                return Err(bad(
                    "ISC_READONLY_CLIENT_SECRET",
                    "is required when ISC_READONLY_CLIENT_ID is set",
                ));
            }
            (None, Some(_)) => {
                return Err(bad(
                    "ISC_READONLY_CLIENT_ID",
                    "is required when ISC_READONLY_CLIENT_SECRET is set",
                ));
            }
            (None, None) => match tenant {
                Tenant::Embedded => Some(ClientCredential {
                    client_id: SANDBOX_READONLY_CLIENT.0.to_string(),
                    client_secret: Secret::new(SANDBOX_READONLY_CLIENT.1),
                }),
                Tenant::Remote { .. } => None,
            },
        };

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

        Ok(Config {
            addr,
            tenant,
            api_version,
            readonly_client,
            connect_timeout: secs("ISC_CONNECT_TIMEOUT_SECS", 5)?,
            request_timeout: secs("ISC_TIMEOUT_SECS", 20)?,
            site_root: get("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_string()),
        })
    }
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

/// `acme.api.identitynow.com` → `acme`.
fn tenant_name_from_host(url: &Url) -> String {
    url.host_str()
        .and_then(|h| h.split('.').next())
        .unwrap_or("ISC")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

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
        let c = config(&[("ISC_API_URL", "https://acme.api.identitynow.com")]).expect("valid");
        assert!(c.readonly_client.is_none());
        match c.tenant {
            Tenant::Remote { name, .. } => assert_eq!(name, "acme"),
            Tenant::Embedded => panic!("expected a remote tenant"),
        }
    }

    #[test]
    fn secrets_do_not_print() {
        let c = config(&[]).expect("valid");
        assert!(!format!("{c:?}").contains("readonly-api-secret"));
    }
}
