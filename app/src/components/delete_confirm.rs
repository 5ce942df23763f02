//! The consequences of deleting a group and the typed-name confirmation: shared by the delete
//! dialog (with JavaScript) and the delete page (without).

use leptos::prelude::*;

use crate::model::GroupDetail;

/// The consequence text; `description_id` is its id for `aria-describedby`.
#[component]
pub fn DeleteConsequences(
    group: GroupDetail,
    consequences: Vec<String>,
    #[prop(into)] description_id: String,
) -> impl IntoView {
    view! {
        <div id=description_id class="consequences-block">
            <p>
                "Deleting " <strong>{group.name.clone()}</strong> " in ISC:"
            </p>
            <ul class="consequences">
                {consequences.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
            </ul>
        </div>
    }
}

/// Whether the typed confirmation matches the group's name (surrounding spaces ignored, as on
/// the server).
pub fn confirmation_matches(typed: &str, name: &str) -> bool {
    typed.trim() == name.trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_name_confirms() {
        assert!(confirmation_matches(
            "Engineering Systems",
            "Engineering Systems"
        ));
        assert!(confirmation_matches(
            " Engineering Systems ",
            "Engineering Systems"
        ));
        assert!(!confirmation_matches(
            "engineering systems",
            "Engineering Systems"
        ));
        assert!(!confirmation_matches("Engineering", "Engineering Systems"));
    }
}
