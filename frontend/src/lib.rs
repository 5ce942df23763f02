//! Browser entry point: cargo-leptos compiles this crate to wasm and the server-rendered page
//! calls `hydrate()` to attach the reactive app to the HTML it already shows.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
