//! `/lookups`: who looked up whom on the helpdesk pages, newest first (administrators only).
//! The record is append-only; nobody can change or delete it from the console.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::lookups;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::model::people::{LookupEntry, LookupKind, LookupPage};
use crate::model::when::{exact, rfc3339};
use crate::routes;

#[component]
pub fn LookupsPage() -> impl IntoView {
    let query = use_query_map();
    let before = Memo::new(move |_| {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    });
    let page = Resource::new(move || before.get(), lookups);
    view! {
        <Title text="Person lookups" />
        <section class="page">
            <div class="page-header">
                <h1>"Person lookups"</h1>
                <p class="lede">
                    "Every search for a person and every person's page opened in this console, by whom and when. The record cannot be changed or deleted from the console."
                </p>
            </div>
            <Transition fallback=|| {
                view! { <Pending text="Loading the record…" /> }
            }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(found) => {
                                view! { <LookupTable page=found first=before.get().is_none() /> }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <ErrorPanel error on_retry=move |_| page.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn LookupTable(page: LookupPage, first: bool) -> impl IntoView {
    if page.entries.is_empty() {
        return view! {
            <p class="empty">
                {if first { "Nobody has looked anyone up yet." } else { "No older lookups." }}
            </p>
        }
        .into_any();
    }
    view! {
        <div class="table-wrap">
            <table class="groups lookups">
                <thead>
                    <tr>
                        <th scope="col">"When (UTC)"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                    </tr>
                </thead>
                <tbody>
                    {page
                        .entries
                        .into_iter()
                        .map(|e| view! { <LookupRow entry=e /> })
                        .collect_view()}
                </tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Older lookups">
            {(!first)
                .then(|| {
                    view! {
                        <a class="button button-quiet" href=routes::href(routes::LOOKUPS)>
                            "Newest"
                        </a>
                    }
                })}
            {page
                .older
                .map(|older| {
                    view! {
                        <a
                            class="button button-quiet"
                            rel="next"
                            href=routes::href(&routes::lookups(Some(older)))
                        >
                            "Older ›"
                        </a>
                    }
                })}
        </nav>
    }
    .into_any()
}

#[component]
fn LookupRow(entry: LookupEntry) -> impl IntoView {
    let subject = match (entry.kind, entry.person_id.clone()) {
        (LookupKind::View, Some(id)) => {
            view! { <a href=routes::href(&routes::person(&id, None))>{entry.subject.clone()}</a> }
                .into_any()
        }
        (LookupKind::Search, _) => view! { <q>{entry.subject.clone()}</q> }.into_any(),
        (LookupKind::View, None) => view! { <span>{entry.subject.clone()}</span> }.into_any(),
    };
    view! {
        <tr>
            <td>
                <time datetime=rfc3339(entry.at)>{exact(entry.at)}</time>
            </td>
            <td>
                <span class="user-name">{entry.actor_name.clone()}</span>
                " "
                <code class="muted">{entry.actor_user.clone()}</code>
                " "
                <span class="badge badge-role">{role_label(&entry.actor_role)}</span>
            </td>
            <td>{entry.kind.verb()} " " {subject}</td>
        </tr>
    }
}

/// The role as the top bar names it.
fn role_label(role: &str) -> &'static str {
    match role {
        "admin" => crate::model::Role::Admin.label(),
        _ => crate::model::Role::Helpdesk.label(),
    }
}
