//! The console's axum server: it holds configuration, talks to ISC (or the embedded sandbox
//! tenant) and serves the Leptos app with server-side rendering.

pub mod as_code;
mod assets;
pub mod audit;
pub mod auth;
pub mod backend;
mod boundary;
pub mod cache;
pub mod client_addr;
pub mod config;
pub mod export;
pub mod health;
mod housekeeping;
pub mod isc;
pub mod lookup_limit;
pub mod metrics;
mod notice;
mod plain_page;
pub mod public_path;
pub mod request_id;
mod security;
pub mod sign_in_limit;
pub mod store;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use app::backend::Backend;
use app::caller::Credential;
use app::model::TenantInfo;
use app::{App, OUTPUT_NAME, shell};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use url::Url;

use crate::auth::{Auth, AuthSettings, AuthSetupError, Endpoints};
use crate::backend::ConsoleBackend;
use crate::config::{Config, Tenant};
use crate::isc::{ClientCredentialsToken, IscClient, IscError};
use crate::store::{Database, Sealer};

/// Where the embedded sandbox tenant is mounted on the console's own address.
pub const SANDBOX_PREFIX: &str = "/sandbox";

/// Why the console cannot start; each keeps its cause (`main` prints the whole chain).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot set up the ISC client")]
    Client(#[source] reqwest::Error),
    /// A URL the console derives from its settings cannot be built.
    #[error("cannot build the {what} URL from the settings")]
    Url {
        what: &'static str,
        #[source]
        source: Option<url::ParseError>,
    },
    /// The ISC API URL cannot take the paths the console appends.
    #[error("ISC_API_URL cannot be used as a base URL")]
    ApiUrl(#[source] IscError),
    /// Sign-in cannot work with these settings or this tenant.
    #[error("cannot set up sign-in: {0}")]
    SignIn(&'static str),
    #[error("cannot set up sign-in")]
    SignInClient(#[source] reqwest::Error),
    /// The console's database cannot be opened or prepared (the message names the setting).
    #[error(transparent)]
    Store(#[from] store::OpenError),
    /// The metrics listener cannot start (the message names `CONSOLE_METRICS_ADDR`).
    #[error(transparent)]
    Metrics(#[from] metrics::MetricsError),
}

impl StartError {
    fn url(what: &'static str) -> StartError {
        StartError::Url { what, source: None }
    }
}

/// The assembled console: its router and, on the embedded tenant, the sandbox behind it.
pub struct Console {
    pub router: Router,
    pub sandbox: Option<sandbox::Sandbox>,
    /// Background clean-up of expired sessions; stops when this is dropped.
    pub background: BackgroundTasks,
    /// Readiness; `shut_down()` makes `/readyz` fail (the first step of a graceful shutdown).
    pub health: health::Health,
    /// The requests being answered now (what a shutdown that must stop waiting cuts).
    pub in_flight: metrics::InFlight,
    /// Where Prometheus metrics are served (`CONSOLE_METRICS_ADDR`), if anywhere.
    pub metrics_addr: Option<SocketAddr>,
}

/// Tasks that run as long as the console does; aborted on drop.
pub struct BackgroundTasks(Vec<tokio::task::JoinHandle<()>>);

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// The address a process on this machine uses to reach a listener bound to `addr`.
fn loopback_for(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv4Addr::LOCALHOST.into(), addr.port())
        }
        IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), addr.port())
        }
        _ => addr,
    }
}

/// Builds the console for a listener bound to `local_addr` (which may differ from the
/// configured address when port 0 was asked for). Opens the session database and, for a real
/// tenant without `ISC_AUTHORIZE_URL`, asks the tenant where its sign-in page is.
pub async fn build(config: &Config, local_addr: SocketAddr) -> Result<Console, StartError> {
    let loopback = loopback_for(local_addr);
    let public_base = config.auth.public_base(loopback);
    let public_url = Url::parse(&public_base).map_err(|e| StartError::Url {
        what: "public",
        source: Some(e),
    })?;
    let redirect =
        auth::join_url(&public_url, "auth/callback").ok_or(StartError::url("OAuth redirect"))?;
    // The console's place on its public origin: `/tools/sync-groups` behind a proxy that hosts
    // several tools, or the root.
    let base = app::routes::Base::new(public_url.path());

    let (api_url, tenant, sandbox) = match &config.tenant {
        Tenant::Embedded => {
            let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig {
                // The sandbox accepts loopback callbacks; a console reached under another name
                // needs its own callback registered.
                extra_redirect_uris: vec![redirect.to_string()],
                ..sandbox::SandboxConfig::default()
            });
            // The console reaches its embedded tenant over loopback HTTP, exactly as it would a
            // remote one, so the same client code runs in both cases.
            let url = Url::parse(&format!("http://{loopback}{SANDBOX_PREFIX}")).map_err(|e| {
                StartError::Url {
                    what: "sandbox",
                    source: Some(e),
                }
            })?;
            let tenant = TenantInfo {
                name: sandbox::SandboxConfig::default().tenant_name,
                sandbox: true,
            };
            (url, tenant, Some(sandbox))
        }
        Tenant::Remote { api_url, name } => (
            api_url.clone(),
            TenantInfo {
                name: name.clone(),
                sandbox: false,
            },
            None,
        ),
    };

    let isc = IscClient::new(
        &api_url,
        &config.api_version,
        config.connect_timeout,
        config.request_timeout,
    )
    .map_err(StartError::Client)?
    .with_budget(config.isc_budget, config.request_timeout);
    // One token endpoint for the tenant: users' sign-ins and refreshes, and the console's own
    // application credential.
    let token_url = match &config.auth.token_url {
        Some(url) => url.clone(),
        // On the sandbox this is the loopback URL.
        None => isc.token_url().map_err(StartError::ApiUrl)?,
    };
    let app_credential: Option<Arc<dyn Credential>> =
        config.readonly_client.as_ref().map(|credential| {
            Arc::new(ClientCredentialsToken::new(
                isc.http().clone(),
                token_url.clone(),
                credential.clone(),
            )) as Arc<dyn Credential>
        });

    let endpoints =
        sign_in_endpoints(config, &isc, &api_url, &public_url, token_url, redirect).await?;
    let db = Database::open(&config.store.location).await?;
    let health = health::Health::new(db.clone(), endpoints.token.clone(), isc.http().clone());
    let sealer = sealer(&config.store)?;
    let auth::AuthParts {
        auth,
        session_layer,
        cleanup,
    } = Auth::open(
        AuthSettings {
            client: config.auth.client.clone(),
            endpoints,
            scopes: config.auth.scopes.clone(),
            public_url: public_url.clone(),
            base: base.clone(),
            session_idle: config.auth.session_idle,
            session_max: config.auth.session_max,
            recheck: config.auth.recheck,
            helpdesk_levels: config.auth.helpdesk_levels.clone(),
            connect_timeout: config.connect_timeout,
            request_timeout: config.request_timeout,
            app_credential,
        },
        &db,
        // The copy kept here signs the notices in URLs (see `boundary`).
        sealer.clone(),
    )
    .map_err(|e| match e {
        AuthSetupError::Http(e) => StartError::SignInClient(e),
    })?;

    let audit = audit::Audit::new(store::audit::AuditTable::new(db.clone()));
    let lookup_limit = lookup_limit::LookupLimit::default();
    let lookups = backend::Lookups {
        table: store::lookups::LookupTable::new(db.clone()),
        limit: lookup_limit.clone(),
    };
    let plans = store::plans::PlanTable::new(db.clone());
    let backend: Arc<dyn Backend> =
        Arc::new(ConsoleBackend::new(isc, tenant, audit, lookups, plans));
    let sign_in_limit = sign_in_limit::SignInLimit::for_sign_in(
        Arc::new(config.trusted_proxies.clone()),
        base.clone(),
    );

    let leptos_options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(local_addr)
        .env(leptos::config::Env::PROD)
        // cargo-leptos's `hash-files`: hashed names from `hash.txt` beside the binary, when the
        // site was built so (plain names otherwise).
        .hash_files(assets::hashed())
        .build();
    let routes = generate_route_list(App);
    let downloads = export::routes(auth.clone(), backend.clone(), base.clone());
    let context = {
        let base = base.clone();
        move || {
            provide_context(backend.clone());
            provide_context(base.clone());
            provide_context(assets::bundle());
            // This response's CSP nonce (see `security`), for the inline hydration script.
            let nonce = leptos::prelude::use_context::<axum::http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<security::CspNonce>().cloned());
            if let Some(nonce) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(nonce.0));
            }
        }
    };

    let router = Router::new()
        .merge(auth::routes(auth.clone(), sign_in_limit.layer()))
        .merge(downloads)
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<LeptosOptions, _>(
            context, shell,
        ))
        .with_state(leptos_options)
        // Layers wrap outwards: the session layer puts `Session` in the request before the
        // caller is resolved from it; the boundary turns what server functions could not read
        // into 4xx answers and gives their errors their status.
        .layer(axum::middleware::from_fn_with_state(
            auth,
            auth::resolve_caller,
        ))
        .layer(session_layer);
    // Outside the session layer and the caller middleware: probes need no sign-in.
    let mut router =
        boundary::layers(router, sealer, base.clone()).merge(health::routes(health.clone()));
    if let Some(sandbox) = &sandbox {
        // Outside the session layer: the tenant has nothing to do with console sessions.
        router = router.nest(SANDBOX_PREFIX, sandbox.router());
    }
    let router = security::layers(router, public_url, config.auth.public_url.is_some());
    // Pages, server-function answers and bundle files not already precompressed on disk. zstd
    // where the browser takes it (Chromium and Firefox do): at a page's size it costs about a
    // tenth of brotli's CPU for 10-15 % more bytes, and brotli was a third of the CPU of a
    // signed-in page view (perf, `node bench/run.mjs --serve`). Brotli or gzip otherwise. Level 4:
    // the default brotli level costs tens of ms per page.
    let router = router.layer(
        tower_http::compression::CompressionLayer::new()
            .quality(tower_http::CompressionLevel::Precise(4)),
    );
    let in_flight = metrics::InFlight::default();
    let router = router.layer(axum::middleware::from_fn_with_state(
        in_flight.clone(),
        metrics::track_http,
    ));
    let router = router.layer(axum::middleware::from_fn_with_state(
        Arc::new(config.trusted_proxies.clone()),
        request_id::assign,
    ));
    let router = public_path::mount(router, base);
    let mut background = cleanup;
    background.push(sign_in_limit.spawn_housekeeping());
    background.push(lookup_limit.spawn_housekeeping());
    // Aborted on drop, also when the metrics listener cannot start.
    let mut background = BackgroundTasks(background);
    let metrics_addr = match config.metrics_addr {
        Some(addr) => {
            let sessions = store::sessions::SessionTable::new(db.clone());
            let listener = metrics::serve(addr, sessions).await?;
            background.0.extend(listener.tasks);
            Some(listener.addr)
        }
        None => None,
    };
    Ok(Console {
        router,
        sandbox,
        background,
        health,
        in_flight,
        metrics_addr,
    })
}

/// The key that seals tokens: `CONSOLE_SECRET_KEY`, or on SQLite the data directory's key file
/// (created on first start).
fn sealer(config: &config::StoreConfig) -> Result<Sealer, StartError> {
    let current = match (&config.secret_key, &config.location) {
        (Some(key), _) => key.clone(),
        (None, store::Location::Sqlite { data_dir }) => store::sealing::key_file(data_dir)
            .map_err(|source| store::OpenError::KeyFile {
                path: data_dir
                    .join(store::sealing::KEY_FILE)
                    .display()
                    .to_string(),
                source,
            })?,
        // Refused by the configuration already; kept total here.
        (None, store::Location::Postgres { .. }) => {
            return Err(StartError::SignIn(
                "CONSOLE_SECRET_KEY is required with CONSOLE_DATABASE_URL",
            ));
        }
    };
    Ok(Sealer::new(current, config.previous_key.clone()))
}

/// Where users sign in and where the console redeems codes and refresh tokens.
async fn sign_in_endpoints(
    config: &Config,
    isc: &IscClient,
    api_url: &Url,
    public_url: &Url,
    token: Url,
    redirect: Url,
) -> Result<Endpoints, StartError> {
    let authorize = match (&config.auth.authorize_url, &config.tenant) {
        (Some(url), _) => url.clone(),
        // The browser, not the server, opens this: under the public URL, so it also works
        // from another machine.
        (None, Tenant::Embedded) => auth::join_url(
            public_url,
            &format!("{}/oauth/authorize", &SANDBOX_PREFIX[1..]),
        )
        .ok_or(StartError::url("sign-in"))?,
        (None, Tenant::Remote { .. }) => auth::discover_authorize_url(isc.http(), api_url)
            .await
            .ok_or(StartError::SignIn(
                "ISC_AUTHORIZE_URL is not set and the tenant's /oauth/info did not say where \
                 its sign-in page is; set ISC_AUTHORIZE_URL, e.g. \
                 https://acme.login.sailpoint.com/oauth/authorize",
            ))?,
    };
    let userinfo = auth::join_url(api_url, "oauth/userinfo").ok_or(StartError::url("userinfo"))?;
    Ok(Endpoints {
        authorize,
        token,
        userinfo,
        redirect,
    })
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt as _;
    // No Nagle: a small answer written in two parts (headers, body) on a kept-alive connection
    // would otherwise wait for the client's delayed ACK (~40 ms).
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    // Connect info lets the sandbox's control endpoint refuse anything but loopback peers, and
    // gives the client address (see `client_addr`).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
