//! `/people/{id}`: one person's password sync, built for the call "my password did not sync".
//!
//! From the top: the verdict in one line; one card per sync group the person has accounts in
//! (each source with their account, when its password was last set and the latest event there,
//! the verdict in words and what to tell the caller, with the policy's rules); their password
//! accounts in no group; and their password events of the last 30 days, filterable by source
//! (`?source=`, a plain GET form without JavaScript). Read-only: nothing here changes anything.
//! Times are relative to when the console read them (`as_of`), so the server and the browser
//! render the same text.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::api::person_sync;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::components::policy_rules::RulesList;
use crate::error::AppError;
use crate::model::PolicyInfo;
use crate::model::people::{
    GroupSync, LooseAccount, PersonSync, SourceRow, action_words, advice, event_period,
};
use crate::model::person::{PasswordEvent, PersonAccount};
use crate::model::when::{exact, relative, rfc3339};
use crate::pages::not_found::NotFound;
use crate::routes;

#[component]
pub fn PersonPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let sync = Resource::new(id, person_sync);
    view! {
        <Suspense fallback=|| {
            view! { <Pending text="Looking up their password sync…" /> }
        }>
            {move || Suspend::new(async move {
                match sync.await {
                    Ok(found) => view! { <PersonView sync=found /> }.into_any(),
                    Err(AppError::NotFound { .. }) => view! { <NotFound /> }.into_any(),
                    Err(error) => {
                        view! {
                            <Title text="A person's password sync" />
                            <section class="page">
                                <Breadcrumb name=None />
                                <h1>"A person's password sync"</h1>
                                <ErrorPanel error on_retry=move |_| sync.refetch() />
                            </section>
                        }
                            .into_any()
                    }
                }
            })}
        </Suspense>
    }
}

#[component]
fn Breadcrumb(name: Option<String>) -> impl IntoView {
    view! {
        <nav aria-label="Breadcrumb" class="breadcrumb">
            <a href=routes::href(routes::PEOPLE)>"Find a person"</a>
            {name
                .map(|name| {
                    view! {
                        <span aria-hidden="true">" › "</span>
                        <span aria-current="page">{name}</span>
                    }
                })}
        </nav>
    }
}

/// A moment as "3 days ago", with the exact time in UTC beside it.
#[component]
fn When(at: i64, now: i64) -> impl IntoView {
    view! {
        <time datetime=rfc3339(at) title=exact(at)>
            {relative(at, now)}
        </time>
        <span class="exact">{exact(at)}</span>
    }
}

#[component]
fn PersonView(sync: PersonSync) -> impl IntoView {
    let person = sync.person.clone();
    let name = person.label().to_string();
    let headline = sync.headline();
    let trouble = sync.groups.iter().any(GroupSync::has_problem);
    let now = sync.as_of;
    let groups = sync.groups.clone();
    let loose = sync.loose.clone();
    view! {
        <Title text=name.clone() />
        <section class="page person-page">
            <Breadcrumb name=Some(name.clone()) />
            <div class="page-header with-actions">
                <div>
                    <h1>{name.clone()}</h1>
                    <p class="lede">
                        {person
                            .email
                            .clone()
                            .map(|e| {
                                view! {
                                    <span>{e}</span>
                                    " · "
                                }
                            })} <span>"ISC identity " <code>{person.name.clone()}</code></span>
                    </p>
                </div>
                <div class="as-of">
                    "As read from ISC at " <span>{exact(now)}</span> " "
                    <a
                        class="button button-quiet"
                        href=routes::href(&routes::person(&person.id, None))
                    >
                        "Read again"
                    </a>
                </div>
            </div>
            <p
                class=if trouble { "verdict-line trouble" } else { "verdict-line fine" }
                role="status"
            >
                {headline}
            </p>
            {groups.into_iter().map(|g| view! { <GroupCard group=g now /> }).collect_view()}
            <LooseSection loose now />
            <Timeline sync />
        </section>
    }
}

#[component]
fn GroupCard(group: GroupSync, now: i64) -> impl IntoView {
    let heading = format!("group-{}", group.id);
    let problem = group.has_problem();
    let together = group.together();
    let advice: Vec<String> = group.findings.iter().map(advice).collect();
    let findings = group.findings.clone();
    view! {
        <section
            class=if problem { "card sync-card trouble" } else { "card sync-card fine" }
            aria-labelledby=heading.clone()
        >
            <div class="sync-card-header">
                <h2 id=heading.clone()>
                    <span class="muted">"Sync group "</span>
                    <a href=routes::href(&routes::group(&group.id))>{group.name.clone()}</a>
                </h2>
                <span class=if problem {
                    "badge badge-bad"
                } else {
                    "badge badge-ok"
                }>{if problem { "Needs attention" } else { "In sync" }}</span>
            </div>
            <ul class="findings">
                {findings
                    .into_iter()
                    .map(|f| {
                        let class = if f.is_problem() { "finding problem" } else { "finding ok" };
                        view! { <li class=class>{f.words()}</li> }
                    })
                    .collect_view()}
            </ul>
            <AccountsTable caption=format!(
                "Their accounts on the sources of {}",
                group.name,
            )>
                {group
                    .rows
                    .into_iter()
                    .map(|row| view! { <SourceRowView row now /> })
                    .collect_view()}
            </AccountsTable>
            <div class="tell">
                <h3>"What to tell the caller"</h3>
                <p>{together}</p>
                <ul>{advice.into_iter().map(|a| view! { <li>{a}</li> }).collect_view()}</ul>
                <PolicyRules policy=group.policy />
            </div>
        </section>
    }
}

/// The policy's rules as "a valid password" for the caller.
#[component]
fn PolicyRules(policy: PolicyInfo) -> impl IntoView {
    let label = policy.label();
    match policy.rules {
        Some(rules) => view! {
            <p class="policy-name">"A valid password (policy " {label} "):"</p>
            <RulesList rules />
        }
        .into_any(),
        None => view! {
            <p class="warning">
                {format!(
                    "ISC does not know this group's policy ({label}): it cannot say what a valid password is.",
                )}
            </p>
        }
        .into_any(),
    }
}

/// The table of a person's accounts: one row per source (group cards and loose accounts).
#[component]
fn AccountsTable(caption: String, children: Children) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table class="accounts">
                <caption class="visually-hidden">{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Their account"</th>
                        <th scope="col">"Password last set"</th>
                        <th scope="col">"Latest password event"</th>
                    </tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

#[component]
fn SourceRowView(row: SourceRow, now: i64) -> impl IntoView {
    let source = row.source;
    view! {
        <tr>
            <th scope="row" data-label="Source">
                {source.name.clone()}
                {(!source.healthy).then(|| view! { <span class="health bad">" unhealthy"</span> })}
            </th>
            {match row.account {
                Some(account) => view! { <AccountCells account latest=row.latest now /> }.into_any(),
                None => {
                    view! {
                        <td data-label="Their account" colspan="3">
                            <span class="finding problem">
                                "No account: the group sets no password here"
                            </span>
                        </td>
                    }
                        .into_any()
                }
            }}
        </tr>
    }
}

/// Account, password last set and latest event: the cells a group row and a loose account share.
#[component]
fn AccountCells(account: PersonAccount, latest: Option<PasswordEvent>, now: i64) -> impl IntoView {
    view! {
        <td data-label="Their account">
            <span class="account-name">{account.name.clone()}</span>
            {account
                .locked
                .then(|| {
                    view! {
                        " "
                        <span class="badge badge-bad">"Locked"</span>
                    }
                })}
            {account
                .disabled
                .then(|| {
                    view! {
                        " "
                        <span class="badge badge-warn">"Disabled"</span>
                    }
                })}
        </td>
        <td data-label="Password last set">
            {match account.password_last_set {
                Some(at) => view! { <When at now /> }.into_any(),
                None => view! { <span class="muted">"ISC does not say"</span> }.into_any(),
            }}
        </td>
        <td data-label="Latest password event">
            {match latest {
                Some(event) => view! { <EventSummary event now /> }.into_any(),
                None => {
                    view! { <span class="muted">{format!("None in {}", event_period())}</span> }
                        .into_any()
                }
            }}
        </td>
    }
}

#[component]
fn EventSummary(event: PasswordEvent, now: i64) -> impl IntoView {
    let passed = event.passed;
    view! {
        <span class=if passed {
            "outcome passed"
        } else {
            "outcome failed"
        }>{if passed { "Passed: " } else { "Failed: " }} {action_words(&event.action)}</span>
        " "
        <When at=event.at now />
        {event.message.filter(|_| !passed).map(|m| view! { <p class="isc-message">{m}</p> })}
    }
}

#[component]
fn LooseSection(loose: Vec<LooseAccount>, now: i64) -> impl IntoView {
    if loose.is_empty() {
        return ().into_any();
    }
    view! {
        <section class="card" aria-labelledby="loose-heading">
            <h2 id="loose-heading">"Password accounts in no sync group"</h2>
            <p class="muted">
                "These passwords are independent: changing one does not change the others, and the caller sets each on its own."
            </p>
            <AccountsTable caption="Their password accounts in no sync group"
                .to_string()>
                {loose
                    .into_iter()
                    .map(|l| {
                        view! {
                            <tr>
                                <th scope="row" data-label="Source">
                                    {l.source_name}
                                </th>
                                <AccountCells account=l.account latest=l.latest now />
                            </tr>
                        }
                    })
                    .collect_view()}
            </AccountsTable>
        </section>
    }
    .into_any()
}

#[component]
fn Timeline(sync: PersonSync) -> impl IntoView {
    let query = use_query_map();
    let selected = Memo::new(move |_| query.read().get("source").unwrap_or_default());
    let sources = sync.event_sources();
    let id = sync.person.id.clone();
    let now = sync.as_of;
    let complete = sync.events_complete;
    let total = sync.events.len();
    let sync = StoredValue::new(sync);
    let navigate = use_navigate();
    let on_change = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            navigate(
                &routes::person(&id, Some(&value)),
                NavigateOptions {
                    replace: true,
                    scroll: false,
                    ..Default::default()
                },
            );
        }
    };
    let rows = move || {
        let source = selected.get();
        sync.with_value(|s| s.events_on(Some(&source)).cloned().collect::<Vec<_>>())
    };
    view! {
        <section class="card" id="timeline" aria-labelledby="timeline-heading">
            <h2 id="timeline-heading">{format!("Password events of {}", event_period())}</h2>
            {(!complete)
                .then(|| {
                    view! {
                        <p class="notice">{format!("Only the newest {total} events are shown.")}</p>
                    }
                })}
            {if total == 0 {
                view! {
                    <p class="muted">
                        {format!(
                            "No password event in {}: they have not changed or reset a password since.",
                            event_period(),
                        )}
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <form
                        class="timeline-filter"
                        method="get"
                        action=format!("{}#timeline", routes::href(&routes::person(&id, None)))
                    >
                        <label for="timeline-source">"Source"</label>
                        <select id="timeline-source" name="source" on:change=on_change>
                            <option value="" selected=move || selected.get().is_empty()>
                                "All sources"
                            </option>
                            {sources
                                .into_iter()
                                .map(|(name, source_id)| {
                                    let value = source_id.clone();
                                    view! {
                                        <option
                                            value=source_id
                                            selected=move || selected.get() == value
                                        >
                                            {name}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <button type="submit" class="button button-quiet">
                            "Show"
                        </button>
                    </form>
                    <ol class="timeline">
                        {move || {
                            rows()
                                .into_iter()
                                .map(|event| view! { <TimelineItem event now /> })
                                .collect_view()
                        }}
                    </ol>
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
fn TimelineItem(event: PasswordEvent, now: i64) -> impl IntoView {
    let passed = event.passed;
    let source = event
        .source_name
        .clone()
        .or(event.source_id.clone())
        .unwrap_or_else(|| "No source named".to_string());
    view! {
        <li class=if passed { "event passed" } else { "event failed" }>
            <div class="event-when">
                <When at=event.at now />
            </div>
            <div class="event-what">
                <span class="outcome">{action_words(&event.action)}</span>
                " on "
                <strong>{source}</strong>
                {event
                    .account_name
                    .clone()
                    .map(|a| view! { <span class="muted">{format!(" (account {a})")}</span> })}
                {event
                    .message
                    .clone()
                    .filter(|_| !passed)
                    .map(|m| view! { <p class="isc-message">{m}</p> })}
            </div>
        </li>
    }
}
