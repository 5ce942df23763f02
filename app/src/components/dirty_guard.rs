//! Unsaved changes are not lost silently: while `dirty`, leaving the page (closing the tab,
//! reloading, or following a link) asks first.

use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::wasm_bindgen::closure::Closure;
use send_wrapper::SendWrapper;

const QUESTION: &str = "You have unsaved changes. Leave this page without saving them?";

#[component]
pub fn DirtyGuard(#[prop(into)] dirty: Signal<bool>) -> impl IntoView {
    // Closing or reloading the tab: the browser shows its own question.
    let unload = window_event_listener(leptos::ev::beforeunload, move |ev| {
        if dirty.get_untracked() {
            ev.prevent_default();
            ev.set_return_value(QUESTION);
        }
    });
    on_cleanup(move || unload.remove());

    // Links inside the app navigate without unloading: ask before the router sees the click
    // (capture phase on the document runs before the router's listener on the window).
    Effect::new(move |_| {
        let on_click =
            Closure::<dyn Fn(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
                if !dirty.get_untracked() || ev.default_prevented() {
                    return;
                }
                let on_link = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .and_then(|el| el.closest("a[href]").ok().flatten())
                    .is_some();
                if on_link && !window().confirm_with_message(QUESTION).unwrap_or(true) {
                    ev.prevent_default();
                    ev.stop_propagation();
                }
            });
        let added = document()
            .add_event_listener_with_callback_and_bool(
                "click",
                on_click.as_ref().unchecked_ref(),
                true,
            )
            .is_ok();
        let on_click = SendWrapper::new(on_click);
        on_cleanup(move || {
            if added {
                let _ = document().remove_event_listener_with_callback_and_bool(
                    "click",
                    on_click.as_ref().unchecked_ref(),
                    true,
                );
            }
        });
    });
}
