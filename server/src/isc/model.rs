//! The parts of ISC's JSON objects the console uses. Unknown fields are ignored so that ISC can add
//! fields without breaking the console.

use serde::{Deserialize, Serialize};

/// `PasswordSyncGroup` of the beta API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordSyncGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub password_policy_id: Option<String>,
    #[serde(default)]
    pub source_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
}

/// `PasswordPolicyV3Dto`, reduced to what the console shows. ISC leaves rules out or sends
/// 0 / -1 for "no rule"; missing numbers default to 0.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordPolicy {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub min_length: Option<i64>,
    pub max_length: Option<i64>,
    pub min_alpha: Option<i64>,
    pub min_numeric: Option<i64>,
    pub min_special: Option<i64>,
    pub min_upper: Option<i64>,
    pub min_lower: Option<i64>,
    pub min_character_types: Option<i64>,
    pub max_repeated_chars: Option<i64>,
    pub use_dictionary: Option<bool>,
    pub use_account_attributes: Option<bool>,
    pub use_identity_attributes: Option<bool>,
    pub validate_against_account_id: Option<bool>,
    pub validate_against_account_name: Option<bool>,
    pub enable_passwd_expiration: Option<bool>,
    pub password_expiration: Option<i64>,
    pub first_expiration_reminder: Option<i64>,
    pub require_strong_authn: Option<bool>,
    pub source_ids: Option<Vec<String>>,
}

impl PasswordPolicy {
    pub fn rules(&self) -> app::model::policy::PolicyRules {
        let n = |v: Option<i64>| v.unwrap_or(0);
        let b = |v: Option<bool>| v.unwrap_or(false);
        app::model::policy::PolicyRules {
            min_length: n(self.min_length),
            max_length: n(self.max_length),
            min_alpha: n(self.min_alpha),
            min_numeric: n(self.min_numeric),
            min_special: n(self.min_special),
            min_upper: n(self.min_upper),
            min_lower: n(self.min_lower),
            min_character_types: n(self.min_character_types),
            max_repeated_chars: n(self.max_repeated_chars),
            use_dictionary: b(self.use_dictionary),
            use_account_attributes: b(self.use_account_attributes),
            use_identity_attributes: b(self.use_identity_attributes),
            validate_against_account_id: b(self.validate_against_account_id),
            validate_against_account_name: b(self.validate_against_account_name),
            expiration_days: b(self.enable_passwd_expiration).then(|| n(self.password_expiration)),
            first_expiration_reminder: n(self.first_expiration_reminder),
            require_strong_authn: b(self.require_strong_authn),
        }
    }
}

/// `Source`, reduced to what the console shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub source_type: Option<String>,
    #[serde(default)]
    pub connector_name: Option<String>,
    #[serde(default)]
    pub connection_type: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
    #[serde(default)]
    pub healthy: Option<bool>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorResponse {
    #[serde(default)]
    pub detail_code: Option<String>,
    #[serde(default)]
    pub tracking_id: Option<String>,
    #[serde(default)]
    pub messages: Vec<ErrorMessage>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ErrorMessage {
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
}

/// The longest ISC message the console passes on to users, in characters; a longer one is
/// cut (with "…"). ISC's own messages are a sentence or two.
pub const MAX_MESSAGE_CHARS: usize = 300;

impl ErrorResponse {
    /// The English message, else the first one: one line of plain text at most
    /// `MAX_MESSAGE_CHARS` long (control characters become spaces). Pages show it as text.
    pub fn text(&self) -> Option<String> {
        self.messages
            .iter()
            .find(|m| m.locale.as_deref() == Some("en-US"))
            .or_else(|| self.messages.first())
            .and_then(|m| m.text.as_deref())
            .map(|text| capped(text, MAX_MESSAGE_CHARS))
            .filter(|text| !text.is_empty())
    }
}

/// `text` as one trimmed line of at most `max` characters.
fn capped(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let line = line.trim();
    if line.chars().count() <= max {
        return line.to_string();
    }
    let mut cut: String = line.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(text: &str) -> ErrorResponse {
        ErrorResponse {
            messages: vec![ErrorMessage {
                locale: Some("en-US".into()),
                text: Some(text.into()),
            }],
            ..ErrorResponse::default()
        }
    }

    #[test]
    fn isc_messages_reach_users_as_one_short_line() {
        assert_eq!(
            response(" Source is in use. ").text().as_deref(),
            Some("Source is in use.")
        );
        let long = response(&"x".repeat(10_000)).text().unwrap_or_default();
        assert_eq!(long.chars().count(), MAX_MESSAGE_CHARS);
        assert!(long.ends_with('…'));
        assert_eq!(
            response("line one\nline two\u{0}").text().as_deref(),
            Some("line one line two")
        );
        assert_eq!(response("   ").text(), None);
    }
}
