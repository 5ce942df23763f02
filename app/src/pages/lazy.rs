//! Pages that load their own piece of the browser bundle.
//!
//! A release build with `cargo leptos build --split` (what `scripts/build-site` runs) cuts the
//! wasm at each route below: the code only that page uses (its view, its forms, the types its
//! data arrives in) is a separate file, fetched when the page is first shown. The list of groups,
//! where nearly every visit starts, stays in the main bundle, so its first visit moves only what
//! it needs (`./scripts/bench`, weight). A lazy page opened directly fetches its pieces once the
//! main wasm runs (`hydrate_lazy`), one round trip later than the main bundle.
//!
//! Without `--split` (plain `cargo leptos build`, `cargo test`) these are ordinary routes.

use leptos::prelude::*;
use leptos_router::{Lazy, LazyRoute, lazy_route};

use super::coverage::CoveragePage;
use super::export::ExportPage;
use super::group_delete::GroupDeletePage;
use super::group_detail::GroupDetailPage;
use super::group_form::GroupFormPage;
use super::group_review::GroupReviewPage;
use super::history::{ChangesPage, GroupHistoryPage};
use super::lookups::LookupsPage;
use super::no_access::NoAccessPage;
use super::people::PeoplePage;
use super::person::PersonPage;
use super::plan::{PlanFormPage, PlanPage};
use super::signin::SignInPage;

/// One route type per page; `GroupForm::route()` is its view in the router's table.
macro_rules! lazy_pages {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        #[doc = concat!("[`", stringify!($page), "`], loaded on demand.")]
        pub struct $route;

        impl $route {
            pub fn route() -> Lazy<$route> {
                Lazy::new()
            }
        }

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

lazy_pages! {
    GroupDetail => GroupDetailPage,
    GroupForm => GroupFormPage,
    GroupReview => GroupReviewPage,
    GroupDelete => GroupDeletePage,
    GroupHistory => GroupHistoryPage,
    Changes => ChangesPage,
    Coverage => CoveragePage,
    People => PeoplePage,
    Person => PersonPage,
    Lookups => LookupsPage,
    Export => ExportPage,
    PlanForm => PlanFormPage,
    Plan => PlanPage,
    SignIn => SignInPage,
    NoAccess => NoAccessPage,
}
