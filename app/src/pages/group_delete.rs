//! `/groups/{id}/delete`: the delete confirmation as a page, for browsers without JavaScript (a
//! plain form post; the server checks the typed name).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{DeleteGroupForm, delete_impact};
use crate::components::delete_confirm::DeleteConsequences;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::error::AppError;
use crate::pages::not_found::NotFound;

#[component]
pub fn GroupDeletePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let impact = Resource::new(id, delete_impact);
    let action = ServerAction::<DeleteGroupForm>::new();
    view! {
        <Title text="Delete sync group" />
        <Suspense fallback=|| view! { <Pending text="Checking what deleting it would do…" /> }>
            {move || Suspend::new(async move {
                match impact.await {
                    Ok((group, consequences)) => {
                        let id = group.id.clone();
                        let name = group.name.clone();
                        view! {
                            <section class="page narrow">
                                <nav aria-label="Breadcrumb" class="breadcrumb">
                                    <a href="/groups">"Sync groups"</a>
                                    <span aria-hidden="true">" › "</span>
                                    <a href=format!("/groups/{id}")>{name.clone()}</a>
                                </nav>
                                <h1>"Delete this sync group?"</h1>
                                <DeleteConsequences group consequences description_id="delete-description" />
                                {move || {
                                    action
                                        .value()
                                        .get()
                                        .and_then(Result::err)
                                        .map(|error| view! { <ErrorPanel error on_retry=move |_| () /> })
                                }}
                                <ActionForm action attr:class="delete-form">
                                    <input type="hidden" name="id" value=id.clone() />
                                    <label for="confirm-name">
                                        "To confirm, type the group's name: "
                                        <strong class="confirm-name">{name}</strong>
                                    </label>
                                    <input
                                        id="confirm-name"
                                        name="confirm_name"
                                        type="text"
                                        autocomplete="off"
                                        required
                                    />
                                    <div class="dialog-actions">
                                        <a class="button button-quiet" href=format!("/groups/{id}")>
                                            "Cancel"
                                        </a>
                                        <button type="submit" class="button button-danger">
                                            "Delete group"
                                        </button>
                                    </div>
                                </ActionForm>
                            </section>
                        }
                            .into_any()
                    }
                    Err(AppError::NotFound { .. }) => view! { <NotFound /> }.into_any(),
                    Err(error) => {
                        view! {
                            <section class="page narrow">
                                <h1>"Delete this sync group?"</h1>
                                <p>
                                    "The console could not load this group's current sources and policy, so it will not delete it."
                                </p>
                                <ErrorPanel error on_retry=move |_| impact.refetch() />
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}
