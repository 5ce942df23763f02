//! `sandbox`: serves a sandbox ISC tenant.
//!
//! Prints `sandbox listening on http://ADDR` once the port is bound (tests and scripts wait
//! for that line), then the demo credentials.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use sandbox::{Sandbox, SandboxConfig};

const USAGE: &str = "\
usage: sandbox [--addr HOST:PORT] [--tenant NAME] [--token-ttl SECONDS]
               [--rate-limit N] [--rate-window SECONDS]
               [--rotate-refresh-tokens | --no-rotate-refresh-tokens] [--no-control]
               [--redirect-uri URI]... [--generate-groups N]

Serves a sandbox SailPoint ISC tenant (password sync groups, policies, sources, OAuth).
  --addr HOST:PORT        listen address (default 127.0.0.1:7100; port 0 picks a free one)
  --tenant NAME           tenant name (default sandbox)
  --token-ttl SECONDS     access token lifetime (default 749)
  --rate-limit N          requests per client per API version per window (default 100)
  --rate-window SECONDS   rate-limit window (default 10)
  --rotate-refresh-tokens     each refresh uses up the refresh token and returns a new one;
                              a used one is refused with invalid_grant (the default)
  --no-rotate-refresh-tokens  a refresh token can be used until it expires; each refresh
                              returns it again (ISC does not document which it does)
  --no-control            do not serve the loopback-only /__sandbox/* control endpoints
  --redirect-uri URI      one more redirect URI of the `console` client, besides
                          http://127.0.0.1:*/auth/callback and http://localhost:*/auth/callback
                          (a console behind a proxy, e.g.
                          https://127.0.0.1:8443/tools/sync-groups/auth/callback; `:*` stands
                          for any port); may be given more than once
  --generate-groups N     seed a generated org with N password sync groups in all (the demo
                          org's three, then generated ones of about three sources each, named
                          after business units and regions, on six more policies; the same org
                          on every run) instead of the demo org; also SANDBOX_GENERATE_GROUPS=N
  -h, --help              this help";

struct Args {
    addr: SocketAddr,
    config: SandboxConfig,
    /// `--generate-groups N` (or `SANDBOX_GENERATE_GROUPS`).
    generate_groups: Option<usize>,
}

fn value<T: std::str::FromStr>(flag: &str, raw: Option<String>, what: &str) -> Result<T, String> {
    let raw = raw.ok_or_else(|| format!("{flag} needs a value ({what})"))?;
    raw.parse()
        .map_err(|_| format!("{flag}: \"{raw}\" is not {what}"))
}

/// The number of groups of `--generate-groups` / `SANDBOX_GENERATE_GROUPS`.
fn generate_groups(flag: &str, raw: Option<String>) -> Result<usize, String> {
    let n: usize = value(flag, raw, "a whole number of groups")?;
    if n > sandbox::MAX_GENERATED_GROUPS {
        return Err(format!(
            "{flag}: at most {} groups",
            sandbox::MAX_GENERATED_GROUPS
        ));
    }
    Ok(n)
}

/// `Ok(None)` for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 7100)),
        config: SandboxConfig::default(),
        generate_groups: None,
    };
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut next = || inline.clone().or_else(|| args.next());
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => parsed.addr = value(&flag, next(), "an address like 127.0.0.1:7100")?,
            "--tenant" => {
                let name: String = value(&flag, next(), "a tenant name")?;
                if name.trim().is_empty() {
                    return Err("--tenant: the name is empty".to_owned());
                }
                parsed.config.tenant_name = name;
            }
            "--token-ttl" => {
                let secs: u64 = value(&flag, next(), "a whole number of seconds")?;
                if secs == 0 {
                    return Err("--token-ttl: must be at least 1 second".to_owned());
                }
                parsed.config.token_ttl = Duration::from_secs(secs);
            }
            "--rate-limit" => parsed.config.rate_limit = value(&flag, next(), "a whole number")?,
            "--rate-window" => {
                let secs: u64 = value(&flag, next(), "a whole number of seconds")?;
                if secs == 0 {
                    return Err("--rate-window: must be at least 1 second".to_owned());
                }
                parsed.config.rate_window = Duration::from_secs(secs);
            }
            "--rotate-refresh-tokens" => parsed.config.rotate_refresh_tokens = true,
            "--no-rotate-refresh-tokens" => parsed.config.rotate_refresh_tokens = false,
            "--no-control" => parsed.config.control_endpoint = false,
            "--redirect-uri" => {
                let uri: String = value(&flag, next(), "an absolute URI")?;
                if !(uri.starts_with("http://") || uri.starts_with("https://")) {
                    return Err(format!(
                        "--redirect-uri: \"{uri}\" is not an http or https URI"
                    ));
                }
                parsed.config.extra_redirect_uris.push(uri);
            }
            "--generate-groups" => {
                parsed.generate_groups = Some(generate_groups(&flag, next())?);
            }
            other => return Err(format!("unknown argument \"{other}\"")),
        }
    }
    Ok(Some(parsed))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(mut args)) => {
            if args.generate_groups.is_none()
                && let Ok(raw) = std::env::var("SANDBOX_GENERATE_GROUPS")
                && !raw.trim().is_empty()
            {
                match generate_groups("SANDBOX_GENERATE_GROUPS", Some(raw.trim().to_owned())) {
                    Ok(n) => args.generate_groups = Some(n),
                    Err(e) => {
                        eprintln!("sandbox: {e}");
                        return ExitCode::from(2);
                    }
                }
            }
            args
        }
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sandbox: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("sandbox: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.addr);
    let mut config = args.config;
    if let Some(groups) = args.generate_groups {
        match sandbox::generated_org_json(groups) {
            Ok(json) => config.seed_json = Some(json),
            Err(e) => {
                eprintln!("sandbox: --generate-groups {groups}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let sandbox = match Sandbox::try_new(config) {
        Ok(sandbox) => sandbox,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("sandbox listening on http://{addr}");
    if let Some(groups) = args.generate_groups {
        println!("generated org: {groups} password sync groups");
    }
    println!("{}", sandbox.credentials_banner());
    println!("  discovery: http://{addr}/oauth/info\n  press Ctrl-C to stop");
    let app = sandbox
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sandbox: server error: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        parse_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn flags() {
        let a = parse(&[
            "--addr",
            "127.0.0.1:0",
            "--token-ttl=5",
            "--rate-limit",
            "3",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(a.addr.port(), 0);
        assert_eq!(a.config.token_ttl, Duration::from_secs(5));
        assert_eq!(a.config.rate_limit, 3);
        assert!(a.config.rotate_refresh_tokens, "rotation is the default");
        let a = parse(&["--no-rotate-refresh-tokens"]).unwrap().unwrap();
        assert!(!a.config.rotate_refresh_tokens);
        let a = parse(&["--no-rotate-refresh-tokens", "--rotate-refresh-tokens"])
            .unwrap()
            .unwrap();
        assert!(a.config.rotate_refresh_tokens);
        assert!(parse(&["--help"]).unwrap().is_none());
        assert!(parse(&["--addr"]).is_err());
        assert!(parse(&["--addr", "nope"]).is_err());
        assert!(parse(&["--token-ttl", "0"]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        let a = parse(&[
            "--redirect-uri",
            "https://127.0.0.1:8443/tools/sync-groups/auth/callback",
            "--redirect-uri=https://intranet.example.com/x/auth/callback",
        ])
        .unwrap()
        .unwrap();
        assert_eq!(
            a.config.extra_redirect_uris,
            [
                "https://127.0.0.1:8443/tools/sync-groups/auth/callback",
                "https://intranet.example.com/x/auth/callback"
            ]
        );
        assert!(parse(&["--redirect-uri", "/auth/callback"]).is_err());
        let a = parse(&["--generate-groups", "250"]).unwrap().unwrap();
        assert_eq!(a.generate_groups, Some(250));
        assert_eq!(parse(&[]).unwrap().unwrap().generate_groups, None);
        assert!(parse(&["--generate-groups", "many"]).is_err());
        assert!(parse(&["--generate-groups", "1000000"]).is_err());
    }
}
