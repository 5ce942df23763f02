//! Who may change groups: helpdesk and signed-out callers may not, and cross-site posts are
//! refused; none of them reaches ISC.

use app::error::AppError;
use app::model::draft::{FormOptions, GroupDraft};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    BUSINESS_APPS, Browser, draft, embedded, error_in_redirect, failed, form_options,
    post_html_form, save_fields,
};

/// A server function's name, its JSON body (null: it is URL-encoded) and its form fields.
type Call = (&'static str, Value, Vec<(String, String)>);

/// Every management call, with a body that would succeed for an admin.
fn every_mutation(options: &FormOptions) -> Vec<Call> {
    let opened = options.editing.clone().unwrap();
    let draft = draft(
        options,
        "Cloud",
        "Default Password Policy",
        &["Okta", "SAP S/4HANA"],
    );
    let edit = GroupDraft {
        name: "Renamed".into(),
        policy_id: opened.policy.id.clone(),
        source_ids: opened.sources.iter().map(|s| s.id.clone()).collect(),
    };
    let s = |v: &str| v.to_string();
    vec![
        ("save_group", Value::Null, save_fields(None, &draft)),
        ("save_group", Value::Null, save_fields(Some(&opened), &edit)),
        (
            "review_change",
            json!({ "editing": null, "draft": draft }),
            vec![],
        ),
        ("form_options", Value::Null, vec![]),
        (
            "delete_impact",
            Value::Null,
            vec![(s("id"), opened.id.clone())],
        ),
        (
            "delete_group",
            Value::Null,
            vec![
                (s("id"), opened.id.clone()),
                (s("confirm_name"), opened.name.clone()),
            ],
        ),
    ]
}

async fn send(
    browser: &Browser,
    base: &str,
    name: &str,
    json_body: &Value,
    form: &[(String, String)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = browser.http.post(format!("{base}/api/{name}"));
    for (k, v) in extra {
        request = request.header(*k, *v);
    }
    if json_body.is_null() {
        request.form(form)
    } else {
        request
            .header("content-type", "application/json")
            .body(json_body.to_string())
    }
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn helpdesk_and_signed_out_callers_can_change_nothing_and_nothing_reaches_isc() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    let calls = every_mutation(&options);
    let helpdesk = env.signed_in("helpdesk").await;
    let stranger = Browser::new();

    // A pending failure as a tripwire: any request reaching the tenant would use it up.
    env.sandbox.faults().fail_next(1, 500);
    for (name, body, form) in &calls {
        let response = send(&helpdesk, &env.base, name, body, form, &[]).await;
        match failed(response, StatusCode::FORBIDDEN).await {
            AppError::Forbidden { needed } => assert!(needed.contains("ORG_ADMIN"), "{name}"),
            other => panic!("{name}: {other:?}"),
        }
        let response = send(&stranger, &env.base, name, body, form, &[]).await;
        assert_eq!(
            failed(response, StatusCode::UNAUTHORIZED).await,
            AppError::Unauthorized,
            "{name}"
        );
    }
    // A helpdesk browser posting the pages' forms gets the refusal back on its page.
    let page_forms = ["save_group", "delete_group"];
    for (name, _, form) in calls.iter().filter(|(n, _, _)| page_forms.contains(n)) {
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let response = post_html_form(&helpdesk, &env.base, name, &fields, "/groups").await;
        let (_, error) = error_in_redirect(&response);
        assert!(
            matches!(error, AppError::Forbidden { .. }),
            "{name}: {error:?}"
        );
    }
    assert_eq!(
        env.sandbox.faults().pending_failures(),
        (1, 500),
        "a refused call reached ISC"
    );
    env.sandbox.faults().reset();
    assert_eq!(isc.groups().await, before);
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let env = embedded(&[]).await;
    let isc = env.isc().await;
    let before = isc.groups().await;
    let admin = env.signed_in("admin").await;
    let options = form_options(&admin, &env.base, Some(BUSINESS_APPS)).await;
    env.sandbox.faults().fail_next(1, 500);
    for (name, body, form) in every_mutation(&options) {
        for headers in [
            &[("origin", "https://evil.example")][..],
            &[
                ("origin", "https://evil.example"),
                ("accept", "text/html"),
                ("referer", "https://evil.example/"),
            ][..],
            &[("sec-fetch-site", "cross-site")][..],
        ] {
            let response = send(&admin, &env.base, name, &body, &form, headers).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{name} {headers:?}"
            );
        }
    }
    assert_eq!(env.sandbox.faults().pending_failures(), (1, 500));
    env.sandbox.faults().reset();
    assert_eq!(isc.groups().await, before);
}
