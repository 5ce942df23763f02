//! The history of changes made through the console, read back by anyone who may read: a
//! create, an edit and a delete in the review step's words, newest first, per group and for the
//! whole tenant (a deleted group's history stays reachable), filtered by who and by day.

use app::model::GroupDetail;
use app::model::history::{HistoryAction, HistoryOutcome, HistoryPage};

use crate::support::{
    BUSINESS_APPS, ENGINEERING_SYSTEMS, borrowed, call_form, draft, embedded, form_options, ok,
    save_fields,
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

/// Changes made directly in the tenant (as ISC's admin pages or another API client would) are
/// noticed when the console next reads: a rename with its difference, a group created outside
/// and one deleted outside, with no author invented, and the page says when it last read.
#[tokio::test]
async fn changes_made_outside_the_console_are_noticed_when_it_reads() {
    use app::model::freshness::GroupAsOf;
    use app::model::history::HistoryOrigin;
    use app::model::list::GroupListPage;

    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    const REFRESH: &[(&str, &str)] = &[("refresh", "true")];
    // The first reading is the console's baseline: nothing is "changed outside" yet.
    let first: GroupListPage =
        ok(call_form(&helpdesk, &env.base, "list_page", REFRESH).await).await;
    assert_eq!(first.total, 3);
    let page: HistoryPage = ok(call_form(&helpdesk, &env.base, "history", &[]).await).await;
    assert!(page.entries.is_empty(), "{:?}", page.entries);

    let isc = env.isc().await;
    let engineering = isc.group(ENGINEERING_SYSTEMS).await.expect("group");
    let mut renamed = engineering.clone();
    renamed["name"] = "Engineering Systems (renamed in ISC)".into();
    assert!(
        isc.put(ENGINEERING_SYSTEMS, renamed)
            .await
            .status()
            .is_success()
    );
    assert!(isc.delete(BUSINESS_APPS).await.status().is_success());
    let business = [
        "2c918085764f64ba017658a4c4f41c1f",
        "2c91808a7b3b8e09017b4a0f1c6a2e33",
    ];
    let created: serde_json::Value = isc
        .create(serde_json::json!({
            "name": "Made in ISC",
            "passwordPolicyId": "2c9180887f0c1a9e017f1d2e3c4b5a69",
            "sourceIds": business,
        }))
        .await
        .json()
        .await
        .expect("created");

    // Read again (a refresh re-reads anything older than two seconds), and the deleted group's
    // page, as someone following an old link would.
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let _: GroupListPage = ok(call_form(&helpdesk, &env.base, "list_page", REFRESH).await).await;
    let gone = call_form(
        &helpdesk,
        &env.base,
        "get_group",
        &[("id", BUSINESS_APPS), ("refresh", "true")],
    )
    .await;
    assert_eq!(gone.status(), reqwest::StatusCode::NOT_FOUND);

    let page: HistoryPage = ok(call_form(&helpdesk, &env.base, "history", &[]).await).await;
    assert!(
        page.entries
            .iter()
            .all(|e| e.origin == HistoryOrigin::Outside)
    );
    let find = |action: HistoryAction, group: &str| {
        page.entries
            .iter()
            .find(|e| e.action == action && e.group_id.as_deref() == Some(group))
            .unwrap_or_else(|| panic!("{action:?} of {group} in {:#?}", page.entries))
    };
    let rename = find(HistoryAction::Updated, ENGINEERING_SYSTEMS);
    assert_eq!(
        rename.lines,
        ["Name: Engineering Systems → Engineering Systems (renamed in ISC)"]
    );
    assert_eq!(
        rename.headline(),
        "Changed outside the console",
        "{rename:?}"
    );
    let made = find(HistoryAction::Created, created["id"].as_str().expect("id"));
    assert_eq!(made.group_name, "Made in ISC");
    let deleted = find(HistoryAction::Deleted, BUSINESS_APPS);
    assert_eq!(deleted.group_name, "Business Apps");
    assert!(
        page.checked_at.is_some(),
        "the page says when the list was read"
    );

    // The group's own history says when the console last read it.
    let one: HistoryPage = ok(call_form(
        &helpdesk,
        &env.base,
        "history",
        &[("group_id", ENGINEERING_SYSTEMS)],
    )
    .await)
    .await;
    assert_eq!(one.entries.len(), 1);
    assert!(
        one.reads_note(true).contains("last read this group"),
        "{}",
        one.reads_note(true)
    );

    // The group's page reads as ISC has it now.
    let read: GroupAsOf = ok(call_form(
        &helpdesk,
        &env.base,
        "get_group",
        &[("id", ENGINEERING_SYSTEMS), ("refresh", "true")],
    )
    .await)
    .await;
    assert_eq!(read.group.name, "Engineering Systems (renamed in ISC)");
}
