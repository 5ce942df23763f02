//! ISC refusing a write the console let through: the refusal reaches the caller.

use std::time::Duration;

use app::error::AppError;
use app::model::review::DraftCheck;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{
    call_json, create, draft, embedded, failed, form_options, ok, policy_id, source_id,
};

#[tokio::test]
async fn isc_refusing_a_source_taken_in_a_race_reaches_the_caller_with_its_tracking_id() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let rival = json!({
        "name": "Finance",
        "passwordPolicyId": policy_id(&options, "Business Applications"),
        "sourceIds": [source_id(&options, "SAP S/4HANA"), source_id(&options, "Oracle Finance DB")],
    });

    // Every tenant request now waits 1.5 s before it is handled. The console's checks (reads
    // sent at once) are handled at ~1.5 s and its POST at ~3 s; the rival create, sent at
    // 0.7 s, is handled at ~2.2 s: after the console checked, before it writes.
    env.sandbox
        .faults()
        .set_latency(Duration::from_millis(1500));
    let console_create = {
        let admin = admin.clone();
        let base = env.base.clone();
        let draft = draft.clone();
        tokio::spawn(async move { create(&admin, &base, &draft).await })
    };
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(isc.create(rival).await.status(), StatusCode::OK);
    let response = console_create.await.unwrap();
    env.sandbox.faults().reset();

    match failed(response, StatusCode::BAD_REQUEST).await {
        AppError::Upstream {
            status,
            detail_code,
            message,
            tracking_id,
        } => {
            assert_eq!(status, 400);
            assert_eq!(detail_code.as_deref(), Some("400.1.409 Reference conflict"));
            assert!(
                message.contains("SAP S/4HANA") && message.contains("Finance"),
                "{message}"
            );
            assert!(
                tracking_id.is_some_and(|t| t.len() == 32),
                "ISC's trackingId must reach the caller"
            );
        }
        other => panic!("{other:?}"),
    }
    let groups = isc.groups().await;
    assert_eq!(groups.len(), 4);
    assert!(groups.iter().all(|g| g["name"] != "Cloud"));
}

#[tokio::test]
async fn isc_refusing_a_duplicate_name_reaches_the_caller_after_the_console_only_warned() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "engineering systems",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let DraftCheck {
        errors, warning, ..
    } = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": null, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty());
    assert!(warning.is_some_and(|w| w.contains("Engineering Systems")));
    // The sandbox, like a tenant with unique names, refuses it.
    match failed(
        create(&admin, &env.base, &draft).await,
        StatusCode::BAD_REQUEST,
    )
    .await
    {
        AppError::Upstream {
            detail_code,
            tracking_id,
            ..
        } => {
            assert_eq!(detail_code.as_deref(), Some("400.1.409 Reference conflict"));
            assert!(tracking_id.is_some());
        }
        other => panic!("{other:?}"),
    }
}
