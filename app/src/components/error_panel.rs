use leptos::prelude::*;

use crate::error::AppError;

/// A readable error with ISC's tracking id (for SailPoint support) and, for transient
/// failures, a retry button.
#[component]
pub fn ErrorPanel(error: AppError, #[prop(into)] on_retry: Callback<()>) -> impl IntoView {
    let transient = error.is_transient();
    let tracking = error.tracking_id().map(str::to_owned);
    let signed_out = matches!(error, AppError::Unauthorized);
    view! {
        <div class="error-panel" role="alert">
            <p class="error-message">{error.to_string()}</p>
            {tracking
                .map(|id| {
                    view! {
                        <p class="tracking">
                            "ISC tracking id: " <code>{id}</code>
                        </p>
                    }
                })}
            {signed_out.then(|| view! { <a class="button" href="/auth/login">"Sign in again"</a> })}
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
