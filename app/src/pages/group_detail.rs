//! `/groups/{id}`: one sync group, its policy's rules in words and its sources.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::get_group;
use crate::components::copy_button::CopyButton;
use crate::components::delete_dialog::DeleteDialog;
use crate::components::error_panel::ErrorPanel;
use crate::components::freshness::FreshnessLine;
use crate::components::layout::ContextResource;
use crate::components::modal::ModalControl;
use crate::components::pending::Pending;
use crate::components::policy_rules::RulesList;
use crate::error::AppError;
use crate::model::freshness::Freshness;
use crate::model::{GroupDetail, PolicyInfo, SourceInfo, short_date};
use crate::pages::not_found::NotFound;
use crate::routes::{self, Saved};

#[component]
pub fn GroupDetailPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    // Just saved (perhaps on another replica), or asked for: read ISC, not the shared cache.
    let refresh = move || {
        let q = query.read();
        q.get("refresh").is_some() || q.get("saved").is_some()
    };
    let group = Resource::new(
        move || (id(), refresh()),
        |(id, refresh)| get_group(id, Some(refresh)),
    );
    let context = expect_context::<ContextResource>();
    view! {
        <Suspense fallback=|| {
            view! { <Pending text="Loading the sync group…" /> }
        }>
            {move || Suspend::new(async move {
                let admin = context.await.is_ok_and(|c| c.session.is_admin());
                match group.await {
                    Ok(read) => {
                        view! { <GroupView group=read.group freshness=read.freshness admin /> }
                            .into_any()
                    }
                    Err(AppError::NotFound { .. }) => view! { <NotFound /> }.into_any(),
                    Err(error) => {
                        view! {
                            <Title text="Sync group" />
                            <section class="page">
                                <h1>"Sync group"</h1>
                                <ErrorPanel error on_retry=move |_| group.refetch() />
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// After a save: what happened, in one line.
#[component]
fn SavedNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        let saved = query.read().get("saved");
        let text = match saved.as_deref().and_then(Saved::from_param)? {
            Saved::Created => "Created the sync group. Its sources now share one password.",
            Saved::Updated => "Saved your changes to the sync group.",
        };
        Some(view! {
            <p class="notice success" role="status">
                {text}
            </p>
        })
    }
}

/// Edit and delete, for administrators only. Without JavaScript "Delete…" is a link to the
/// confirmation page; with it, the link opens the dialog instead.
#[component]
fn GroupActions(id: String) -> impl IntoView {
    let dialog = ModalControl::new();
    view! {
        <div class="actions">
            <a class="button" href=routes::href(&routes::group_edit(&id))>
                "Edit"
            </a>
            <a
                class="button button-danger-quiet"
                href=routes::href(&routes::group_delete(&id))
                on:click=move |ev| {
                    ev.prevent_default();
                    dialog.open();
                }
            >
                "Delete…"
            </a>
        </div>
        <DeleteDialog id control=dialog />
    }
}

#[component]
fn GroupView(group: GroupDetail, freshness: Freshness, admin: bool) -> impl IntoView {
    let count = group.sources.len();
    let refresh_href = routes::href(&routes::group_refreshed(&group.id));
    view! {
        <Title text=group.name.clone() />
        <section class="page">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <a href=routes::href(routes::GROUPS)>"Sync groups"</a>
                <span aria-hidden="true">" › "</span>
                <span aria-current="page">{group.name.clone()}</span>
            </nav>
            <SavedNotice />
            <div class="page-header with-actions">
                <div>
                    <h1>{group.name.clone()}</h1>
                    <p class="lede">
                        "Users see this name in Password Manager when they change the password of these sources."
                    </p>
                </div>
                {admin.then(|| view! { <GroupActions id=group.id.clone() /> })}
            </div>
            <FreshnessLine freshness refresh_href />
            <dl class="facts">
                <div>
                    <dt>"Created"</dt>
                    <dd>{date(group.created.as_deref())}</dd>
                </div>
                <div>
                    <dt>"Modified"</dt>
                    <dd>{date(group.modified.as_deref())}</dd>
                </div>
                <div>
                    <dt>"Id"</dt>
                    <dd>
                        <code class="id">{group.id.clone()}</code>
                        " "
                        <CopyButton text=group.id.clone() label="Copy the group's id" />
                    </dd>
                </div>
            </dl>
            <p class="explainer">
                {format!(
                    "When a user changes their password for any of these {count} sources, ISC sets the same password on all of them and on their connected applications, under the policy below.",
                )}
            </p>
            <p>
                <a href=routes::href(&routes::group_history(&group.id))>"History of this group"</a>
                <span class="muted">" — every change made through the console."</span>
            </p>
            <p>
                <a href=routes::href(
                    &routes::people("", 0, Some(&group.id)),
                )>"Look up a person in this group"</a>
                <span class="muted">
                    " — which of their passwords are synchronised, and whether their last change reached every source."
                </span>
            </p>
            <PolicySection policy=group.policy />
            <SourcesSection sources=group.sources />
        </section>
    }
}

fn date(value: Option<&str>) -> AnyView {
    match value {
        Some(v) => {
            view! { <time datetime=v.to_string()>{short_date(v).to_string()}</time> }.into_any()
        }
        None => view! { <span class="muted">"not recorded"</span> }.into_any(),
    }
}

#[component]
fn PolicySection(policy: PolicyInfo) -> impl IntoView {
    let title = policy.label();
    view! {
        <section class="card" aria-labelledby="policy-heading">
            <h2 id="policy-heading">"Password policy: " {title}</h2>
            {policy.description.map(|d| view! { <p class="muted">{d}</p> })}
            {match policy.rules {
                Some(rules) => view! { <RulesList rules /> }.into_any(),
                None => {
                    view! {
                        <p class="warning">
                            "ISC does not know this policy any more: users may see errors when changing passwords. Edit the group to choose a policy."
                        </p>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

#[component]
fn SourcesSection(sources: Vec<SourceInfo>) -> impl IntoView {
    let count = sources.len();
    view! {
        <section class="card" aria-labelledby="sources-heading">
            <h2 id="sources-heading">{format!("Sources ({count})")}</h2>
            <div class="table-wrap">
                <table class="sources">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Connector"</th>
                            <th scope="col">"Connection"</th>
                            <th scope="col">"Health"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {sources
                            .into_iter()
                            .map(|s| {
                                let health_class = s.health_class();
                                view! {
                                    <tr>
                                        <th scope="row">{s.label()}</th>
                                        <td>{s.source_type.clone().unwrap_or_default()}</td>
                                        <td>{s.connector.clone().unwrap_or_default()}</td>
                                        <td>{s.connection.label()}</td>
                                        <td>
                                            <span class=health_class>{s.health_label()}</span>
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
