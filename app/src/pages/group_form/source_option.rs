//! One source in the form's picker: a checkbox with the source's facts, disabled with the
//! reason when it cannot be chosen, hidden when the filter does not match it.

use leptos::prelude::*;

use crate::model::draft::{FieldErrors, SourceChoice};

/// Toggling the checkbox adds the source to `source_ids` or removes it, and clears the server's
/// errors (they were about the previous choice).
#[component]
pub fn SourceOption(
    choice: SourceChoice,
    source_ids: RwSignal<Vec<String>>,
    source_filter: RwSignal<String>,
    server_errors: RwSignal<Option<FieldErrors>>,
) -> impl IntoView {
    let source = choice.source;
    let id = source.id.clone();
    let label = source.label();
    let facts = [source.source_type.clone(), source.connector.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    let haystack = format!("{label} {facts}").to_lowercase();
    let visible = move || {
        let filter = source_filter.get().to_lowercase();
        filter.split_whitespace().all(|w| haystack.contains(w))
    };
    let disabled = choice.ineligible.is_some();
    let checked = {
        let id = id.clone();
        move || source_ids.with(|ids| ids.contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            server_errors.set(None);
            let on = event_target_checked(&ev);
            source_ids.update(|ids| {
                ids.retain(|x| x != &id);
                if on {
                    ids.push(id.clone());
                }
            });
        }
    };
    let input_id = format!("source-{id}");
    let label_for = input_id.clone();
    view! {
        <li class="choice-row" class:ineligible=disabled hidden=move || !visible()>
            <label class="choice" for=label_for>
                <input
                    id=input_id
                    type="checkbox"
                    name="source_ids"
                    value=id.clone()
                    disabled=disabled
                    // The attribute for the server-rendered page, the property once live.
                    checked=checked.clone()
                    prop:checked=checked
                    on:change=toggle
                />
                <span class="choice-text">
                    <span class="choice-title">{label}</span>
                    <span class="choice-detail">{facts}</span>
                    {choice
                        .ineligible
                        .map(|reason| view! { <span class="choice-reason">{reason}</span> })}
                </span>
            </label>
        </li>
    }
}
