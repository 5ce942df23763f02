//! "Read from ISC 12 seconds ago · Refresh": the status line of pages served from the shared
//! cache. The words are computed from the server's clock (`Freshness::now`), so the server's
//! HTML and the hydrated page agree.

use leptos::prelude::*;

use crate::model::freshness::Freshness;
use crate::model::when::rfc3339;

#[component]
pub fn FreshnessLine(freshness: Freshness, refresh_href: String) -> impl IntoView {
    view! {
        <p class="freshness">
            <time datetime=rfc3339(freshness.read_at)>{freshness.sentence()}</time>
            ". Changes made elsewhere show within half a minute. "
            <a href=refresh_href>"Refresh"</a>
        </p>
    }
}
