//! Browser entry point: cargo-leptos compiles this crate to wasm and the server-rendered page
//! calls `hydrate()` to attach the reactive app to the HTML it already shows.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: a page in its own piece of the wasm (app `pages::lazy`) is fetched before
    // its HTML is hydrated.
    leptos::mount::hydrate_lazy(app::App);
}
