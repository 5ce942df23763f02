use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::error::AppError;
use crate::routes;

/// A readable error with ISC's tracking id (for SailPoint support) and, for transient
/// failures, a retry button.
#[component]
pub fn ErrorPanel(error: AppError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    let transient = error.is_transient();
    // Field-level refusals (e.g. from the server's own check of a plain form post).
    let field_errors = match &error {
        AppError::Invalid { errors } => [&errors.name, &errors.policy, &errors.sources]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let tracking = error.tracking_id().map(str::to_owned);
    let signed_out = matches!(error, AppError::Unauthorized);
    let location = use_location();
    // Back to this very page after signing in again.
    let sign_in_href = move || {
        let search = location.search.get();
        // The browser's path may carry the console's base; the return target is inside it.
        let path = location.pathname.get();
        let path = routes::Base::current().strip(&path).to_string();
        let here = if search.is_empty() {
            path
        } else {
            format!("{path}?{search}")
        };
        routes::href(&routes::signin(
            Some(routes::SigninReason::Expired),
            Some(&here),
        ))
    };
    view! {
        <div class="error-panel" role="alert">
            <p class="error-message">{error.to_string()}</p>
            {(!field_errors.is_empty())
                .then(|| {
                    view! {
                        <ul>
                            {field_errors
                                .into_iter()
                                .map(|e| view! { <li>{e}</li> })
                                .collect_view()}
                        </ul>
                    }
                })}
            {tracking
                .map(|id| {
                    view! { <p class="tracking">"ISC tracking id: " <code>{id}</code></p> }
                })}
            {signed_out
                .then(|| {
                    view! {
                        <a class="button" href=sign_in_href>
                            "Sign in again"
                        </a>
                    }
                })}
            {transient
                .then(|| {
                    view! {
                        <button type="button" class="button" on:click=move |_| on_retry.run(())>
                            "Try again"
                        </button>
                    }
                })}
        </div>
    }
}
