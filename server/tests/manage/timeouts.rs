//! Writes that time out are not retried.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use app::error::AppError;
use reqwest::StatusCode;

use crate::common;
use crate::support::{Browser, Isc, create, draft, failed, form_options};

/// A tenant behind a forwarding proxy that counts sync-group creates and holds each create's
/// answer back for `delay` after ISC has made the group, like a slow network on the way back.
async fn proxy_delaying_creates(
    tenant: String,
    delay: Duration,
    creates: Arc<AtomicUsize>,
) -> String {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let handler = move |request: Request| {
        let http = http.clone();
        let tenant = tenant.clone();
        let creates = creates.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let path = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let is_create = parts.method == axum::http::Method::POST
                && parts.uri.path().ends_with("/password-sync-groups");
            let mut headers = parts.headers.clone();
            headers.remove("host");
            let answer = http
                .request(parts.method.clone(), format!("{tenant}{path}"))
                .headers(headers)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = answer.status();
            let mut headers = answer.headers().clone();
            headers.remove("transfer-encoding");
            headers.remove("content-length");
            let bytes = answer.bytes().await.unwrap();
            if is_create {
                creates.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
            }
            let mut response = Response::new(Body::from(bytes));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            response
        }
    };
    let app = axum::Router::new().fallback(handler);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_create_that_times_out_is_not_retried() {
    let tenant = sandbox::spawn(sandbox::SandboxConfig::default())
        .await
        .unwrap();
    let creates = Arc::new(AtomicUsize::new(0));
    let proxy = proxy_delaying_creates(
        tenant.base_url().to_string(),
        Duration::from_secs(3),
        creates.clone(),
    )
    .await;
    let console = common::start(&[
        ("ISC_API_URL", proxy.as_str()),
        ("ISC_CLIENT_ID", "console"),
        ("ISC_CLIENT_SECRET", "console-secret"),
        ("ISC_TIMEOUT_SECS", "1"),
    ])
    .await;
    let admin = Browser::new();
    admin.sign_in(&console.base, "admin").await;
    let options = form_options(&admin, &console.base, None).await;
    let draft = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let started = std::time::Instant::now();
    let response = create(&admin, &console.base, &draft).await;
    match failed(response, StatusCode::BAD_GATEWAY).await {
        AppError::Unavailable { message } => {
            assert!(
                message.contains("cannot tell whether the group was created"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // Time for a retry to have arrived, had there been one.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(creates.load(Ordering::SeqCst), 1, "the POST was sent once");
    let isc = Isc::new(tenant.base_url()).await;
    let groups = isc.groups().await;
    assert_eq!(groups.len(), 4);
    assert_eq!(groups.iter().filter(|g| g["name"] == "Cloud").count(), 1);
}
