//! Whether a group changed in ISC since a form showed it. ISC's PUT has no version check, so the
//! console compares itself: the form keeps the [`GroupDetail::version`] it opened, and the
//! server compares it with the version it reads just before writing. The page with JavaScript
//! and the plain form without it carry the same token, so both follow this one rule.

use super::english::join_and;
use super::{GroupDetail, SourceInfo};

impl GroupDetail {
    /// What changed in ISC since a form opened `opened` (this being the current version), in
    /// words. Ids are compared, so a renamed source is not a change of the group. Empty if
    /// nothing did.
    pub fn changes_since(&self, opened: &GroupDetail) -> Vec<String> {
        let mut changes = Vec::new();
        if opened.name != self.name {
            changes.push(format!("Name: {} → {}", opened.name, self.name));
        }
        if opened.policy.id != self.policy.id {
            changes.push(format!(
                "Policy: {} → {}",
                opened.policy.label(),
                self.policy.label()
            ));
        }
        let added = labels_missing_from(&self.sources, &opened.sources);
        if !added.is_empty() {
            changes.push(format!("Sources added: {}", join_and(&added)));
        }
        let removed = labels_missing_from(&opened.sources, &self.sources);
        if !removed.is_empty() {
            changes.push(format!("Sources removed: {}", join_and(&removed)));
        }
        if changes.is_empty() && opened.modified != self.modified {
            changes.push(format!(
                "Saved again in ISC at {}",
                self.modified.as_deref().unwrap_or("an unknown time")
            ));
        }
        changes
    }

    /// A short opaque token for this version of the group: 16 hex digits of FNV-1a (64 bits)
    /// over `modified`, the name, the policy id and the set of source ids. ISC's `modified` has
    /// whole seconds only, so the content counts too; source names and order do not (a source
    /// renamed in ISC is no change of the group).
    ///
    /// Change detection only, not security: a forged token can at worst skip this check, and
    /// the server still re-reads the group and checks the admin's rights before writing.
    pub fn version(&self) -> String {
        let mut source_ids: Vec<&str> = self.sources.iter().map(|s| s.id.as_str()).collect();
        source_ids.sort_unstable();
        source_ids.dedup();
        let mut hash = Fnv1a::new();
        hash.field(self.modified.as_deref());
        hash.field(Some(&self.name));
        hash.field(Some(&self.policy.id));
        for id in source_ids {
            hash.field(Some(id));
        }
        format!("{:016x}", hash.0)
    }

    /// Whether this (current) version differs from the one a form opened.
    pub fn changed_since(&self, opened_version: &str) -> bool {
        self.version() != opened_version
    }
}

/// Labels of the sources in `sources` whose id is not in `others`.
fn labels_missing_from(sources: &[SourceInfo], others: &[SourceInfo]) -> Vec<String> {
    sources
        .iter()
        .filter(|s| !others.iter().any(|o| o.id == s.id))
        .map(SourceInfo::label)
        .collect()
}

/// 64-bit FNV-1a, written out: a few lines, the same result in the browser and on the server,
/// and no dependency for a checksum.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET_BASIS)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    /// One field, framed (absent, or present with its length) so that no two different field
    /// lists hash the same bytes: ("ab", "c") is not ("a", "bc").
    fn field(&mut self, value: Option<&str>) {
        match value {
            None => self.bytes(&[0]),
            Some(value) => {
                self.bytes(&[1]);
                self.bytes(&(value.len() as u64).to_le_bytes());
                self.bytes(value.as_bytes());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Fnv1a;
    use crate::model::fixtures::corporate;

    #[test]
    fn changes_since_compares_ids_and_version() {
        let opened = corporate();
        assert!(opened.changes_since(&opened).is_empty());
        let mut current = opened.clone();
        current.name = "Sign-in".into();
        current.sources.remove(1);
        current.modified = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            current.changes_since(&opened),
            [
                "Name: Corporate Sign-in → Sign-in",
                "Sources removed: Entra ID"
            ]
        );
        let mut saved_again = opened.clone();
        saved_again.modified = Some("2026-01-01T00:00:00Z".into());
        assert_eq!(
            saved_again.changes_since(&opened),
            ["Saved again in ISC at 2026-01-01T00:00:00Z"]
        );
    }

    #[test]
    fn staleness_is_another_version_or_other_content() {
        let opened = corporate();
        let version = opened.version();
        assert_eq!(version.len(), 16, "{version}");
        assert!(version.chars().all(|c| c.is_ascii_hexdigit()), "{version}");
        assert!(!opened.clone().changed_since(&version));
        let mut saved_again = opened.clone();
        saved_again.modified = Some("2025-01-01T00:00:00Z".into());
        assert!(saved_again.changed_since(&version));
        let mut never_saved = opened.clone();
        never_saved.modified = None;
        assert!(never_saved.changed_since(&version));
        // ISC's dates have whole seconds: content changed within the same second still counts.
        let mut same_second = opened.clone();
        same_second.sources.pop();
        assert!(same_second.changed_since(&version));
        let mut renamed = opened.clone();
        renamed.name = "Corporate sign-in".into();
        assert!(renamed.changed_since(&version));
        let mut other_policy = opened.clone();
        other_policy.policy.id = "p-strict".into();
        assert!(other_policy.changed_since(&version));
        // A source renamed in ISC does not change the group; neither does another order.
        let mut renamed_source = opened.clone();
        renamed_source.sources[0].name = Some("Corporate AD (EU)".into());
        assert!(!renamed_source.changed_since(&version));
        let mut reordered = opened.clone();
        reordered.sources.reverse();
        assert!(!reordered.changed_since(&version));
        // Nor does the policy's name or rules: only its id is the group's.
        let mut policy_renamed = opened.clone();
        policy_renamed.policy.name = Some("Standard".into());
        assert!(!policy_renamed.changed_since(&version));
        // Anything but the exact token is another version.
        assert!(opened.changed_since(""));
        assert!(opened.changed_since("not a version"));
    }

    #[test]
    fn the_hash_is_fnv_1a_64() {
        // The published test vectors: the same digits in the browser and on the server.
        let mut empty = Fnv1a::new();
        empty.bytes(b"");
        assert_eq!(empty.0, 0xcbf2_9ce4_8422_2325);
        let mut a = Fnv1a::new();
        a.bytes(b"a");
        assert_eq!(a.0, 0xaf63_dc4c_8601_ec8c);
        let mut foobar = Fnv1a::new();
        foobar.bytes(b"foobar");
        assert_eq!(foobar.0, 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fields_are_framed_so_their_boundaries_count() {
        let a = corporate();
        let mut b = a.clone();
        b.sources.truncate(2);
        b.sources[0].id = "adentra".into();
        b.sources[1].id = "gw".into();
        let mut c = a.clone();
        c.sources.truncate(2);
        c.sources[0].id = "ad".into();
        c.sources[1].id = "entragw".into();
        assert_ne!(b.version(), c.version());
    }
}
