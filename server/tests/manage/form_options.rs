//! Opening the create and edit forms: the choices they offer, fresh from the tenant.

use app::error::AppError;
use reqwest::StatusCode;

use crate::support::{ENGINEERING_SYSTEMS, call_form, embedded, failed, form_options, reason_in};

#[tokio::test]
async fn the_form_options_are_fresh_named_sorted_and_explain_ineligibility() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, None).await;
    assert!(options.editing.is_none());
    assert_eq!(options.groups.len(), 3);
    let policy_names: Vec<_> = options.policies.iter().map(|p| p.name.clone()).collect();
    let mut sorted = policy_names.clone();
    sorted.sort_by_key(|n| n.clone().unwrap_or_default().to_lowercase());
    assert_eq!(policy_names, sorted);
    assert!(options.policies.iter().all(|p| p.rules.is_some()));
    let reason = |name: &str| reason_in(&options, name);
    assert_eq!(reason("Okta"), None);
    assert_eq!(reason("SAP S/4HANA"), None);
    assert_eq!(
        reason("GitHub Enterprise").as_deref(),
        Some("already in group Engineering Systems")
    );
    assert_eq!(reason("Workday").as_deref(), Some("no password management"));
    assert_eq!(
        reason("Contractor HR Feed").as_deref(),
        Some("file-based source")
    );

    // Editing a group: its own sources are choosable, and the form gets the group as it is.
    let options = form_options(&admin, &env.base, Some(ENGINEERING_SYSTEMS)).await;
    let editing = options.editing.clone().unwrap();
    assert_eq!(editing.name, "Engineering Systems");
    assert_eq!(reason_in(&options, "GitHub Enterprise"), None);

    // An unknown group is a 404.
    let response = call_form(
        &admin,
        &env.base,
        "form_options",
        &[("editing", "00000000-0000-0000-0000-000000000000")],
    )
    .await;
    assert!(matches!(
        failed(response, StatusCode::NOT_FOUND).await,
        AppError::NotFound { .. }
    ));
}

/// The `<input …>` tag whose `value` is `value`.
fn input_with_value<'a>(html: &'a str, value: &str) -> &'a str {
    let at = html
        .find(&format!(r#"value="{value}""#))
        .unwrap_or_else(|| panic!("no input with value {value}"));
    let start = html[..at].rfind("<input").unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

#[tokio::test]
async fn without_javascript_the_edit_form_shows_the_group_as_it_is() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(ENGINEERING_SYSTEMS)).await;
    let group = options.editing.unwrap();
    let html = admin
        .get(&format!("{}/groups/{ENGINEERING_SYSTEMS}/edit", env.base))
        .await
        .text()
        .await
        .unwrap();
    // The server-rendered form is filled in: its name, its policy chosen, its sources ticked,
    // and no other choice made (a browser without JavaScript posts exactly this).
    assert!(
        input_with_value(&html, &group.name).contains(r#"name="name""#),
        "{html}"
    );
    for choice in &options.policies {
        let tag = input_with_value(&html, &choice.id);
        assert_eq!(
            tag.contains(" checked"),
            choice.id == group.policy.id,
            "{tag}"
        );
    }
    for choice in &options.sources {
        let tag = input_with_value(&html, &choice.source.id);
        let member = group.sources.iter().any(|s| s.id == choice.source.id);
        assert_eq!(tag.contains(" checked"), member, "{tag}");
    }
    assert!(input_with_value(&html, &group.version()).contains(r#"name="opened_version""#));
}
