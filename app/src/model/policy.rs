//! Password policy rules in words people understand. One place for the wording, so the detail
//! page, the policy picker and change reviews describe a policy the same way.

use serde::{Deserialize, Serialize};

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

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
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

    /// Every rule as a labelled line, in the order an administrator reads a policy.
    pub fn summary(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("Length", self.length())];
        if let Some(classes) = self.character_classes() {
            lines.push(("Characters", classes));
        }
        if self.min_character_types > 0 {
            lines.push((
                "Character types",
                format!(
                    "at least {} of letters, digits, special characters and case",
                    self.min_character_types
                ),
            ));
        }
        if self.max_repeated_chars > 0 {
            lines.push((
                "Repeats",
                format!(
                    "no character more than {} in a row",
                    plural(self.max_repeated_chars, "time", "times")
                ),
            ));
        }
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
        if !forbidden.is_empty() {
            lines.push(("Must not contain", forbidden.join(", ")));
        }
        lines.push(("Expiration", self.expiration()));
        if self.require_strong_authn {
            lines.push(("Changing it", "requires strong authentication".to_string()));
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
