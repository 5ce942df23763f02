//! The ISC client against the sandbox tenant with injected faults: what users notice as
//! "the page still loads" or "a clear message", never a hang or a duplicate write.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::caller::Credential;
use sandbox::{SandboxConfig, SandboxHandle};
use server::config::{ClientCredential, Secret};
use server::isc::model::PasswordSyncGroup;
use server::isc::{ClientCredentialsToken, IscClient, IscError, RetryPolicy};
use url::Url;

async fn tenant() -> SandboxHandle {
    sandbox::spawn(SandboxConfig::default())
        .await
        .expect("sandbox")
}

fn client(handle: &SandboxHandle, timeout: Duration) -> (IscClient, Arc<dyn Credential>) {
    let url = Url::parse(handle.base_url()).unwrap();
    let isc = IscClient::new(&url, "beta", Duration::from_secs(2), timeout)
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 3,
            backoff: Duration::from_millis(20),
            max_rate_limit_wait: Duration::from_secs(3),
        });
    // admin's personal access token: may read and write sync groups.
    let token = ClientCredentialsToken::new(
        isc.http().clone(),
        isc.token_url().unwrap(),
        ClientCredential {
            client_id: "admin-pat".into(),
            client_secret: Secret::new("admin-pat-secret"),
        },
    );
    (isc, Arc::new(token))
}

async fn group_count(isc: &IscClient, auth: &dyn Credential) -> usize {
    isc.list_sync_groups(auth).await.unwrap().len()
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_for_reads() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    auth.access_token().await.unwrap();
    // The sandbox's injected 429s say Retry-After: 1.
    handle.sandbox().faults().fail_next(2, 429);
    let started = Instant::now();
    let groups = isc.list_sync_groups(auth.as_ref()).await.unwrap();
    assert_eq!(groups.len(), 3);
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn rate_limiting_beyond_the_wait_budget_is_reported_with_the_delay() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    auth.access_token().await.unwrap();
    handle.sandbox().faults().fail_next(10, 429);
    let error = isc.list_sync_groups(auth.as_ref()).await.unwrap_err();
    match error {
        IscError::RateLimited { retry_after } => assert_eq!(retry_after, Duration::from_secs(1)),
        other => panic!("expected RateLimited, got {other:?}"),
    }
    let message = app::error::AppError::from(IscError::RateLimited {
        retry_after: Duration::from_secs(4),
    })
    .to_string();
    assert!(message.contains("try again in 4 s"), "{message}");
}

#[tokio::test]
async fn a_short_500_burst_is_retried_for_reads() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    auth.access_token().await.unwrap();
    handle.sandbox().faults().fail_next(2, 500);
    assert_eq!(group_count(&isc, auth.as_ref()).await, 3);
}

#[tokio::test]
async fn a_long_500_burst_gives_up_with_isc_s_tracking_id() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    auth.access_token().await.unwrap();
    handle.sandbox().faults().fail_next(10, 500);
    match isc.list_sync_groups(auth.as_ref()).await.unwrap_err() {
        IscError::Status {
            status,
            tracking_id,
            ..
        } => {
            assert_eq!(status, 500);
            let id = tracking_id.expect("tracking id");
            assert_eq!(id.len(), 32);
        }
        other => panic!("expected a 500, got {other:?}"),
    }
    // Three attempts in all: seven of the ten injected failures are left.
    assert_eq!(handle.sandbox().faults().pending_failures().0, 7);
}

#[tokio::test]
async fn writes_are_never_retried_after_a_server_error() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    auth.access_token().await.unwrap();
    handle.sandbox().faults().fail_next(1, 500);
    let group = isc
        .get_sync_group(auth.as_ref(), &first_id(&isc, auth.as_ref()).await)
        .await;
    assert!(group.is_ok(), "the read after the burst is retried");
    handle.sandbox().faults().fail_next(3, 500);
    let draft = PasswordSyncGroup {
        id: None,
        name: "Never twice".into(),
        password_policy_id: Some("p".into()),
        source_ids: vec![],
        created: None,
        modified: None,
    };
    assert!(isc.create_sync_group(auth.as_ref(), &draft).await.is_err());
    // Only one of the three failures was used: the POST went out once.
    assert_eq!(handle.sandbox().faults().pending_failures().0, 2);
}

async fn first_id(isc: &IscClient, auth: &dyn Credential) -> String {
    isc.list_sync_groups(auth).await.unwrap()[0]
        .id
        .clone()
        .unwrap()
}

#[tokio::test]
async fn latency_over_the_timeout_fails_fast_with_a_clear_error() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_millis(300));
    auth.access_token().await.unwrap();
    handle
        .sandbox()
        .faults()
        .set_latency(Duration::from_secs(2));
    let started = Instant::now();
    let error = isc.list_sync_groups(auth.as_ref()).await.unwrap_err();
    assert!(
        matches!(error, IscError::NoAnswer(app::error::NoAnswer::Timeout)),
        "{error:?}"
    );
    // Three attempts of 300 ms plus backoff, far from the 2 s of latency each would wait.
    assert!(
        started.elapsed() < Duration::from_millis(1900),
        "{:?}",
        started.elapsed()
    );
    let message = app::error::AppError::from(error).to_string();
    assert!(message.contains("did not answer in time"), "{message}");
}

#[tokio::test]
async fn an_expired_token_is_renewed_once_and_the_call_succeeds() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    let before = auth.access_token().await.unwrap();
    handle.sandbox().faults().expire_all_tokens();
    assert_eq!(group_count(&isc, auth.as_ref()).await, 3);
    assert_ne!(auth.access_token().await.unwrap(), before);
}

#[tokio::test]
async fn ids_never_change_which_upstream_url_is_called() {
    let handle = tenant().await;
    let (isc, auth) = client(&handle, Duration::from_secs(5));
    let real = first_id(&isc, auth.as_ref()).await;
    for id in [
        "../../v3/sources",
        "..",
        "a/b",
        "x?limit=1",
        "x#frag",
        "x%2F..%2Fsources",
        &format!("{real}/../../sources"),
        &format!("{real}?x=1"),
    ] {
        let result = isc.get_sync_group(auth.as_ref(), id).await;
        assert!(
            matches!(result, Err(IscError::InvalidId)),
            "{id:?} gave {result:?}"
        );
        let deleted = isc.delete_sync_group(auth.as_ref(), id).await;
        assert!(
            matches!(deleted, Err(IscError::InvalidId)),
            "{id:?} gave {deleted:?}"
        );
    }
    assert_eq!(
        group_count(&isc, auth.as_ref()).await,
        3,
        "nothing was deleted"
    );
    // A well-formed unknown id is asked for, and is a 404.
    let unknown = isc
        .get_sync_group(auth.as_ref(), "00000000-0000-0000-0000-000000000000")
        .await;
    assert!(
        matches!(unknown, Err(IscError::Status { status: 404, .. })),
        "{unknown:?}"
    );
}
