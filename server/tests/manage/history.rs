//! The history of changes made through the console, read back by anyone who may read: a
//! create, an edit and a delete in the review step's words, newest first, per group and for the
//! whole tenant (a deleted group's history stays reachable), filtered by who and by day.

use app::model::GroupDetail;
use app::model::history::{HistoryAction, HistoryOutcome, HistoryPage};

use crate::support::{
    ENGINEERING_SYSTEMS, borrowed, call_form, draft, embedded, form_options, ok, save_fields,
};

#[tokio::test]
async fn create_edit_and_delete_read_back_in_words_for_helpdesk_too() {
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let helpdesk = env.signed_in("helpdesk").await;

    // Create, then rename and change the policy, then delete.
    let options = form_options(&admin, &env.base, None).await;
    let created: GroupDetail = ok(call_form(
        &admin,
        &env.base,
        "save_group",
        &borrowed(&save_fields(
            None,
            &draft(
                &options,
                "History Test",
                "Corporate Standard",
                &["Okta", "SAP S/4HANA"],
            ),
        )),
    )
    .await)
    .await;
    let options = form_options(&admin, &env.base, Some(&created.id)).await;
    let renamed: GroupDetail = ok(call_form(
        &admin,
        &env.base,
        "save_group",
        &borrowed(&save_fields(
            Some(&created),
            &draft(
                &options,
                "History Test 2",
                "Privileged Engineering",
                &["Okta", "SAP S/4HANA"],
            ),
        )),
    )
    .await)
    .await;
    let _: GroupDetail = ok(call_form(
        &admin,
        &env.base,
        "delete_group",
        &[("id", &renamed.id), ("confirm_name", "History Test 2")],
    )
    .await)
    .await;

    // The group's history, as helpdesk reads it (the group is gone; its history is not).
    let page: HistoryPage = ok(call_form(
        &helpdesk,
        &env.base,
        "history",
        &[("group_id", created.id.as_str())],
    )
    .await)
    .await;
    let actions: Vec<HistoryAction> = page.entries.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            HistoryAction::Deleted,
            HistoryAction::Updated,
            HistoryAction::Created
        ]
    );
    assert!(
        page.entries
            .iter()
            .all(|e| e.outcome == HistoryOutcome::Done)
    );
    assert!(
        page.entries.iter().all(|e| e.actor_name == "Alex Admin"),
        "{page:?}"
    );
    let update = &page.entries[1].lines;
    assert!(
        update.contains(&"Name: History Test → History Test 2".to_string()),
        "{update:?}"
    );
    assert!(
        update.contains(&"Policy: Corporate Standard → Privileged Engineering".to_string()),
        "{update:?}"
    );
    assert!(
        update.contains(&"Minimum length: 12 → 16".to_string()),
        "the rule differences follow: {update:?}"
    );
    let create = &page.entries[2].lines;
    assert!(
        create.contains(&"Sources: Okta and SAP S/4HANA".to_string()),
        "{create:?}"
    );
    assert!(
        create.contains(&"Policy: Corporate Standard".to_string()),
        "{create:?}"
    );

    // The tenant's recent changes hold it too, and the filters narrow them.
    let recent: HistoryPage = ok(call_form(&helpdesk, &env.base, "history", &[]).await).await;
    assert_eq!(recent.entries.len(), 3);
    let nobody: HistoryPage =
        ok(call_form(&helpdesk, &env.base, "history", &[("who", "zzz")]).await).await;
    assert!(nobody.entries.is_empty());
    let by_name: HistoryPage =
        ok(call_form(&helpdesk, &env.base, "history", &[("who", "alex")]).await).await;
    assert_eq!(by_name.entries.len(), 3);
    let future: HistoryPage =
        ok(call_form(&helpdesk, &env.base, "history", &[("from", "2999-01-01")]).await).await;
    assert!(future.entries.is_empty());
    // Another group has no history yet.
    let other: HistoryPage = ok(call_form(
        &helpdesk,
        &env.base,
        "history",
        &[("group_id", ENGINEERING_SYSTEMS)],
    )
    .await)
    .await;
    assert!(other.entries.is_empty());
}
