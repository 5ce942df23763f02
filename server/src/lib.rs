//! The console's axum server: it holds configuration, talks to ISC (or the embedded sandbox
//! tenant) and serves the Leptos app with server-side rendering.

pub mod backend;
pub mod cache;
pub mod config;
pub mod isc;
mod security;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use app::backend::Backend;
use app::model::TenantInfo;
use app::{App, OUTPUT_NAME, shell};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use url::Url;

use crate::backend::ConsoleBackend;
use crate::config::{Config, Tenant};
use crate::isc::{ClientCredentialsToken, IscClient, TokenSource};

/// Where the embedded sandbox tenant is mounted on the console's own address.
pub const SANDBOX_PREFIX: &str = "/sandbox";

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot set up the ISC client: {0}")]
    Client(String),
}

/// The assembled console: its router and, on the embedded tenant, the sandbox behind it.
pub struct Console {
    pub router: Router,
    pub sandbox: Option<sandbox::Sandbox>,
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
/// configured address when port 0 was asked for).
pub fn build(config: &Config, local_addr: SocketAddr) -> Result<Console, StartError> {
    let (api_url, tenant, sandbox) = match &config.tenant {
        Tenant::Embedded => {
            let sandbox = sandbox::Sandbox::new(sandbox::SandboxConfig::default());
            // The console reaches its embedded tenant over loopback HTTP, exactly as it would a
            // remote one, so the same client code runs in both cases.
            let url = Url::parse(&format!(
                "http://{}{SANDBOX_PREFIX}",
                loopback_for(local_addr)
            ))
            .map_err(|e| StartError::Client(e.to_string()))?;
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
    .map_err(|e| StartError::Client(e.to_string()))?;
    let app_token: Option<Arc<dyn TokenSource>> = match &config.readonly_client {
        Some(credential) => {
            let token_url = isc
                .token_url()
                .map_err(|e| StartError::Client(e.to_string()))?;
            Some(Arc::new(ClientCredentialsToken::new(
                isc.http().clone(),
                token_url,
                credential.clone(),
            )))
        }
        None => None,
    };
    let backend: Arc<dyn Backend> = Arc::new(ConsoleBackend::new(isc, tenant, app_token));

    let leptos_options = LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(local_addr)
        .env(leptos::config::Env::PROD)
        .build();
    let routes = generate_route_list(App);
    let context = move || provide_context(backend.clone());

    let mut router = Router::new()
        .leptos_routes_with_context(&leptos_options, routes, context.clone(), {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler_with_context::<LeptosOptions, _>(
            context, shell,
        ))
        .with_state(leptos_options);
    if let Some(sandbox) = &sandbox {
        router = router.nest(SANDBOX_PREFIX, sandbox.router());
    }
    let router = security::layers(router);
    Ok(Console { router, sandbox })
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Connect info lets the sandbox's control endpoint refuse anything but loopback peers.
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
