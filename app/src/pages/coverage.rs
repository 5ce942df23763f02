//! `/coverage`: which password sources are in which sync group, and which in none; the policy
//! their users get; the groups that hold an unhealthy source. A diagram drawn on the server as
//! SVG (readable without JavaScript), with the same facts as a table for screen readers and for
//! anyone who would rather read.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::coverage;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::model::coverage::{Coverage, CoveredSource, PolicyFrom};
use crate::model::english::{join_and, plural};
use crate::model::{Named, SourceInfo};
use crate::routes;

/// Rows (sources) up to which the diagram is drawn; past it, the table says it all.
const DIAGRAM_MAX_ROWS: usize = 120;
const ROW: usize = 30;
const WIDTH: usize = 760;
const GROUP_W: usize = 300;
const SOURCE_X: usize = 420;

#[component]
pub fn CoveragePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| coverage());
    view! {
        <Title text="Coverage" />
        <section class="page">
            <div class="page-header">
                <h1>"Coverage"</h1>
                <p class="lede">
                    "Every source whose passwords ISC manages, the sync group it is in, and the policy its users get."
                </p>
            </div>
            <Suspense fallback=|| {
                view! { <Pending text="Reading groups, sources and policies…" /> }
            }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(found) => view! { <CoverageView coverage=found /> }.into_any(),
                        Err(error) => {
                            view! { <ErrorPanel error on_retry=move |_| data.refetch() /> }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn CoverageView(coverage: Coverage) -> impl IntoView {
    let headline = coverage.headline();
    let loose: Vec<String> = coverage
        .in_no_group()
        .iter()
        .map(|s| s.source.label())
        .collect();
    let unhealthy: Vec<(String, String, Vec<String>)> = coverage
        .groups_with_unhealthy_sources()
        .into_iter()
        .map(|(g, names)| (g.id.clone(), g.name.clone(), names))
        .collect();
    let no_policy: Vec<String> = coverage
        .without_policy()
        .iter()
        .map(|s| s.source.label())
        .collect();
    // (group id, group name, source, its policy before, the group's policy, looser rules)
    let weaker: Vec<(String, String, String, String, String, Vec<String>)> = coverage
        .weaker_than_before()
        .into_iter()
        .map(|(s, before)| {
            let group = s.group.clone();
            (
                group.as_ref().map(|g| g.id.clone()).unwrap_or_default(),
                group.as_ref().map(Named::label).unwrap_or_default(),
                s.source.label(),
                before.policy.label(),
                s.policy.as_ref().map(Named::label).unwrap_or_default(),
                before.looser.clone(),
            )
        })
        .collect();
    view! {
        <p class="verdict-line fine" role="status">
            {headline}
        </p>
        <section class="card" aria-labelledby="questions-heading">
            <h2 id="questions-heading">"At a glance"</h2>
            <dl class="questions">
                <div>
                    <dt>"Password sources in no sync group"</dt>
                    <dd>
                        {if loose.is_empty() {
                            "None: every password source is in a group.".to_string()
                        } else {
                            format!("{}: each keeps a password of its own.", join_and(&loose))
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Groups holding an unhealthy source"</dt>
                    <dd>
                        {if unhealthy.is_empty() {
                            view! { <span>"None."</span> }.into_any()
                        } else {
                            view! {
                                <ul>
                                    {unhealthy
                                        .into_iter()
                                        .map(|(id, name, sources)| {
                                            view! {
                                                <li>
                                                    <a href=routes::href(&routes::group(&id))>{name}</a>
                                                    {format!(
                                                        ": password changes fail on {}.",
                                                        join_and(&sources),
                                                    )}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Groups whose policy is weaker than a source's policy before it joined"</dt>
                    <dd>
                        {if weaker.is_empty() {
                            view! {
                                <span>
                                    "None known. (The console knows a source's earlier policy when the source was added to its group through the console.)"
                                </span>
                            }
                                .into_any()
                        } else {
                            view! {
                                <ul>
                                    {weaker
                                        .into_iter()
                                        .map(|(id, group, source, was, now, looser)| {
                                            view! {
                                                <li>
                                                    <a href=routes::href(&routes::group(&id))>{group}</a>
                                                    {format!(
                                                        ": {source} had {was} before it joined; the group's {now} is looser ({}).",
                                                        looser.join("; "),
                                                    )}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }}
                    </dd>
                </div>
                <div>
                    <dt>"Password sources without a policy"</dt>
                    <dd>
                        {if no_policy.is_empty() {
                            "None.".to_string()
                        } else {
                            format!(
                                "{}: ISC checks no rule when their passwords change.",
                                join_and(&no_policy),
                            )
                        }}
                    </dd>
                </div>
            </dl>
        </section>
        <Diagram coverage=coverage.clone() />
        <SourcesTable sources=coverage.sources />
    }
}

/// A name cut to fit its box (the full name is in the box's `<title>`).
fn fit(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_string()
    } else {
        let cut: String = name.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// One block of the diagram: a group (or "in no group") and its sources.
struct Block {
    label: String,
    grouped: bool,
    sources: Vec<SourceInfo>,
}

#[component]
fn Diagram(coverage: Coverage) -> impl IntoView {
    let mut blocks: Vec<Block> = coverage
        .groups
        .iter()
        .map(|g| Block {
            label: g.name.clone(),
            grouped: true,
            sources: g.sources.clone(),
        })
        .collect();
    let loose: Vec<SourceInfo> = coverage
        .in_no_group()
        .into_iter()
        .map(|s| s.source.clone())
        .collect();
    if !loose.is_empty() {
        blocks.push(Block {
            label: "In no group".to_string(),
            grouped: false,
            sources: loose,
        });
    }
    let rows: usize = blocks.iter().map(|b| b.sources.len().max(1)).sum();
    if rows > DIAGRAM_MAX_ROWS {
        return view! {
            <p class="muted">
                {format!(
                    "{} are too many to draw: the table below has every one.",
                    plural(rows, "source", "sources"),
                )}
            </p>
        }
        .into_any();
    }
    let gap = 12;
    let height = rows * ROW + blocks.len() * gap + 8;
    let mut y = 4;
    let drawn: Vec<AnyView> = blocks
        .into_iter()
        .map(|block| {
            let span = block.sources.len().max(1) * ROW;
            let top = y;
            y += span + gap;
            let middle = top + span / 2;
            let group_class = if block.grouped {
                "dg-group"
            } else {
                "dg-group dg-none"
            };
            let label = fit(&block.label, 34);
            let title = block.label.clone();
            let group_box = view! {
                <g class=group_class>
                    <title>{title}</title>
                    <rect x="2" y=top + 2 width=GROUP_W height=span - 4 rx="6" />
                    <text x="14" y=middle + 5>
                        {label}
                    </text>
                </g>
            };
            // No SVG link: the view macro would make an HTML <a> when the page renders in the
            // browser (client-side navigation), which SVG does not draw. The table links instead.

            let sources = block
                .sources
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let sy = top + i * ROW;
                    let bad = s.healthy == Some(false);
                    let class = match (bad, block.grouped) {
                        (true, _) => "dg-source dg-bad",
                        (false, true) => "dg-source",
                        (false, false) => "dg-source dg-loose",
                    };
                    let name = s.label();
                    let shown = if bad {
                        format!("{} (unhealthy)", fit(&name, 22))
                    } else {
                        fit(&name, 34)
                    };
                    view! {
                        <line
                            class="dg-link"
                            x1=GROUP_W + 2
                            y1=middle
                            x2=SOURCE_X
                            y2=sy + ROW / 2
                        />
                        <g class=class>
                            <title>{name}</title>
                            <rect
                                x=SOURCE_X
                                y=sy + 3
                                width=WIDTH - SOURCE_X - 2
                                height=ROW - 6
                                rx="5"
                            />
                            <text x=SOURCE_X + 10 y=sy + ROW / 2 + 5>
                                {shown}
                            </text>
                        </g>
                    }
                })
                .collect_view();
            view! {
                {group_box}
                {sources}
            }
            .into_any()
        })
        .collect();
    view! {
        <section class="card" aria-labelledby="diagram-heading">
            <h2 id="diagram-heading">"Groups and their sources"</h2>
            <div class="diagram">
                <svg
                    viewBox=format!("0 0 {WIDTH} {height}")
                    role="img"
                    aria-labelledby="diagram-title"
                    preserveAspectRatio="xMinYMin meet"
                >
                    <title id="diagram-title">
                        "Sync groups on the left, each linked to its sources on the right; sources in no group at the bottom. The table below holds the same facts."
                    </title>
                    {drawn}
                </svg>
            </div>
        </section>
    }
        .into_any()
}

#[component]
fn SourcesTable(sources: Vec<CoveredSource>) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="coverage-table-heading">
            <h2 id="coverage-table-heading">{format!("Password sources ({})", sources.len())}</h2>
            <div class="table-wrap">
                <table class="sources coverage">
                    <thead>
                        <tr>
                            <th scope="col">"Source"</th>
                            <th scope="col">"Sync group"</th>
                            <th scope="col">"Password policy"</th>
                            <th scope="col">"Health"</th>
                            <th scope="col">"Connector"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {sources
                            .into_iter()
                            .map(|s| {
                                let health_class = s.source.health_class();
                                let policy = match (&s.policy, s.policy_from) {
                                    (Some(p), PolicyFrom::Group) => {
                                        format!("{} (the group's)", p.label())
                                    }
                                    (Some(p), _) => format!("{} (assigned directly)", p.label()),
                                    (None, _) => "None".to_string(),
                                };
                                view! {
                                    <tr>
                                        <th scope="row">{s.source.label()}</th>
                                        <td>
                                            {match s.group {
                                                Some(g) => {
                                                    view! {
                                                        <a href=routes::href(&routes::group(&g.id))>{g.label()}</a>
                                                    }
                                                        .into_any()
                                                }
                                                None => {
                                                    view! { <span class="muted">"In no group"</span> }
                                                        .into_any()
                                                }
                                            }}
                                        </td>
                                        <td>{policy}</td>
                                        <td>
                                            <span class=health_class>{s.source.health_label()}</span>
                                        </td>
                                        <td>{s.source.connector.clone().unwrap_or_default()}</td>
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
