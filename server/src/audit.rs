//! The audit record of every change made through the console: who, what, the group before and
//! after, the outcome, and the request. Each change writes its intent before the call to ISC
//! (a change whose intent cannot be recorded is not made) and its outcome after it, so a crash
//! in between leaves an intent without an outcome ("outcome unknown"), never nothing. Each entry
//! is also one structured log line (target `audit`).
//!
//! Changes made outside the console (ISC's admin pages, its API, the command line) are noticed
//! when the console reads groups ([`Audit::observe_list`], [`Audit::observe_group`]): a group
//! that differs from the version the console knows, appeared or went is recorded as changed,
//! created or deleted outside the console, "seen at" the read, with no actor (ISC does not say
//! who). The console's own changes keep the known versions current ([`Audit::outcome`]), and a
//! read that races with one of them is recognised from the record, so they never show up as
//! outside changes.

use std::collections::HashMap;

use app::caller::Admin;
use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::GroupDraft;

use crate::store::audit::{Action, AuditTable, ConsoleWrite, Intent, Observed, Outcome};
use crate::store::versions::{Known, Transition, VersionTable, modified_at};

#[derive(Clone)]
pub struct Audit {
    table: AuditTable,
    versions: VersionTable,
}

/// How long after a change made through the console a read is checked against it: a read that
/// raced with the write (saw its result before the outcome was recorded, or the group as it was
/// just before) is the console's own. Reads come every few seconds, so this is ample.
pub const CONSOLE_WRITE_WINDOW_SECS: i64 = 600;

/// A complete list takes a while to read (pages of ISC's API): it does not take back a change
/// that became known less than this ago (a group made or deleted while it was read).
pub const LIST_LAG_SECS: i64 = 60;

/// A recorded intent, waiting for its outcome.
pub struct Pending {
    id: i64,
    intent: Intent,
}

/// The group as it was or became, for the record.
pub fn group(detail: &GroupDetail) -> serde_json::Value {
    serde_json::to_value(detail).unwrap_or_default()
}

/// The group as an administrator asked for it.
pub fn draft(draft: &GroupDraft) -> serde_json::Value {
    serde_json::json!({
        "name": draft.name,
        "passwordPolicyId": draft.policy_id,
        "sourceIds": draft.source_ids,
    })
}

/// Where an intent keeps the policy each source it adds had until then (source id → policy
/// id): ISC forgets it once the source is in the group, and the coverage page compares.
pub const PREVIOUS_POLICIES: &str = "previousPolicies";

/// `draft`'s record ([`draft`]) noting the policy each added source had until then.
pub fn draft_noting(
    asked: &GroupDraft,
    previous: &std::collections::BTreeMap<String, String>,
) -> serde_json::Value {
    let mut value = draft(asked);
    if !previous.is_empty()
        && let Some(object) = value.as_object_mut()
    {
        object.insert(
            PREVIOUS_POLICIES.to_string(),
            serde_json::to_value(previous).unwrap_or_default(),
        );
    }
    value
}

/// The group as a change left it, from what the record holds: the group as ISC answered
/// (`GroupDetail`), or, for a change that did not complete, the draft asked for, named from
/// the group as it was where possible.
pub fn group_from_record(
    value: &serde_json::Value,
    before: Option<&GroupDetail>,
) -> Option<GroupDetail> {
    if let Ok(detail) = serde_json::from_value::<GroupDetail>(value.clone()) {
        return Some(detail);
    }
    let name = value.get("name")?.as_str()?.to_string();
    let policy_id = value
        .get("passwordPolicyId")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let source_ids: Vec<&str> = value
        .get("sourceIds")
        .and_then(|v| v.as_array())
        .map(|ids| ids.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let known_source = |id: &str| {
        before
            .and_then(|g| g.sources.iter().find(|s| s.id == id).cloned())
            .unwrap_or_else(|| app::model::SourceInfo::unknown(id))
    };
    let policy = match before {
        Some(g) if g.policy.id == policy_id => g.policy.clone(),
        _ => app::model::PolicyInfo::unknown(policy_id),
    };
    Some(GroupDetail {
        id: before.map(|g| g.id.clone()).unwrap_or_default(),
        name,
        policy,
        sources: source_ids.into_iter().map(known_source).collect(),
        created: None,
        modified: None,
    })
}

impl Audit {
    pub fn new(table: AuditTable) -> Audit {
        let versions = VersionTable::new(table.database().clone());
        Audit { table, versions }
    }

    pub fn table(&self) -> &AuditTable {
        &self.table
    }

    /// The versions of the groups the console knows.
    pub fn versions(&self) -> &VersionTable {
        &self.versions
    }

    /// Records what `admin` is about to do. Fails closed: without a record, no change.
    pub async fn intent(
        &self,
        admin: &Admin,
        action: Action,
        group_id: Option<&str>,
        group_name: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<Pending, AppError> {
        let viewer = admin.viewer();
        let intent = Intent {
            request_id: admin.request_id().to_string(),
            actor_id: viewer
                .identity_id
                .clone()
                .unwrap_or_else(|| viewer.user_name.clone()),
            actor_name: viewer.display_name.clone(),
            action,
            group_id: group_id.map(str::to_string),
            group_name: group_name.to_string(),
            before,
            after,
        };
        match self.table.intent(&intent).await {
            Ok(id) => {
                log(id, None, &intent, None);
                Ok(Pending { id, intent })
            }
            Err(e) => {
                tracing::error!(error = %e, action = action.as_str(), "cannot record a change's intent; not making the change");
                Err(AppError::StoreUnavailable)
            }
        }
    }

    /// Records how the change ended. The change has happened (or not) whatever this does: a
    /// failure to record is logged, with the outcome, and does not undo it.
    pub async fn outcome<T>(
        &self,
        pending: Pending,
        result: &Result<T, AppError>,
        after: impl FnOnce(&T) -> (Option<String>, serde_json::Value),
    ) {
        let outcome = match result {
            Ok(value) => {
                let (group_id, after) = after(value);
                Outcome::Done {
                    group_id,
                    after: Some(after),
                }
            }
            Err(e) => Outcome::Failed {
                error: e.to_string(),
                tracking_id: tracking_id(e),
            },
        };
        match self
            .table
            .outcome(pending.id, &pending.intent, &outcome)
            .await
        {
            Ok(id) => log(id, Some(pending.id), &pending.intent, Some(&outcome)),
            Err(e) => {
                tracing::error!(error = %e, intent = pending.id, "cannot record a change's outcome");
                log(0, Some(pending.id), &pending.intent, Some(&outcome));
            }
        }
        self.written(&pending.intent, &outcome).await;
    }

    /// The console's own change is the version it knows now, so that a later read does not
    /// take it for a change made outside.
    async fn written(&self, intent: &Intent, outcome: &Outcome) {
        let Outcome::Done { group_id, after } = outcome else {
            return;
        };
        let at = crate::store::now();
        let result = match intent.action {
            Action::Create | Action::Update => {
                let Some(group) = after
                    .as_ref()
                    .and_then(|v| serde_json::from_value::<GroupDetail>(v.clone()).ok())
                else {
                    return;
                };
                self.versions.written(&group, at).await
            }
            Action::Delete => {
                let Some(id) = group_id.as_deref().or(intent.group_id.as_deref()) else {
                    return;
                };
                let was = intent
                    .before
                    .as_ref()
                    .and_then(|v| serde_json::from_value::<GroupDetail>(v.clone()).ok());
                self.versions.written_deleted(id, was.as_ref(), at).await
            }
        };
        if let Err(e) = result {
            // A later read may then report this change as made outside the console, once the
            // record no longer explains it: worth a warning, not a failed change.
            tracing::warn!(error = %e, action = intent.action.as_str(), "cannot record the group's new version");
        }
    }

    /// The complete list of the tenant's groups (every page) was just read from ISC. Records
    /// each group changed, created or deleted outside the console since the version the
    /// console knows; the first complete list ever read is the baseline, recorded silently.
    /// Never fails the read: a problem is logged and the read goes on.
    ///
    /// Cost: one query of the known versions; writes only for differences (and the time of
    /// the read).
    pub async fn observe_list(&self, groups: &[GroupDetail]) {
        if let Err(e) = self.try_observe_list(groups).await {
            tracing::warn!(error = %e, groups = groups.len(), "cannot compare the list of groups with the versions known");
        }
    }

    /// One group was just read from ISC (`None`: ISC answered 404). Records it as changed,
    /// created or deleted outside the console if it differs from the version the console knows
    /// (a group it does not know counts as created outside only once a complete list has been
    /// read), and when it was read. Never fails the read: a problem is logged.
    pub async fn observe_group(&self, id: &str, group: Option<&GroupDetail>) {
        if let Err(e) = self.try_observe_group(id, group).await {
            tracing::warn!(error = %e, group_id = id, "cannot compare a group with the version known");
        }
    }

    async fn try_observe_list(&self, groups: &[GroupDetail]) -> Result<(), sqlx::Error> {
        let at = crate::store::now();
        let known = self.versions.all().await?;
        let baseline = self.versions.list_read_at().await?.is_some();
        let listed: HashMap<&str, &GroupDetail> =
            groups.iter().map(|g| (g.id.as_str(), g)).collect();
        let mut found = Vec::new();
        for (&id, &group) in &listed {
            let known = known.get(id);
            let finding = compare(known, Some(group), baseline, true, at);
            found.push((id, known, Some(group), finding));
        }
        for (id, known) in &known {
            if !listed.contains_key(id.as_str()) {
                let finding = compare(Some(known), None, baseline, true, at);
                found.push((id.as_str(), Some(known), None, finding));
            }
        }
        self.settle(found, at).await?;
        // Only once the baseline is stored: a list read time without it would make every group
        // "created outside" at the next read.
        self.versions.list_read(at).await
    }

    async fn try_observe_group(
        &self,
        id: &str,
        group: Option<&GroupDetail>,
    ) -> Result<(), sqlx::Error> {
        let at = crate::store::now();
        let known = self.versions.one(id).await?;
        let baseline = match (&known, group) {
            (None, Some(_)) => self.versions.list_read_at().await?.is_some(),
            _ => true,
        };
        let finding = compare(known.as_ref(), group, baseline, false, at);
        self.settle(vec![(id, known.as_ref(), group, finding)], at)
            .await?;
        self.versions.seen(id, at).await
    }

    /// Records what the observations `found` (id, known, as read, finding) mean: silently
    /// the baseline and the console's own changes, as an audit entry each change made outside.
    /// One transaction: each known version changes with the entry that tells of it, and only
    /// if it is still the one read (of several replicas noticing one change, one records it).
    async fn settle(
        &self,
        mut found: Vec<(&str, Option<&Known>, Option<&GroupDetail>, Finding)>,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        found.retain(|(_, _, _, finding)| *finding != Finding::Nothing);
        if found.is_empty() {
            return Ok(());
        }
        // The same order in every replica: transactions that lock rows in one order cannot
        // deadlock.
        found.sort_by(|a, b| a.0.cmp(b.0));
        let writes = if found
            .iter()
            .any(|(_, _, _, f)| matches!(f, Finding::Outside(_)))
        {
            self.table
                .console_writes_since(at - CONSOLE_WRITE_WINDOW_SECS)
                .await?
        } else {
            Vec::new()
        };
        let mut plan: Vec<(Transition<'_>, Option<Observed>)> = Vec::with_capacity(found.len());
        for (id, known, now, finding) in found {
            let transition = Transition { id, known, now, at };
            let action = match finding {
                Finding::Nothing => continue,
                Finding::Adopt => {
                    plan.push((transition, None));
                    continue;
                }
                Finding::Outside(action) => action,
            };
            match explain(id, now, &writes) {
                Explained::Stale => continue,
                Explained::Own => {
                    plan.push((transition, None));
                    continue;
                }
                Explained::Not => {}
            }
            let before = match action {
                Action::Create => None,
                Action::Update | Action::Delete => self.versions.group(id).await?,
            };
            let group_name = now
                .map(|g| g.name.clone())
                .or_else(|| before.as_ref().map(|g| g.name.clone()))
                .unwrap_or_default();
            let observed = Observed {
                action,
                group_id: id.to_string(),
                group_name,
                before: before.as_ref().map(group),
                after: now.map(group),
                at,
            };
            plan.push((transition, Some(observed)));
        }
        if plan.is_empty() {
            return Ok(());
        }
        let mut tx = self.table.database().pool().begin().await?;
        let mut recorded = Vec::new();
        for (transition, observed) in &plan {
            if transition.apply(&mut tx).await?
                && let Some(observed) = observed
            {
                let id = AuditTable::observed(&mut tx, observed).await?;
                recorded.push((id, observed));
            }
        }
        tx.commit().await?;
        for (id, observed) in recorded {
            log_observed(id, observed);
        }
        Ok(())
    }
}

/// What one read of one group means, before the record of the console's own changes is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finding {
    /// As known, or a read that cannot take back what is known (a stale one).
    Nothing,
    /// To be known silently (the baseline).
    Adopt,
    /// Created, changed or deleted since the version known: outside the console, unless the
    /// console's record explains it.
    Outside(Action),
}

/// `known`: the group as the console knows it; `now`: as just read (`None`: not there).
/// `baseline`: a complete list was read before; `from_list`: this read is a complete list.
fn compare(
    known: Option<&Known>,
    now: Option<&GroupDetail>,
    baseline: bool,
    from_list: bool,
    at: i64,
) -> Finding {
    match (known, now) {
        (None, None) => Finding::Nothing,
        (None, Some(_)) if baseline => Finding::Outside(Action::Create),
        (None, Some(_)) => Finding::Adopt,
        (Some(known), None) if known.deleted() => Finding::Nothing,
        (Some(known), None) => {
            if from_list && at - known.known_since < LIST_LAG_SECS {
                // Made (or changed) while the list was being read.
                Finding::Nothing
            } else {
                Finding::Outside(Action::Delete)
            }
        }
        (Some(known), Some(group)) if known.deleted() => {
            if at - known.known_since < LIST_LAG_SECS && group.version() == known.version {
                // Read just before it went.
                Finding::Nothing
            } else {
                Finding::Outside(Action::Create)
            }
        }
        (Some(known), Some(group)) => {
            if group.version() == known.version {
                return Finding::Nothing;
            }
            match (modified_at(group), known.modified_at) {
                // An older version than the one known: a stale read (ISC's replicas, or a
                // read that began before a change already recorded).
                (Some(read), Some(known)) if read < known => Finding::Nothing,
                _ => Finding::Outside(Action::Update),
            }
        }
    }
}

/// Whether the console's recent changes explain a read of the group `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Explained {
    /// No: a change made outside the console.
    Not,
    /// The console's own change (perhaps not yet recorded as done): known silently.
    Own,
    /// The group as it was before the console's change, or not yet there after the console
    /// made it: a read older than what is known, nothing to record.
    Stale,
}

fn explain(id: &str, now: Option<&GroupDetail>, writes: &[ConsoleWrite]) -> Explained {
    let mut verdict = Explained::Not;
    for write in writes {
        let this_group = write.group_id.as_deref() == Some(id);
        // A create without an outcome has no id yet: its content tells.
        let pending_create = write.action == Action::Create && write.group_id.is_none();
        if !this_group && !pending_create {
            continue;
        }
        let version_of = |value: &Option<serde_json::Value>| {
            value
                .as_ref()
                .and_then(|v| serde_json::from_value::<GroupDetail>(v.clone()).ok())
                .map(|g| g.version())
        };
        match now {
            Some(group) => {
                let version = group.version();
                let asked = !write.failed
                    && write.action != Action::Delete
                    && write.asked.as_ref().is_some_and(|a| asks_for(a, group));
                if asked || version_of(&write.answered) == Some(version.clone()) {
                    return Explained::Own;
                }
                if this_group && version_of(&write.before) == Some(version) {
                    verdict = Explained::Stale;
                }
            }
            None if this_group => match write.action {
                Action::Delete if !write.failed => return Explained::Own,
                Action::Create => verdict = Explained::Stale,
                _ => {}
            },
            None => {}
        }
    }
    verdict
}

/// Whether the group as asked for in a change (the draft's JSON, see [`draft`]) is `group`:
/// the same name, policy and sources (ISC's `modified` and the names of sources aside).
fn asks_for(asked: &serde_json::Value, group: &GroupDetail) -> bool {
    let text = |key: &str| asked.get(key).and_then(|v| v.as_str()).map(str::trim);
    let mut asked_sources: Vec<&str> = asked
        .get("sourceIds")
        .and_then(|v| v.as_array())
        .map(|ids| ids.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    asked_sources.sort_unstable();
    asked_sources.dedup();
    let mut sources: Vec<&str> = group.sources.iter().map(|s| s.id.as_str()).collect();
    sources.sort_unstable();
    sources.dedup();
    text("name") == Some(group.name.trim())
        && text("passwordPolicyId") == Some(group.policy.id.as_str())
        && asked_sources == sources
}

/// One structured line per change noticed outside the console.
fn log_observed(id: i64, observed: &Observed) {
    let read = |v: &Option<serde_json::Value>| {
        v.as_ref()
            .and_then(|v| serde_json::from_value::<GroupDetail>(v.clone()).ok())
    };
    let lines = app::model::history::change_lines(
        read(&observed.before).as_ref(),
        read(&observed.after).as_ref(),
    );
    tracing::info!(
        target: "audit",
        audit_id = id,
        action = observed.action.as_str(),
        group_id = %observed.group_id,
        group_name = %observed.group_name,
        result = "observed",
        changes = %lines.join("; "),
        "sync group changed outside the console"
    );
}

fn tracking_id(e: &AppError) -> Option<String> {
    match e {
        AppError::Upstream { tracking_id, .. } => tracking_id.clone(),
        _ => None,
    }
}

/// One structured line per entry (JSON with `CONSOLE_LOG_FORMAT=json`).
fn log(id: i64, intent_id: Option<i64>, intent: &Intent, outcome: Option<&Outcome>) {
    let (result, error, tracking) = match outcome {
        None => ("intent", None, None),
        Some(Outcome::Done { .. }) => ("done", None, None),
        Some(Outcome::Failed { error, tracking_id }) => {
            ("failed", Some(error.as_str()), tracking_id.as_deref())
        }
    };
    let group_id = match outcome {
        Some(Outcome::Done {
            group_id: Some(id), ..
        }) => Some(id.as_str()),
        _ => intent.group_id.as_deref(),
    };
    tracing::info!(
        target: "audit",
        audit_id = id,
        intent_id,
        request_id = %intent.request_id,
        actor_id = %intent.actor_id,
        actor_name = %intent.actor_name,
        action = intent.action.as_str(),
        group_id,
        group_name = %intent.group_name,
        result,
        error,
        tracking_id = tracking,
        "sync group change"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{Connection, PolicyInfo, SourceInfo};

    fn before() -> GroupDetail {
        GroupDetail {
            id: "g1".into(),
            name: "Corporate".into(),
            policy: PolicyInfo {
                id: "p1".into(),
                name: Some("Standard".into()),
                description: None,
                rules: None,
            },
            sources: vec![SourceInfo {
                id: "s1".into(),
                name: Some("Active Directory".into()),
                source_type: None,
                connector: None,
                connection: Connection::Direct,
                password_feature: true,
                healthy: Some(true),
                status: None,
            }],
            created: None,
            modified: None,
        }
    }

    #[test]
    fn records_read_back_as_groups_named_from_the_group_as_it_was() {
        let before = before();
        assert_eq!(
            group_from_record(&group(&before), None),
            Some(before.clone())
        );
        let asked = draft(&GroupDraft {
            name: "New name".into(),
            policy_id: "p1".into(),
            source_ids: vec!["s1".into(), "unknown-id".into()],
        });
        let after = group_from_record(&asked, Some(&before)).expect("read");
        assert_eq!(after.name, "New name");
        assert_eq!(after.sources[0].label(), "Active Directory");
        assert_eq!(after.sources[1].label(), "Unknown (unknown-id)");
        assert_eq!(after.policy, before.policy);
    }

    fn known(group: &GroupDetail, known_since: i64, deleted: bool) -> Known {
        Known {
            version: group.version(),
            modified_at: modified_at(group),
            known_since,
            seen_at: known_since,
            deleted_at: deleted.then_some(known_since),
        }
    }

    fn at(group: &GroupDetail, modified: &str) -> GroupDetail {
        GroupDetail {
            modified: Some(modified.into()),
            ..group.clone()
        }
    }

    #[test]
    fn reads_compare_with_the_version_known() {
        const NOW: i64 = 1_800_000_000;
        let old = NOW - 3_600;
        let was = at(&before(), "2026-01-01T09:00:00Z");
        let mut renamed = at(&was, "2026-01-01T10:00:00Z");
        renamed.name = "Renamed".into();
        let k = known(&was, old, false);
        let update = Finding::Outside(Action::Update);
        assert_eq!(
            compare(Some(&k), Some(&was), true, true, NOW),
            Finding::Nothing
        );
        assert_eq!(compare(Some(&k), Some(&renamed), true, true, NOW), update);
        // Older than known: a stale read.
        let newer = known(&renamed, old, false);
        assert_eq!(
            compare(Some(&newer), Some(&was), true, false, NOW),
            Finding::Nothing
        );
        // Unknown groups: silent before the baseline, created outside after it.
        assert_eq!(compare(None, Some(&was), false, true, NOW), Finding::Adopt);
        assert_eq!(
            compare(None, Some(&was), true, false, NOW),
            Finding::Outside(Action::Create)
        );
        // Gone: a list does not take back what became known a moment ago; a 404 does.
        let fresh = known(&was, NOW - 5, false);
        assert_eq!(
            compare(Some(&fresh), None, true, true, NOW),
            Finding::Nothing
        );
        assert_eq!(
            compare(Some(&fresh), None, true, false, NOW),
            Finding::Outside(Action::Delete)
        );
        assert_eq!(
            compare(Some(&k), None, true, true, NOW),
            Finding::Outside(Action::Delete)
        );
        let gone = known(&was, old, true);
        assert_eq!(
            compare(Some(&gone), None, true, true, NOW),
            Finding::Nothing
        );
        assert_eq!(
            compare(Some(&gone), Some(&was), true, true, NOW),
            Finding::Outside(Action::Create)
        );
    }

    #[test]
    fn the_consoles_own_changes_explain_racing_reads() {
        let was = at(&before(), "2026-01-01T09:00:00Z");
        let mut asked = at(&was, "2026-01-01T10:00:00Z");
        asked.name = "Asked for".into();
        let update = ConsoleWrite {
            action: Action::Update,
            group_id: Some("g1".into()),
            before: Some(group(&was)),
            asked: Some(draft(&GroupDraft {
                name: "Asked for".into(),
                policy_id: "p1".into(),
                source_ids: vec!["s1".into()],
            })),
            answered: None,
            failed: false,
        };
        assert_eq!(
            explain("g1", Some(&asked), std::slice::from_ref(&update)),
            Explained::Own
        );
        assert_eq!(
            explain("g1", Some(&was), std::slice::from_ref(&update)),
            Explained::Stale
        );
        assert_eq!(
            explain("g2", Some(&asked), std::slice::from_ref(&update)),
            Explained::Not
        );
        let refused = ConsoleWrite {
            failed: true,
            ..update.clone()
        };
        assert_eq!(explain("g1", Some(&asked), &[refused]), Explained::Not);
        let mut elsewhere = asked.clone();
        elsewhere.name = "Someone else's".into();
        assert_eq!(explain("g1", Some(&elsewhere), &[update]), Explained::Not);

        // A create without an outcome yet: its content tells; with one, its id.
        let create = ConsoleWrite {
            action: Action::Create,
            group_id: None,
            before: None,
            asked: Some(draft(&GroupDraft {
                name: was.name.clone(),
                policy_id: "p1".into(),
                source_ids: vec!["s1".into()],
            })),
            answered: None,
            failed: false,
        };
        assert_eq!(
            explain("g1", Some(&was), std::slice::from_ref(&create)),
            Explained::Own
        );
        let created = ConsoleWrite {
            group_id: Some("g1".into()),
            ..create
        };
        assert_eq!(explain("g1", None, &[created]), Explained::Stale);
        let delete = ConsoleWrite {
            action: Action::Delete,
            group_id: Some("g1".into()),
            before: Some(group(&was)),
            asked: None,
            answered: None,
            failed: false,
        };
        assert_eq!(
            explain("g1", None, std::slice::from_ref(&delete)),
            Explained::Own
        );
        assert_eq!(explain("g1", Some(&was), &[delete]), Explained::Stale);
    }
}
