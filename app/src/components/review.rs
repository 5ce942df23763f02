//! What a save would change, in plain words: shared by the review dialog (with JavaScript) and
//! the review page (without).

use leptos::prelude::*;

use crate::model::SourceInfo;
use crate::model::review::ChangeReview;

fn source_list(sources: &[SourceInfo]) -> String {
    sources
        .iter()
        .map(SourceInfo::label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `description_id` is the id of the consequences list, for the dialog's `aria-describedby`.
#[component]
pub fn ReviewSummary(review: ChangeReview, #[prop(into)] description_id: String) -> impl IntoView {
    let nothing_changes = review.changes_nothing();
    view! {
        <div class="review">
            {nothing_changes
                .then(|| {
                    view! {
                        <p class="notice">
                            "Nothing would change: the group is already like this."
                        </p>
                    }
                })}
            <dl class="changes">
                {review
                    .name
                    .map(|(before, after)| {
                        view! {
                            <div>
                                <dt>"Name"</dt>
                                <dd>
                                    {if before.is_empty() {
                                        view! { <ins>{after}</ins> }.into_any()
                                    } else {
                                        view! {
                                            <del>{before}</del>
                                            " → "
                                            <ins>{after}</ins>
                                        }
                                            .into_any()
                                    }}
                                </dd>
                            </div>
                        }
                    })}
                {review
                    .policy
                    .map(|(before, after)| {
                        let after_name = after.name.clone().unwrap_or_else(|| after.id.clone());
                        view! {
                            <div>
                                <dt>"Password policy"</dt>
                                <dd>
                                    {before
                                        .map(|b| {
                                            view! {
                                                <del>{b.name.unwrap_or(b.id)}</del>
                                                " → "
                                            }
                                        })} <ins>{after_name}</ins>
                                </dd>
                            </div>
                        }
                    })}
                {(!review.rule_changes.is_empty())
                    .then(|| {
                        view! {
                            <div>
                                <dt>"Rules users will notice"</dt>
                                <dd>
                                    <ul class="rule-changes">
                                        {review
                                            .rule_changes
                                            .into_iter()
                                            .map(|c| view! { <li>{c}</li> })
                                            .collect_view()}
                                    </ul>
                                </dd>
                            </div>
                        }
                    })}
                {(!review.added.is_empty())
                    .then(|| {
                        view! {
                            <div>
                                <dt>{if review.creating { "Sources" } else { "Sources added" }}</dt>
                                <dd class="added">{source_list(&review.added)}</dd>
                            </div>
                        }
                    })}
                {(!review.removed.is_empty())
                    .then(|| {
                        view! {
                            <div>
                                <dt>"Sources removed"</dt>
                                <dd class="removed">{source_list(&review.removed)}</dd>
                            </div>
                        }
                    })}
                {(!review.kept.is_empty() && !review.creating)
                    .then(|| {
                        view! {
                            <div>
                                <dt>"Sources kept"</dt>
                                <dd>{source_list(&review.kept)}</dd>
                            </div>
                        }
                    })}
            </dl> <h3>"What this means"</h3> <ul id=description_id class="consequences">
                {review.consequences.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ul>
        </div>
    }
}
