//! Password policy rules in words people understand. One place for the wording, so the detail
//! page, the policy picker and change reviews describe a policy the same way.

use serde::{Deserialize, Serialize};

use super::english;

/// The rules of an ISC password policy (`PasswordPolicyV3Dto`). ISC uses 0 or -1 for "no rule".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRules {
    pub min_length: i64,
    pub max_length: i64,
    pub min_alpha: i64,
    pub min_numeric: i64,
    pub min_special: i64,
    pub min_upper: i64,
    pub min_lower: i64,
    pub min_character_types: i64,
    pub max_repeated_chars: i64,
    pub use_dictionary: bool,
    pub use_account_attributes: bool,
    pub use_identity_attributes: bool,
    pub validate_against_account_id: bool,
    pub validate_against_account_name: bool,
    /// Days until a password expires, when expiration is enabled.
    pub expiration_days: Option<i64>,
    pub first_expiration_reminder: i64,
    pub require_strong_authn: bool,
}

/// A rule's number with its noun. ISC sends i64 (0 or -1 meaning "no rule"); only positive
/// numbers are put into words here, so the conversion never falls back in practice.
fn plural(n: i64, one: &str, many: &str) -> String {
    english::plural(usize::try_from(n).unwrap_or_default(), one, many)
}

impl PolicyRules {
    /// The length rule, e.g. "8 to 64 characters".
    pub fn length(&self) -> String {
        match (self.min_length > 0, self.max_length > 0) {
            (true, true) => format!("{} to {} characters", self.min_length, self.max_length),
            (true, false) => format!(
                "at least {}",
                plural(self.min_length, "character", "characters")
            ),
            (false, true) => format!(
                "at most {}",
                plural(self.max_length, "character", "characters")
            ),
            (false, false) => "any length".to_string(),
        }
    }

    /// Required character classes, e.g. "1 uppercase letter, 1 digit".
    pub fn character_classes(&self) -> Option<String> {
        let mut parts = Vec::new();
        let mut add = |n: i64, one: &str, many: &str| {
            if n > 0 {
                parts.push(plural(n, one, many));
            }
        };
        add(self.min_alpha, "letter", "letters");
        add(self.min_upper, "uppercase letter", "uppercase letters");
        add(self.min_lower, "lowercase letter", "lowercase letters");
        add(self.min_numeric, "digit", "digits");
        add(self.min_special, "special character", "special characters");
        (!parts.is_empty()).then(|| format!("at least {}", parts.join(", ")))
    }

    /// Expiration in words.
    pub fn expiration(&self) -> String {
        match self.expiration_days {
            Some(days) if days > 0 => {
                let mut s = format!("expires after {}", plural(days, "day", "days"));
                if self.first_expiration_reminder > 0 {
                    s.push_str(&format!(
                        ", first reminder {} before",
                        plural(self.first_expiration_reminder, "day", "days")
                    ));
                }
                s
            }
            _ => "does not expire".to_string(),
        }
    }

    /// The minimum number of letter kinds required, in words.
    pub fn character_types(&self) -> Option<String> {
        (self.min_character_types > 0).then(|| {
            format!(
                "at least {} of letters, digits, special characters and case",
                self.min_character_types
            )
        })
    }

    /// The repeat rule in words.
    pub fn repeats(&self) -> Option<String> {
        (self.max_repeated_chars > 0).then(|| {
            format!(
                "no character more than {} in a row",
                plural(self.max_repeated_chars, "time", "times")
            )
        })
    }

    /// What a password must not contain, e.g. "dictionary words, the account id".
    pub fn forbidden_contents(&self) -> Option<String> {
        let mut forbidden = Vec::new();
        if self.use_dictionary {
            forbidden.push("dictionary words");
        }
        if self.use_account_attributes {
            forbidden.push("account attributes");
        }
        if self.use_identity_attributes {
            forbidden.push("identity attributes");
        }
        if self.validate_against_account_id {
            forbidden.push("the account id");
        }
        if self.validate_against_account_name {
            forbidden.push("the account name");
        }
        (!forbidden.is_empty()).then(|| forbidden.join(", "))
    }

    /// The rules in one line, for the policy picker: length, characters, expiration.
    pub fn brief(&self) -> String {
        let mut parts = vec![self.length()];
        parts.extend(self.character_classes());
        parts.push(self.expiration());
        parts.join(" · ")
    }

    /// Every rule as a labelled line, in the order an administrator reads a policy.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("Length", self.length())];
        if let Some(classes) = self.character_classes() {
            lines.push(("Characters", classes));
        }
        if let Some(types) = self.character_types() {
            lines.push(("Character types", types));
        }
        if let Some(repeats) = self.repeats() {
            lines.push(("Repeats", repeats));
        }
        if let Some(forbidden) = self.forbidden_contents() {
            lines.push(("Must not contain", forbidden));
        }
        lines.push(("Expiration", self.expiration()));
        if self.require_strong_authn {
            lines.push(("Changing it", "requires strong authentication".to_string()));
        }
        lines
    }

    /// How the rules of `after` differ from these, one "Label: before → after" line per rule
    /// that changes, in the order of [`PolicyRules::summary`]. Empty when users would notice no
    /// difference.
    pub fn differences(&self, after: &PolicyRules) -> Vec<String> {
        fn bound(n: i64, none: &str) -> String {
            if n > 0 {
                n.to_string()
            } else {
                none.to_string()
            }
        }
        fn at_least(n: i64) -> String {
            if n > 0 {
                format!("at least {n}")
            } else {
                "not required".to_string()
            }
        }
        let mut lines = Vec::new();
        let mut line = |label: &str, before: String, after: String| {
            if before != after {
                lines.push(format!("{label}: {before} → {after}"));
            }
        };
        line(
            "Minimum length",
            bound(self.min_length, "no minimum"),
            bound(after.min_length, "no minimum"),
        );
        line(
            "Maximum length",
            bound(self.max_length, "no maximum"),
            bound(after.max_length, "no maximum"),
        );
        for (label, before, after) in [
            ("Letters", self.min_alpha, after.min_alpha),
            ("Uppercase letters", self.min_upper, after.min_upper),
            ("Lowercase letters", self.min_lower, after.min_lower),
            ("Digits", self.min_numeric, after.min_numeric),
            ("Special characters", self.min_special, after.min_special),
        ] {
            line(label, at_least(before), at_least(after));
        }
        let or = |v: Option<String>, none: &str| v.unwrap_or_else(|| none.to_string());
        line(
            "Character types",
            or(self.character_types(), "not required"),
            or(after.character_types(), "not required"),
        );
        line(
            "Repeats",
            or(self.repeats(), "no limit"),
            or(after.repeats(), "no limit"),
        );
        line(
            "Must not contain",
            or(self.forbidden_contents(), "no restriction"),
            or(after.forbidden_contents(), "no restriction"),
        );
        line("Expiration", self.expiration(), after.expiration());
        let strong = |r: bool| {
            if r {
                "requires strong authentication".to_string()
            } else {
                "no strong authentication needed".to_string()
            }
        };
        line(
            "Changing it",
            strong(self.require_strong_authn),
            strong(after.require_strong_authn),
        );
        lines
    }
}

impl PolicyRules {
    /// The rules of these that are looser than `before`'s, one "Label: before → now" line each
    /// (in [`differences`](Self::differences)' words): a shorter minimum length, fewer required
    /// characters of a kind, checks `before` made that these do not, a longer or no expiration.
    /// Empty when these are at least as strict in every rule.
    pub fn looser_than(&self, before: &PolicyRules) -> Vec<String> {
        // A number rule is looser when it asks for less (0 or -1: no rule at all).
        let less = |now: i64, was: i64| was > 0 && now < was;
        // A limit is looser when it allows more (repeats, days until expiry).
        let more = |now: i64, was: i64| was > 0 && (now <= 0 || now > was);
        let dropped = |now: bool, was: bool| was && !now;
        let looser = less(self.min_length, before.min_length)
            || less(self.min_alpha, before.min_alpha)
            || less(self.min_upper, before.min_upper)
            || less(self.min_lower, before.min_lower)
            || less(self.min_numeric, before.min_numeric)
            || less(self.min_special, before.min_special)
            || less(self.min_character_types, before.min_character_types)
            || more(self.max_repeated_chars, before.max_repeated_chars)
            || dropped(self.use_dictionary, before.use_dictionary)
            || dropped(self.use_account_attributes, before.use_account_attributes)
            || dropped(self.use_identity_attributes, before.use_identity_attributes)
            || dropped(
                self.validate_against_account_id,
                before.validate_against_account_id,
            )
            || dropped(
                self.validate_against_account_name,
                before.validate_against_account_name,
            )
            || more(
                self.expiration_days.unwrap_or(0),
                before.expiration_days.unwrap_or(0),
            )
            || dropped(self.require_strong_authn, before.require_strong_authn);
        if !looser {
            return Vec::new();
        }
        // Every line that differs, so the reader sees what is looser and what is stricter.
        before.differences(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looser_rules_are_named_and_stricter_ones_are_not_looser() {
        let strong = PolicyRules {
            min_length: 12,
            min_numeric: 1,
            use_dictionary: true,
            expiration_days: Some(90),
            ..PolicyRules::default()
        };
        let weak = PolicyRules {
            min_length: 8,
            ..PolicyRules::default()
        };
        let lines = weak.looser_than(&strong);
        assert!(
            lines.contains(&"Minimum length: 12 → 8".to_string()),
            "{lines:?}"
        );
        assert!(lines.iter().any(|l| l.starts_with("Digits")), "{lines:?}");
        assert!(strong.looser_than(&weak).is_empty());
        assert!(strong.looser_than(&strong).is_empty());
    }

    #[test]
    fn a_typical_policy_reads_well() {
        let rules = PolicyRules {
            min_length: 12,
            max_length: 64,
            min_upper: 1,
            min_numeric: 1,
            min_special: 1,
            max_repeated_chars: 3,
            use_dictionary: true,
            validate_against_account_id: true,
            expiration_days: Some(90),
            first_expiration_reminder: 14,
            ..PolicyRules::default()
        };
        let summary = rules.summary();
        assert_eq!(summary[0], ("Length", "12 to 64 characters".to_string()));
        assert_eq!(
            summary[1],
            (
                "Characters",
                "at least 1 uppercase letter, 1 digit, 1 special character".to_string()
            )
        );
        assert!(summary.contains(&(
            "Repeats",
            "no character more than 3 times in a row".to_string()
        )));
        assert!(summary.contains(&(
            "Must not contain",
            "dictionary words, the account id".to_string()
        )));
        assert!(summary.contains(&(
            "Expiration",
            "expires after 90 days, first reminder 14 days before".to_string()
        )));
        assert_eq!(
            rules.brief(),
            "12 to 64 characters · at least 1 uppercase letter, 1 digit, 1 special character · expires after 90 days, first reminder 14 days before"
        );
    }

    #[test]
    fn isc_no_rule_values_say_so() {
        let rules = PolicyRules {
            min_length: -1,
            max_length: 0,
            max_repeated_chars: -1,
            ..PolicyRules::default()
        };
        assert_eq!(rules.length(), "any length");
        assert_eq!(rules.character_classes(), None);
        assert_eq!(rules.expiration(), "does not expire");
        assert_eq!(rules.summary().len(), 2);
    }

    #[test]
    fn differences_name_each_changed_rule_in_the_summary_wording() {
        let before = PolicyRules {
            min_length: 8,
            max_length: 64,
            min_numeric: 1,
            use_dictionary: true,
            ..PolicyRules::default()
        };
        let after = PolicyRules {
            min_length: 12,
            max_length: 64,
            min_numeric: 1,
            min_special: 1,
            min_character_types: 3,
            max_repeated_chars: 2,
            use_dictionary: true,
            validate_against_account_id: true,
            expiration_days: Some(90),
            require_strong_authn: true,
            ..PolicyRules::default()
        };
        assert_eq!(
            before.differences(&after),
            [
                "Minimum length: 8 → 12",
                "Special characters: not required → at least 1",
                "Character types: not required → at least 3 of letters, digits, special characters and case",
                "Repeats: no limit → no character more than 2 times in a row",
                "Must not contain: dictionary words → dictionary words, the account id",
                "Expiration: does not expire → expires after 90 days",
                "Changing it: no strong authentication needed → requires strong authentication",
            ]
        );
        assert!(after.differences(&after).is_empty());
        // ISC's 0 and -1 both mean "no rule": not a difference.
        let none = PolicyRules {
            max_length: -1,
            ..PolicyRules::default()
        };
        assert!(PolicyRules::default().differences(&none).is_empty());
        assert_eq!(
            after.differences(&before)[0],
            "Minimum length: 12 → 8".to_string()
        );
    }
}
