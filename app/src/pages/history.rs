//! `/groups/{id}/history` (one group) and `/changes` (the tenant's recent changes, deleted
//! groups included): every change made through the console, newest first, in the review step's
//! words, with who, when, the outcome and ISC's tracking id on failure; and the changes made
//! outside the console that it noticed when it read the group, with when it noticed them (who
//! made those is unknown, and the page says so). A note says that such changes are seen only
//! when the console reads the group, and when it last did (relative to the page's `as_of`, so
//! the server and the browser render the same words). Filter by who ("outside" for the changes
//! made outside) and by date (a plain GET form); older pages by cursor. Read-only for
//! everyone: the record is append-only.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::history;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::model::history::{HistoryEntry, HistoryOutcome, HistoryPage, UNKNOWN_ACTOR};
use crate::model::when::{exact, rfc3339};
use crate::routes;

/// The query of a history page, as the URL holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Query {
    who: String,
    from: String,
    until: String,
    before: Option<i64>,
}

#[component]
pub fn GroupHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.read().get("id"));
    view! { <HistoryView group=id /> }
}

#[component]
pub fn ChangesPage() -> impl IntoView {
    let none = Memo::new(|_| None::<String>);
    view! { <HistoryView group=none /> }
}

#[component]
fn HistoryView(group: Memo<Option<String>>) -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| {
        let q = query_map.read();
        Query {
            who: q.get("who").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            until: q.get("until").unwrap_or_default(),
            before: q.get("before").and_then(|b| b.parse().ok()),
        }
    });
    let page = Resource::new(
        move || (group.get(), query.get()),
        |(group, q)| {
            let text = |s: String| (!s.trim().is_empty()).then_some(s);
            history(group, text(q.who), text(q.from), text(q.until), q.before)
        },
    );
    let title = move || {
        if group.get().is_some() {
            "History of the sync group"
        } else {
            "Recent changes"
        }
    };
    let action = move || routes::href(&routes::history(group.get().as_deref(), "", "", "", None));
    view! {
        <Title text=title />
        <section class="page">
            <nav aria-label="Breadcrumb" class="breadcrumb">
                <a href=routes::href(routes::GROUPS)>"Sync groups"</a>
                {move || {
                    group
                        .get()
                        .map(|id| {
                            view! {
                                <span aria-hidden="true">" › "</span>
                                <a href=routes::href(&routes::group(&id))>"The group"</a>
                            }
                        })
                }}
            </nav>
            <div class="page-header">
                <h1>{title}</h1>
                <p class="lede">
                    "Every change made through this console, and the changes made elsewhere that it noticed, newest first. ISC itself records none of them."
                </p>
            </div>
            <form class="search history-filter" method="get" action=action>
                <label for="history-who">"Who"</label>
                <input
                    id="history-who"
                    name="who"
                    type="search"
                    placeholder="Part of a name, or “outside”"
                    value=move || query.get().who
                />
                <label for="history-from">"From"</label>
                <input id="history-from" name="from" type="date" value=move || query.get().from />
                <label for="history-until">"Until"</label>
                <input
                    id="history-until"
                    name="until"
                    type="date"
                    value=move || query.get().until
                />
                <button type="submit" class="button">
                    "Show"
                </button>
            </form>
            <Transition fallback=|| {
                view! { <Pending text="Reading the record…" /> }
            }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(found) => {
                                view! { <Entries page=found group=group.get() query=query.get() /> }
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
fn Entries(page: HistoryPage, group: Option<String>, query: Query) -> impl IntoView {
    let note = view! { <p class="muted reads-note">{page.reads_note(group.is_some())}</p> };
    if page.entries.is_empty() {
        return view! {
            {note}
            <p class="empty">
                {if query.before.is_some() {
                    "No older changes."
                } else {
                    "No change made through the console matches, and none noticed outside it."
                }}
            </p>
        }
        .into_any();
    }
    let older = page.older.map(|older| {
        let href = routes::history(
            group.as_deref(),
            &query.who,
            &query.from,
            &query.until,
            Some(older),
        );
        view! {
            <a class="button button-quiet" rel="next" href=routes::href(&href)>
                "Older changes ›"
            </a>
        }
    });
    let whole_tenant = group.is_none();
    view! {
        {note}
        <ol class="history">
            {page
                .entries
                .into_iter()
                .map(|entry| view! { <EntryView entry whole_tenant /> })
                .collect_view()}
        </ol>
        <nav class="pager" aria-label="Older changes">
            {older}
        </nav>
    }
    .into_any()
}

#[component]
fn EntryView(entry: HistoryEntry, whole_tenant: bool) -> impl IntoView {
    let (class, outcome) = match &entry.outcome {
        HistoryOutcome::Done => ("change done", None),
        HistoryOutcome::Failed { error, tracking_id } => (
            "change failed",
            Some(view! {
                <p class="isc-message">
                    "Failed: " {error.clone()}
                    {tracking_id
                        .clone()
                        .map(|t| {
                            view! {
                                " (ISC tracking id "
                                <code>{t}</code>
                                ")"
                            }
                        })}
                </p>
            }
                .into_any()),
        ),
        HistoryOutcome::Unknown => (
            "change unknown",
            Some(view! {
                <p class="notice">
                    "Outcome unknown: the console stopped before ISC answered. Check the group in ISC."
                </p>
            }
                .into_any()),
        ),
    };
    let group = match (whole_tenant, entry.group_id.clone()) {
        (true, Some(id)) => Some(
            view! {
                " "
                <a href=routes::href(&routes::group_history(&id))>{entry.group_name.clone()}</a>
            }
            .into_any(),
        ),
        (true, None) => Some(
            view! {
                " "
                <strong>{entry.group_name.clone()}</strong>
            }
            .into_any(),
        ),
        (false, _) => None,
    };
    let time = view! { <time datetime=rfc3339(entry.at)>{exact(entry.at)}</time> };
    // Made outside: no name to show (ISC does not say who), and the time is when the console
    // noticed it, not when it was made.
    let (class, who, unknown_actor) = if entry.outside() {
        let who = view! {
            " — seen at "
            {time}
        };
        let unknown = view! { <p class="muted who-unknown">{UNKNOWN_ACTOR}</p> };
        (format!("{class} outside"), who.into_any(), Some(unknown))
    } else {
        let who = view! {
            " by "
            <span class="user-name">{entry.actor_name.clone()}</span>
            " · "
            {time}
        };
        (class.to_string(), who.into_any(), None)
    };
    view! {
        <li class=class>
            <div class="change-head">
                <strong>{entry.headline()}</strong>
                {group}
                {who}
            </div>
            <ul class="change-lines">
                {entry.lines.into_iter().map(|l| view! { <li>{l}</li> }).collect_view()}
            </ul>
            {unknown_actor}
            {outcome}
        </li>
    }
}
