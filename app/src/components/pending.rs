use leptos::prelude::*;

/// The loading line shown while a page's data is on its way (a spinner and a status message for
/// screen readers).
#[component]
pub fn Pending(text: &'static str) -> impl IntoView {
    view! {
        <p class="pending" role="status">
            {text}
        </p>
    }
}
