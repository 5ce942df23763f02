//! Sync Groups Console: the Leptos application shared by the server (SSR) and the browser (hydrate).
// Large hydrated views nest deep types; the compiler asks for this (Leptos documents it).
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
pub mod bundle;
#[cfg(feature = "ssr")]
pub mod caller;
mod components;
pub mod error;
pub mod model;
mod pages;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::{Redirect, Route, Router, Routes};
use leptos_router::{SsrMode, path};

use components::layout::Layout;
use pages::groups::GroupsPage;
use pages::lazy;
use pages::not_found::NotFound;

/// Name of the site's CSS/JS/wasm bundle, as configured in `[[workspace.metadata.leptos]]`.
pub const OUTPUT_NAME: &str = "sync-groups-console";

/// The name of the `<meta>` that tells the browser the console's [`routes::Base`].
pub const BASE_META: &str = "sgc-base";

/// The HTML document the server renders around the app. The server provides the console's
/// [`routes::Base`] in the context (scripts, the stylesheet and server-function calls go under it)
/// and the [`bundle::Bundle`]'s file names, read once at start-up.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let base = routes::Base::current();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name=BASE_META content=base.path().to_string() />
                <AutoReload options />
                <bundle::BundleHead />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// In the browser, before hydrating: the console's base from the page, for the router, links and
/// server-function calls (which then post under it).
#[cfg(feature = "hydrate")]
pub fn base_from_page() -> routes::Base {
    let base = document()
        .query_selector(&format!("meta[name=\"{BASE_META}\"]"))
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .map(|path| routes::Base::new(&path))
        .unwrap_or_default();
    // Set once per page load; server_fn keeps a `&'static str`.
    let url: &'static str = Box::leak(base.path().to_string().into_boxed_str());
    server_fn::client::set_server_url(url);
    base
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // The server provides the base; the browser reads it from the page once.
    let base = match use_context::<routes::Base>() {
        Some(base) => base,
        #[cfg(feature = "hydrate")]
        None => {
            let base = base_from_page();
            provide_context(base.clone());
            base
        }
        #[cfg(not(feature = "hydrate"))]
        None => routes::Base::default(),
    };
    // The server sees request paths with the base already taken off (by its outermost layer,
    // or by a proxy that strips it), so its router matches at the root; the browser's router
    // sees the address bar, base included.
    let router_base = if cfg!(feature = "ssr") {
        String::new()
    } else {
        base.path().to_string()
    };
    #[cfg(feature = "ssr")]
    {
        // The router's server-side redirect (`<Redirect>`) ignores its base: give it the
        // browser's URL.
        let redirect_base = base.clone();
        leptos_router::components::provide_server_redirect(move |path| {
            leptos_axum::redirect(&redirect_base.href(path));
        });
    }
    // Effects run only in the browser, after hydration: the mark tells tests (and curious
    // people) that the page is interactive.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Link rel="icon" type_="image/svg+xml" href=base.href("/favicon.svg") />
        <Meta name="color-scheme" content="light dark" />
        <Title formatter=|page: String| {
            if page.is_empty() {
                "Sync Groups Console".to_string()
            } else {
                format!("{page} · Sync Groups Console")
            }
        } />
        <Router base=router_base>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("") view=|| view! { <Redirect path="/groups" /> } />
                    // Pages are rendered in full before responding (SsrMode::Async): they then
                    // work without JavaScript (streamed Suspense needs a script to swap content
                    // in) and can answer with the right status, e.g. 404 for an unknown id.
                    <Route path=path!("groups") view=GroupsPage ssr=SsrMode::Async />
                    <Route
                        path=path!("groups/new")
                        view=lazy::GroupForm::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/new/review")
                        view=lazy::GroupReview::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/:id")
                        view=lazy::GroupDetail::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/:id/edit")
                        view=lazy::GroupForm::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/:id/edit/review")
                        view=lazy::GroupReview::route()
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("groups/:id/history")
                        view=lazy::GroupHistory::route()
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("changes") view=lazy::Changes::route() ssr=SsrMode::Async />
                    <Route
                        path=path!("groups/:id/delete")
                        view=lazy::GroupDelete::route()
                        ssr=SsrMode::Async
                    />
                    <Route path=path!("coverage") view=lazy::Coverage::route() ssr=SsrMode::Async />
                    <Route path=path!("people") view=lazy::People::route() ssr=SsrMode::Async />
                    <Route path=path!("people/:id") view=lazy::Person::route() ssr=SsrMode::Async />
                    <Route path=path!("lookups") view=lazy::Lookups::route() ssr=SsrMode::Async />
                    <Route path=path!("export") view=lazy::Export::route() ssr=SsrMode::Async />
                    <Route path=path!("plan") view=lazy::PlanForm::route() ssr=SsrMode::Async />
                    <Route path=path!("plans/:id") view=lazy::Plan::route() ssr=SsrMode::Async />
                    <Route path=path!("signin") view=lazy::SignIn::route() ssr=SsrMode::Async />
                    <Route
                        path=path!("no-access")
                        view=lazy::NoAccess::route()
                        ssr=SsrMode::Async
                    />
                </Routes>
            </Layout>
        </Router>
    }
}
