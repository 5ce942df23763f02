//! `server`: runs the console. With no ISC settings it embeds the sandbox tenant.

use std::process::ExitCode;

use server::config::{Config, LogFormat, Tenant};

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::from_env();
    let json = matches!(&config, Ok(c) if c.log_format == LogFormat::Json);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,server=info,sandbox=info,audit=info")
    });
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        // One JSON object per line, fields flattened, for the organisation's log pipeline.
        logs.json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        logs.init();
    }

    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(config.addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("cannot listen on CONSOLE_ADDR {}: {e}", config.addr);
            return ExitCode::from(1);
        }
    };
    let local_addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cannot read the listening address: {e}");
            return ExitCode::from(1);
        }
    };
    let console = match server::build(&config, local_addr).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot start: {}", server::auth::error_chain(&e));
            return ExitCode::from(1);
        }
    };

    println!("Sync Groups Console listening on http://{local_addr}");
    match &config.auth.public_url {
        Some(url) => println!("Public URL: {url}"),
        None if local_addr.ip().is_unspecified() => println!(
            "Sign-in redirects to http://127.0.0.1:{}: set CONSOLE_PUBLIC_URL to the URL other \
             machines use (e.g. http://console-host:{}) so they can sign in",
            local_addr.port(),
            local_addr.port()
        ),
        None => {}
    }
    match &config.store.location {
        server::store::Location::Sqlite { data_dir } => println!(
            "Sessions, sealed tokens and the audit record: {}",
            data_dir.join(server::store::DATABASE_FILE).display()
        ),
        server::store::Location::Postgres { .. } => {
            println!(
                "Sessions, sealed tokens and the audit record: PostgreSQL (CONSOLE_DATABASE_URL)"
            )
        }
    }
    match &config.tenant {
        Tenant::Embedded => {
            println!(
                "Tenant: the embedded sandbox tenant at http://{local_addr}{}",
                server::SANDBOX_PREFIX
            );
            println!("Demo sign-in: admin / admin (ORG_ADMIN), helpdesk / helpdesk (HELPDESK)");
        }
        Tenant::Remote { api_url, name } => println!("Tenant: {name} at {api_url}"),
    }

    // Keeps the session clean-up running while serving.
    let _background = console.background;
    if let Err(e) = server::serve(listener, console.router, shutdown_signal()).await {
        eprintln!("server error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
