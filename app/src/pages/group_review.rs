//! `/groups/new/review` and `/groups/{id}/edit/review`: the review step as a page, for browsers
//! without JavaScript. The form arrives as a GET; "Save" posts it (a plain form post).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{SaveGroup, review_change};
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::components::review::ReviewSummary;
use crate::components::save_form::SaveForm;
use crate::model::review::DraftCheck;
use crate::routes;

#[component]
pub fn GroupReviewPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let editing = move || params.read().get("id");
    let draft = move || query.with(routes::draft_from_query).unwrap_or_default();
    let opened_version = move || query.read().get("opened_version").unwrap_or_default();
    let checked = Resource::new(
        move || (editing(), draft()),
        |(editing, draft)| review_change(editing, draft),
    );
    let action = ServerAction::<SaveGroup>::new();
    view! {
        <Title text="Review your changes" />
        <section class="page narrow">
            <h1>"Review your changes"</h1>
            <Suspense fallback=|| {
                view! { <Pending text="Checking your changes…" /> }
            }>
                {move || Suspend::new(async move {
                    let draft = draft();
                    let editing = editing();
                    let back = routes::href(&routes::group_form(editing.as_deref(), Some(&draft)));
                    match checked.await {
                        Ok(DraftCheck { errors, .. }) if !errors.is_empty() => {
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
                        Ok(DraftCheck { review: summary, warning, .. }) => {
                            let opened_version = editing.as_ref().map(|_| opened_version());
                            view! {
                                {warning.map(|w| view! { <p class="field-warning">{w}</p> })}
                                <ReviewSummary
                                    review=summary
                                    description_id="review-consequences"
                                />
                                {move || {
                                    action
                                        .value()
                                        .get()
                                        .and_then(Result::err)
                                        .map(|error| {
                                            view! { <ErrorPanel error on_retry=move |_| () /> }
                                        })
                                }}
                                <SaveForm action editing opened_version draft>
                                    <div class="dialog-actions">
                                        <a class="button button-quiet" href=back.clone()>
                                            "Back to the form"
                                        </a>
                                        <button type="submit" class="button">
                                            "Save"
                                        </button>
                                    </div>
                                </SaveForm>
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
