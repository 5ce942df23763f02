use leptos::prelude::*;
use leptos_meta::Title;

use crate::routes;

/// Any unknown path: a real 404 page (status 404 on the server-rendered response).
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="page">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>
                <a href=routes::href(routes::GROUPS)>"Go to the password sync groups"</a>
            </p>
        </section>
    }
}
