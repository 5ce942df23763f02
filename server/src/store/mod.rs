//! The console's database: browser sessions, users' sealed ISC tokens and the audit record.
//!
//! One code path over two databases through sqlx's `Any` driver: SQLite under
//! `CONSOLE_DATA_DIR` (the zero-configuration default, one process or several on one machine)
//! and PostgreSQL (`CONSOLE_DATABASE_URL`, for replicas). Queries are written once, in the SQL
//! both understand (`$1` parameters, `ON CONFLICT`); only the schema migrations differ, one
//! folder per dialect, embedded in the binary and applied at start-up (sqlx takes an advisory
//! lock on PostgreSQL, so replicas starting at the same moment apply them once).
//!
//! - `sealing`: the AEAD that keeps tokens unusable at rest, and the embedded default's key file;
//! - `private`: owner-only data directory and files;
//! - `sessions`: the tower-sessions store on `console_sessions`;
//! - `tokens`: the `console_tokens` table (sealed);
//! - `audit`: the append-only `console_audit` table;
//! - `lookups`: the append-only `console_lookups` table (who looked up whom);
//! - `plans`: documents submitted for a plan (`console_plans`), and their apply reports;
//! - `versions`: the last version of each group the console knows (`console_group_versions`)
//!   and when it last read the list (`console_reads`), to notice changes made outside it.

pub mod audit;
pub mod lookups;
pub mod plans;
pub mod private;
pub mod sealing;
pub mod sessions;
pub mod tokens;
pub mod versions;

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

pub use sealing::{Sealer, SecretKey};

/// The session database's file name inside `CONSOLE_DATA_DIR`.
pub const DATABASE_FILE: &str = "console.db";

/// Where the console keeps its state.
#[derive(Debug, Clone)]
pub enum Location {
    /// `{data_dir}/console.db`.
    Sqlite { data_dir: PathBuf },
    /// `CONSOLE_DATABASE_URL` (it may hold a password: never printed).
    Postgres { url: crate::config::Secret },
}

/// Which SQL dialect the pool speaks (for the few statements that differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Why the database cannot be used at start-up. Each names the setting to look at.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("CONSOLE_DATA_DIR: {0}")]
    DataDir(#[from] private::DirError),
    #[error("CONSOLE_DATA_DIR: cannot prepare {path}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("CONSOLE_DATA_DIR: cannot open the session database {path}")]
    Sqlite {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("CONSOLE_DATABASE_URL: {problem}")]
    Postgres {
        problem: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{setting}: cannot apply the console's schema: {problem}")]
    Migrate {
        setting: &'static str,
        problem: String,
        #[source]
        source: sqlx::migrate::MigrateError,
    },
    #[error("CONSOLE_DATA_DIR: cannot read or create the sealing key file {path}")]
    KeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The open database.
#[derive(Clone)]
pub struct Database {
    pool: AnyPool,
    dialect: Dialect,
}

/// How long a request waits for a pooled connection before the console answers "temporarily
/// unavailable" (a database that went away must not hang every page).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Database {
    /// Opens the database at `location`, creating what is missing and applying migrations.
    pub async fn open(location: &Location) -> Result<Database, OpenError> {
        sqlx::any::install_default_drivers();
        match location {
            Location::Sqlite { data_dir } => Self::open_sqlite(data_dir).await,
            Location::Postgres { url } => Self::open_postgres(url.expose()).await,
        }
    }

    async fn open_sqlite(data_dir: &std::path::Path) -> Result<Database, OpenError> {
        private::prepare_dir(data_dir)?;
        // Absolute: the driver takes the file from a URL, where a relative path has no meaning.
        let data_dir = &std::fs::canonicalize(data_dir).map_err(|source| OpenError::File {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join(DATABASE_FILE);
        let shown = path.display().to_string();
        for file in [
            path.clone(),
            data_dir.join(format!("{DATABASE_FILE}-wal")),
            data_dir.join(format!("{DATABASE_FILE}-shm")),
        ] {
            let result = if file == path {
                private::ensure_private_file(&file)
            } else {
                private::restrict_file(&file)
            };
            result.map_err(|source| OpenError::File {
                path: file.display().to_string(),
                source,
            })?;
        }
        let open_error = |source| OpenError::Sqlite {
            path: shown.clone(),
            source,
        };
        // The Any driver takes SQLite settings from the URL; the file exists already (above).
        let mut url = url::Url::parse("sqlite://")
            .map_err(|_| open_error(sqlx::Error::Configuration("bad sqlite URL".into())))?;
        url.set_path(&path.to_string_lossy());
        let options = AnyConnectOptions::from_url(&url)
            .map_err(open_error)?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        // WAL (remembered by the file): readers do not block the writer, and several processes
        // on one machine may share the file. Waiting for a lock is SQLite's busy timeout (5 s).
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await
            .map_err(open_error)?;
        let db = Database {
            pool,
            dialect: Dialect::Sqlite,
        };
        db.migrate("CONSOLE_DATA_DIR").await?;
        Ok(db)
    }

    async fn open_postgres(url: &str) -> Result<Database, OpenError> {
        let options = AnyConnectOptions::from_str(url)
            .map_err(|source| OpenError::Postgres {
                problem:
                    "is not a database URL such as postgres://console:…@db.example.com/console"
                        .into(),
                source,
            })?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .min_connections(0)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            // Connections a restarted database dropped are noticed before use, not by a page.
            .test_before_acquire(true)
            .connect_with(options)
            .await
            .map_err(|source| OpenError::Postgres {
                problem: describe_connect_error(&source),
                source,
            })?;
        let db = Database {
            pool,
            dialect: Dialect::Postgres,
        };
        db.migrate("CONSOLE_DATABASE_URL").await?;
        Ok(db)
    }

    async fn migrate(&self, setting: &'static str) -> Result<(), OpenError> {
        let mut migrator = match self.dialect {
            Dialect::Sqlite => sqlx::migrate!("migrations/sqlite"),
            Dialect::Postgres => sqlx::migrate!("migrations/postgres"),
        };
        // Migrations only add: a replica of the previous version restarted during a rolling
        // upgrade keeps working on a schema a newer one already extended.
        migrator.set_ignore_missing(true);
        migrator
            .run(&self.pool)
            .await
            .map_err(|source| OpenError::Migrate {
                setting,
                problem: describe_migrate_error(&source),
                source,
            })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Does the database answer now? (for readiness)
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }
}

/// What an operator should check, in words, for a failed connection.
fn describe_connect_error(e: &sqlx::Error) -> String {
    if let sqlx::Error::Database(db) = e {
        return match db.code().as_deref() {
            Some("28P01") | Some("28000") => {
                "the database refused the user name or password".into()
            }
            Some("3D000") => "the database named in the URL does not exist".into(),
            Some("42501") => "the user may not connect to this database".into(),
            _ => format!("the database refused the connection: {}", db.message()),
        };
    }
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => {
            "cannot reach the database server (is the host and port right, is it running?)".into()
        }
        sqlx::Error::Tls(_) => "the TLS connection to the database failed".into(),
        sqlx::Error::Configuration(_) => {
            "is not a database URL such as postgres://console:…@db.example.com/console".into()
        }
        other => format!("cannot connect: {other}"),
    }
}

fn describe_migrate_error(e: &sqlx::migrate::MigrateError) -> String {
    if let sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db)) = e
        && db.code().as_deref() == Some("42501")
    {
        return "the database user may not create tables (grant it CREATE on the schema, or \
                make it the database's owner)"
            .into();
    }
    match e {
        sqlx::migrate::MigrateError::VersionMissing(_)
        | sqlx::migrate::MigrateError::VersionTooNew(..) => {
            "the database was set up by a newer version of the console".into()
        }
        sqlx::migrate::MigrateError::VersionMismatch(_) => {
            "the database's schema history does not match this version of the console".into()
        }
        other => other.to_string(),
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
