use leptos::prelude::*;

use crate::api::tenant_info;

/// Page frame: skip link, top bar (product, navigation, tenant) and the main landmark.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let tenant = OnceResource::new(tenant_info());
    view! {
        <a class="skip-link" href="#main">
            "Skip to content"
        </a>
        <header class="topbar">
            <a class="brand" href="/groups">
                <img src="/favicon.svg" alt="" width="24" height="24" />
                <span>"Sync Groups Console"</span>
            </a>
            <nav aria-label="Main">
                <a href="/groups">"Sync groups"</a>
            </nav>
            <div class="tenant">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        tenant
                            .await
                            .ok()
                            .map(|t| {
                                view! {
                                    <span class="tenant-name" title="ISC tenant">
                                        {t.name}
                                    </span>
                                    {t
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
                                }
                            })
                    })}
                </Suspense>
            </div>
        </header>
        <main id="main" tabindex="-1">
            {children()}
        </main>
    }
}
