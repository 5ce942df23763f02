//! Every server function, enumerated from the registry: each declares who may call it, and bad
//! input gets a clear 4xx at the boundary (never a 500 with the decoder's words), before any
//! work is done and before anything reaches ISC.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

mod common;

use app::error::AppError;
use app::model::draft::{FormOptions, MAX_SOURCES};
use common::{Browser, Embedded, embedded};
use reqwest::StatusCode;
use serde_json::{Value, json};
use server_fn::error::FromServerFnError;

/// Who may call a server function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// The page frame: anyone, signed in or not.
    Anyone,
    /// Administrators and helpdesk users.
    Reader,
    /// Administrators only.
    Admin,
}

/// Every endpoint the app registers, with its role. A new server function must be added here
/// (the test below fails on an endpoint missing from this list), so its role is tested.
const ROLES: &[(&str, Need)] = &[
    ("/api/console_context", Need::Anyone),
    ("/api/list_groups", Need::Reader),
    ("/api/list_page", Need::Reader),
    ("/api/get_group", Need::Reader),
    ("/api/form_options", Need::Admin),
    ("/api/review_change", Need::Admin),
    ("/api/save_group", Need::Admin),
    ("/api/delete_impact", Need::Admin),
    ("/api/delete_group", Need::Admin),
    ("/api/find_people", Need::Reader),
    ("/api/person_sync", Need::Reader),
    ("/api/lookups", Need::Admin),
    ("/api/coverage", Need::Reader),
    ("/api/history", Need::Reader),
    ("/api/export_document", Need::Reader),
    ("/api/submit_plan", Need::Admin),
    ("/api/plan_view", Need::Admin),
    ("/api/apply_plan", Need::Admin),
];

/// The Business Apps group of the demo org.
const BUSINESS_APPS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

/// A body for `path` that an administrator's call would get past decoding with.
enum Body {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

fn valid_body(path: &str, options: &FormOptions, person: &str) -> Body {
    let group = options.editing.clone().expect("editing");
    let sources: Vec<String> = group.sources.iter().map(|s| s.id.clone()).collect();
    let mut save = vec![
        ("id", group.id.clone()),
        ("opened_version", group.version()),
        ("name", group.name.clone()),
        ("policy_id", group.policy.id.clone()),
    ];
    save.extend(sources.iter().map(|id| ("source_ids[]", id.clone())));
    match path {
        "/api/get_group" | "/api/delete_impact" => Body::Form(vec![("id", group.id.clone())]),
        "/api/delete_group" => {
            Body::Form(vec![("id", group.id.clone()), ("confirm_name", group.name)])
        }
        "/api/save_group" => Body::Form(save),
        "/api/find_people" => Body::Form(vec![("query", "example.com".to_string())]),
        "/api/person_sync" => Body::Form(vec![("id", person.to_string())]),
        "/api/review_change" => Body::Json(json!({
            "editing": group.id,
            "draft": {"name": group.name, "policy_id": group.policy.id, "source_ids": sources},
        })),
        "/api/submit_plan" => Body::Form(vec![("document", "{}".to_string())]),
        "/api/plan_view" => Body::Form(vec![("id", "0123456789abcdef".to_string())]),
        "/api/apply_plan" => Body::Form(vec![
            ("id", "0123456789abcdef".to_string()),
            ("digest", "d".to_string()),
        ]),
        _ => Body::Form(vec![]),
    }
}

async fn call(browser: &Browser, base: &str, path: &str, body: &Body) -> reqwest::Response {
    let request = browser.http.post(format!("{base}{path}"));
    match body {
        Body::Form(fields) => request.form(fields),
        Body::Json(value) => request
            .header("content-type", "application/json")
            .body(value.to_string()),
    }
    .send()
    .await
    .expect("POST")
}

/// The error a failed call answered with, checking its status.
async fn refused(response: reqwest::Response, status: StatusCode) -> AppError {
    assert_eq!(response.status(), status, "{:?}", response.url().path());
    AppError::de(response.bytes().await.expect("body"))
}

async fn admin_options(env: &Embedded) -> FormOptions {
    let admin = env.signed_in("admin").await;
    let response = call(
        &admin,
        &env.base,
        "/api/form_options",
        &Body::Form(vec![("editing", BUSINESS_APPS.to_string())]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("options")
}

/// The identity id of someone in the sandbox's population.
async fn a_person(env: &Embedded) -> String {
    let admin = env.signed_in("admin").await;
    let response = call(
        &admin,
        &env.base,
        "/api/find_people",
        &Body::Form(vec![("query", "example.com".to_string())]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let found: app::model::people::PeopleResults = response.json().await.expect("people");
    found.matches[0].person.id.clone()
}

#[tokio::test]
async fn every_server_function_declares_its_role_and_keeps_to_it() {
    let mut registered: Vec<&str> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    registered.sort_unstable();
    let mut declared: Vec<&str> = ROLES.iter().map(|(path, _)| *path).collect();
    declared.sort_unstable();
    assert_eq!(
        registered, declared,
        "every server function must have its role declared (and tested) here"
    );

    let env = embedded(&[]).await;
    let options = admin_options(&env).await;
    let person = a_person(&env).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let auditor = env.signed_in("auditor").await;
    let stranger = Browser::new();
    // A pending failure as a tripwire: any request reaching the tenant would use it up.
    env.sandbox.faults().fail_next(1, 500);
    for (path, need) in ROLES {
        let body = valid_body(path, &options, &person);
        let signed_out = call(&stranger, &env.base, path, &body).await;
        let no_access = call(&auditor, &env.base, path, &body).await;
        match need {
            Need::Anyone => {
                assert_eq!(signed_out.status(), StatusCode::OK, "{path}");
                assert_eq!(no_access.status(), StatusCode::OK, "{path}");
            }
            Need::Reader | Need::Admin => {
                assert_eq!(
                    refused(signed_out, StatusCode::UNAUTHORIZED).await,
                    AppError::Unauthorized,
                    "{path}"
                );
                assert!(
                    matches!(
                        refused(no_access, StatusCode::FORBIDDEN).await,
                        AppError::Forbidden { needed } if needed.contains("ORG_ADMIN or HELPDESK")
                    ),
                    "{path}"
                );
            }
        }
        if *need == Need::Admin {
            let response = call(&helpdesk, &env.base, path, &body).await;
            assert!(
                matches!(
                    refused(response, StatusCode::FORBIDDEN).await,
                    AppError::Forbidden { needed } if needed.contains("ORG_ADMIN")
                ),
                "{path}"
            );
        }
    }
    assert_eq!(
        env.sandbox.faults().pending_failures(),
        (1, 500),
        "a refused call reached ISC"
    );
    env.sandbox.faults().reset();

    // And the ones they may call answer them.
    for (path, need) in ROLES {
        let body = valid_body(path, &options, &person);
        if *need == Need::Reader {
            let response = call(&helpdesk, &env.base, path, &body).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
    }
}

/// A 400 that says, in the console's words, that the request could not be read.
async fn unreadable(response: reqwest::Response) {
    let status = response.status();
    let text = response.text().await.expect("body");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    let error = AppError::de(text.clone().into());
    assert!(matches!(error, AppError::BadRequest { .. }), "{error:?}");
    for internal in ["serde", "deserializ", "expected", "line ", "column"] {
        assert!(
            !text.to_lowercase().contains(internal),
            "decoder's words leaked: {text}"
        );
    }
}

#[tokio::test]
async fn requests_that_cannot_be_read_are_refused_with_400_or_413() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let base = &env.base;
    let raw = |path: &str, content_type: &str, body: String| {
        admin
            .http
            .post(format!("{base}{path}"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    env.sandbox.faults().fail_next(1, 500);

    // Malformed JSON, a wrong content type, a wrong field type, a missing field.
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let wrong_types =
        json!({"editing": 5, "draft": {"name": [], "policy_id": "", "source_ids": []}});
    for (path, content_type, body) in [
        ("/api/review_change", json, "{\"draft\": ".to_string()),
        ("/api/review_change", form, "draft=x".to_string()),
        ("/api/review_change", json, wrong_types.to_string()),
        ("/api/save_group", form, "policy_id=p".to_string()),
    ] {
        unreadable(raw(path, content_type, body).await.expect("POST")).await;
    }

    // A body over the limit, and 100,000 source ids, are too large to read at all.
    let huge = format!("name=x&policy_id=p&source_ids[]={}", "a".repeat(400_000));
    let response = raw("/api/save_group", form, huge).await.expect("POST");
    assert_eq!(
        refused(response, StatusCode::PAYLOAD_TOO_LARGE).await,
        AppError::TooLarge
    );
    let ids: Vec<String> = (0..100_000).map(|i| format!("{i:032x}")).collect();
    let response = raw(
        "/api/review_change",
        json,
        json!({"editing": null, "draft": {"name": "x", "policy_id": "p", "source_ids": ids}})
            .to_string(),
    )
    .await
    .expect("POST");
    assert_eq!(
        refused(response, StatusCode::PAYLOAD_TOO_LARGE).await,
        AppError::TooLarge
    );

    // A list that fits the body but not a group is refused before any work is done on it.
    let many: Vec<(&str, String)> = std::iter::once(("name", "Many".to_string()))
        .chain(std::iter::once(("policy_id", "p".to_string())))
        .chain((0..=MAX_SOURCES).map(|i| ("source_ids[]", format!("{i:032x}"))))
        .collect();
    let response = call(&admin, base, "/api/save_group", &Body::Form(many)).await;
    match refused(response, StatusCode::BAD_REQUEST).await {
        AppError::Invalid { errors } => assert!(
            errors
                .sources
                .as_deref()
                .is_some_and(|m| m.contains(&format!("at most {MAX_SOURCES}"))),
            "{errors:?}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        env.sandbox.faults().pending_failures(),
        (1, 500),
        "an unreadable request reached ISC"
    );
}

#[tokio::test]
async fn names_that_could_deceive_a_reader_are_refused_and_nothing_is_written() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let options = admin_options(&env).await;
    let free: Vec<String> = options
        .sources
        .iter()
        .filter(|c| c.ineligible.is_none() && c.group.is_none())
        .take(2)
        .map(|c| c.source.id.clone())
        .collect();
    assert_eq!(free.len(), 2, "the demo org has free sources");
    let policy = options.policies[0].id.clone();
    for name in [
        "Null\u{0}byte",
        "Two\nlines",
        "Carriage\rreturn",
        "Tab\there",
        "evil\u{202e}txt.exe",
        "zero\u{200b}width",
        "\u{feff}BOM first",
        "no\u{a0}break",
        "isolate\u{2066}d",
    ] {
        let mut fields = vec![("name", name.to_string()), ("policy_id", policy.clone())];
        fields.extend(free.iter().map(|id| ("source_ids[]", id.clone())));
        let response = call(&admin, &env.base, "/api/save_group", &Body::Form(fields)).await;
        match refused(response, StatusCode::BAD_REQUEST).await {
            AppError::Invalid { errors } => assert!(errors.name.is_some(), "{name:?}: {errors:?}"),
            other => panic!("{name:?}: {other:?}"),
        }
    }
    // Nothing was created.
    let response = call(&admin, &env.base, "/api/list_groups", &Body::Form(vec![])).await;
    let groups: Vec<Value> = response.json().await.expect("groups");
    assert_eq!(groups.len(), 3);
}
