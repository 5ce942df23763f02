//! Edits of a group that changed in ISC after the form was opened.

use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::GroupDraft;
use reqwest::StatusCode;
use serde_json::json;

use crate::common;
use crate::support::{
    BUSINESS_APPS, borrowed, draft, embedded, error_in_redirect, failed, form_options, ok,
    post_html_form, save_fields, update,
};

#[tokio::test]
async fn an_edit_of_a_group_changed_in_isc_meanwhile_is_refused_as_stale() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    let mine = GroupDraft {
        name: "Mine".into(),
        ..draft(
            &options,
            "Mine",
            "Business Applications",
            &["ServiceNow", "Salesforce", "SAP S/4HANA"],
        )
    };

    // Someone renames it in ISC after the form opened.
    let theirs = json!({
        "name": "Business Apps (theirs)",
        "passwordPolicyId": opened.policy.id,
        "sourceIds": opened.sources.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
    });
    assert_eq!(
        isc.put(BUSINESS_APPS, theirs).await.status(),
        StatusCode::OK
    );

    // With JavaScript: the review dialog's form, dispatched by the hydrated app.
    let hydrated = match failed(
        update(&admin, &env.base, &opened, &mine).await,
        StatusCode::CONFLICT,
    )
    .await
    {
        AppError::Stale {
            current: Some(current),
        } => {
            assert_eq!(current.name, "Business Apps (theirs)");
            assert_ne!(current.modified, opened.modified);
            assert_eq!(
                current.changes_since(&opened),
                ["Name: Business Apps → Business Apps (theirs)"]
            );
            current
        }
        other => panic!("{other:?}"),
    };
    let stored = isc.group(BUSINESS_APPS).await.unwrap();
    assert_eq!(
        stored["name"], "Business Apps (theirs)",
        "nothing overwritten"
    );
    assert_eq!(stored["sourceIds"].as_array().unwrap().len(), 2);

    // Without JavaScript: the same fields from the review page, the same rule, the same
    // refusal, back on its page.
    let referer = format!("/groups/{BUSINESS_APPS}/edit/review?name=Mine");
    let fields = save_fields(Some(&opened), &mine);
    let response = post_html_form(
        &admin,
        &env.base,
        "save_group",
        &borrowed(&fields),
        &referer,
    )
    .await;
    let (path, error) = error_in_redirect(&response);
    assert_eq!(path, "/api/save_group");
    assert!(common::location_path(&response).starts_with(&referer));
    assert_eq!(
        error,
        AppError::Stale {
            current: Some(hydrated)
        }
    );
    assert_eq!(
        isc.group(BUSINESS_APPS).await.unwrap()["name"],
        "Business Apps (theirs)"
    );

    // With the current version as the starting point, the edit goes through.
    let current = form_options(&admin, &env.base, Some(BUSINESS_APPS))
        .await
        .editing
        .unwrap();
    let saved: GroupDetail = ok(update(&admin, &env.base, &current, &mine).await).await;
    assert_eq!(saved.name, "Mine");
}

#[tokio::test]
async fn an_edit_of_a_group_deleted_meanwhile_is_stale_without_a_current_version() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    assert_eq!(
        isc.delete(BUSINESS_APPS).await.status(),
        StatusCode::NO_CONTENT
    );
    let draft = draft(
        &options,
        "Business Apps",
        "Business Applications",
        &["ServiceNow", "Salesforce"],
    );
    assert_eq!(
        failed(
            update(&admin, &env.base, &opened, &draft).await,
            StatusCode::CONFLICT
        )
        .await,
        AppError::Stale { current: None }
    );
    assert!(isc.group(BUSINESS_APPS).await.is_none(), "not recreated");
}
