//! `/export`: every sync group of the tenant as a readable JSON document ("sync groups as
//! code"), to keep in git: what the document is, a preview of its first lines and the download
//! (`routes::EXPORT_DOWNLOAD`, a plain server route). Readers: administrators and helpdesk.
//! Administrators go on from here to submit a changed document for a plan (`/plan`).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{ExportedDocument, export_document};
use crate::components::admin_only::AdminOnly;
use crate::components::error_panel::ErrorPanel;
use crate::components::pending::Pending;
use crate::model::english::plural;
use crate::routes;

/// Lines of the document shown on the page; the download has all of them.
const PREVIEW_LINES: usize = 60;

#[component]
pub fn ExportPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| export_document());
    view! {
        <Title text="Export sync groups" />
        <section class="page">
            <div class="page-header">
                <h1>"Sync groups as code"</h1>
                <p class="lede">
                    "Every sync group of the tenant as one JSON document: policies and sources by name, with their ids alongside, in a stable order and without timestamps, so that it can be kept in git and compared. Change it and submit it for a plan to see what applying it would do; nothing changes until an administrator applies the plan."
                </p>
            </div>
            <Suspense fallback=|| {
                view! { <Pending text="Reading groups, sources and policies from ISC…" /> }
            }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(document) => view! { <ExportView document /> }.into_any(),
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
fn ExportView(document: ExportedDocument) -> impl IntoView {
    let lines: Vec<&str> = document.text.lines().collect();
    let total = lines.len();
    let preview = lines
        .iter()
        .take(PREVIEW_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let shown = if total > PREVIEW_LINES {
        format!("The first {PREVIEW_LINES} of {total} lines.")
    } else {
        format!("All {}.", plural(total, "line", "lines"))
    };
    let file_name = format!("sync-groups-{}.json", document.tenant);
    view! {
        <section class="card" aria-labelledby="export-heading">
            <h2 id="export-heading">"Export"</h2>
            <p>
                {format!(
                    "{} of tenant {}, read from ISC just now.",
                    plural(document.groups, "sync group", "sync groups"),
                    document.tenant,
                )}
            </p>
            <div class="as-code-actions">
                <a
                    class="button"
                    href=routes::href(routes::EXPORT_DOWNLOAD)
                    download=file_name.clone()
                >
                    {format!("Download {file_name}")}
                </a>
                <AdminOnly>
                    <a class="button button-quiet" href=routes::href(routes::PLAN)>
                        "Plan changes from a document…"
                    </a>
                </AdminOnly>
            </div>
        </section>
        <section class="card" aria-labelledby="preview-heading">
            <h2 id="preview-heading">"Preview"</h2>
            <p class="muted">{shown}</p>
            <pre class="document-preview" tabindex="0" aria-label="The document's first lines">
                <code>{preview}</code>
            </pre>
        </section>
        <section class="card" aria-labelledby="format-heading">
            <h2 id="format-heading">"The document"</h2>
            <ul class="as-code-notes">
                <li>
                    "A group is matched to the tenant's group with its " <code>"id"</code>
                    " (so renaming it is a change), else to the one with its name. Sources and policies are matched by name, so a document from another tenant works here too."
                </li>
                <li>
                    "Groups the document does not mention stay as they are, unless it says "
                    <code>"\"prune\": true"</code> ": then they are deleted."
                </li>
                <li>"JSON only, at most 1 MB and 500 groups; names are plain text."</li>
            </ul>
        </section>
    }
}
