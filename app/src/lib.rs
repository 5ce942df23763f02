//! Sync Groups Console: the Leptos application shared by the server (SSR) and the browser (hydrate).
// Large hydrated views nest deep types; the compiler asks for this (Leptos documents it).
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
pub mod caller;
mod components;
pub mod error;
pub mod model;
mod pages;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use components::layout::Layout;
use pages::group_delete::GroupDeletePage;
use pages::group_detail::GroupDetailPage;
use pages::group_form::GroupFormPage;
use pages::group_review::GroupReviewPage;
use pages::groups::GroupsPage;
use pages::no_access::NoAccessPage;
use pages::not_found::NotFound;
use pages::signin::SignInPage;

/// Name of the site's CSS/JS/wasm bundle, as configured in `[[workspace.metadata.leptos]]`.
pub const OUTPUT_NAME: &str = "sync-groups-console";

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: the mark tells tests (and curious
    // people) that the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css") />
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg" />
        <Meta name="color-scheme" content="light dark" />
        <Title formatter=|page: String| {
            if page.is_empty() {
                "Sync Groups Console".to_string()
            } else {
                format!("{page} · Sync Groups Console")
            }
        } />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=|| view! { <Redirect path="/groups" /> } />
                    // Pages are rendered in full before responding (SsrMode::Async): they then
                    // work without JavaScript (streamed Suspense needs a script to swap content
                    // in) and can answer with the right status, e.g. 404 for an unknown id.
                    <Route path=path!("groups") view=GroupsPage ssr=SsrMode::Async />
                    <Route path=path!("groups/new") view=GroupFormPage ssr=SsrMode::Async />
                    <Route
                        path=path!("groups/new/review")
                        view=GroupReviewPage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("groups/:id") view=GroupDetailPage ssr=SsrMode::Async />
                    <Route path=path!("groups/:id/edit") view=GroupFormPage ssr=SsrMode::Async />
                    <Route
                        path=path!("groups/:id/edit/review")
                        view=GroupReviewPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/:id/delete")
                        view=GroupDeletePage
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("signin") view=SignInPage ssr=SsrMode::Async />
                    <Route path=path!("no-access") view=NoAccessPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}
