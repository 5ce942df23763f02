//! Creating a group: review, then create.

use app::model::GroupDetail;
use app::model::review::DraftCheck;
use serde_json::json;

use crate::support::{
    call_form, call_json, create, draft, embedded, form_options, names, ok, source_id,
};

#[tokio::test]
async fn an_admin_reviews_and_creates_a_group() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let draft = draft(
        &options,
        "  Cloud sign-in ",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );

    let DraftCheck {
        review,
        errors,
        warning,
    } = ok(call_json(
        &admin,
        &env.base,
        "review_change",
        json!({ "editing": null, "draft": draft }),
    )
    .await)
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    assert!(warning.is_none());
    assert!(review.creating);
    assert!(
        review
            .consequences
            .contains(&"Users of Okta will now share their password with SAP S/4HANA.".to_string()),
        "{:?}",
        review.consequences
    );

    let created: GroupDetail = ok(create(&admin, &env.base, &draft).await).await;
    assert_eq!(created.name, "Cloud sign-in");
    assert_eq!(
        created.policy.name.as_deref(),
        Some("Default Password Policy")
    );
    assert_eq!(names(&created), ["Okta", "SAP S/4HANA"]);

    let stored = isc.group(&created.id).await.expect("in the tenant");
    assert_eq!(stored["name"], "Cloud sign-in");
    assert_eq!(isc.groups().await.len(), 4);
    // Members are on the group's policy.
    assert_eq!(
        isc.policy_of_source(&source_id(&options, "SAP S/4HANA"))
            .await
            .as_deref(),
        Some("Default Password Policy")
    );
    // The console's own views show it at once.
    let read: app::model::freshness::GroupAsOf =
        ok(call_form(&admin, &env.base, "get_group", &[("id", &created.id)]).await).await;
    assert_eq!(names(&read.group), ["Okta", "SAP S/4HANA"]);
}
