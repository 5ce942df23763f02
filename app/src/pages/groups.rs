//! `/groups`: every password sync group of the tenant, with names instead of ids.
//!
//! Search, sort and page live in the URL (`?q=…&sort=…&page=…`) so a view can be shared and the
//! back button works. The server answers one page (a tenant of 2,000 groups sends 50 rows), from
//! the shared cache, and the page says how old that reading is, with a refresh link
//! (`?refresh=1`). Without JavaScript the search is a plain GET form; once hydrated, typing
//! filters as you go.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::list_page;
use crate::components::admin_only::AdminOnly;
use crate::components::error_panel::ErrorPanel;
use crate::components::freshness::FreshnessLine;
use crate::components::pending::Pending;
use crate::model::list::{GroupListPage, SortColumn, SortKey};
use crate::model::{GroupSummary, Named, short_date};
use crate::routes;

/// How many source names a row shows before "+N more".
const SOURCES_SHOWN: usize = 3;

/// After a delete: which group went and what that did to its sources.
#[component]
fn DeletedNotice() -> impl IntoView {
    let query = use_query_map();
    move || {
        query.read().get("deleted").map(|name| {
            let sources = query.read().get("sources").unwrap_or_default();
            view! {
                <p class="notice success" role="status">
                    "Deleted the sync group "
                    <strong>{name}</strong>
                    ". "
                    {(!sources.is_empty())
                        .then(|| {
                            format!(
                                "The passwords of {sources} are no longer synchronised; each source keeps the group's policy directly.",
                            )
                        })}
                </p>
            }
        })
    }
}

#[component]
pub fn GroupsPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = Memo::new(move |_| query_map.read().get("q").unwrap_or_default());
    let sort = Memo::new(move |_| {
        query_map
            .read()
            .get("sort")
            .map(|s| SortKey::from_param(&s))
            .unwrap_or_default()
    });
    let page = Memo::new(move |_| {
        query_map
            .read()
            .get("page")
            .and_then(|p| p.parse::<usize>().ok())
            .unwrap_or(1)
    });
    // A refresh asked for, or the user's own delete just now (perhaps on another replica):
    // read ISC again rather than show the cached list.
    let refresh = Memo::new(move |_| {
        let q = query_map.read();
        q.get("refresh").is_some() || q.get("deleted").is_some()
    });
    let groups = Resource::new(
        move || (query.get(), sort.get(), page.get(), refresh.get()),
        |(q, sort, page, refresh)| {
            list_page(
                Some(q),
                Some(sort.param().to_string()),
                Some(page),
                Some(refresh),
            )
        },
    );
    let navigate = use_navigate();

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        navigate(
            &routes::group_list(&value, sort.get_untracked(), 1),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <Title text="Password sync groups" />
        <section class="page">
            <div class="page-header with-actions">
                <div>
                    <h1>"Password sync groups"</h1>
                    <p class="lede">
                        "Sources in one group share a password: changing it in one changes it in all."
                    </p>
                </div>
                <AdminOnly>
                    <a class="button" href=routes::href(routes::NEW_GROUP)>
                        "New sync group"
                    </a>
                </AdminOnly>
            </div>
            <DeletedNotice />
            <p class="muted">
                <a href=routes::href(routes::CHANGES)>"Recent changes"</a>
                ": made through the console or noticed outside it, deleted groups included."
            </p>
            <form class="search" method="get" action=routes::href(routes::GROUPS) role="search">
                <label for="group-search">"Search"</label>
                <input
                    id="group-search"
                    name="q"
                    type="search"
                    placeholder="Group, source or policy name"
                    autocomplete="off"
                    // The attribute for the server-rendered page, the property once live.
                    value=query.get_untracked()
                    prop:value=move || query.get()
                    on:input=on_input
                />
                <input type="hidden" name="sort" value=move || sort.get().param() />
                <button type="submit" class="button">
                    "Search"
                </button>
            </form>
            <Transition fallback=|| {
                view! { <Pending text="Loading sync groups…" /> }
            }>
                {move || {
                    groups
                        .get()
                        .map(|result| match result {
                            Ok(list) => {
                                let refresh_href = routes::href(
                                    &routes::group_list_refreshed(
                                        &query.get_untracked(),
                                        sort.get_untracked(),
                                        list.page,
                                    ),
                                );
                                view! {
                                    <FreshnessLine freshness=list.freshness refresh_href />
                                    <GroupTable list query sort />
                                }
                                    .into_any()
                            }
                            Err(error) => {
                                view! { <ErrorPanel error on_retry=move |_| groups.refetch() /> }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn GroupTable(list: GroupListPage, query: Memo<String>, sort: Memo<SortKey>) -> impl IntoView {
    if list.total == 0 {
        return view! { <EmptyTenant /> }.into_any();
    }
    let count = list.count_label();
    let GroupListPage {
        rows, page, pages, ..
    } = list;
    let header = move |column: SortColumn, label: &'static str| {
        let (current, natural) = sort.get().column();
        let aria_sort = match (current == column, natural) {
            (false, _) => "none",
            // Names sort A→Z naturally; dates and counts largest first.
            (true, true) if column == SortColumn::Name => "ascending",
            (true, false) if column == SortColumn::Name => "descending",
            (true, true) => "descending",
            (true, false) => "ascending",
        };
        let href = routes::href(&routes::group_list(
            &query.get(),
            sort.get().toggled(column),
            1,
        ));
        view! {
            <th scope="col" aria-sort=aria_sort>
                <a class="sort" href=href>
                    {label}
                    <span class="sort-indicator" aria-hidden="true">
                        {match aria_sort {
                            "ascending" => "▲",
                            "descending" => "▼",
                            _ => "",
                        }}
                    </span>
                </a>
            </th>
        }
    };
    view! {
        <p class="result-count" role="status">
            {count}
        </p>
        {if rows.is_empty() {
            view! {
                <p class="empty">
                    "No sync group matches “" {query.get()} "”. "
                    <a href=routes::href(
                        &routes::group_list("", sort.get(), 1),
                    )>"Clear the search"</a>
                </p>
            }
                .into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="groups">
                        <thead>
                            <tr>
                                {header(SortColumn::Name, "Name")}
                                <th scope="col">"Password policy"</th>
                                {header(SortColumn::Sources, "Sources")}
                                {header(SortColumn::Modified, "Modified")}
                            </tr>
                        </thead>
                        <tbody>
                            {rows
                                .into_iter()
                                .map(|g| view! { <GroupRow group=g /> })
                                .collect_view()}
                        </tbody>
                    </table>
                </div>
                {(pages > 1).then(|| view! { <Pager query sort page pages /> })}
            }
                .into_any()
        }}
    }
    .into_any()
}

#[component]
fn Pager(query: Memo<String>, sort: Memo<SortKey>, page: usize, pages: usize) -> impl IntoView {
    let link = move |target: usize, label: &'static str, rel: &'static str| {
        view! {
            <a
                class="button button-quiet"
                rel=rel
                href=routes::href(&routes::group_list(&query.get(), sort.get(), target))
            >
                {label}
            </a>
        }
    };
    view! {
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| link(page - 1, "‹ Previous", "prev"))}
            <span aria-current="page">{format!("Page {page} of {pages}")}</span>
            {(page < pages).then(|| link(page + 1, "Next ›", "next"))}
        </nav>
    }
}

#[component]
fn GroupRow(group: GroupSummary) -> impl IntoView {
    let count = group.sources.len();
    let all_names = group
        .sources
        .iter()
        .map(Named::label)
        .collect::<Vec<_>>()
        .join(", ");
    let mut shown: Vec<String> = group
        .sources
        .iter()
        .take(SOURCES_SHOWN)
        .map(Named::label)
        .collect();
    if count > SOURCES_SHOWN {
        shown.push(format!("+{} more", count - SOURCES_SHOWN));
    }
    view! {
        <tr>
            <th scope="row" class="group-name">
                <a href=routes::href(&routes::group(&group.id))>{group.name}</a>
            </th>
            <td>{group.policy.label()}</td>
            <td title=all_names>
                <span class="count">{count}</span>
                " "
                <span class="source-names">{shown.join(", ")}</span>
            </td>
            <td>
                {group
                    .modified
                    .as_deref()
                    .map(|m| {
                        view! { <time datetime=m.to_string()>{short_date(m).to_string()}</time> }
                    })}
            </td>
        </tr>
    }
}

/// A tenant without any group: explain what a sync group is and what ISC needs first.
#[component]
fn EmptyTenant() -> impl IntoView {
    view! {
        <div class="empty-tenant">
            <h2>"No password sync groups yet"</h2>
            <p>
                "A password sync group makes several sources share one password: when a user changes it in Password Manager, it changes on every source of the group and their connected applications."
            </p>
            <p>"Before ISC lets you create one, the tenant needs:"</p>
            <ul>
                <li>"at least two direct-connect sources configured for password management;"</li>
                <li>"at least one application on each of those sources;"</li>
                <li>
                    "at least one password policy, which will apply to every source in the group."
                </li>
            </ul>
        </div>
    }
}
