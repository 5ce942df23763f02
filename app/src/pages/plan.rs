//! `/plan` and `/plans/{id}` ("sync groups as code", administrators only).
//!
//! `/plan`: a document pasted into a text area (or, once hydrated, read from a chosen file into
//! it) is posted to `submit_plan`, which keeps it and redirects to `/plans/{id}`. Without
//! JavaScript the paste works the same.
//!
//! `/plans/{id}`: the plan, computed again on every view against the tenant as it is then:
//! per group what applying the document would do, in the review and delete dialogs' words, the
//! problems of each group and of the document (with their place in it), and an "Apply" button
//! while there is something to change and no problem. Once applied, the report instead: which
//! steps were done, which failed (with ISC's message and tracking id) and which were not
//! attempted.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{AppliedPlan, ApplyPlan, PlanView, SubmitPlan, plan_view};
use crate::components::error_panel::ErrorPanel;
use crate::components::hydrated::use_hydrated;
use crate::components::layout::ContextResource;
use crate::components::pending::Pending;
use crate::components::server_form::ServerForm;
use crate::model::english::plural;
use crate::model::plan::{Plan, PlanAction, PlanGroup, Problem, StepReport, StepStatus};
use crate::model::when::{exact, rfc3339};
use crate::routes;

/// The largest document the console reads (the server checks it again).
const MAX_BYTES: f64 = 1024.0 * 1024.0;

#[component]
pub fn PlanFormPage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    view! {
        <Title text="Plan changes from a document" />
        <section class="page">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <a href=routes::href(routes::EXPORT)>"Sync groups as code"</a>
            </nav>
            <div class="page-header">
                <h1>"Plan changes from a document"</h1>
                <p class="lede">
                    "Paste a sync groups document (or choose its file). The console shows what applying it to the tenant would change, group by group; nothing changes until you apply the plan."
                </p>
            </div>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let admin = context.await.is_ok_and(|c| c.session.is_admin());
                    if admin {
                        view! { <PlanForm /> }.into_any()
                    } else {
                        view! {
                            <div class="error-panel" role="alert">
                                <p class="error-message">
                                    "Only administrators (ORG_ADMIN) can plan and apply changes. You can still export the document."
                                </p>
                                <a class="button" href=routes::href(routes::EXPORT)>
                                    "Export"
                                </a>
                            </div>
                        }
                            .into_any()
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PlanForm() -> impl IntoView {
    let action = ServerAction::<SubmitPlan>::new();
    let pending = action.pending();
    let hydrated = use_hydrated();
    let text = RwSignal::new(String::new());
    let file_note = RwSignal::new(None::<String>);
    view! {
        <ServerForm action class="card plan-form">
            {move || {
                hydrated
                    .get()
                    .then(|| {
                        view! {
                            <div class="field">
                                <label for="document-file">"Choose a file"</label>
                                <input
                                    id="document-file"
                                    type="file"
                                    accept=".json,application/json"
                                    aria-describedby="document-file-note"
                                    on:change=move |ev| read_file(&ev, text, file_note)
                                />
                                <p id="document-file-note" class="hint" aria-live="polite">
                                    {move || {
                                        file_note
                                            .get()
                                            .unwrap_or_else(|| {
                                                "Its text goes into the box below.".to_string()
                                            })
                                    }}
                                </p>
                            </div>
                        }
                    })
            }}
            <div class="field">
                <label for="document">"Document (JSON)"</label>
                <textarea
                    id="document"
                    name="document"
                    rows="18"
                    spellcheck="false"
                    autocomplete="off"
                    required
                    placeholder="{ \"format\": \"sync-groups-console/v1\", \"groups\": [ … ] }"
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))
                ></textarea>
                <p class="hint">
                    "Start from an export. At most 1 MB; the document is kept so that the plan can be applied later."
                </p>
            </div>
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorPanel error on_retry=move |_| () /> })
            }}
            <div class="dialog-actions">
                <a class="button button-quiet" href=routes::href(routes::EXPORT)>
                    "Cancel"
                </a>
                <button type="submit" class="button" aria-busy=move || pending.get().to_string()>
                    {move || if pending.get() { "Planning…" } else { "Show the plan" }}
                </button>
            </div>
        </ServerForm>
    }
}

/// Reads the chosen file into the text area (in the browser; the server never runs this).
fn read_file(ev: &leptos::ev::Event, text: RwSignal<String>, note: RwSignal<Option<String>>) {
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;

    let Some(file) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .and_then(|input| input.files())
        .and_then(|files| files.get(0))
    else {
        return;
    };
    if file.size() > MAX_BYTES {
        note.set(Some(format!(
            "{} is larger than 1 MB, the most the console reads. Split it into smaller documents.",
            file.name()
        )));
        return;
    }
    let Ok(reader) = web_sys::FileReader::new() else {
        note.set(Some(
            "This browser cannot read files; paste the document.".into(),
        ));
        return;
    };
    let name = file.name();
    let done = reader.clone();
    let on_load =
        Closure::once_into_js(
            move || match done.result().ok().and_then(|r| r.as_string()) {
                Some(content) => {
                    text.set(content);
                    note.set(Some(format!("Read {name}.")));
                }
                None => note.set(Some(format!("{name} could not be read as text."))),
            },
        );
    reader.set_onload(Some(on_load.unchecked_ref()));
    if reader.read_as_text(&file).is_err() {
        note.set(Some(
            "The file could not be read; paste the document.".into(),
        ));
    }
}

#[component]
pub fn PlanPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| params.read().get("id").unwrap_or_default());
    let changed = Memo::new(move |_| query.read().get("changed").is_some_and(|c| c == "1"));
    let apply = ServerAction::<ApplyPlan>::new();
    // Read again after an apply (the hydrated app is sent to this very address).
    let view_data = Resource::new(
        move || (id.get(), changed.get(), apply.version().get()),
        |(id, changed, _)| plan_view(id, changed.then_some(true)),
    );
    view! {
        <Title text="Plan" />
        <section class="page">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <a href=routes::href(routes::EXPORT)>"Sync groups as code"</a>
                <span aria-hidden="true">" › "</span>
                <a href=routes::href(routes::PLAN)>"Plan"</a>
            </nav>
            <Suspense fallback=|| {
                view! { <Pending text="Reading the tenant and planning…" /> }
            }>
                {move || Suspend::new(async move {
                    match view_data.await {
                        Ok(found) => view! { <PlanViewBody view=found apply /> }.into_any(),
                        Err(error) => {
                            view! {
                                <h1>"Plan"</h1>
                                <ErrorPanel error on_retry=move |_| view_data.refetch() />
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn PlanViewBody(view: PlanView, apply: ServerAction<ApplyPlan>) -> impl IntoView {
    let submitted = view! {
        <p class="lede">
            "Document submitted by " {view.submitted_by.clone()} " on "
            <time datetime=rfc3339(view.submitted_at)>{exact(view.submitted_at)}</time> "."
        </p>
    };
    let body = match (view.applied, view.plan) {
        (Some(applied), _) => view! { <ReportView applied /> }.into_any(),
        (None, Some(plan)) => {
            view! { <PlanBody id=view.id.clone() plan notice=view.notice apply /> }.into_any()
        }
        (None, None) => view! { <p class="empty">"This plan has nothing to show."</p> }.into_any(),
    };
    view! {
        <div class="page-header">
            <h1>"Plan"</h1>
            {submitted}
        </div>
        {body}
        <p>
            <a class="button button-quiet" href=routes::href(routes::PLAN)>
                "Plan another document"
            </a>
        </p>
    }
}

#[component]
fn PlanBody(
    id: String,
    plan: Plan,
    notice: Option<String>,
    apply: ServerAction<ApplyPlan>,
) -> impl IntoView {
    let applicable = plan.is_applicable();
    let changes = plan.change_count();
    let summary = plan.summary();
    let (unchanged, listed): (Vec<PlanGroup>, Vec<PlanGroup>) = plan
        .groups
        .into_iter()
        .partition(|g| g.action == PlanAction::Unchanged && g.problems.is_empty());
    let verdict = if applicable {
        "verdict-line fine"
    } else {
        "verdict-line trouble"
    };
    let pending = apply.pending();
    view! {
        {notice
            .map(|n| {
                view! {
                    <p class="notice" role="alert">
                        {n}
                    </p>
                }
            })}
        <p class=verdict role="status">
            {summary}
        </p>
        {(!plan.problems.is_empty())
            .then(|| view! { <DocumentProblems problems=plan.problems.clone() /> })}
        {(!listed.is_empty())
            .then(|| {
                view! {
                    <ol class="plan-groups" aria-label="Groups in the order they would be changed">
                        {listed
                            .into_iter()
                            .map(|g| view! { <PlanGroupItem group=g /> })
                            .collect_view()}
                    </ol>
                }
            })}
        {(!unchanged.is_empty())
            .then(|| {
                let count = unchanged.len();
                view! {
                    <details class="card plan-unchanged">
                        <summary>
                            {format!("{} unchanged", plural(count, "sync group", "sync groups"))}
                        </summary>
                        <ul class="plan-unchanged-list">
                            {unchanged
                                .into_iter()
                                .map(|g| view! { <li>{g.name}</li> })
                                .collect_view()}
                        </ul>
                    </details>
                }
            })}
        {if applicable && changes > 0 {
            view! {
                <ServerForm action=apply class="card apply-form">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="digest" value=plan.digest.clone() />
                    <p>
                        "Each group is read again just before it is written and left alone if it changed since this plan; the first refusal stops the rest. Every change goes into the history."
                    </p>
                    {move || {
                        apply
                            .value()
                            .get()
                            .and_then(Result::err)
                            .map(|error| view! { <ErrorPanel error on_retry=move |_| () /> })
                    }}
                    <button
                        type="submit"
                        class="button button-danger"
                        aria-busy=move || pending.get().to_string()
                    >
                        {move || {
                            if pending.get() {
                                "Applying…".to_string()
                            } else {
                                format!("Apply {}", plural(changes, "change", "changes"))
                            }
                        }}
                    </button>
                </ServerForm>
            }
                .into_any()
        } else if applicable {
            view! {
                <p class="notice">
                    "There is nothing to apply: the tenant already matches the document."
                </p>
            }
                .into_any()
        } else {
            view! {
                <p class="notice">
                    "Nothing is applied while any problem remains: fix the document and submit it again."
                </p>
            }
                .into_any()
        }}
    }
}

#[component]
fn DocumentProblems(problems: Vec<Problem>) -> impl IntoView {
    view! {
        <section class="card plan-problems" aria-labelledby="document-problems-heading">
            <h2 id="document-problems-heading">"Problems in the document"</h2>
            <ul class="problems">
                {problems
                    .into_iter()
                    .map(|p| {
                        view! {
                            <li>
                                {(!p.place.is_empty())
                                    .then(|| {
                                        view! { <code class="place">{p.place.clone()}</code> }
                                    })}
                                {p
                                    .group
                                    .clone()
                                    .map(|g| {
                                        view! {
                                            <span class="muted">
                                                {format!(" (group \u{201c}{g}\u{201d})")}
                                            </span>
                                        }
                                    })} {(!p.place.is_empty() || p.group.is_some()).then_some(": ")}
                                {p.message}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// The CSS class of an action's badge.
fn action_class(action: PlanAction) -> &'static str {
    match action {
        PlanAction::Create => "badge badge-ok",
        PlanAction::Update => "badge badge-count",
        PlanAction::Delete => "badge badge-bad",
        PlanAction::Unchanged => "badge badge-none",
    }
}

#[component]
fn PlanGroupItem(group: PlanGroup) -> impl IntoView {
    let name = match (&group.id, group.action) {
        (Some(id), PlanAction::Update | PlanAction::Delete | PlanAction::Unchanged) => {
            view! { <a href=routes::href(&routes::group(id))>{group.name.clone()}</a> }.into_any()
        }
        _ => view! { <span>{group.name.clone()}</span> }.into_any(),
    };
    let has_problems = !group.problems.is_empty();
    view! {
        <li class="card plan-group" class:has-problems=has_problems>
            <h3>
                <span class=action_class(group.action)>{group.action.label()}</span>
                " "
                {name}
                {group.place.clone().map(|p| view! { <code class="place">{p}</code> })}
            </h3>
            {has_problems
                .then(|| {
                    view! {
                        <ul class="problems" aria-label="Problems">
                            {group
                                .problems
                                .iter()
                                .map(|p| view! { <li>{p.clone()}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(!group.lines.is_empty())
                .then(|| {
                    view! {
                        <ul class="consequences">
                            {group
                                .lines
                                .iter()
                                .map(|l| view! { <li>{l.clone()}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(!group.warnings.is_empty())
                .then(|| {
                    view! {
                        <ul class="plan-warnings">
                            {group
                                .warnings
                                .iter()
                                .map(|w| view! { <li>{w.clone()}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
        </li>
    }
}

/// The CSS class of a step's status badge.
fn status_class(status: &StepStatus) -> &'static str {
    match status {
        StepStatus::Done => "badge badge-ok",
        StepStatus::Failed { .. } => "badge badge-bad",
        StepStatus::NotAttempted => "badge badge-none",
    }
}

#[component]
fn ReportView(applied: AppliedPlan) -> impl IntoView {
    let report = applied.report;
    let verdict = if report.all_done() {
        "verdict-line fine"
    } else {
        "verdict-line trouble"
    };
    view! {
        <p class=verdict role="status">
            {report.summary()}
        </p>
        <p>
            "Applied by " {applied.by} " on "
            <time datetime=rfc3339(applied.at)>{exact(applied.at)}</time> ". Each change is in the "
            <a href=routes::href(routes::CHANGES)>"recent changes"</a> "."
        </p>
        {(!report.steps.is_empty())
            .then(|| {
                view! {
                    <ol class="plan-groups plan-report" aria-label="Steps in the order they ran">
                        {report
                            .steps
                            .into_iter()
                            .map(|s| view! { <ReportStep step=s /> })
                            .collect_view()}
                    </ol>
                }
            })}
    }
}

#[component]
fn ReportStep(step: StepReport) -> impl IntoView {
    let name = match (&step.id, step.action, &step.status) {
        (Some(id), PlanAction::Create | PlanAction::Update, StepStatus::Done)
        | (Some(id), PlanAction::Update, _) => {
            view! { <a href=routes::href(&routes::group(id))>{step.name.clone()}</a> }.into_any()
        }
        _ => view! { <span>{step.name.clone()}</span> }.into_any(),
    };
    let failure = match &step.status {
        StepStatus::Failed { error, tracking_id } => Some((error.clone(), tracking_id.clone())),
        _ => None,
    };
    view! {
        <li class="card plan-group">
            <h3>
                <span class=status_class(&step.status)>{step.status.label()}</span>
                " "
                {step.action.label()}
                " "
                {name}
            </h3>
            {failure
                .map(|(error, tracking)| {
                    view! {
                        <p class="error-message">{error}</p>
                        {tracking
                            .map(|id| {
                                view! {
                                    <p class="tracking">"ISC tracking id: " <code>{id}</code></p>
                                }
                            })}
                    }
                })}
        </li>
    }
}
