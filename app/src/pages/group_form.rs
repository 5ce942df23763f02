//! `/groups/new` and `/groups/{id}/edit`: the create/edit form.
//!
//! With JavaScript, "Review changes" checks the form in the browser and opens the review in a
//! modal dialog, from which "Save" writes to ISC. Without it, the form is a plain GET to the
//! review page (`…/review`), which posts the save. Either way ISC's rules are checked before
//! sending and again on the server.

mod source_option;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{SaveGroup, form_options};
use crate::components::dirty_guard::DirtyGuard;
use crate::components::error_panel::ErrorPanel;
use crate::components::hydrated::use_hydrated;
use crate::components::modal::{CloseButton, Modal, ModalControl};
use crate::components::pending::Pending;
use crate::components::review::ReviewSummary;
use crate::components::save_form::SaveForm;
use crate::error::AppError;
use crate::model::GroupDetail;
use crate::model::draft::{FieldErrors, FormOptions, GroupDraft};
use crate::model::policy::PolicyRules;
use crate::model::review::ChangeReview;
use crate::pages::not_found::NotFound;
use crate::routes;
use source_option::SourceOption;

#[component]
pub fn GroupFormPage() -> impl IntoView {
    let params = use_params_map();
    let editing = move || params.read().get("id");
    let options = Resource::new(editing, form_options);
    view! {
        <Suspense fallback=|| {
            view! { <Pending text="Loading sources and policies…" /> }
        }>
            {move || Suspend::new(async move {
                match options.await {
                    Ok(options) => view! { <GroupForm options /> }.into_any(),
                    Err(AppError::NotFound { .. }) => view! { <NotFound /> }.into_any(),
                    Err(error) => {
                        view! {
                            <section class="page">
                                <h1>"Sync group"</h1>
                                <ErrorPanel error on_retry=move |_| options.refetch() />
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn GroupForm(options: FormOptions) -> impl IntoView {
    let query = use_query_map();
    let opened = options.editing.clone();
    let saved_draft = opened.as_ref().map(GroupDraft::of).unwrap_or_default();
    let initial = query
        .with_untracked(routes::draft_from_query)
        .unwrap_or_else(|| saved_draft.clone());

    let name = RwSignal::new(initial.name);
    let policy_id = RwSignal::new(initial.policy_id);
    let source_ids = RwSignal::new(initial.source_ids);
    let draft = Memo::new(move |_| GroupDraft {
        name: name.get(),
        policy_id: policy_id.get(),
        source_ids: source_ids.get(),
    });
    let options = RwSignal::new(options);
    let dirty = Memo::new(move |_| draft.get() != saved_draft);
    // Errors show once the user has tried to go on, not while they are still typing.
    let tried = RwSignal::new(false);
    let server_errors = RwSignal::new(None::<FieldErrors>);
    let errors = Memo::new(move |_| {
        server_errors
            .get()
            .unwrap_or_else(|| options.with(|o| draft.with(|d| d.validate(o))))
    });
    let shown_errors = move || {
        if tried.get() {
            errors.get()
        } else {
            FieldErrors::default()
        }
    };
    let warning = Memo::new(move |_| options.with(|o| draft.with(|d| d.duplicate_name_warning(o))));
    let review_dialog = ModalControl::new();
    let saving = RwSignal::new(false);

    let id = opened.as_ref().map(|g| g.id.clone());
    let title = match &opened {
        Some(g) => format!("Edit {}", g.name),
        None => "New sync group".to_string(),
    };
    let review_action = routes::href(&routes::group_review(id.as_deref()));
    let cancel_href = routes::href(&match &id {
        Some(id) => routes::group(id),
        None => routes::GROUPS.to_string(),
    });

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        server_errors.set(None);
        if errors.get_untracked().is_empty() {
            review_dialog.open();
        } else if let Some(first) = first_invalid(&errors.get_untracked()) {
            focus_by_id(first);
        }
    };

    let source_filter = RwSignal::new(String::new());
    let hydrated = use_hydrated();

    view! {
        <Title text=title.clone() />
        <DirtyGuard dirty=Signal::derive(move || dirty.get() && !saving.get()) />
        <section class="page">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <a href=routes::href(routes::GROUPS)>"Sync groups"</a>
                <span aria-hidden="true">" › "</span>
                <span aria-current="page">{title.clone()}</span>
            </nav>
            <h1>{title}</h1>
            <form
                class="group-form"
                method="get"
                action=review_action
                novalidate
                on:submit=on_submit
            >
                {opened
                    .as_ref()
                    .map(|g| {
                        view! { <input type="hidden" name="opened_version" value=g.version() /> }
                    })}
                <div class="field">
                    <label for="name">"Name"</label>
                    <p class="hint" id="name-hint">
                        "Users see this name in Password Manager."
                    </p>
                    <input
                        id="name"
                        name="name"
                        type="text"
                        maxlength="200"
                        autocomplete="off"
                        aria-describedby="name-hint name-error name-warning"
                        aria-invalid=move || shown_errors().name.is_some().to_string()
                        // The attribute for the server-rendered page, the property once live.
                        value=name.get_untracked()
                        prop:value=move || name.get()
                        on:input=move |ev| {
                            server_errors.set(None);
                            name.set(event_target_value(&ev));
                        }
                    />
                    <p class="field-error" id="name-error">
                        {move || shown_errors().name}
                    </p>
                    <p class="field-warning" id="name-warning">
                        {move || warning.get()}
                    </p>
                </div>

                <fieldset class="field" id="policy" aria-describedby="policy-error" tabindex="-1">
                    <legend>"Password policy"</legend>
                    <p class="hint">
                        "One policy applies to every source in the group; it must suit all of them."
                    </p>
                    <div class="choices">
                        {move || {
                            options
                                .with(|o| o.policies.clone())
                                .into_iter()
                                .map(|p| {
                                    let value = p.id.clone();
                                    let checked = {
                                        let value = value.clone();
                                        move || policy_id.get() == value
                                    };
                                    let brief = p
                                        .rules
                                        .as_ref()
                                        .map(PolicyRules::brief)
                                        .unwrap_or_default();
                                    view! {
                                        <label class="choice">
                                            <input
                                                type="radio"
                                                name="policy_id"
                                                value=value.clone()
                                                // The attribute for the server-rendered page
                                                // (without JavaScript), the property once live.
                                                checked=checked.clone()
                                                prop:checked=checked
                                                on:change=move |_| {
                                                    server_errors.set(None);
                                                    policy_id.set(value.clone());
                                                }
                                            />
                                            <span class="choice-text">
                                                <span class="choice-title">
                                                    {p.name.clone().unwrap_or(p.id.clone())}
                                                </span>
                                                <span class="choice-detail">{brief}</span>
                                            </span>
                                        </label>
                                    }
                                })
                                .collect_view()
                        }}
                    </div>
                    <p class="field-error" id="policy-error">
                        {move || shown_errors().policy}
                    </p>
                </fieldset>

                <fieldset
                    class="field"
                    id="sources"
                    aria-describedby="sources-hint sources-error"
                    tabindex="-1"
                >
                    <legend>"Sources"</legend>
                    <p class="hint" id="sources-hint">
                        "At least two direct-connect sources with password management, each in no other group. "
                        {move || format!("{} selected.", source_ids.get().len())}
                    </p>
                    <div class="source-filter" hidden=move || !hydrated.get()>
                        <label for="source-filter">"Filter sources"</label>
                        <input
                            id="source-filter"
                            type="search"
                            autocomplete="off"
                            placeholder="Name, type or connector"
                            prop:value=move || source_filter.get()
                            on:input=move |ev| source_filter.set(event_target_value(&ev))
                        />
                    </div>
                    <ul class="choices sources-picker">
                        {move || {
                            options
                                .with(|o| o.sources.clone())
                                .into_iter()
                                .map(|choice| {
                                    view! {
                                        <SourceOption
                                            choice
                                            source_ids
                                            source_filter
                                            server_errors
                                        />
                                    }
                                })
                                .collect_view()
                        }}
                    </ul>
                    <p class="field-error" id="sources-error">
                        {move || shown_errors().sources}
                    </p>
                </fieldset>

                <div class="form-actions">
                    <button type="submit" class="button">
                        "Review changes"
                    </button>
                    <a class="button button-quiet" href=cancel_href>
                        "Cancel"
                    </a>
                </div>
            </form>
        </section>
        <ReviewDialog
            control=review_dialog
            options
            draft
            opened=opened.clone()
            saving
            server_errors
            tried
        />
    }
}

/// The id of the first field with an error, to move focus there.
fn first_invalid(errors: &FieldErrors) -> Option<&'static str> {
    if errors.name.is_some() {
        Some("name")
    } else if errors.policy.is_some() {
        Some("policy")
    } else if errors.sources.is_some() {
        Some("sources")
    } else {
        None
    }
}

fn focus_by_id(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

#[component]
fn ReviewDialog(
    control: ModalControl,
    options: RwSignal<FormOptions>,
    draft: Memo<GroupDraft>,
    opened: Option<GroupDetail>,
    saving: RwSignal<bool>,
    server_errors: RwSignal<Option<FieldErrors>>,
    tried: RwSignal<bool>,
) -> impl IntoView {
    let action = ServerAction::<SaveGroup>::new();
    let pending = action.pending();
    let result = action.value();
    let editing = Signal::stored(opened.as_ref().map(|g| g.id.clone()));
    let opened = RwSignal::new(opened);
    Effect::new(move |_| match result.get() {
        // The server's answer redirects to the saved group; the guard must not ask then.
        Some(Ok(_)) => {
            saving.set(true);
            control.close();
        }
        Some(Err(AppError::Invalid { errors })) => {
            // The server found what the browser could not (e.g. a source taken meanwhile).
            control.close();
            tried.set(true);
            server_errors.set(Some(errors));
        }
        _ => {}
    });
    // "Review again": take ISC's current version as the new starting point.
    let review_again = move |current: GroupDetail| {
        options.update(|o| o.editing = Some(current.clone()));
        opened.set(Some(current));
        action.clear();
    };
    let stale = move || matches!(result.get(), Some(Err(AppError::Stale { .. })));
    view! {
        <Modal control title_id="review-title" description_id="review-consequences">
            <h2 id="review-title">"Review your changes"</h2>
            {move || {
                let summary = options.with(|o| draft.with(|d| ChangeReview::of(d, o)));
                view! { <ReviewSummary review=summary description_id="review-consequences" /> }
            }}
            {move || match result.get() {
                Some(Err(AppError::Stale { current })) => {
                    let current = current.map(|c| *c);
                    let opened = opened.get_untracked();
                    view! { <StaleNotice opened current on_review_again=review_again /> }.into_any()
                }
                Some(Err(AppError::Invalid { .. })) | Some(Ok(_)) | None => ().into_any(),
                Some(Err(error)) => view! { <ErrorPanel error on_retry=move |_| () /> }.into_any(),
            }}
            <SaveForm
                action
                editing=editing
                opened_version=Signal::derive(move || {
                    opened.with(|g| g.as_ref().map(GroupDetail::version))
                })
                draft
            >
                <div class="dialog-actions">
                    <CloseButton control label="Back to the form" />
                    <button
                        type="submit"
                        class="button"
                        disabled=move || pending.get() || stale()
                        aria-busy=move || pending.get().to_string()
                    >
                        {move || if pending.get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </SaveForm>
        </Modal>
    }
}

/// ISC's PUT has no version check: when the group changed since the form opened, say what
/// changed and let the admin start from the current version, instead of overwriting it.
#[component]
fn StaleNotice(
    opened: Option<GroupDetail>,
    current: Option<GroupDetail>,
    #[prop(into)] on_review_again: Callback<GroupDetail>,
) -> impl IntoView {
    match current {
        None => view! {
            <div class="warning" role="alert">
                <p>"This group was deleted in ISC since you opened it. Nothing was saved."</p>
                <a class="button" href=routes::href(routes::GROUPS)>
                    "Back to the list"
                </a>
            </div>
        }
        .into_any(),
        Some(current) => {
            let changes = opened
                .as_ref()
                .map(|o| current.changes_since(o))
                .unwrap_or_default();
            view! {
                <div class="warning" role="alert">
                    <p>
                        <strong>"This group was changed in ISC since you opened it."</strong>
                        " Nothing was saved, so the other change is not lost. What changed:"
                    </p>
                    <ul>{changes.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul>
                    <div class="dialog-actions">
                        <a
                            class="button button-quiet"
                            href=routes::href(&routes::group_edit(&current.id))
                            rel="external"
                        >
                            "Discard my changes and reload"
                        </a>
                        <button
                            type="button"
                            class="button"
                            on:click=move |_| on_review_again.run(current.clone())
                        >
                            "Review my changes against it"
                        </button>
                    </div>
                </div>
            }
            .into_any()
        }
    }
}
