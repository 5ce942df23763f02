//! Deleting a group: the consequences and the typed-name confirmation form, shared by the
//! delete dialog (with JavaScript) and the delete page (without), so both post the same fields
//! to the same server function. The typed-name rule is `model::delete::confirmation_matches`.

use leptos::html::Input;
use leptos::prelude::*;

use crate::components::server_form::ServerForm;

use crate::api::DeleteGroup;
use crate::components::error_panel::ErrorPanel;
use crate::components::hydrated::use_hydrated;
use crate::model::delete::{DeleteImpact, confirmation_matches};

/// The consequence text; `description_id` is its id for `aria-describedby`.
#[component]
pub fn DeleteConsequences(
    impact: DeleteImpact,
    #[prop(into)] description_id: String,
) -> impl IntoView {
    view! {
        <div id=description_id class="consequences-block">
            <p>"Deleting " <strong>{impact.group.name}</strong> " in ISC:"</p>
            <ul class="consequences">
                {impact.consequences.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// The confirmation form posted to `delete_group`. Once hydrated, the delete button stays
/// disabled until the group's name is typed; without JavaScript the server checks it.
/// `children`: the way out (a link on the page, a button in the dialog).
#[component]
pub fn DeleteConfirmForm(
    action: ServerAction<DeleteGroup>,
    id: String,
    name: String,
    /// The name field, for whoever needs to focus it.
    #[prop(optional)]
    input: NodeRef<Input>,
    children: Children,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let hydrated = use_hydrated();
    let matches = {
        let name = name.clone();
        Signal::derive(move || confirmation_matches(&typed.get(), &name))
    };
    let pending = action.pending();
    view! {
        <ServerForm action class="delete-form">
            <input type="hidden" name="id" value=id />
            <label for="confirm-name">
                "To confirm, type the group's name: " <strong class="confirm-name">{name}</strong>
            </label>
            <input
                node_ref=input
                id="confirm-name"
                name="confirm_name"
                type="text"
                autocomplete="off"
                spellcheck="false"
                required
                prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))
            />
            {move || {
                action
                    .value()
                    .get()
                    .and_then(Result::err)
                    .map(|error| view! { <ErrorPanel error on_retry=move |_| () /> })
            }}
            <div class="dialog-actions">
                {children()}
                <button
                    type="submit"
                    class="button button-danger"
                    disabled=move || hydrated.get() && (!matches.get() || pending.get())
                    aria-busy=move || pending.get().to_string()
                >
                    {move || if pending.get() { "Deleting…" } else { "Delete group" }}
                </button>
            </div>
        </ServerForm>
    }
}
