//! Deleting a group: its impact, the typed confirmation, and the delete itself.

use app::error::AppError;
use app::model::GroupDetail;
use app::model::delete::DeleteImpact;
use reqwest::StatusCode;

use crate::support::{
    CORPORATE_SIGN_IN, ENGINEERING_SYSTEMS, call_form, embedded, failed, form_options, names, ok,
    reason_in,
};

#[tokio::test]
async fn an_admin_deletes_a_group_and_its_policy_is_assigned_to_its_sources() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;

    let DeleteImpact {
        group: impact,
        consequences,
    } = ok(call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", ENGINEERING_SYSTEMS)],
    )
    .await)
    .await;
    assert_eq!(impact.name, "Engineering Systems");
    let text = consequences.join(" ");
    for name in ["GitHub Enterprise", "Unix LDAP", "Privileged Engineering"] {
        assert!(text.contains(name), "{name} missing: {text}");
    }
    assert!(
        text.contains("applications") && text.contains("no undo"),
        "{text}"
    );

    let deleted: GroupDetail = ok(call_form(
        &admin,
        &env.base,
        "delete_group",
        &[
            ("id", ENGINEERING_SYSTEMS),
            ("confirm_name", " Engineering Systems "),
        ],
    )
    .await)
    .await;
    assert_eq!(deleted.name, "Engineering Systems");
    assert_eq!(names(&deleted), ["GitHub Enterprise", "Unix LDAP"]);
    assert!(isc.group(ENGINEERING_SYSTEMS).await.is_none());
    for source in &impact.sources {
        assert_eq!(
            isc.policy_of_source(&source.id).await.as_deref(),
            Some("Privileged Engineering"),
            "{}",
            source.label()
        );
    }
    // The freed sources can join another group at once (no stale 60 s cache).
    let options = form_options(&admin, &env.base, None).await;
    assert_eq!(reason_in(&options, "GitHub Enterprise"), None);
}

#[tokio::test]
async fn a_delete_with_a_wrong_confirmation_name_is_refused() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    for wrong in [
        "",
        "   ",
        "Corporate sign-in",
        "Corporate Sign",
        "Engineering Systems",
    ] {
        let response = call_form(
            &admin,
            &env.base,
            "delete_group",
            &[("id", CORPORATE_SIGN_IN), ("confirm_name", wrong)],
        )
        .await;
        match failed(response, StatusCode::BAD_REQUEST).await {
            AppError::Invalid { errors } => assert!(errors.name.is_some(), "{wrong:?}"),
            other => panic!("{wrong:?}: {other:?}"),
        }
    }
    assert!(isc.group(CORPORATE_SIGN_IN).await.is_some());
    assert_eq!(isc.groups().await.len(), 3);
}

#[tokio::test]
async fn the_delete_impact_fails_closed_when_isc_fails() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    // More 500s than the client's three attempts per read.
    env.sandbox.faults().fail_next(10, 500);
    let response = call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", CORPORATE_SIGN_IN)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let error: AppError = response.json().await.unwrap();
    assert!(
        matches!(error, AppError::Upstream { status: 500, .. }),
        "{error:?}"
    );
    env.sandbox.faults().reset();
    let DeleteImpact { group: impact, .. } = ok(call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", CORPORATE_SIGN_IN)],
    )
    .await)
    .await;
    assert_eq!(impact.sources.len(), 3);
    let response = call_form(
        &admin,
        &env.base,
        "delete_impact",
        &[("id", "00000000-0000-0000-0000-000000000000")],
    )
    .await;
    assert!(matches!(
        failed(response, StatusCode::NOT_FOUND).await,
        AppError::NotFound { .. }
    ));
}
