//! Running a sandbox on a loopback port (tests, demos).

use std::net::{Ipv4Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::{Sandbox, SandboxConfig};

/// A sandbox served on `127.0.0.1`; dropping the handle shuts the server down.
pub struct SandboxHandle {
    addr: SocketAddr,
    base_url: String,
    sandbox: Sandbox,
    shutdown: Option<oneshot::Sender<()>>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for SandboxHandle {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            // The server may already be gone; nothing to do then.
            let _ = shutdown.send(());
        }
    }
}

/// Starts a sandbox with `config` on `127.0.0.1` and a free port.
pub async fn spawn(config: SandboxConfig) -> std::io::Result<SandboxHandle> {
    spawn_sandbox(Sandbox::new(config)).await
}

/// Serves an existing sandbox on `127.0.0.1` and a free port.
pub async fn spawn_sandbox(sandbox: Sandbox) -> std::io::Result<SandboxHandle> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let (shutdown, stopped) = oneshot::channel::<()>();
    let app = sandbox
        .router()
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "sandbox server failed");
        }
    });
    Ok(SandboxHandle {
        addr,
        base_url: format!("http://{addr}"),
        sandbox,
        shutdown: Some(shutdown),
    })
}
