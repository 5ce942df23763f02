use leptos::prelude::*;

use crate::components::layout::ContextResource;

/// Children shown to administrators only, once the frame knows who is signed in (controls that
/// change things; the server refuses their requests from anyone else whatever the page shows).
#[component]
pub fn AdminOnly(children: ChildrenFn) -> impl IntoView {
    let context = expect_context::<ContextResource>();
    view! {
        <Suspense fallback=|| ()>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    let admin = context.await.is_ok_and(|c| c.session.is_admin());
                    admin.then(|| children())
                })
            }}
        </Suspense>
    }
}
