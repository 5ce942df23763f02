//! Deleting a group, with JavaScript: a modal dialog that loads the impact fresh from ISC (and
//! offers no delete when it cannot), asks for the group's name, and only then enables the
//! destructive button.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::api::{DeleteGroup, delete_impact};
use crate::components::delete_confirm::{DeleteConsequences, confirmation_matches};
use crate::components::error_panel::ErrorPanel;
use crate::components::modal::{Modal, ModalControl};
use crate::components::pending::Pending;
use crate::model::SourceInfo;
use crate::pages::groups::deleted_href;

#[component]
pub fn DeleteDialog(id: String, control: ModalControl) -> impl IntoView {
    // Re-read each time the dialog opens: the impact shown must be the group as it is now.
    let impact = Resource::new(
        move || control.is_open().then(|| id.clone()),
        |id| async move {
            match id {
                Some(id) => Some(delete_impact(id).await),
                None => None,
            }
        },
    );
    view! {
        <Modal control title_id="delete-title" description_id="delete-description">
            <h2 id="delete-title">"Delete this sync group?"</h2>
            <Suspense fallback=|| view! { <Pending text="Checking what deleting it would do…" /> }>
                {move || Suspend::new(async move {
                    match impact.await {
                        Some(Ok((group, consequences))) => {
                            view! { <DeleteForm group consequences control /> }.into_any()
                        }
                        Some(Err(error)) => {
                            view! {
                                <p id="delete-description">
                                    "The console could not load this group's current sources and policy, so it will not delete it."
                                </p>
                                <ErrorPanel error on_retry=move |_| impact.refetch() />
                                <div class="dialog-actions">
                                    <button type="button" class="button button-quiet" on:click=move |_| control.close()>
                                        "Close"
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                        None => ().into_any(),
                    }
                })}
            </Suspense>
        </Modal>
    }
}

#[component]
fn DeleteForm(
    group: crate::model::GroupDetail,
    consequences: Vec<String>,
    control: ModalControl,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    // The form appears after the dialog opened (the impact loads first), so `autofocus` has
    // passed: focus the name field once it exists, never the destructive button.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            // After the Suspense has put the form into the document.
            request_animation_frame(move || {
                let _ = el.focus();
            });
        }
    });
    let name = group.name.clone();
    let matches = Signal::derive(move || confirmation_matches(&typed.get(), &name));
    let action = ServerAction::<DeleteGroup>::new();
    let pending = action.pending();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(deleted)) = action.value().get() {
            control.close();
            let sources: Vec<String> = deleted.sources.iter().map(SourceInfo::label).collect();
            navigate(&deleted_href(&deleted.name, &sources), Default::default());
        }
    });
    let id = group.id.clone();
    let group_name = group.name.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if matches.get_untracked() && !pending.get_untracked() {
            action.dispatch(DeleteGroup {
                id: id.clone(),
                confirm_name: typed.get_untracked(),
            });
        }
    };
    view! {
        <DeleteConsequences group consequences description_id="delete-description" />
        <form class="delete-form" on:submit=on_submit>
            <label for="confirm-name">
                "To confirm, type the group's name: " <strong class="confirm-name">{group_name}</strong>
            </label>
            <input
                node_ref=input
                id="confirm-name"
                name="confirm_name"
                type="text"
                autocomplete="off"
                spellcheck="false"
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
                <button type="button" class="button button-quiet" on:click=move |_| control.close()>
                    "Cancel"
                </button>
                <button
                    type="submit"
                    class="button button-danger"
                    disabled=move || !matches.get() || pending.get()
                    aria-busy=move || pending.get().to_string()
                >
                    {move || if pending.get() { "Deleting…" } else { "Delete group" }}
                </button>
            </div>
        </form>
    }
}
