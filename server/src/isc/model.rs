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

/// `PasswordPolicyV3Dto`, reduced to what the console shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
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
}

/// ISC's `ErrorResponseDto`, as far as the console reads it.
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

impl ErrorResponse {
    /// The English message, else the first one.
    pub fn text(&self) -> Option<String> {
        self.messages
            .iter()
            .find(|m| m.locale.as_deref() == Some("en-US"))
            .or_else(|| self.messages.first())
            .and_then(|m| m.text.clone())
    }
}
