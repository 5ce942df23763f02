//! A throwaway PostgreSQL cluster for the integration tests, from Debian's `postgresql` package
//! (installed by `./scripts/setup`): `initdb` in a temporary directory under /tmp, `postgres` on a
//! free 127.0.0.1 port with its socket in that directory, an application role and database, and
//! everything stopped and removed on drop, also when the test panics. No test depends on a
//! database that something else started.
//!
//! Use it with `#[path = "support/postgres.rs"] mod postgres;` from a `#[tokio::test]`:
//!
//! ```ignore
//! let pg = postgres::PgCluster::start().await;
//! let url = pg.url(); // postgres://console:<password>@127.0.0.1:<port>/console
//! ```
//!
//! PostgreSQL refuses to run as root, so when the tests run as root (as in CI) `initdb` and
//! `postgres` run as Debian's `postgres` system user (`setpriv`), which owns the temporary
//! directory; `psql` and `pg_isready` run as the test's own user (the socket trusts local clients).
//!
//! `postgres` runs under a small `sh` watchdog reading the test process's end of a pipe: when the
//! test process goes away without dropping the cluster (killed by a timeout, aborted), the pipe
//! closes and the watchdog stops the server and removes the directory, so nothing is left over.

#![allow(dead_code, reason = "each test binary uses some of these helpers")]
#![expect(clippy::expect_used, reason = "test harness: a failure fails the test")]

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The application role and its database.
const APP: &str = "console";
/// The cluster's superuser, reached over the unix socket (trusted) by [`PgCluster::superuser_psql`].
const SUPERUSER: &str = "postgres";
/// How long a server may take to accept connections (parallel test binaries on a busy machine).
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Port clashes tolerated at start (a free port taken by someone else before postgres binds it).
const PORT_ATTEMPTS: usize = 5;

/// The watchdog around `postgres` ("$1" is the cluster's directory, the rest the server's command
/// line). It stops the server when its stdin (a pipe from the test process) says `stop` (a fast
/// shutdown: the data stays, for `start_again`) or closes (an immediate shutdown, then the
/// directory is removed: the test dropped the cluster or died). It exits with the server.
const WATCHDOG: &str = r#"
dir=$1; shift
exec 3<&0
"$@" 3<&- &
pg=$!
{
  if read -r line <&3 && [ "$line" = stop ]; then kill -INT "$pg"; exit 0; fi
  kill -QUIT "$pg"; exit 3
} &
watcher=$!
exec 3<&-
wait "$pg"; status=$?
kill "$watcher" 2>/dev/null; wait "$watcher"
if [ $? -eq 3 ]; then rm -rf "$dir"; fi
exit "$status"
"#;

/// A running (or, after [`PgCluster::stop`], stopped) throwaway cluster.
pub struct PgCluster {
    inner: Arc<Inner>,
}

struct Inner {
    bin: PathBuf,
    /// Owner of the cluster's files and processes when the tests run as root: (uid, gid).
    run_as: Option<(u32, u32)>,
    port: u16,
    app_password: String,
    server: Mutex<Option<Server>>,
    /// Dropped last (after `Drop for Inner` has stopped the server): removes everything.
    dir: TempDir,
}

/// The watchdog (and through it `postgres`) and the write end of its stdin.
struct Server {
    child: Child,
    stdin: ChildStdin,
}

enum StartError {
    PortInUse,
}

impl PgCluster {
    /// Creates and starts a cluster with the `console` role and database. Panics (failing the
    /// test) with the reason, e.g. PostgreSQL's log, if anything goes wrong.
    pub async fn start() -> PgCluster {
        let inner = blocking(Inner::create).await;
        PgCluster {
            inner: Arc::new(inner),
        }
    }

    /// `postgres://console:<password>@127.0.0.1:<port>/console`.
    pub fn url(&self) -> String {
        self.url_for(APP)
    }

    /// The application URL with another password (to see a wrong one refused).
    pub fn url_with_password(&self, password: &str) -> String {
        let (password, port) = (percent_encode(password), self.inner.port);
        format!("postgres://{APP}:{password}@127.0.0.1:{port}/{APP}")
    }

    /// The application role's password.
    pub fn password(&self) -> &str {
        &self.inner.app_password
    }

    pub fn port(&self) -> u16 {
        self.inner.port
    }

    /// The cluster's temporary directory (data in `data/`, the socket, `postgres.log`).
    pub fn dir(&self) -> PathBuf {
        self.inner.dir.path().to_path_buf()
    }

    /// Creates another empty database owned by `console` and returns its URL (a lowercase name of
    /// letters, digits and underscores).
    pub async fn create_database(&self, name: &str) -> String {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "database name {name:?}: use lowercase letters, digits and underscores"
        );
        self.superuser_psql_in("postgres", &format!("CREATE DATABASE {name} OWNER {APP};"))
            .await;
        self.url_for(name)
    }

    /// Runs `sql` (one or more statements) with `psql` as the superuser in the `console`
    /// database and returns what it printed: rows only, columns separated by `|`, one row per
    /// line, without the final newline. Panics on any error.
    pub async fn superuser_psql(&self, sql: &str) -> String {
        self.superuser_psql_in(APP, sql).await
    }

    /// [`PgCluster::superuser_psql`] in another database.
    pub async fn superuser_psql_in(&self, database: &str, sql: &str) -> String {
        let inner = Arc::clone(&self.inner);
        let (database, sql) = (database.to_owned(), sql.to_owned());
        blocking(move || inner.superuser_psql(&database, &sql)).await
    }

    /// Stops the server (a fast shutdown: open connections are cut), keeping its data and port.
    /// Does nothing when it is already stopped.
    pub async fn stop(&self) {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.stop()).await;
    }

    /// Starts the stopped server again on the same data and port, once it accepts connections.
    /// Does nothing when it is running.
    pub async fn start_again(&self) {
        let inner = Arc::clone(&self.inner);
        blocking(move || inner.start_again()).await;
    }

    fn url_for(&self, database: &str) -> String {
        let (password, port) = (&self.inner.app_password, self.inner.port);
        format!("postgres://{APP}:{password}@127.0.0.1:{port}/{database}")
    }
}

impl Inner {
    fn create() -> Inner {
        let bin = bin_dir();
        let run_as = run_as();
        let dir = tempfile::Builder::new()
            .prefix("pg-test-")
            .tempdir_in("/tmp")
            .expect("create a temporary directory under /tmp for PostgreSQL");
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .expect("hand the cluster's directory to the postgres user");
        }

        // The superuser's password only matters over TCP (the socket trusts local clients).
        let password_file = dir.path().join("superuser-password");
        fs::write(&password_file, random_hex()).expect("write the superuser's password file");
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(&password_file, Some(uid), Some(gid))
                .expect("hand the password file to the postgres user");
        }
        let mut initdb = command(&bin, "initdb", run_as, dir.path());
        initdb
            .arg("--pgdata")
            .arg(dir.path().join("data"))
            .arg(format!("--username={SUPERUSER}"))
            .arg("--pwfile")
            .arg(&password_file)
            .args([
                "--encoding=UTF8",
                "--locale=C",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--no-sync",
                "--no-instructions",
            ]);
        check(initdb, "initdb");
        fs::remove_file(&password_file).expect("remove the superuser's password file");

        let mut inner = Inner {
            bin,
            run_as,
            port: 0,
            app_password: random_hex(),
            server: Mutex::new(None),
            dir,
        };
        for attempt in 1..=PORT_ATTEMPTS {
            inner.port = free_port();
            match inner.spawn_server() {
                Ok(server) => {
                    *inner
                        .server
                        .get_mut()
                        .unwrap_or_else(PoisonError::into_inner) = Some(server);
                    break;
                }
                Err(StartError::PortInUse) if attempt < PORT_ATTEMPTS => {}
                Err(StartError::PortInUse) => panic!(
                    "PostgreSQL found its port taken {PORT_ATTEMPTS} times in a row:\n{}",
                    inner.log()
                ),
            }
        }
        inner.superuser_psql(
            SUPERUSER,
            &format!(
                "CREATE ROLE {APP} LOGIN PASSWORD '{}';\nCREATE DATABASE {APP} OWNER {APP};",
                inner.app_password
            ),
        );
        inner
    }

    /// Starts `postgres` under the watchdog and waits until it accepts connections.
    fn spawn_server(&self) -> Result<Server, StartError> {
        // Only this start's part of the log tells why it failed.
        let earlier = fs::metadata(self.log_path()).map_or(0, |log| log.len());
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the PostgreSQL log");
        let socket_dir = self
            .dir
            .path()
            .to_str()
            .expect("a UTF-8 temporary directory");
        let mut watchdog = command(Path::new("/bin"), "sh", self.run_as, self.dir.path());
        watchdog
            .args(["-c", WATCHDOG, "sh"])
            .arg(self.dir.path())
            .arg(self.bin.join("postgres"))
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={socket_dir}"))
            // Throwaway data: durability only costs time.
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
            .args(["-c", "full_page_writes=off", "-c", "shared_buffers=16MB"])
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("share the PostgreSQL log"))
            .stderr(log);
        let mut child = watchdog.spawn().expect("start postgres");
        let stdin = child.stdin.take().expect("the watchdog's stdin");
        let mut server = Server { child, stdin };

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(status) = server.child.try_wait().expect("look at postgres") {
                let log = self.log();
                let log = log
                    .get(usize::try_from(earlier).unwrap_or(0)..)
                    .unwrap_or(&log);
                if log.contains("Address already in use") {
                    return Err(StartError::PortInUse);
                }
                panic!("postgres exited ({status}) before accepting connections:\n{log}");
            }
            // Over our own socket: a server answering there is ours, so it also has our port.
            let mut ready = command(&self.bin, "pg_isready", None, self.dir.path());
            ready
                .arg("--host")
                .arg(self.dir.path())
                .arg("--port")
                .arg(self.port.to_string())
                .args(["--timeout=1", "--quiet"]);
            if output(ready, "pg_isready").status.success() {
                return Ok(server);
            }
            if Instant::now() > deadline {
                server.abandon();
                panic!(
                    "postgres did not accept connections within {READY_TIMEOUT:?}:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn superuser_psql(&self, database: &str, sql: &str) -> String {
        let mut psql = command(&self.bin, "psql", None, self.dir.path());
        psql.arg("--host")
            .arg(self.dir.path())
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--username", SUPERUSER, "--dbname", database])
            .args(["--no-psqlrc", "--quiet", "--no-align", "--tuples-only"])
            .args(["--set", "ON_ERROR_STOP=1", "--file", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = psql.spawn().unwrap_or_else(|e| missing_binary("psql", &e));
        child
            .stdin
            .take()
            .expect("psql's stdin")
            .write_all(sql.as_bytes())
            .expect("send SQL to psql");
        let out = child.wait_with_output().expect("run psql");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "psql as {SUPERUSER} in {database} failed ({}) on:\n{sql}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout.strip_suffix('\n').unwrap_or(&stdout).to_owned()
    }

    fn stop(&self) {
        let server = self
            .server
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(mut server) = server {
            // A fast shutdown; the watchdog exits once postgres has.
            server
                .stdin
                .write_all(b"stop\n")
                .expect("ask the watchdog to stop postgres");
            drop(server.stdin);
            let status = server.child.wait().expect("wait for postgres to stop");
            assert!(
                status.success(),
                "postgres stopped with {status}:\n{}",
                self.log()
            );
        }
    }

    fn start_again(&self) {
        let mut server = self.server.lock().unwrap_or_else(PoisonError::into_inner);
        if server.is_none() {
            match self.spawn_server() {
                Ok(started) => *server = Some(started),
                Err(StartError::PortInUse) => panic!(
                    "port {} was taken while PostgreSQL was stopped:\n{}",
                    self.port,
                    self.log()
                ),
            }
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("postgres.log")
    }

    fn log(&self) -> String {
        let mut log = String::new();
        if let Ok(mut file) = File::open(self.log_path()) {
            let _ = file.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let server = self
            .server
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(server) = server {
            server.abandon();
        }
        // Then `dir` is dropped: the directory goes (if the watchdog has not removed it already).
    }
}

impl Server {
    /// An immediate shutdown (the watchdog sees its stdin close), waiting until postgres is gone.
    fn abandon(self) {
        let Server { mut child, stdin } = self;
        drop(stdin);
        let _ = child.wait();
    }
}

/// `/usr/lib/postgresql/<highest major>/bin`, else `pg_config --bindir`: wherever `initdb` is.
fn bin_dir() -> PathBuf {
    let mut majors: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse().ok()?;
            Some((major, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").is_file())
        .collect();
    majors.sort();
    if let Some((_, bin)) = majors.pop() {
        return bin;
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if bin.join("initdb").is_file() {
            return bin;
        }
    }
    panic!(
        "PostgreSQL's server programs (initdb, postgres) are neither in /usr/lib/postgresql/*/bin \
         nor in `pg_config --bindir`: run ./scripts/setup (it installs Debian's postgresql)"
    );
}

/// `None` unless the tests run as root; then the `postgres` user's ids, for PostgreSQL refuses
/// to run as root.
fn run_as() -> Option<(u32, u32)> {
    let euid = fs::metadata("/proc/self")
        .expect("look at /proc/self for the test's user")
        .uid();
    if euid != 0 {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, SUPERUSER])
            .output()
            .expect("run id");
        assert!(
            out.status.success(),
            "the tests run as root and PostgreSQL refuses to, but there is no `{SUPERUSER}` user \
             to run it as: run ./scripts/setup (Debian's postgresql package creates it)"
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a numeric id")
    };
    Some((id("-u"), id("-g")))
}

/// `bin/program`, as `run_as` when given, in `dir`, without the `PG*` variables of the
/// environment (which would point it at some other server).
fn command(bin: &Path, program: &str, run_as: Option<(u32, u32)>, dir: &Path) -> Command {
    let mut command = match run_as {
        None => Command::new(bin.join(program)),
        Some((uid, gid)) => {
            let mut setpriv = Command::new("setpriv");
            setpriv
                .arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .args(["--clear-groups", "--"])
                .arg(bin.join(program));
            setpriv
        }
    };
    command.current_dir(dir).stdin(Stdio::null());
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            command.env_remove(name);
        }
    }
    command
}

fn output(mut command: Command, program: &str) -> Output {
    command
        .output()
        .unwrap_or_else(|e| missing_binary(program, &e))
}

/// Runs `command` to completion and panics with its output if it fails.
fn check(command: Command, program: &str) {
    let out = output(command, program);
    assert!(
        out.status.success(),
        "{program} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn missing_binary(program: &str, error: &std::io::Error) -> ! {
    panic!("cannot run {program} ({error}): run ./scripts/setup (it installs Debian's postgresql)")
}

/// A port that was free a moment ago on 127.0.0.1 (postgres binds it next; a clash is retried).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free loopback port")
        .port()
}

/// 128 random bits, in hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 16];
    File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .expect("read /dev/urandom");
    bytes.iter().fold(String::new(), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a URL's password.
fn percent_encode(text: &str) -> String {
    text.bytes().fold(String::new(), |mut encoded, byte| {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            let _ = write!(encoded, "%{byte:02X}");
        }
        encoded
    })
}

/// Runs blocking work (processes, waits) off the runtime, so a console served by the same test
/// runtime keeps answering meanwhile; a panic in it fails the test with its message.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    }
}
