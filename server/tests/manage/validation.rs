//! ISC's rules, checked by the console before anything is sent.

use app::error::AppError;
use app::model::draft::{FieldErrors, GroupDraft};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::{
    BUSINESS_APPS, create, draft, embedded, failed, form_options, policy_id, source_id, update,
};

#[tokio::test]
async fn each_validation_rule_is_refused_by_the_server_before_anything_is_sent() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let good = draft(
        &options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let long = "x".repeat(129);
    type Case = (&'static str, GroupDraft, fn(&FieldErrors) -> bool);
    let cases: Vec<Case> = vec![
        (
            "blank name",
            GroupDraft {
                name: "   ".into(),
                ..good.clone()
            },
            |e| e.name.is_some(),
        ),
        (
            "name too long",
            GroupDraft {
                name: long,
                ..good.clone()
            },
            |e| e.name.as_deref().is_some_and(|m| m.contains("128")),
        ),
        (
            "no policy",
            GroupDraft {
                policy_id: String::new(),
                ..good.clone()
            },
            |e| e.policy.is_some(),
        ),
        (
            "one source",
            draft(&options, "Cloud", "Default Password Policy", &["Okta"]),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two"))
            },
        ),
        (
            "the same source twice",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Okta"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two"))
            },
        ),
        (
            "a file-based source",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Contractor HR Feed"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("file-based"))
            },
        ),
        (
            "a source without PASSWORD",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "Workday"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("no password management"))
            },
        ),
        (
            "a source in another group",
            draft(
                &options,
                "Cloud",
                "Default Password Policy",
                &["Okta", "GitHub Enterprise"],
            ),
            |e| {
                e.sources
                    .as_deref()
                    .is_some_and(|m| m.contains("already in group Engineering Systems"))
            },
        ),
    ];
    for (what, draft, expected) in cases {
        match failed(
            create(&admin, &env.base, &draft).await,
            StatusCode::BAD_REQUEST,
        )
        .await
        {
            AppError::Invalid { errors } => assert!(expected(&errors), "{what}: {errors:?}"),
            other => panic!("{what}: {other:?}"),
        }
    }
    // The same rules hold for an edit.
    let edit_options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = edit_options.editing.clone().unwrap();
    let bad = GroupDraft {
        name: "Business Apps".into(),
        policy_id: opened.policy.id.clone(),
        source_ids: vec![opened.sources[0].id.clone()],
    };
    assert!(matches!(
        failed(
            update(&admin, &env.base, &opened, &bad).await,
            StatusCode::BAD_REQUEST
        )
        .await,
        AppError::Invalid { .. }
    ));
    assert_eq!(isc.groups().await, before, "the tenant must be unchanged");
}

#[tokio::test]
async fn a_source_taken_between_opening_the_form_and_saving_is_caught_by_the_server() {
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
    // Someone else puts SAP into a group meanwhile.
    let rival = isc
        .create(json!({
            "name": "Finance",
            "passwordPolicyId": policy_id(&options, "Business Applications"),
            "sourceIds": [source_id(&options, "SAP S/4HANA"), source_id(&options, "Oracle Finance DB")],
        }))
        .await;
    assert_eq!(rival.status(), StatusCode::OK);
    match failed(
        create(&admin, &env.base, &draft).await,
        StatusCode::BAD_REQUEST,
    )
    .await
    {
        AppError::Invalid { errors } => assert_eq!(
            errors.sources.as_deref(),
            Some("SAP S/4HANA cannot be chosen: already in group Finance.")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        isc.groups().await.len(),
        4,
        "only the rival group was added"
    );
}
