//! `/signin`: where a user lands when their session ended (a failed token refresh or a timeout),
//! with a plain explanation and a way back to where they were.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::model::return_path::local_return_path;
use crate::routes;

#[component]
pub fn SignInPage() -> impl IntoView {
    let query = use_query_map();
    let reason = move || {
        query
            .read()
            .get("reason")
            .and_then(|r| routes::SigninReason::from_param(&r))
    };
    let href = move || {
        let target = query.read().get("return");
        routes::href(&routes::login(
            target.as_deref().and_then(local_return_path),
        ))
    };
    view! {
        <Title text="Sign in" />
        <section class="page narrow">
            <h1>"Sign in"</h1>
            {move || match reason() {
                Some(routes::SigninReason::Expired) => {
                    view! {
                        <p class="notice" role="status">
                            "Your session has ended. Sign in again to continue where you were."
                        </p>
                    }
                        .into_any()
                }
                Some(routes::SigninReason::SignedOut) => {
                    view! {
                        <p class="notice" role="status">
                            "You have signed out."
                        </p>
                    }
                        .into_any()
                }
                _ => {
                    view! {
                        <p>
                            "Sign in with your Identity Security Cloud account to see the password sync groups."
                        </p>
                    }
                        .into_any()
                }
            }}
            <p>
                <a class="button" href=href>
                    "Sign in with ISC"
                </a>
            </p>
        </section>
    }
}
