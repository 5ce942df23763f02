//! The `sandbox` binary: start-up line, a real request, clean errors for bad arguments.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_sandbox");

#[tokio::test]
async fn serves_and_prints_its_address() {
    let mut child = Command::new(BIN)
        .args([
            "--addr",
            "127.0.0.1:0",
            "--tenant",
            "acme",
            "--token-ttl",
            "60",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok);
        let _ = tx.send(first);
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    let first = rx.recv_timeout(Duration::from_secs(20)).unwrap().unwrap();
    let base = first
        .strip_prefix("sandbox listening on ")
        .expect(&first)
        .to_owned();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(':') && !base.ends_with('/'),
        "{base}"
    );

    let http = reqwest::Client::new();
    let info: serde_json::Value = http
        .get(format!("{base}/oauth/info"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["tenantName"], "acme");
    let tokens: serde_json::Value = http
        .post(format!("{base}/oauth/token"))
        .basic_auth("readonly-api", Some("readonly-api-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tokens["expires_in"], 60);
    let res = http
        .get(format!("{base}/beta/password-sync-groups"))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn bad_arguments_exit_2_without_a_panic() {
    for args in [
        vec!["--bogus"],
        vec!["--addr", "nope"],
        vec!["--addr"],
        vec!["--rate-limit", "-3"],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("sandbox: "), "{stderr}");
        assert!(stderr.contains("usage:"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("--addr"));
}

#[test]
fn an_address_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(BIN).args(["--addr", &addr]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}
