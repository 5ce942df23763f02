//! `/no-access`: signed in at ISC, but without a user level this console serves.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::layout::ContextResource;
use crate::model::SessionState;
use crate::routes;

#[component]
pub fn NoAccessPage() -> impl IntoView {
    let context = expect_context::<ContextResource>();
    view! {
        <Title text="No access" />
        <section class="page narrow">
            <h1>"No access to this console"</h1>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let who = match context.await.map(|c| c.session) {
                        Ok(SessionState::NoAccess { user_name, levels }) => {
                            let levels = if levels.is_empty() {
                                "no user level".to_string()
                            } else {
                                format!("the user level {}", levels.join(", "))
                            };
                            format!("You are signed in to ISC as {user_name}, with {levels}.")
                        }
                        _ => String::new(),
                    };
                    view! { <p>{who}</p> }
                })}
            </Suspense>
            <p>
                "This console is for ISC administrators (user level " <strong>"ORG_ADMIN"</strong>
                ") and, read-only, for helpdesk staff (user level " <strong>"HELPDESK"</strong>
                "). Ask your ISC administrator for one of these user levels, then sign in again."
            </p>
            <form method="post" action=routes::href(routes::LOGOUT)>
                <button type="submit" class="button">
                    "Sign out"
                </button>
            </form>
        </section>
    }
}
