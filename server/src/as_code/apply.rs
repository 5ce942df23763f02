//! The apply: the plan's steps in their order (deletes, then each group that gives up a source
//! before the group that takes it), each existing group read again just before it is written
//! and written only if it is still the version the plan saw (the console's stale-edit rule,
//! [`GroupDetail::version`]); the first refusal stops the apply. The report says exactly which
//! steps were done, which one failed (with ISC's message and tracking id) and which were not
//! attempted.
//!
//! Where the writes go is a [`Target`]: ISC directly ([`IscTarget`], the command line), or the
//! console's audited writes (the pages).

use app::caller::Credential;
use app::error::{AppError, NoAnswer};
use app::model::GroupDetail;
use app::model::draft::GroupDraft;
use app::model::plan::{ApplyReport, Plan, PlanAction, StepReport, StepStatus};

use super::document::Document;
use super::plan::{Step, Steps, plan};
use super::{Snapshot, TenantState};
use crate::isc::model::PasswordSyncGroup;
use crate::isc::{Catalog, IscClient, IscError};

/// Where an apply writes.
#[async_trait::async_trait]
pub trait Target: Send + Sync {
    /// The group as it is now, or None when it no longer exists.
    async fn read_group(&self, id: &str) -> Result<Option<GroupDetail>, AppError>;
    async fn create(&self, draft: &GroupDraft) -> Result<GroupDetail, AppError>;
    /// `current` is the group as just read (the version the plan saw).
    async fn update(
        &self,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError>;
    async fn delete(&self, current: &GroupDetail) -> Result<(), AppError>;
}

/// What the user hears when the plan computed again differs from the one they reviewed.
pub const PLAN_CHANGED: &str = "The plan changed since you reviewed it: the tenant or the document changed meanwhile. Nothing was applied; review the new plan.";

/// Runs `steps` in order against `target`, stopping at the first refusal.
pub async fn apply(steps: &Steps, target: &dyn Target) -> ApplyReport {
    let mut report = ApplyReport::default();
    let mut stopped = false;
    for step in steps.as_slice() {
        let mut id = step.current.as_ref().map(|c| c.id.clone());
        let status = if stopped {
            StepStatus::NotAttempted
        } else {
            match run(step, target).await {
                Ok(written) => {
                    id = written.or(id);
                    StepStatus::Done
                }
                Err(failure) => {
                    stopped = true;
                    failure
                }
            }
        };
        report.steps.push(StepReport {
            name: step.name.clone(),
            id,
            action: step.action,
            status,
        });
    }
    report
}

/// Plans `document` again on `state` (read fresh just now) and applies it only if the plan is
/// still the one the user reviewed (`reviewed` is its digest); otherwise the new plan, to
/// review (say [`PLAN_CHANGED`] when it has no problems).
pub async fn apply_reviewed(
    document: &Document,
    state: &TenantState,
    reviewed: &str,
    target: &dyn Target,
) -> Result<ApplyReport, Plan> {
    let (plan, steps) = plan(document, state);
    if !plan.is_applicable() || plan.digest != reviewed {
        return Err(plan);
    }
    Ok(apply(&steps, target).await)
}

/// One step: the check on fresh data, then the write. The id written (a created group's).
async fn run(step: &Step, target: &dyn Target) -> Result<Option<String>, StepStatus> {
    let current = match &step.current {
        None => None,
        Some(seen) => {
            let now = target.read_group(&seen.id).await.map_err(failed)?;
            match now {
                None => {
                    return Err(refused(format!(
                        "\u{201c}{}\u{201d} was deleted in ISC after the plan was made, so nothing was written. Make a new plan.",
                        seen.name
                    )));
                }
                Some(now) if now.changed_since(&seen.version()) => {
                    let changes = now.changes_since(seen);
                    return Err(refused(format!(
                        "\u{201c}{}\u{201d} was changed in ISC after the plan was made ({}), so nothing was written to it. Make a new plan.",
                        seen.name,
                        changes.join("; ")
                    )));
                }
                Some(now) => Some(now),
            }
        }
    };
    match (step.action, current, &step.draft) {
        (PlanAction::Create, None, Some(draft)) => {
            let created = target.create(draft).await.map_err(failed)?;
            Ok(Some(created.id))
        }
        (PlanAction::Update, Some(current), Some(draft)) => {
            target.update(&current, draft).await.map_err(failed)?;
            Ok(None)
        }
        (PlanAction::Delete, Some(current), _) => {
            target.delete(&current).await.map_err(failed)?;
            Ok(None)
        }
        // `plan` never makes such a step; refuse rather than guess.
        _ => Err(refused(
            "This step is incomplete; nothing was written.".to_string(),
        )),
    }
}

fn failed(e: AppError) -> StepStatus {
    StepStatus::Failed {
        tracking_id: e.tracking_id().map(str::to_string),
        error: e.to_string(),
    }
}

fn refused(error: String) -> StepStatus {
    StepStatus::Failed {
        error,
        tracking_id: None,
    }
}

/// Writes straight to ISC with one credential (the command line). Not recorded in the
/// console's audit record: the console's history shows such writes as changes made outside it.
pub struct IscTarget<'a> {
    isc: &'a IscClient,
    auth: &'a dyn Credential,
    catalog: Catalog<'a>,
}

impl<'a> IscTarget<'a> {
    /// `snapshot` names sources and policies in what is read back.
    pub fn new(isc: &'a IscClient, auth: &'a dyn Credential, snapshot: &'a Snapshot) -> Self {
        IscTarget {
            isc,
            auth,
            catalog: snapshot.catalog(),
        }
    }
}

/// ISC's answer when a credential may read sync groups but not write them.
pub const WRITES_NEED_A_USER: &str = "ISC lets only a user with the level ORG_ADMIN change sync groups: an API client without a user may read them, not change them. Use that user's personal access token.";

/// A failed write, in words that say what is known: a write that got no answer may have
/// happened (writes are never repeated), a 403 is usually a credential without a user.
fn write_error(e: IscError, done: &str) -> AppError {
    match e {
        IscError::NoAnswer(NoAnswer::Timeout) => AppError::Unavailable {
            message: format!(
                "it did not answer in time, so nobody can tell whether the group was {done}. Export the tenant to see before applying again."
            ),
        },
        IscError::Status {
            status: 403,
            detail_code,
            message,
            tracking_id,
        } => AppError::Upstream {
            status: 403,
            detail_code,
            message: format!("{message} {WRITES_NEED_A_USER}"),
            tracking_id,
        },
        other => credential_error(other),
    }
}

/// A refused token says so (the console's words speak of sign-ins and its own credential).
fn credential_error(e: IscError) -> AppError {
    match e {
        IscError::Credential(_) | IscError::Unauthorized => AppError::NotConfigured {
            message: "ISC refused the access token: it may have expired or been revoked."
                .to_string(),
        },
        other => other.into(),
    }
}

#[async_trait::async_trait]
impl Target for IscTarget<'_> {
    async fn read_group(&self, id: &str) -> Result<Option<GroupDetail>, AppError> {
        match self.isc.get_sync_group(self.auth, id).await {
            Ok(group) => Ok(Some(group.detail(&self.catalog))),
            Err(IscError::Status { status: 404, .. } | IscError::InvalidId) => Ok(None),
            Err(e) => Err(credential_error(e)),
        }
    }

    async fn create(&self, draft: &GroupDraft) -> Result<GroupDetail, AppError> {
        self.isc
            .create_sync_group(self.auth, &PasswordSyncGroup::from_draft(draft))
            .await
            .map(|g| g.detail(&self.catalog))
            .map_err(|e| write_error(e, "created"))
    }

    async fn update(
        &self,
        current: &GroupDetail,
        draft: &GroupDraft,
    ) -> Result<GroupDetail, AppError> {
        self.isc
            .update_sync_group(
                self.auth,
                &current.id,
                &PasswordSyncGroup::from_draft(draft),
            )
            .await
            .map(|g| g.detail(&self.catalog))
            .map_err(|e| write_error(e, "changed"))
    }

    async fn delete(&self, current: &GroupDetail) -> Result<(), AppError> {
        self.isc
            .delete_sync_group(self.auth, &current.id)
            .await
            .map_err(|e| write_error(e, "deleted"))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::as_code::document::{self, Reference};
    use crate::as_code::plan::tests::{doc, entry, tenant};

    /// An in-memory tenant that refuses what ISC refuses (a source in two groups), and any
    /// write to a group named in `refuse`.
    struct Fake {
        state: Mutex<TenantState>,
        refuse: Option<String>,
        log: Mutex<Vec<String>>,
        next: Mutex<u32>,
    }

    impl Fake {
        fn new(state: TenantState) -> Fake {
            Fake {
                state: Mutex::new(state),
                refuse: None,
                log: Mutex::new(Vec::new()),
                next: Mutex::new(0),
            }
        }

        fn state(&self) -> TenantState {
            self.state.lock().expect("state").clone()
        }

        fn log(&self) -> Vec<String> {
            self.log.lock().expect("log").clone()
        }

        fn upstream(message: &str) -> AppError {
            AppError::Upstream {
                status: 400,
                detail_code: Some("400.1.409 Reference conflict".into()),
                message: message.into(),
                tracking_id: Some("7f3e9a".into()),
            }
        }

        fn write(&self, id: Option<&str>, draft: &GroupDraft) -> Result<GroupDetail, AppError> {
            if self.refuse.as_deref() == Some(draft.name.as_str()) {
                return Err(Fake::upstream("Refused for the test."));
            }
            let mut state = self.state.lock().expect("state");
            for source in draft.distinct_sources() {
                if let Some(other) = state
                    .groups
                    .iter()
                    .find(|g| Some(g.id.as_str()) != id && g.sources.iter().any(|s| s.id == source))
                {
                    return Err(Fake::upstream(&format!(
                        "Source {source} is already in group {}.",
                        other.name
                    )));
                }
            }
            let id = match id {
                Some(id) => id.to_string(),
                None => {
                    let mut next = self.next.lock().expect("next");
                    *next += 1;
                    format!("new-{next}")
                }
            };
            let group = GroupDetail {
                id: id.clone(),
                name: draft.name.trim().to_string(),
                policy: state
                    .policies
                    .iter()
                    .find(|p| p.id == draft.policy_id)
                    .cloned()
                    .expect("policy"),
                sources: draft
                    .distinct_sources()
                    .iter()
                    .map(|s| {
                        state
                            .sources
                            .iter()
                            .find(|x| &x.id == s)
                            .cloned()
                            .expect("source")
                    })
                    .collect(),
                created: None,
                modified: Some("2030-01-01T00:00:00Z".into()),
            };
            state.groups.retain(|g| g.id != id);
            state.groups.push(group.clone());
            Ok(group)
        }
    }

    #[async_trait::async_trait]
    impl Target for Fake {
        async fn read_group(&self, id: &str) -> Result<Option<GroupDetail>, AppError> {
            Ok(self.state().groups.into_iter().find(|g| g.id == id))
        }

        async fn create(&self, draft: &GroupDraft) -> Result<GroupDetail, AppError> {
            self.log
                .lock()
                .expect("log")
                .push(format!("create {}", draft.name));
            self.write(None, draft)
        }

        async fn update(
            &self,
            current: &GroupDetail,
            draft: &GroupDraft,
        ) -> Result<GroupDetail, AppError> {
            self.log
                .lock()
                .expect("log")
                .push(format!("update {}", current.name));
            self.write(Some(&current.id), draft)
        }

        async fn delete(&self, current: &GroupDetail) -> Result<(), AppError> {
            self.log
                .lock()
                .expect("log")
                .push(format!("delete {}", current.name));
            self.state
                .lock()
                .expect("state")
                .groups
                .retain(|g| g.id != current.id);
            Ok(())
        }
    }

    fn statuses(report: &ApplyReport) -> Vec<(String, &'static str)> {
        report
            .steps
            .iter()
            .map(|s| (s.name.clone(), s.status.label()))
            .collect()
    }

    #[tokio::test]
    async fn an_unchanged_tenant_applies_nothing() {
        let fake = Fake::new(tenant(""));
        let d = document::parse(document::export(&fake.state(), "t").as_bytes()).expect("doc");
        let (plan, steps) = plan(&d, &fake.state());
        assert_eq!(plan.change_count(), 0);
        let report = apply(&steps, &fake).await;
        assert!(report.steps.is_empty() && report.all_done());
        assert!(fake.log().is_empty());
    }

    #[tokio::test]
    async fn a_document_from_another_tenant_creates_its_groups_by_name() {
        let source = tenant("a-");
        let mut target = tenant("b-");
        target.groups.clear();
        let fake = Fake::new(target);
        let d = document::parse(document::export(&source, "a").as_bytes()).expect("doc");
        let (plan, steps) = plan(&d, &fake.state());
        assert_eq!(plan.change_count(), 2);
        let report = apply(&steps, &fake).await;
        assert_eq!(report.summary(), "All 2 changes were made.");
        assert_eq!(report.steps[0].id.as_deref(), Some("new-1"));
        let after = fake.state();
        let corporate = after
            .groups
            .iter()
            .find(|g| g.name == "Corporate")
            .expect("created");
        let ids: Vec<&str> = corporate.sources.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["b-ad", "b-entra"]);
        // Planned again: nothing left to do.
        let (again, _) = super::plan(&d, &after);
        assert_eq!(again.change_count(), 0, "{again:#?}");
    }

    #[tokio::test]
    async fn a_refusal_half_way_reports_done_failed_and_not_attempted() {
        let mut fake = Fake::new(tenant(""));
        let d = doc(vec![
            entry("First", "Standard", &["Okta", "SAP"]),
            entry("Corporate", "Strict", &["Corporate AD", "Entra ID"]),
            entry("Engineering", "Strict", &["GitHub", "Unix LDAP"]),
        ]);
        fake.refuse = Some("Corporate".into());
        let (p, steps) = plan(&d, &fake.state());
        assert!(p.is_applicable(), "{p:#?}");
        let report = apply(&steps, &fake).await;
        assert_eq!(
            statuses(&report),
            [
                ("First".to_string(), "Done"),
                ("Corporate".to_string(), "Failed"),
                ("Engineering".to_string(), "Not attempted"),
            ]
        );
        assert_eq!(
            report.steps[1].status,
            StepStatus::Failed {
                error: "ISC refused the request: Refused for the test.".into(),
                tracking_id: Some("7f3e9a".into()),
            }
        );
        assert_eq!(
            report.summary(),
            "1 of 3 changes was made; changing “Corporate” failed, so 1 was not attempted."
        );
        // Exactly what the report says happened.
        assert_eq!(fake.log(), ["create First", "update Corporate"]);
        let after = fake.state();
        assert!(after.groups.iter().any(|g| g.name == "First"));
        assert!(
            after
                .groups
                .iter()
                .filter(|g| g.name != "First")
                .all(|g| g.policy.id == "std")
        );
    }

    #[tokio::test]
    async fn a_group_changed_after_the_plan_is_not_overwritten() {
        let fake = Fake::new(tenant(""));
        let d = doc(vec![
            entry("Corporate", "Strict", &["Corporate AD", "Entra ID"]),
            entry("Engineering", "Strict", &["GitHub", "Unix LDAP"]),
        ]);
        let (p, steps) = plan(&d, &fake.state());
        assert_eq!(p.change_count(), 2);
        // Someone renames Corporate in ISC meanwhile.
        {
            let mut state = fake.state.lock().expect("state");
            state.groups[0].name = "Corporate Sign-in".into();
            state.groups[0].modified = Some("2031-01-01T00:00:00Z".into());
        }
        let report = apply(&steps, &fake).await;
        assert_eq!(
            report.steps[0].status,
            StepStatus::Failed {
                error: "“Corporate” was changed in ISC after the plan was made (Name: Corporate → Corporate Sign-in), so nothing was written to it. Make a new plan.".into(),
                tracking_id: None
            }
        );
        assert_eq!(report.steps[1].status, StepStatus::NotAttempted);
        assert!(fake.log().is_empty());
        // Deleted meanwhile.
        fake.state.lock().expect("state").groups.remove(0);
        let report = apply(&steps, &fake).await;
        assert!(
            matches!(&report.steps[0].status, StepStatus::Failed { error, .. } if error.contains("was deleted in ISC after the plan")),
            "{report:?}"
        );
    }

    #[tokio::test]
    async fn a_moving_source_is_released_before_it_is_claimed() {
        let fake = Fake::new(tenant(""));
        let d = doc(vec![
            entry(
                "Engineering",
                "Standard",
                &["GitHub", "Unix LDAP", "Entra ID"],
            ),
            entry("Corporate", "Standard", &["Corporate AD", "Okta"]),
            entry("New", "Standard", &["SAP", "Entra ID"]),
        ]);
        let (p, _) = plan(&d, &fake.state());
        assert!(!p.is_applicable(), "Entra ID claimed twice");
        let d = doc(vec![
            entry(
                "Engineering",
                "Standard",
                &["GitHub", "Unix LDAP", "Entra ID"],
            ),
            entry("Corporate", "Standard", &["Corporate AD", "Okta"]),
        ]);
        let (p, steps) = plan(&d, &fake.state());
        assert!(p.is_applicable(), "{p:#?}");
        let report = apply(&steps, &fake).await;
        assert!(report.all_done(), "{report:?}");
        assert_eq!(fake.log(), ["update Corporate", "update Engineering"]);
    }

    #[tokio::test]
    async fn prune_deletes_first_then_the_freed_sources_are_taken() {
        let fake = Fake::new(tenant(""));
        let mut d = doc(vec![entry(
            "Everyone",
            "Standard",
            &["Corporate AD", "GitHub", "Okta"],
        )]);
        d.prune = true;
        let (p, steps) = plan(&d, &fake.state());
        assert!(p.is_applicable(), "{p:#?}");
        let report = apply(&steps, &fake).await;
        assert!(report.all_done(), "{report:?}");
        assert_eq!(
            fake.log(),
            ["delete Corporate", "delete Engineering", "create Everyone"]
        );
        assert_eq!(fake.state().groups.len(), 1);
    }

    #[tokio::test]
    async fn an_apply_of_a_plan_that_changed_since_review_does_nothing() {
        let fake = Fake::new(tenant(""));
        let mut d = doc(vec![
            entry(
                "Corporate",
                "Standard",
                &["Corporate AD", "Entra ID", "Okta"],
            ),
            entry("Engineering", "Standard", &["GitHub", "Unix LDAP"]),
        ]);
        let (reviewed, _) = plan(&d, &fake.state());
        d.groups[1].sources.push(Reference {
            name: Some("SAP".into()),
            id: None,
        });
        let again = apply_reviewed(&d, &fake.state(), &reviewed.digest, &fake)
            .await
            .expect_err("changed");
        assert!(again.is_applicable());
        assert_ne!(again.digest, reviewed.digest);
        assert!(fake.log().is_empty());
        let report = apply_reviewed(&d, &fake.state(), &again.digest, &fake)
            .await
            .expect("applied");
        assert!(report.all_done());
        assert_eq!(fake.log(), ["update Corporate", "update Engineering"]);
    }
}
