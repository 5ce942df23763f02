//! Deleting a group, with JavaScript: a modal dialog that loads the impact fresh from ISC (and
//! offers no delete when it cannot), asks for the group's name, and only then enables the
//! destructive button.

use leptos::prelude::*;

use crate::api::{DeleteGroup, delete_impact};
use crate::components::delete_confirm::{DeleteConfirmForm, DeleteConsequences};
use crate::components::error_panel::ErrorPanel;
use crate::components::modal::{CloseButton, Modal, ModalControl};
use crate::components::pending::Pending;
use crate::model::delete::DeleteImpact;

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
            <Suspense fallback=|| {
                view! { <Pending text="Checking what deleting it would do…" /> }
            }>
                {move || Suspend::new(async move {
                    match impact.await {
                        Some(Ok(impact)) => view! { <DeleteForm impact control /> }.into_any(),
                        Some(Err(error)) => {
                            view! {
                                <p id="delete-description">
                                    "The console could not load this group's current sources and policy, so it will not delete it."
                                </p>
                                <ErrorPanel error on_retry=move |_| impact.refetch() />
                                <div class="dialog-actions">
                                    <CloseButton control label="Close" />
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
fn DeleteForm(impact: DeleteImpact, control: ModalControl) -> impl IntoView {
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
    // The server's answer redirects to the list, which says what was deleted.
    let action = ServerAction::<DeleteGroup>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            control.close();
        }
    });
    let (id, name) = (impact.group.id.clone(), impact.group.name.clone());
    view! {
        <DeleteConsequences impact description_id="delete-description" />
        <DeleteConfirmForm action id name input>
            <CloseButton control label="Cancel" />
        </DeleteConfirmForm>
    }
}
