//! Sync groups as code in the console (issue 10): the export download for readers, plans of
//! submitted documents (no changes for an unchanged export; problems at their place in the
//! document), an apply through the console's audited writes (in the history), and what is
//! refused: helpdesk plans and applies, a body over the limit.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

mod common;

use app::api::{ApplyOutcome, ExportedDocument, PlanView};
use app::error::AppError;
use app::model::history::{HistoryAction, HistoryOrigin, HistoryOutcome, HistoryPage};
use app::model::plan::{Plan, PlanAction, StepStatus};
use common::{Browser, embedded, location_path};
use reqwest::StatusCode;
use serde_json::Value;

/// The Business Apps group of the demo org.
const BUSINESS_APPS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

/// A server function called as the hydrated app calls it.
async fn call(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .expect("POST")
}

async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn failed(response: reqwest::Response, status: StatusCode) -> AppError {
    let got = response.status();
    let body = response.text().await.expect("body");
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

async fn export_text(browser: &Browser, base: &str) -> String {
    let exported: ExportedDocument = ok(call(browser, base, "export_document", &[]).await).await;
    exported.text
}

/// Submits `document`; the plan's id.
async fn submit(browser: &Browser, base: &str, document: &str) -> String {
    ok(call(browser, base, "submit_plan", &[("document", document)]).await).await
}

async fn plan_of(browser: &Browser, base: &str, id: &str) -> PlanView {
    ok(call(browser, base, "plan_view", &[("id", id)]).await).await
}

fn plan_in(view: &PlanView) -> &Plan {
    view.plan.as_ref().expect("a plan, not yet applied")
}

#[tokio::test]
async fn helpdesk_downloads_the_export_and_strangers_do_not() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let url = format!("{}/export/sync-groups.json", env.base);
    let response = helpdesk.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("cache-control"), "no-store");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"sync-groups-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    let text = response.text().await.expect("body");
    let document: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(document["format"], "sync-groups-console/v1");
    assert_eq!(document["prune"], false);
    let names: Vec<&str> = document["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert!(names.contains(&"Business Apps"), "{names:?}");
    // The page's preview is the same document.
    assert_eq!(export_text(&helpdesk, &env.base).await, text);
    // The page itself, for helpdesk.
    let page = helpdesk.get(&format!("{}/export", env.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("sync-groups-console/v1")
    );

    // Signed out: sent to sign in (and back to the export page); no level: refused.
    let stranger = Browser::new();
    let response = stranger.get(&url).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(location_path(&response), "/auth/login?return=%2Fexport");
    let auditor = env.signed_in("auditor").await;
    assert_eq!(auditor.get(&url).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_plan_of_an_unchanged_export_has_no_changes() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let text = export_text(&admin, &env.base).await;
    // As a text area sends it: CRLF line ends.
    let id = submit(&admin, &env.base, &text.replace('\n', "\r\n")).await;
    let view = plan_of(&admin, &env.base, &id).await;
    let plan = plan_in(&view);
    assert!(plan.is_applicable(), "{plan:#?}");
    assert_eq!(plan.change_count(), 0);
    assert!(
        plan.groups
            .iter()
            .all(|g| g.action == PlanAction::Unchanged)
    );
    assert!(
        plan.summary().starts_with("No changes"),
        "{}",
        plan.summary()
    );
    assert!(view.applied.is_none() && view.notice.is_none());

    // The page: the summary, and no apply button.
    let page = admin
        .get(&format!("{}/plans/{id}", env.base))
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("No changes: the tenant already matches"),
        "{page}"
    );
    assert!(!page.contains("/api/apply_plan"));
    // An unknown plan is not found.
    let error = failed(
        call(&admin, &env.base, "plan_view", &[("id", "nope")]).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(matches!(error, AppError::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn problems_show_their_place_in_the_document_and_nothing_is_applied() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let text = export_text(&admin, &env.base).await;

    // Not JSON: a line and column.
    let id = submit(
        &admin,
        &env.base,
        "{\n  \"format\": \"sync-groups-console/v1\",\n  groups\n}",
    )
    .await;
    let view = plan_of(&admin, &env.base, &id).await;
    let plan = plan_in(&view);
    assert!(!plan.is_applicable());
    assert!(plan.problems[0].place.starts_with("line 3"), "{plan:#?}");

    // A wrong type: its path, naming the group.
    let mut document: Value = serde_json::from_str(&text).expect("JSON");
    document["groups"][1]["sources"] = Value::String("all of them".into());
    let id = submit(&admin, &env.base, &document.to_string()).await;
    let view = plan_of(&admin, &env.base, &id).await;
    let plan = plan_in(&view);
    assert_eq!(plan.problems.len(), 1, "{plan:#?}");
    assert_eq!(plan.problems[0].place, "groups[1].sources");
    assert!(plan.problems[0].group.is_some());

    // Markup in a name and an unknown source: problems of that group; nothing can be applied.
    let mut document: Value = serde_json::from_str(&text).expect("JSON");
    document["groups"][0]["name"] = Value::String("<b>Bold</b>".into());
    document["groups"][1]["sources"][0] = serde_json::json!({"name": "No Such Source"});
    let id = submit(&admin, &env.base, &document.to_string()).await;
    let view = plan_of(&admin, &env.base, &id).await;
    let plan = plan_in(&view);
    assert!(!plan.is_applicable());
    let with_problems: Vec<&str> = plan
        .groups
        .iter()
        .filter(|g| !g.problems.is_empty())
        .filter_map(|g| g.place.as_deref())
        .collect();
    assert_eq!(with_problems, ["groups[0]", "groups[1]"], "{plan:#?}");
    let page = admin
        .get(&format!("{}/plans/{id}", env.base))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Nothing is applied while any problem remains"));
    assert!(!page.contains("/api/apply_plan"));
    assert!(!page.contains("<b>Bold</b>"), "markup is shown as text");
    // Posted anyway: nothing is applied.
    let outcome: ApplyOutcome = ok(call(
        &admin,
        &env.base,
        "apply_plan",
        &[("id", &id), ("digest", &plan.digest)],
    )
    .await)
    .await;
    assert!(matches!(outcome, ApplyOutcome::Changed(p) if !p.is_applicable()));
    let after = export_text(&admin, &env.base).await;
    assert_eq!(after, text, "the tenant is unchanged");
}

#[tokio::test]
async fn an_apply_makes_the_change_once_and_the_history_records_it() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let helpdesk = env.signed_in("helpdesk").await;
    let text = export_text(&admin, &env.base).await;
    let mut document: Value = serde_json::from_str(&text).expect("JSON");
    let business = document["groups"]
        .as_array_mut()
        .expect("groups")
        .iter_mut()
        .find(|g| g["id"] == BUSINESS_APPS)
        .expect("Business Apps");
    business["name"] = Value::String("Business Applications".into());
    let id = submit(&admin, &env.base, &document.to_string()).await;
    let view = plan_of(&admin, &env.base, &id).await;
    let plan = plan_in(&view).clone();
    assert_eq!(plan.change_count(), 1, "{plan:#?}");
    let change = plan
        .groups
        .iter()
        .find(|g| g.action == PlanAction::Update)
        .expect("the change");
    assert!(
        change
            .lines
            .iter()
            .any(|l| l.contains("Business Applications")),
        "{change:#?}"
    );
    let page = admin
        .get(&format!("{}/plans/{id}", env.base))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("Apply 1 change"), "{page}");

    // A digest other than the one reviewed: nothing is applied, the new plan is shown.
    let response = call(
        &admin,
        &env.base,
        "apply_plan",
        &[("id", &id), ("digest", "old")],
    )
    .await;
    let outcome: ApplyOutcome = ok(response).await;
    assert!(matches!(outcome, ApplyOutcome::Changed(_)));
    let view = ok::<PlanView>(
        call(
            &admin,
            &env.base,
            "plan_view",
            &[("id", &id), ("changed", "true")],
        )
        .await,
    )
    .await;
    assert!(
        view.notice
            .as_deref()
            .is_some_and(|n| n.contains("changed since you reviewed"))
    );

    // The reviewed one: done, and the same report on a second click (nothing written twice).
    let fields = [("id", id.as_str()), ("digest", plan.digest.as_str())];
    let outcome: ApplyOutcome = ok(call(&admin, &env.base, "apply_plan", &fields).await).await;
    let ApplyOutcome::Applied(report) = outcome else {
        panic!("not applied: {outcome:?}");
    };
    assert!(report.all_done(), "{report:?}");
    assert_eq!(report.steps[0].status, StepStatus::Done);
    let again: ApplyOutcome = ok(call(&admin, &env.base, "apply_plan", &fields).await).await;
    assert_eq!(again, ApplyOutcome::Applied(report.clone()));
    let view = plan_of(&admin, &env.base, &id).await;
    assert!(view.plan.is_none());
    assert_eq!(view.applied.expect("applied").report, report);
    let page = admin
        .get(&format!("{}/plans/{id}", env.base))
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("The change was made."), "{page}");

    // In the history, for helpdesk too: a change made through the console, by the admin.
    let history: HistoryPage = ok(call(
        &helpdesk,
        &env.base,
        "history",
        &[("group_id", BUSINESS_APPS)],
    )
    .await)
    .await;
    let entry = &history.entries[0];
    assert_eq!(entry.action, HistoryAction::Updated);
    assert_eq!(entry.origin, HistoryOrigin::Console);
    assert_eq!(entry.outcome, HistoryOutcome::Done);
    assert_eq!(entry.group_name, "Business Apps");
    assert!(!entry.actor_name.is_empty());
    assert!(
        entry
            .lines
            .iter()
            .any(|l| l.contains("Business Applications")),
        "{entry:#?}"
    );
}

#[tokio::test]
async fn helpdesk_cannot_plan_or_apply_and_a_huge_body_is_refused() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let helpdesk = env.signed_in("helpdesk").await;
    let text = export_text(&admin, &env.base).await;
    let id = submit(&admin, &env.base, &text).await;
    for (name, fields) in [
        ("submit_plan", vec![("document", text.as_str())]),
        ("plan_view", vec![("id", id.as_str())]),
        ("apply_plan", vec![("id", id.as_str()), ("digest", "d")]),
    ] {
        let error = failed(
            call(&helpdesk, &env.base, name, &fields).await,
            StatusCode::FORBIDDEN,
        )
        .await;
        assert!(
            matches!(error, AppError::Forbidden { .. }),
            "{name}: {error:?}"
        );
    }
    // The plan page says so in words.
    let page = helpdesk.get(&format!("{}/plan", env.base)).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("Only administrators")
    );

    // 2 MB: over the document's 1 MB, said in words.
    let huge = format!("{{\"format\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let error = failed(
        call(&admin, &env.base, "submit_plan", &[("document", &huge)]).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(error.to_string().contains("larger than 1 MB"), "{error}");
    // 5 MB: refused before it is read.
    let huger = "x".repeat(5 * 1024 * 1024);
    let error = failed(
        call(&admin, &env.base, "submit_plan", &[("document", &huger)]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
    )
    .await;
    assert_eq!(error, AppError::TooLarge);
    // Just under 1 MB is taken (its plan then lists the document's problems).
    let big = format!("{{\"format\": \"{}\"}}", "y".repeat(1000 * 1024));
    let id: String = ok(call(&admin, &env.base, "submit_plan", &[("document", &big)]).await).await;
    assert!(!id.is_empty());
    // Empty: refused in words.
    let error = failed(
        call(&admin, &env.base, "submit_plan", &[("document", " \n")]).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        error.to_string().contains("there is no document"),
        "{error}"
    );
}
