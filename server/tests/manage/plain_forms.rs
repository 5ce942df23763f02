//! Without JavaScript: plain HTML form posts, redirected to the result or back to their page.

use app::error::AppError;
use reqwest::StatusCode;

use crate::common;
use crate::support::{
    CORPORATE_SIGN_IN, embedded, error_in_redirect, form_options, policy_id, post_html_form,
    source_id,
};

#[tokio::test]
async fn plain_form_posts_create_update_and_delete_and_redirect_to_the_result() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let (okta, sap) = (
        source_id(&options, "Okta"),
        source_id(&options, "SAP S/4HANA"),
    );
    let policy = policy_id(&options, "Default Password Policy");

    let response = post_html_form(
        &admin,
        &env.base,
        "save_group",
        &[
            ("name", "Cloud & co"),
            ("policy_id", &policy),
            ("source_ids[]", &okta),
            ("source_ids[]", &sap),
        ],
        "/groups/new/review?name=Cloud",
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = common::location_path(&response);
    let id = location
        .strip_prefix("/groups/")
        .and_then(|rest| rest.strip_suffix("?saved=created"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_string();
    let stored = isc.group(&id).await.unwrap();
    assert_eq!(stored["name"], "Cloud & co");
    // The version the edit form shows.
    let version = form_options(&admin, &env.base, Some(&id))
        .await
        .editing
        .unwrap()
        .version();

    let response = post_html_form(
        &admin,
        &env.base,
        "save_group",
        &[
            ("id", &id),
            ("opened_version", &version),
            ("name", "Cloud"),
            ("policy_id", &policy),
            ("source_ids[]", &okta),
            ("source_ids[]", &sap),
        ],
        &format!("/groups/{id}/edit/review"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        common::location_path(&response),
        format!("/groups/{id}?saved=updated")
    );
    assert_eq!(isc.group(&id).await.unwrap()["name"], "Cloud");

    let response = post_html_form(
        &admin,
        &env.base,
        "delete_group",
        &[("id", &id), ("confirm_name", "Cloud")],
        &format!("/groups/{id}/delete"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // The notice comes signed (see `server::notice`; tests/notices.rs checks the signature).
    let location = common::location_path(&response);
    let (notice, signature) = location
        .split_once("&__sig=")
        .unwrap_or_else(|| panic!("unsigned: {location}"));
    assert_eq!(
        notice,
        "/groups?deleted=Cloud&sources=Okta%2C%20SAP%20S%2F4HANA"
    );
    assert!(
        !signature.is_empty() && !signature.contains('&'),
        "{location}"
    );
    assert!(isc.group(&id).await.is_none());
}

#[tokio::test]
async fn a_failed_plain_form_post_returns_to_its_page_with_the_error() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    let okta = source_id(&options, "Okta");
    let policy = policy_id(&options, "Default Password Policy");

    // One source only, and no sources at all (the field is then missing from the form).
    let referer = "/groups/new/review?name=Cloud";
    for fields in [
        vec![
            ("name", "Cloud"),
            ("policy_id", policy.as_str()),
            ("source_ids[]", okta.as_str()),
        ],
        vec![("name", "Cloud"), ("policy_id", policy.as_str())],
    ] {
        let response = post_html_form(&admin, &env.base, "save_group", &fields, referer).await;
        let (path, error) = error_in_redirect(&response);
        assert_eq!(path, "/api/save_group");
        assert!(common::location_path(&response).starts_with(referer));
        match error {
            AppError::Invalid { errors } => assert!(
                errors
                    .sources
                    .as_deref()
                    .is_some_and(|m| m.contains("at least two")),
                "{errors:?}"
            ),
            other => panic!("{other:?}"),
        }
    }

    let response = post_html_form(
        &admin,
        &env.base,
        "delete_group",
        &[("id", CORPORATE_SIGN_IN), ("confirm_name", "nope")],
        &format!("/groups/{CORPORATE_SIGN_IN}/delete"),
    )
    .await;
    let (path, error) = error_in_redirect(&response);
    assert_eq!(path, "/api/delete_group");
    assert!(matches!(error, AppError::Invalid { .. }), "{error:?}");
    assert_eq!(isc.groups().await.len(), 3);
    // The page the form came from shows the error (leptos_router hands `__err` to the page's
    // ServerAction of the same server function).
    let page = admin.get(&common::location(&response)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("Some fields need attention") || html.contains("Type the group"),
        "{html}"
    );
}
