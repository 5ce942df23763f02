//! The "Save" step of a reviewed change: the draft in hidden fields, posted to `save_group`.
//! The review page (without JavaScript) and the review dialog (with it) both render this one
//! form, so both paths send the same fields to the same server function, which applies one
//! staleness rule to the `opened_version` the form showed.

use leptos::prelude::*;

use crate::api::SaveGroup;
use crate::components::server_form::ServerForm;
use crate::model::draft::GroupDraft;

#[component]
pub fn SaveForm(
    action: ServerAction<SaveGroup>,
    /// The group being edited (`None`: a new group).
    #[prop(into)]
    editing: Signal<Option<String>>,
    /// `GroupDetail::version` of the group as the form opened it.
    #[prop(into)]
    opened_version: Signal<Option<String>>,
    #[prop(into)] draft: Signal<GroupDraft>,
    /// The buttons.
    children: Children,
) -> impl IntoView {
    view! {
        <ServerForm action>
            {move || {
                editing.get().map(|id| view! { <input type="hidden" name="id" value=id /> })
            }}
            {move || {
                opened_version
                    .get()
                    .map(|version| {
                        view! { <input type="hidden" name="opened_version" value=version /> }
                    })
            }}
            {move || {
                let draft = draft.get();
                view! {
                    <input type="hidden" name="name" value=draft.name />
                    <input type="hidden" name="policy_id" value=draft.policy_id />
                    {draft
                        .source_ids
                        .into_iter()
                        .map(|id| view! { <input type="hidden" name="source_ids[]" value=id /> })
                        .collect_view()}
                }
            }} {children()}
        </ServerForm>
    }
}
