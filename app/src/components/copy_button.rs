use leptos::prelude::*;

use crate::components::hydrated::use_hydrated;

/// A button that copies `text` to the clipboard. Without JavaScript it is not shown; the text
/// next to it is selectable in one click instead (CSS `user-select: all`).
#[component]
pub fn CopyButton(text: String, #[prop(into)] label: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let hydrated = use_hydrated();
    let on_click = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&text);
            set_copied.set(true);
        }
    };
    view! {
        <button
            type="button"
            class="button button-quiet copy"
            hidden=move || !hydrated.get()
            aria-label=label
            on:click=on_click
        >
            {move || if copied.get() { "Copied" } else { "Copy" }}
        </button>
        <span class="visually-hidden" role="status">
            {move || if copied.get() { "Copied to the clipboard" } else { "" }}
        </span>
    }
}
