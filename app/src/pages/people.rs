//! `/people?q=…`: find a person by what a caller tells the helpdesk (name, email, account name).
//!
//! The search is a plain GET form, so it works without JavaScript and a search can be shared or
//! reloaded; results are paged (`offset=`) and never the whole directory.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::find_people;
use crate::components::admin_only::AdminOnly;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::error::AppError;
use crate::model::people::{MIN_QUERY_CHARS, PeopleResults, PersonMatch, query_problem};
use crate::routes;

/// What the page shows for a search text: nothing yet, a hint, or results.
async fn search(query: String, offset: usize) -> Result<Option<PeopleResults>, AppError> {
    if query.trim().is_empty() {
        return Ok(None);
    }
    if query_problem(&query).is_some() {
        return Ok(None);
    }
    find_people(query, offset).await.map(Some)
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.read().get("q").unwrap_or_default());
    let offset = Memo::new(move |_| {
        query_map
            .read()
            .get("offset")
            .and_then(|o| o.parse::<usize>().ok())
            .unwrap_or(0)
    });
    // The group the helpdesk came from ("look up a person in this group"), to go back to.
    let group = Memo::new(move |_| query_map.read().get("group"));
    let results = Resource::new(
        move || (query.get(), offset.get()),
        |(query, offset)| search(query, offset),
    );
    let hint = move || query_problem(&query.get()).filter(|_| !query.get().trim().is_empty());
    view! {
        <Title text="Find a person" />
        <section class="page">
            {move || {
                group
                    .get()
                    .map(|id| {
                        view! {
                            <nav aria-label="Breadcrumb" class="breadcrumb">
                                <a href=routes::href(
                                    &routes::group(&id),
                                )>"Back to the sync group"</a>
                            </nav>
                        }
                    })
            }} <div class="page-header with-actions">
                <div>
                    <h1>"Find a person"</h1>
                    <p class="lede">
                        "Look up the person on the phone to see which of their passwords are synchronised, when each was last set, and whether their last change reached every system."
                    </p>
                </div>
                <AdminOnly>
                    <a class="button button-quiet" href=routes::href(routes::LOOKUPS)>
                        "Who looked up whom"
                    </a>
                </AdminOnly>
            </div>
            <form class="search" method="get" action=routes::href(routes::PEOPLE) role="search">
                <label for="person-search">"Person"</label>
                <input
                    id="person-search"
                    name="q"
                    type="search"
                    placeholder="Name, email or account name"
                    autocomplete="off"
                    minlength=MIN_QUERY_CHARS.to_string()
                    maxlength="100"
                    required
                    value=query.get_untracked()
                    prop:value=move || query.get()
                    aria-describedby="person-search-hint"
                />
                {move || {
                    group.get().map(|id| view! { <input type="hidden" name="group" value=id /> })
                }}
                <button type="submit" class="button">
                    "Search"
                </button>
            </form> <p id="person-search-hint" class="hint">
                {move || {
                    hint()
                        .unwrap_or_else(|| {
                            "The start of a name works too: “olivia sm” finds Olivia Smith. The text is searched as typed, never as a query."
                                .to_string()
                        })
                }}
            </p>
            <Transition fallback=|| {
                view! { <Pending text="Searching…" /> }
            }>
                {move || {
                    results
                        .get()
                        .map(|result| match result {
                            Ok(Some(found)) => {
                                view! { <Results found group=group.get() /> }.into_any()
                            }
                            Ok(None) => ().into_any(),
                            Err(error) => {
                                view! { <ErrorPanel error on_retry=move |_| results.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Results(found: PeopleResults, group: Option<String>) -> impl IntoView {
    let words = found.range_words();
    if found.matches.is_empty() {
        return view! {
            <div class="empty" role="status">
                <p>
                    <strong>{words}</strong>
                </p>
                <p class="muted">
                    "Check the spelling, try the email address or the name they use to sign in, or fewer letters."
                </p>
            </div>
        }
            .into_any();
    }
    let pager = |offset: Option<usize>, label: &'static str, rel: &'static str| {
        let query = found.query.clone();
        let group = group.clone();
        offset.map(move |o| {
            view! {
                <a
                    class="button button-quiet"
                    rel=rel
                    href=routes::href(&routes::people(&query, o, group.as_deref()))
                >
                    {label}
                </a>
            }
        })
    };
    let previous = pager(found.previous_offset(), "‹ Previous", "prev");
    let next = pager(found.next_offset(), "Next ›", "next");
    view! {
        <p class="result-count" role="status">
            {words}
        </p>
        <ul class="people">
            {found.matches.into_iter().map(|m| view! { <PersonItem found=m /> }).collect_view()}
        </ul>
        <nav class="pager" aria-label="Pages of results">
            {previous}
            {next}
        </nav>
    }
    .into_any()
}

#[component]
fn PersonItem(found: PersonMatch) -> impl IntoView {
    let summary = found.summary();
    let in_groups = found.accounts_in_groups > 0;
    let person = found.person;
    view! {
        <li class="person-item">
            <a class="person-link" href=routes::href(&routes::person(&person.id, None))>
                <span class="person-name">{person.label().to_string()}</span>
                <span class="person-detail">
                    {person.email.clone().unwrap_or_else(|| person.name.clone())}
                </span>
            </a>
            <span class=if in_groups {
                "badge badge-count"
            } else {
                "badge badge-none"
            }>{summary}</span>
        </li>
    }
}
