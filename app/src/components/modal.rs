//! A real modal dialog (`<dialog>` opened with `showModal()`): the rest of the page is inert,
//! focus stays inside, Escape closes it, and focus returns to what opened it.

use leptos::html::Dialog;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// Opens and closes a [`Modal`].
#[derive(Clone, Copy)]
pub struct ModalControl {
    open: RwSignal<bool>,
}

impl ModalControl {
    pub fn new() -> ModalControl {
        ModalControl {
            open: RwSignal::new(false),
        }
    }
    pub fn open(&self) {
        self.open.set(true);
    }
    pub fn close(&self) {
        self.open.set(false);
    }
    pub fn is_open(&self) -> bool {
        self.open.get()
    }
}

impl Default for ModalControl {
    fn default() -> Self {
        ModalControl::new()
    }
}

/// `title_id` and `description_id` name the elements inside `children` that label and describe
/// the dialog (`aria-labelledby`, `aria-describedby`: the consequences a screen reader reads out).
#[component]
pub fn Modal(
    control: ModalControl,
    #[prop(into)] title_id: String,
    #[prop(into)] description_id: String,
    children: ChildrenFn,
) -> impl IntoView {
    let dialog = NodeRef::<Dialog>::new();
    // What had focus before opening, to give it back on close.
    let opener: StoredValue<Option<SendWrapper<web_sys::Element>>> = StoredValue::new(None);

    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        if control.open.get() {
            if !el.open() {
                opener.set_value(active_element());
                let _ = el.show_modal();
            }
        } else if el.open() {
            el.close();
            if let Some(previous) = opener.get_value() {
                focus(&previous);
            }
        }
    });

    view! {
        <dialog
            node_ref=dialog
            class="modal"
            aria-labelledby=title_id
            aria-describedby=description_id
            // Escape fires `cancel`: keep our state in step with the browser's.
            on:cancel=move |_: leptos::ev::Event| control.close()
            on:close=move |_: leptos::ev::Event| control.close()
        >
            {move || control.is_open().then(|| children())}
        </dialog>
    }
}

fn active_element() -> Option<SendWrapper<web_sys::Element>> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(SendWrapper::new)
}

fn focus(element: &web_sys::Element) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(html) = element.dyn_ref::<web_sys::HtmlElement>() {
        let _ = html.focus();
    }
}

/// The quiet button that closes a dialog without doing anything ("Cancel", "Close", "Back to
/// the form").
#[component]
pub fn CloseButton(control: ModalControl, label: &'static str) -> impl IntoView {
    view! {
        <button type="button" class="button button-quiet" on:click=move |_| control.close()>
            {label}
        </button>
    }
}
