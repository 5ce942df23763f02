//! `/groups/new/review` and `/groups/{id}/edit/review`: the review step as a page, for browsers
//! without JavaScript. The form arrives as a GET; "Save" posts it (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::api::{CreateGroupForm, UpdateGroupForm, review_change};
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::components::review::ReviewSummary;
use crate::model::edit::GroupDraft;
use crate::pages::group_form::draft_from_query;

/// The form again, filled in with `draft`.
fn form_href(editing: Option<&str>, draft: &GroupDraft) -> String {
    let base = match editing {
        Some(id) => format!("/groups/{id}/edit"),
        None => "/groups/new".to_string(),
    };
    let enc = |s: &str| utf8_percent_encode(s, NON_ALPHANUMERIC).to_string();
    let mut query = format!(
        "name={}&policy_id={}",
        enc(&draft.name),
        enc(&draft.policy_id)
    );
    for id in &draft.source_ids {
        query.push_str(&format!("&source_ids={}", enc(id)));
    }
    format!("{base}?{query}")
}

#[component]
pub fn GroupReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let editing = move || params.read().get("id");
    let draft = move || query.with(draft_from_query).unwrap_or_default();
    let opened_modified = move || query.read().get("opened_modified").unwrap_or_default();
    let checked = Resource::new(
        move || (editing(), draft()),
        |(editing, draft)| review_change(editing, draft),
    );
    let create = ServerAction::<CreateGroupForm>::new();
    let update = ServerAction::<UpdateGroupForm>::new();
    view! {
        <Title text="Review your changes" />
        <section class="page narrow">
            <h1>"Review your changes"</h1>
            <Suspense fallback=|| view! { <Pending text="Checking your changes…" /> }>
                {move || Suspend::new(async move {
                    let draft = draft();
                    let editing = editing();
                    let back = form_href(editing.as_deref(), &draft);
                    match checked.await {
                        Ok((_, errors, _)) if !errors.is_empty() => {
                            view! {
                                <div class="error-panel" role="alert">
                                    <p class="error-message">"Some fields need attention:"</p>
                                    <ul>
                                        {[errors.name, errors.policy, errors.sources]
                                            .into_iter()
                                            .flatten()
                                            .map(|e| view! { <li>{e}</li> })
                                            .collect_view()}
                                    </ul>
                                </div>
                                <p>
                                    <a class="button" href=back>
                                        "Back to the form"
                                    </a>
                                </p>
                            }
                                .into_any()
                        }
                        Ok((summary, _, warning)) => {
                            let hidden = view! {
                                <input type="hidden" name="name" value=draft.name.clone() />
                                <input type="hidden" name="policy_id" value=draft.policy_id.clone() />
                                {draft
                                    .source_ids
                                    .iter()
                                    .map(|id| view! { <input type="hidden" name="source_ids[]" value=id.clone() /> })
                                    .collect_view()}
                            };
                            let actions = view! {
                                <div class="dialog-actions">
                                    <a class="button button-quiet" href=back.clone()>
                                        "Back to the form"
                                    </a>
                                    <button type="submit" class="button">
                                        "Save"
                                    </button>
                                </div>
                            };
                            view! {
                                {warning.map(|w| view! { <p class="field-warning">{w}</p> })}
                                <ReviewSummary review=summary description_id="review-consequences" />
                                {move || {
                                    create
                                        .value()
                                        .get()
                                        .or_else(|| update.value().get())
                                        .and_then(Result::err)
                                        .map(|error| view! { <ErrorPanel error on_retry=move |_| () /> })
                                }}
                                {match editing {
                                    Some(id) => {
                                        view! {
                                            <ActionForm action=update>
                                                <input type="hidden" name="id" value=id />
                                                <input type="hidden" name="opened_modified" value=opened_modified() />
                                                {hidden}
                                                {actions}
                                            </ActionForm>
                                        }
                                            .into_any()
                                    }
                                    None => {
                                        view! {
                                            <ActionForm action=create>
                                                {hidden}
                                                {actions}
                                            </ActionForm>
                                        }
                                            .into_any()
                                    }
                                }}
                            }
                                .into_any()
                        }
                        Err(error) => {
                            view! {
                                <ErrorPanel error on_retry=move |_| checked.refetch() />
                                <p>
                                    <a class="button button-quiet" href=back>
                                        "Back to the form"
                                    </a>
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
