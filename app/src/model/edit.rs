//! Creating, editing and deleting sync groups: what the form edits, ISC's rules for a valid
//! group, and the plain-words review of what a save or a delete does. Pure functions, shared by
//! the browser (checks before sending) and the server (checks again before writing).

use serde::{Deserialize, Serialize};

use super::{GroupDetail, Named, PolicyInfo, SourceInfo};

/// What the form edits; ids only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDraft {
    pub name: String,
    pub policy_id: String,
    pub source_ids: Vec<String>,
}

/// Per-field validation messages (None = fine).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors {
    pub name: Option<String>,
    pub policy: Option<String>,
    pub sources: Option<String>,
}

impl FieldErrors {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.policy.is_none() && self.sources.is_none()
    }
}

/// Longest group name, in characters (the sandbox's `max_group_name_length`).
pub const MAX_NAME_LEN: usize = 128;

/// A source in the picker: its facts, and why it cannot be chosen (None = eligible).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceChoice {
    pub source: SourceInfo,
    /// The group it is in now.
    pub group: Option<Named>,
    pub ineligible: Option<String>,
}

/// Everything the create/edit form needs, fresh from ISC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormOptions {
    /// With rules, sorted by name.
    pub policies: Vec<PolicyInfo>,
    /// Sorted by name; eligible and ineligible.
    pub sources: Vec<SourceChoice>,
    /// Every existing group (for the duplicate-name warning).
    pub groups: Vec<Named>,
    /// The group being edited, as read when the form opened.
    pub editing: Option<GroupDetail>,
}

/// Why a source cannot be in the group being edited; None if eligible.
pub fn ineligibility(
    _source: &SourceInfo,
    _group: Option<&Named>,
    _editing: Option<&str>,
) -> Option<String> {
    None
}

/// Checks a draft against ISC's rules.
pub fn validate(_draft: &GroupDraft, _options: &FormOptions) -> FieldErrors {
    FieldErrors::default()
}

/// A warning (not an error) when another group already has this name.
pub fn duplicate_name_warning(_draft: &GroupDraft, _options: &FormOptions) -> Option<String> {
    None
}

/// Exactly what a save would change, in plain words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReview {
    pub creating: bool,
    /// Before → after (None: unchanged); on create ("", name).
    pub name: Option<(String, String)>,
    /// Before → after; None unchanged.
    pub policy: Option<(Option<PolicyInfo>, PolicyInfo)>,
    pub rule_changes: Vec<String>,
    pub added: Vec<SourceInfo>,
    pub removed: Vec<SourceInfo>,
    pub kept: Vec<SourceInfo>,
    pub consequences: Vec<String>,
}

pub fn review(_draft: &GroupDraft, options: &FormOptions) -> ChangeReview {
    ChangeReview {
        creating: options.editing.is_none(),
        name: None,
        policy: None,
        rule_changes: Vec::new(),
        added: Vec::new(),
        removed: Vec::new(),
        kept: Vec::new(),
        consequences: Vec::new(),
    }
}

/// The consequences of deleting `group`, filled in for it.
pub fn delete_consequences(_group: &GroupDetail) -> Vec<String> {
    Vec::new()
}
