//! A form that posts to a server function: Leptos's `ActionForm`, but with its `action` under
//! the console's [`Base`](crate::routes::Base). `ActionForm` writes the server function's own
//! path (`/api/…`) into `action=`, which misses the console when it is served under a path
//! behind a reverse proxy (upstream: leptos#3029), and that `action` is what a browser without
//! JavaScript posts to. With JavaScript the submit is intercepted and the action dispatched, as
//! `ActionForm` does (the router's redirect hook follows the server's redirect).

use leptos::form::FromFormData;
use leptos::prelude::*;
use serde::de::DeserializeOwned;
use server_fn::codec::PostUrl;
use server_fn::{Http, ServerFn};

use crate::routes;

#[component]
pub fn ServerForm<ServFn, OutputProtocol>(
    action: ServerAction<ServFn>,
    /// The form's CSS class.
    #[prop(optional)]
    class: &'static str,
    children: Children,
) -> impl IntoView
where
    ServFn: DeserializeOwned
        + ServerFn<Protocol = Http<PostUrl, OutputProtocol>>
        + Clone
        + Send
        + Sync
        + 'static,
    ServFn::Output: Send + Sync + 'static,
    ServFn::Error: Send + Sync + 'static,
{
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        if ev.default_prevented() {
            return;
        }
        // Without a usable form (which the browser always has here), let it post as it would
        // without JavaScript.
        if let Ok(input) = ServFn::from_event(&ev) {
            ev.prevent_default();
            action.dispatch(input);
        }
    };
    view! {
        <form method="post" action=routes::href(ServFn::PATH) class=class on:submit=on_submit>
            {children()}
        </form>
    }
}
