//! Editing a group: review, then save.

use app::model::GroupDetail;
use app::model::review::DraftCheck;
use serde_json::json;

use crate::support::{
    BUSINESS_APPS, call_json, draft, embedded, form_options, names, ok, source_id, update,
};

#[tokio::test]
async fn an_admin_edits_a_group_and_dropped_sources_keep_the_old_policy() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let opened = options.editing.clone().unwrap();
    assert_eq!(names(&opened), ["ServiceNow", "Salesforce"]);
    let draft = draft(
        &options,
        "Business applications",
        "Default Password Policy",
        &["ServiceNow", "SAP S/4HANA", "Okta"],
    );

    let DraftCheck { review, errors, .. } = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": BUSINESS_APPS, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        review.name,
        Some(("Business Apps".into(), "Business applications".into()))
    );
    assert_eq!(
        review.removed.iter().map(|s| s.label()).collect::<Vec<_>>(),
        ["Salesforce"]
    );
    assert!(review.consequences.contains(
        &"Passwords of Salesforce stop being synchronised with the rest of the group; Salesforce keeps the policy Business Applications directly."
            .to_string()
    ));
    assert!(!review.rule_changes.is_empty());

    let saved: GroupDetail = ok(update(&admin, &env.base, &opened, &draft).await).await;
    assert_eq!(saved.id, BUSINESS_APPS);
    assert_eq!(saved.name, "Business applications");
    assert_eq!(names(&saved), ["ServiceNow", "SAP S/4HANA", "Okta"]);
    assert_eq!(
        saved.policy.name.as_deref(),
        Some("Default Password Policy")
    );

    let stored = isc.group(BUSINESS_APPS).await.unwrap();
    assert_eq!(stored["name"], "Business applications");
    assert_eq!(stored["sourceIds"].as_array().unwrap().len(), 3);
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "Salesforce"))
            .await
            .as_deref(),
        Some("Business Applications")
    );
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "ServiceNow"))
            .await
            .as_deref(),
        Some("Default Password Policy")
    );
}
