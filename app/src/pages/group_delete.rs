//! `/groups/{id}/delete`: the delete confirmation as a page, for browsers without JavaScript (a
//! plain form post; the server checks the typed name).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{DeleteGroup, delete_impact};
use crate::components::delete_confirm::{DeleteConfirmForm, DeleteConsequences};
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::error::AppError;
use crate::pages::not_found::NotFound;
use crate::routes;

#[component]
pub fn GroupDeletePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let impact = Resource::new(id, delete_impact);
    let action = ServerAction::<DeleteGroup>::new();
    view! {
        <Title text="Delete sync group" />
        <Suspense fallback=|| {
            view! { <Pending text="Checking what deleting it would do…" /> }
        }>
            {move || Suspend::new(async move {
                match impact.await {
                    Ok(impact) => {
                        let id = impact.group.id.clone();
                        let name = impact.group.name.clone();
                        view! {
                            <section class="page narrow">
                                <nav aria-label="Breadcrumb" class="breadcrumb">
                                    <a href=routes::href(routes::GROUPS)>"Sync groups"</a>
                                    <span aria-hidden="true">" › "</span>
                                    <a href=routes::href(&routes::group(&id))>{name.clone()}</a>
                                </nav>
                                <h1>"Delete this sync group?"</h1>
                                <DeleteConsequences impact description_id="delete-description" />
                                <DeleteConfirmForm action id=id.clone() name>
                                    <a
                                        class="button button-quiet"
                                        href=routes::href(&routes::group(&id))
                                    >
                                        "Cancel"
                                    </a>
                                </DeleteConfirmForm>
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
