//! View models: what the server functions send to pages, already joined so that
//! pages show names, never bare ids.

pub mod coverage;
pub mod delete;
pub mod draft;
pub mod english;
#[cfg(test)]
mod fixtures;
pub mod freshness;
pub mod history;
pub mod list;
pub mod people;
pub mod person;
pub mod plan;
pub mod policy;
pub mod return_path;
pub mod review;
pub mod staleness;
pub mod when;

use serde::{Deserialize, Serialize};

use policy::PolicyRules;

/// A name, or "{unknown} ({id})" when ISC no longer knows the id: pages say so rather than
/// show nothing.
fn name_or_unknown(name: Option<&str>, unknown: &str, id: &str) -> String {
    match name {
        Some(name) => name.to_string(),
        None => format!("{unknown} ({id})"),
    }
}

/// Something ISC refers to by id, with the name a person recognises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    /// `None` when ISC no longer knows the id (e.g. a deleted source): pages say so.
    pub name: Option<String>,
}

impl Named {
    /// The name, or a plain explanation when the referenced object is gone.
    pub fn label(&self) -> String {
        name_or_unknown(self.name.as_deref(), "Unknown", &self.id)
    }
}

/// One password sync group as the list page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    pub policy: Named,
    pub sources: Vec<Named>,
    /// RFC 3339, as ISC sends it.
    pub modified: Option<String>,
}

/// A password policy with its rules, or only its id when ISC no longer knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyInfo {
    pub id: String,
    pub name: Option<String>,
    pub description: Option<String>,
    pub rules: Option<PolicyRules>,
}

impl PolicyInfo {
    /// A policy id ISC no longer knows (or never knew): shown as such rather than dropped.
    pub fn unknown(id: &str) -> PolicyInfo {
        PolicyInfo {
            id: id.to_string(),
            name: None,
            description: None,
            rules: None,
        }
    }

    /// The policy's name, or a plain explanation when ISC no longer knows it.
    pub fn label(&self) -> String {
        name_or_unknown(self.name.as_deref(), "Unknown policy", &self.id)
    }
}

/// How ISC reaches a source (its `connectionType`). Only direct connections can share a
/// password: ISC cannot set one through a file upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Connection {
    Direct,
    File,
    /// Missing, or a value this console does not know: treated as not direct.
    Unknown,
}

impl Connection {
    /// From ISC's `connectionType` (`direct` or `file`).
    pub fn from_isc(value: Option<&str>) -> Connection {
        match value {
            Some("direct") => Connection::Direct,
            Some("file") => Connection::File,
            _ => Connection::Unknown,
        }
    }

    /// As ISC's admin pages call them.
    pub fn label(self) -> &'static str {
        match self {
            Connection::Direct => "Direct connection",
            Connection::File => "File upload",
            Connection::Unknown => "Unknown connection",
        }
    }
}

/// A source as the console shows it: what it is, how ISC reaches it, whether it is healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub id: String,
    /// `None` when ISC no longer knows the id.
    pub name: Option<String>,
    /// e.g. "Active Directory - Direct".
    pub source_type: Option<String>,
    pub connector: Option<String>,
    pub connection: Connection,
    pub password_feature: bool,
    pub healthy: Option<bool>,
    pub status: Option<String>,
}

impl SourceInfo {
    /// A source id ISC no longer knows: shown as such rather than dropped.
    pub fn unknown(id: &str) -> SourceInfo {
        SourceInfo {
            id: id.to_string(),
            name: None,
            source_type: None,
            connector: None,
            connection: Connection::Unknown,
            password_feature: false,
            healthy: None,
            status: None,
        }
    }

    /// The source's name, or a plain explanation when ISC no longer knows it.
    pub fn label(&self) -> String {
        name_or_unknown(self.name.as_deref(), "Unknown", &self.id)
    }

    /// "Healthy" / "Unhealthy", or "Unknown" when ISC did not say.
    pub fn health_label(&self) -> &'static str {
        match self.healthy {
            Some(true) => "Healthy",
            Some(false) => "Unhealthy",
            None => "Unknown",
        }
    }

    /// The CSS class of [`health_label`](Self::health_label)'s badge.
    pub fn health_class(&self) -> &'static str {
        match self.healthy {
            Some(true) => "health ok",
            Some(false) => "health bad",
            None => "health unknown",
        }
    }
}

/// One password sync group with everything the detail page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDetail {
    pub id: String,
    pub name: String,
    pub policy: PolicyInfo,
    pub sources: Vec<SourceInfo>,
    pub created: Option<String>,
    pub modified: Option<String>,
}

/// Which tenant the console is talking to, for the top bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub name: String,
    /// The embedded sandbox tenant: the UI marks it so nobody mistakes it for production.
    pub sandbox: bool,
}

/// What a signed-in person may do in the console, from their ISC user levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// ISC user level ORG_ADMIN: everything, with their own ISC token.
    Admin,
    /// HELPDESK (or a level configured as such): read-only, through the console's own
    /// read-only application credential.
    Helpdesk,
}

impl Role {
    /// As the top bar shows it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Administrator",
            Role::Helpdesk => "Helpdesk (read-only)",
        }
    }

    /// As records store it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Helpdesk => "helpdesk",
        }
    }
}

/// The signed-in person, as the top bar shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub user_name: String,
    pub display_name: String,
    pub role: Role,
    /// The person's ISC identity id, when ISC's token names it (it names who made a change in
    /// the audit record).
    #[serde(default)]
    pub identity_id: Option<String>,
}

/// The state of the browser's session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionState {
    SignedOut,
    SignedIn(Viewer),
    /// Signed in at ISC, but with no user level the console serves.
    NoAccess {
        user_name: String,
        levels: Vec<String>,
    },
}

impl SessionState {
    /// Signed in as an administrator (who may change things).
    pub fn is_admin(&self) -> bool {
        matches!(
            self,
            SessionState::SignedIn(Viewer {
                role: Role::Admin,
                ..
            })
        )
    }
}

/// Date part of an RFC 3339 timestamp, for compact tables (`2023-03-16T04:00:00Z` → `2023-03-16`).
pub fn short_date(rfc3339: &str) -> &str {
    rfc3339.get(..10).unwrap_or(rfc3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_reference_is_explained() {
        let n = Named {
            id: "2c91".into(),
            name: None,
        };
        assert_eq!(n.label(), "Unknown (2c91)");
        assert_eq!(SourceInfo::unknown("2c91").label(), "Unknown (2c91)");
        assert_eq!(PolicyInfo::unknown("p9").label(), "Unknown policy (p9)");
        let named = Named {
            id: "2c91".into(),
            name: Some("GitHub".into()),
        };
        assert_eq!(named.label(), "GitHub");
    }

    #[test]
    fn connection_types_are_read_from_isc() {
        assert_eq!(Connection::from_isc(Some("direct")), Connection::Direct);
        assert_eq!(Connection::from_isc(Some("file")), Connection::File);
        assert_eq!(Connection::from_isc(Some("DIRECT")), Connection::Unknown);
        assert_eq!(Connection::from_isc(None), Connection::Unknown);
        assert_eq!(Connection::Direct.label(), "Direct connection");
        assert_eq!(Connection::File.label(), "File upload");
        assert_eq!(Connection::Unknown.label(), "Unknown connection");
    }

    #[test]
    fn short_date_takes_the_day() {
        assert_eq!(short_date("2023-03-16T04:00:00Z"), "2023-03-16");
        assert_eq!(short_date("bad"), "bad");
    }
}
