//! The console binary as a real process, for tests of what only processes show: several
//! replicas on one database, a replica killed mid-flow, start-up failures and their exit codes
//! and messages, signals.
//!
//! Include it with `#[path = "support/console_process.rs"] mod console_process;`.
//!
//! ```ignore
//! let tenant = console_process::tenant(sandbox::SandboxConfig::default()).await;
//! let mut vars = console_process::tenant_vars(&tenant);
//! vars.push(("CONSOLE_DATABASE_URL", pg.url()));
//! vars.push(("CONSOLE_SECRET_KEY", key.to_base64()));
//! let a = ConsoleProcess::start(&vars).await; // panics with the console's output if it fails
//! let b = ConsoleProcess::start(&vars).await;
//! browser.sign_in(a.base(), "admin").await;
//! a.kill(); // SIGKILL
//! ```
//!
//! API (stable; other test files use it):
//!
//! - `ConsoleProcess::start(vars).await -> ConsoleProcess`: spawns `CARGO_BIN_EXE_server` with a
//!   clean environment (nothing inherited) plus `vars`, and waits (at most [`START_TIMEOUT`])
//!   until it prints `Sync Groups Console listening on http://ADDR`. Defaults unless `vars` set
//!   them: `CONSOLE_ADDR=127.0.0.1:0` (a free port), `RUST_LOG=info`, and, without
//!   `CONSOLE_DATABASE_URL` or `CONSOLE_DATA_DIR`, a fresh owner-only `CONSOLE_DATA_DIR` (removed on
//!   drop). The working directory is a temporary directory. Panics with the output if the
//!   process exits or stays silent.
//! - `ConsoleProcess::try_start(vars).await -> Result<ConsoleProcess, (ExitStatus, String)>`:
//!   the same, but a process that exits before listening is `Err((status, stderr))` (its
//!   stderr holds `configuration error: …` or `cannot start: …`).
//! - `base() -> &str` (`http://127.0.0.1:PORT`), `addr()`, `pid()`, `data_dir()`.
//! - `kill()`: SIGKILL and reap (nothing runs after it: no graceful shutdown). Idempotent.
//! - `terminate()`: SIGTERM (graceful shutdown); follow with `wait_exit`.
//! - `wait_exit(timeout).await -> ExitStatus`: panics with the output if it is still running.
//! - `is_running() -> bool`, `exit_status() -> Option<ExitStatus>`.
//! - `output() -> String`: stdout and stderr so far, interleaved by line (logs go to stdout).
//!   `stderr() -> String`: stderr alone.
//! - `wait_for_output(needle, timeout).await -> bool`: until `needle` appears in `output()`.
//! - `rss_kb() -> u64`: resident memory (VmRSS of `/proc/PID/status`), 0 once it has exited.
//! - Drop kills the process (SIGKILL) if it still runs.
//!
//! Helpers: `tenant(config).await` serves a standalone sandbox tenant on a loopback port
//! (`SandboxHandle::sandbox()` for faults, stats, user levels); `tenant_vars(&handle)` are the
//! settings of a console using it (OAuth client `console` and the read-only client
//! `readonly-api`); `vars_ref` turns `&[(&str, &str)]` into the owned form `start` takes.
//!
//! Waiting is done off the async runtime (or by polling it), so a sandbox served by the test's
//! own runtime keeps answering while a console starts (a console on a remote tenant asks it
//! for `/oauth/info` at start-up).

#![allow(dead_code, reason = "each test binary uses some of these helpers")]
#![expect(clippy::expect_used, reason = "test harness: a failure fails the test")]

use std::io::{BufRead as _, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a console may take to print its address (a busy machine running test binaries in
/// parallel, migrations on a fresh database).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The line the console prints once it listens, before the address.
const LISTENING: &str = "Sync Groups Console listening on http://";

/// A console process. Killed (SIGKILL) on drop.
pub struct ConsoleProcess {
    child: Child,
    addr: SocketAddr,
    base: String,
    logs: Logs,
    exit: Option<ExitStatus>,
    /// The working directory and, unless the test chose one, the data directory.
    dir: TempDir,
    data_dir: Option<std::path::PathBuf>,
}

/// What the process wrote, shared with the threads reading its pipes.
#[derive(Clone, Default)]
struct Logs {
    all: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Logs {
    fn push(&self, line: &str, stderr: bool) {
        let mut all = self.all.lock().unwrap_or_else(PoisonError::into_inner);
        if stderr {
            all.push_str("[stderr] ");
            let mut err = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
            err.push_str(line);
            err.push('\n');
        }
        all.push_str(line);
        all.push('\n');
    }

    fn all(&self) -> String {
        self.all
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Reads `pipe` line by line into `logs` until it closes; sends the listening address (once).
fn read_lines(
    pipe: impl Read + Send + 'static,
    logs: Logs,
    stderr: bool,
    listening: Option<mpsc::Sender<SocketAddr>>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut listening = listening;
        let mut reader = BufReader::new(pipe);
        let mut bytes = Vec::new();
        loop {
            bytes.clear();
            match reader.read_until(b'\n', &mut bytes) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let line = String::from_utf8_lossy(&bytes);
            let line = line.trim_end_matches(['\n', '\r']);
            logs.push(line, stderr);
            if let Some(rest) = line.strip_prefix(LISTENING)
                && let Ok(addr) = rest.trim().parse::<SocketAddr>()
                && let Some(sender) = listening.take()
            {
                let _ = sender.send(addr);
            }
        }
    })
}

impl ConsoleProcess {
    /// Starts the console with `vars` (see the module docs) and waits until it listens. Panics
    /// with its output when it does not.
    pub async fn start(vars: &[(&str, String)]) -> ConsoleProcess {
        match Self::try_start(vars).await {
            Ok(console) => console,
            Err((status, stderr)) => {
                panic!("the console exited ({status}) instead of starting:\n{stderr}")
            }
        }
    }

    /// Starts the console with `vars`; `Err((exit status, stderr))` when it exits before it
    /// listens. Panics when it neither listens nor exits within [`START_TIMEOUT`].
    pub async fn try_start(
        vars: &[(&str, String)],
    ) -> Result<ConsoleProcess, (ExitStatus, String)> {
        let dir = tempfile::Builder::new()
            .prefix("console-process-")
            .tempdir()
            .expect("a temporary directory for the console");
        let has = |name: &str| vars.iter().any(|(k, _)| *k == name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env_clear()
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !has("CONSOLE_ADDR") {
            command.env("CONSOLE_ADDR", "127.0.0.1:0");
        }
        if !has("RUST_LOG") {
            command.env("RUST_LOG", "info");
        }
        let mut data_dir = None;
        if !has("CONSOLE_DATABASE_URL") && !has("CONSOLE_DATA_DIR") {
            use std::os::unix::fs::PermissionsExt as _;
            let data = dir.path().join("data");
            std::fs::create_dir(&data).expect("create the console's data directory");
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700))
                .expect("make the data directory owner-only");
            command.env("CONSOLE_DATA_DIR", &data);
            data_dir = Some(data);
        }
        for (name, value) in vars {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start the console binary");
        let logs = Logs::default();
        let (sender, listening) = mpsc::channel();
        let stdout = child.stdout.take().expect("the console's stdout");
        let stderr = child.stderr.take().expect("the console's stderr");
        let _stdout_reader = read_lines(stdout, logs.clone(), false, Some(sender));
        let stderr_reader = read_lines(stderr, logs.clone(), true, None);

        // The stdout reader sends the address, or drops the sender when stdout closes (exit).
        let waited = blocking(move || listening.recv_timeout(START_TIMEOUT)).await;
        match waited {
            Ok(addr) => Ok(ConsoleProcess {
                child,
                addr,
                base: format!("http://{addr}"),
                logs,
                exit: None,
                dir,
                data_dir,
            }),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = blocking(move || {
                    let status = wait_child(&mut child, START_TIMEOUT);
                    let _ = stderr_reader.join();
                    (status, child)
                })
                .await;
                match status {
                    (Some(status), _) => Err((status, logs.stderr())),
                    (None, mut child) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!(
                            "the console closed its stdout but did not exit:\n{}",
                            logs.all()
                        )
                    }
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the console did not say it listens within {START_TIMEOUT:?}:\n{}",
                    logs.all()
                )
            }
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The data directory the harness made (`None` when the test set `CONSOLE_DATA_DIR` or
    /// `CONSOLE_DATABASE_URL`).
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self.data_dir.as_deref()
    }

    /// SIGKILL, then reaps the process. Does nothing once it has exited.
    pub fn kill(&mut self) {
        if self.exit.is_some() {
            return;
        }
        let _ = self.child.kill();
        if let Ok(status) = self.child.wait() {
            self.exit = Some(status);
        }
    }

    /// SIGTERM: the console shuts down gracefully. Does not wait (see [`Self::wait_exit`]).
    pub fn terminate(&self) {
        if self.exit.is_some() {
            return;
        }
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(sent.success(), "kill -TERM {} failed", self.pid());
    }

    /// The exit status, if it has exited (reaps it).
    pub fn exit_status(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            self.exit = Some(status);
        }
        self.exit
    }

    pub fn is_running(&mut self) -> bool {
        self.exit_status().is_none()
    }

    /// Waits until the process exits; panics with its output after `timeout`.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.exit_status() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the console (pid {}) did not exit within {timeout:?}:\n{}",
                self.pid(),
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Everything the process wrote so far (stdout and, marked `[stderr]`, stderr), by line.
    pub fn output(&self) -> String {
        self.logs.all()
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.logs.stderr()
    }

    /// Waits until `needle` appears in [`Self::output`]; `false` after `timeout`.
    pub async fn wait_for_output(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.output().contains(needle) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Resident memory in KiB (`VmRSS`), 0 when the process is gone.
    pub fn rss_kb(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .ok()
            .and_then(|status| {
                status.lines().find_map(|line| {
                    line.strip_prefix("VmRSS:")?
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse()
                        .ok()
                })
            })
            .unwrap_or(0)
    }
}

impl Drop for ConsoleProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `child` until it exits or `timeout` passes (blocking).
fn wait_child(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A sandbox tenant on its own loopback port, served by the test's runtime.
pub async fn tenant(config: sandbox::SandboxConfig) -> sandbox::SandboxHandle {
    sandbox::spawn(config)
        .await
        .expect("serve a sandbox tenant")
}

/// The settings of a console on `tenant`: its API URL, the OAuth client `console` and the
/// read-only client `readonly-api`.
pub fn tenant_vars(tenant: &sandbox::SandboxHandle) -> Vec<(&'static str, String)> {
    vec![
        ("ISC_API_URL", tenant.base_url().to_string()),
        ("ISC_CLIENT_ID", "console".to_string()),
        ("ISC_CLIENT_SECRET", "console-secret".to_string()),
        ("ISC_READONLY_CLIENT_ID", "readonly-api".to_string()),
        (
            "ISC_READONLY_CLIENT_SECRET",
            "readonly-api-secret".to_string(),
        ),
    ]
}

/// `(name, value)` pairs owned, as [`ConsoleProcess::start`] takes them.
pub fn vars_ref<'a>(vars: &[(&'a str, &str)]) -> Vec<(&'a str, String)> {
    vars.iter().map(|(k, v)| (*k, (*v).to_string())).collect()
}

/// Runs blocking work off the runtime; a panic in it fails the test with its message.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}
