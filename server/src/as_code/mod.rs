//! Sync groups as code (issue 10): every group of a tenant as a readable JSON document that can
//! be kept in git ([`document`]), what applying a document would change ([`plan`]), and the
//! apply itself, in a safe order, stopping at the first refusal ([`apply`]); with a command line
//! ([`cli`]) and an API the console's pages use:
//!
//! ```text
//! let state = Snapshot::read(&isc, auth).await?.state();     // fresh, never cached
//! let text = document::export(&state, "acme");               // the document, as text
//! let document = document::parse(bytes)?;                    // Err(problems, with places)
//! let (plan, steps) = plan::plan(&document, &state);         // what the pages show
//! let report = apply::apply(&steps, &target).await;          // done / failed / not attempted
//! // or, for a plan the user reviewed earlier (its digest), all in one:
//! let report = apply::apply_reviewed(&document, &state, &digest, &target).await?;
//! ```
//!
//! # Matching a document to a tenant
//! - A group of the document is the tenant's group with the document's `id` when the tenant has
//!   a group with that id (so renaming a group within one tenant is a change, not a delete and
//!   a create); otherwise the tenant's group with the same name (trimmed, case-insensitive). Two
//!   tenant groups with that name are an error (the document must give the id). No match: the
//!   group is created.
//! - Sources and policies are matched by name (trimmed, case-insensitive), so that a document
//!   exported from one tenant works in another, where every id differs. A name the tenant does
//!   not know, with an id the tenant does know, is that object renamed: the id is used (and the
//!   plan says so). A name that several sources (or policies) have is an error unless the id
//!   picks one of them.
//! - Groups of the tenant that the document does not mention stay as they are, unless the
//!   document says `"prune": true`: then they are deleted. Never by omission alone.

pub mod apply;
pub mod cli;
pub mod document;
pub mod plan;

use app::caller::Credential;
use app::model::{GroupDetail, PolicyInfo, SourceInfo};

use crate::isc::model::{PasswordPolicy, PasswordSyncGroup, Source};
use crate::isc::{Catalog, IscClient, IscError};

/// The tenant as a plan needs it, read fresh: every group with its policy's and sources' facts,
/// every source and every policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TenantState {
    pub groups: Vec<GroupDetail>,
    pub sources: Vec<SourceInfo>,
    pub policies: Vec<PolicyInfo>,
}

impl TenantState {
    /// ISC's objects joined as the console joins them everywhere ([`Catalog`]).
    pub fn from_isc(
        groups: &[PasswordSyncGroup],
        sources: &[Source],
        policies: &[PasswordPolicy],
    ) -> TenantState {
        let catalog = Catalog::new(sources, policies);
        TenantState {
            groups: groups.iter().map(|g| g.detail(&catalog)).collect(),
            sources: sources.iter().map(Source::info).collect(),
            policies: policies.iter().map(PasswordPolicy::info).collect(),
        }
    }
}

/// ISC's objects as read for one export, plan or apply.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub groups: Vec<PasswordSyncGroup>,
    pub sources: Vec<Source>,
    pub policies: Vec<PasswordPolicy>,
}

impl Snapshot {
    /// Groups, sources and policies as they are now (no cache: a plan must see the tenant as it
    /// is, and an apply writes on top of it).
    pub async fn read(isc: &IscClient, auth: &dyn Credential) -> Result<Snapshot, IscError> {
        let (groups, sources, policies) = tokio::try_join!(
            isc.list_sync_groups(auth),
            isc.list_sources(auth),
            isc.list_password_policies(auth),
        )?;
        Ok(Snapshot {
            groups,
            sources,
            policies,
        })
    }

    pub fn catalog(&self) -> Catalog<'_> {
        Catalog::new(&self.sources, &self.policies)
    }

    pub fn state(&self) -> TenantState {
        TenantState::from_isc(&self.groups, &self.sources, &self.policies)
    }
}

/// A name as names are matched: trimmed, case-insensitive.
fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}
