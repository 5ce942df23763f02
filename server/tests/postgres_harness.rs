//! The throwaway PostgreSQL cluster the database tests use: it takes the application role's
//! password and no other, keeps its data across a stop and a start, and leaves nothing behind.

#[path = "support/postgres.rs"]
mod postgres;

use std::process::{Command, Output};

use postgres::PgCluster;

/// `psql` as a client of `url`, over TCP.
fn psql(url: &str, sql: &str) -> Output {
    let mut psql = Command::new("psql");
    psql.args(["--no-psqlrc", "--no-align", "--tuples-only", "--quiet"])
        .args([
            "--set",
            "ON_ERROR_STOP=1",
            "--dbname",
            url,
            "--command",
            sql,
        ]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("PG") {
            psql.env_remove(name);
        }
    }
    psql.output()
        .unwrap_or_else(|e| panic!("run psql ({e}): run ./scripts/setup"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim().to_owned()
}

#[tokio::test]
async fn a_cluster_takes_the_app_password_keeps_its_data_across_a_restart_and_goes_away() {
    let pg = PgCluster::start().await;
    let url = pg.url();
    assert!(url.starts_with("postgres://console:"), "{url}");

    let created = psql(
        &url,
        "CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept');",
    );
    assert!(created.status.success(), "{}", text(&created.stderr));
    assert_eq!(
        pg.superuser_psql("SELECT tableowner FROM pg_tables WHERE tablename = 'notes'")
            .await,
        "console"
    );

    let refused = psql(&pg.url_with_password("not it"), "SELECT 1");
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("password authentication failed"),
        "{}",
        text(&refused.stderr)
    );

    pg.stop().await;
    let away = psql(&url, "SELECT 1");
    assert!(!away.status.success(), "answered while stopped");
    pg.start_again().await;
    let kept = psql(&url, "SELECT body FROM notes");
    assert_eq!(text(&kept.stdout), "kept", "{}", text(&kept.stderr));

    let other = pg.create_database("second").await;
    let empty = psql(
        &other,
        "SELECT count(*) FROM pg_tables WHERE tablename = 'notes'",
    );
    assert_eq!(text(&empty.stdout), "0", "{}", text(&empty.stderr));

    let port = pg.port();
    let dir = pg.dir();
    drop(pg);
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something still listens on {port}"
    );
}
