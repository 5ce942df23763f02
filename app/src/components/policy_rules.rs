use leptos::prelude::*;

use crate::model::policy::PolicyRules;

/// A policy's rules in words, one labelled line each (the group's page and a person's page).
#[component]
pub fn RulesList(rules: PolicyRules) -> impl IntoView {
    view! {
        <dl class="rules">
            {rules
                .summary()
                .into_iter()
                .map(|(label, text)| {
                    view! {
                        <div>
                            <dt>{label}</dt>
                            <dd>{text}</dd>
                        </div>
                    }
                })
                .collect_view()}
        </dl>
    }
}
