//! `server`: runs the console. With no ISC settings it embeds the sandbox tenant.

use std::process::ExitCode;
use std::time::Duration;

use server::config::{Config, LogFormat, Tenant};

/// Once the console stops accepting connections, how long requests in flight may take to
/// finish before it stops anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

// glibc's malloc took about 40 % of the CPU of a signed-in `/groups` view (perf: malloc, free
// and their consolidation; rendering makes many small allocations on several threads, and each
// compressed answer allocates the compressor's tables). mimalloc is built for exactly that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    // `server export|plan|apply|help …`: sync groups as code, without starting the console.
    if let Some(code) = server::as_code::cli::run_from_args().await {
        return code;
    }
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
    // Listened for before anything is printed: a SIGTERM right after "listening" is a graceful
    // shutdown, not the default (death by signal).
    let signals = Signals::new();
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
    if let Some(addr) = console.metrics_addr {
        println!("Metrics: http://{addr}/metrics");
    }

    serve_until_stopped(listener, console, signals, config.shutdown_drain).await
}

/// Serves until SIGTERM or Ctrl-C, then shuts down gracefully:
///
/// 1. `/readyz` answers 503 at once (load balancers stop sending new requests);
/// 2. the console keeps serving for `drain` (`CONSOLE_SHUTDOWN_DRAIN_SECS`), so a load balancer
///    that probes every few seconds notices before connections are refused;
/// 3. it stops accepting connections and waits for the requests in flight, at most
///    [`SHUTDOWN_GRACE`];
/// 4. the background tasks stop, and the process exits 0 when every request finished. Requests
///    still running after the grace period are logged (route, method, request id: a change
///    among them has an audit intent without an outcome) and the exit code is 1.
///
/// A second signal skips what is left of the drain, or stops waiting for requests in flight.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    console: server::Console,
    mut signals: Signals,
    drain: Duration,
) -> ExitCode {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut serving = tokio::spawn(server::serve(listener, console.router, async {
        let _ = stopped.await;
    }));
    // Keeps the session clean-up (and the metrics listener) running while serving.
    let background = console.background;

    tokio::select! {
        () = signals.next() => {}
        ended = &mut serving => {
            match ended {
                Ok(Ok(())) => eprintln!("server error: the server stopped by itself"),
                Ok(Err(e)) => eprintln!("server error: {e}"),
                Err(e) => eprintln!("server error: {e}"),
            }
            return ExitCode::from(1);
        }
    }

    console.health.shut_down();
    tracing::info!(
        drain_secs = drain.as_secs(),
        "shutting down: /readyz answers 503 from now on; serving on during the drain"
    );
    tokio::select! {
        () = tokio::time::sleep(drain) => {}
        () = signals.next() => tracing::warn!("a second signal: the drain is cut short"),
    }

    let _ = stop.send(());
    tracing::info!(
        in_flight = console.in_flight.count(),
        grace_secs = SHUTDOWN_GRACE.as_secs(),
        "no longer accepting connections; waiting for the requests in flight"
    );
    let finished = tokio::select! {
        ended = tokio::time::timeout(SHUTDOWN_GRACE, &mut serving) => ended.ok(),
        () = signals.next() => None,
    };
    drop(background);
    match finished {
        Some(Ok(Ok(()))) => {
            tracing::info!("every request finished; stopped");
            ExitCode::SUCCESS
        }
        Some(Ok(Err(e))) => {
            eprintln!("server error: {e}");
            ExitCode::from(1)
        }
        Some(Err(e)) => {
            eprintln!("server error: {e}");
            ExitCode::from(1)
        }
        None => {
            let unfinished = console.in_flight.now();
            for request in &unfinished {
                tracing::warn!(
                    route = %request.route,
                    method = request.method,
                    request_id = %request.request_id,
                    running_secs = request.running_for.as_secs(),
                    "shutdown cut a request in flight"
                );
            }
            tracing::error!(
                unfinished = unfinished.len(),
                "stopped before every request finished: a change among them may or may not \
                 have reached ISC (its audit record has an intent without an outcome)"
            );
            ExitCode::from(1)
        }
    }
}

/// SIGTERM and Ctrl-C (SIGINT), listened for from start-up on.
struct Signals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Signals {
        Signals {
            #[cfg(unix)]
            terminate: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .ok(),
        }
    }

    /// The next SIGTERM or Ctrl-C.
    async fn next(&mut self) {
        let ctrl_c = async {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match self.terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {}
            () = terminate => {}
        }
    }
}
