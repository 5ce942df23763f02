use leptos::prelude::*;

use crate::api::{ConsoleContext, console_context};
use crate::error::AppError;
use crate::model::SessionState;
use crate::routes;

/// The frame's data (tenant and session), shared with pages through context.
pub type ContextResource = Resource<Result<ConsoleContext, AppError>>;

/// Page frame: skip link, top bar (product, navigation, tenant, who is signed in) and the main
/// landmark.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let context: ContextResource = Resource::new(|| (), |_| console_context());
    provide_context(context);
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href=routes::href(routes::GROUPS)>
                <img src=routes::href("/favicon.svg") alt="" width="24" height="24" />
                <span>"Sync Groups Console"</span>
            </a>
            <nav aria-label="Main">
                <a href=routes::href(routes::GROUPS)>"Sync groups"</a>
                <a href=routes::href(routes::COVERAGE)>"Coverage"</a>
                <a href=routes::href(routes::PEOPLE)>"Find a person"</a>
                <a href=routes::href(routes::EXPORT)>"Export / plan"</a>
            </nav>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    context.await.ok().map(|c| view! { <TopBarStatus context=c /> })
                })}
            </Suspense>
        </header>
        <main id="main" tabindex="-1">
            {children()}
        </main>
    }
}

#[component]
fn TopBarStatus(context: ConsoleContext) -> impl IntoView {
    let tenant = context.tenant;
    let user = match context.session {
        SessionState::SignedIn(viewer) => {
            Some((viewer.display_name, viewer.role.label().to_string()))
        }
        SessionState::NoAccess { user_name, .. } => Some((user_name, "No access".to_string())),
        SessionState::SignedOut => None,
    };
    view! {
        <div class="tenant" title="ISC tenant">
            <span class="visually-hidden">"Tenant: "</span>
            <span class="tenant-name">{tenant.name}</span>
            {tenant
                .sandbox
                .then(|| {
                    view! {
                        <span
                            class="badge badge-sandbox"
                            title="A simulated tenant with demo data: nothing here touches a real ISC tenant"
                        >
                            "Sandbox tenant"
                        </span>
                    }
                })}
        </div>
        {user
            .map(|(name, role)| {
                view! {
                    <div class="user">
                        <span class="user-name">{name}</span>
                        <span class="badge badge-role">{role}</span>
                        <form method="post" action=routes::href(routes::LOGOUT) class="sign-out">
                            <button type="submit" class="button button-quiet">
                                "Sign out"
                            </button>
                        </form>
                    </div>
                }
            })}
    }
}
