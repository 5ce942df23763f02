//! View models: what the server functions send to pages, already joined so that
//! pages show names, never bare ids.

pub mod list;

use serde::{Deserialize, Serialize};

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
        self.name
            .clone()
            .unwrap_or_else(|| format!("Unknown ({})", self.id))
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

/// Which tenant the console is talking to, for the top bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInfo {
    pub name: String,
    /// The embedded sandbox tenant: the UI marks it so nobody mistakes it for production.
    pub sandbox: bool,
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
    }

    #[test]
    fn short_date_takes_the_day() {
        assert_eq!(short_date("2023-03-16T04:00:00Z"), "2023-03-16");
        assert_eq!(short_date("bad"), "bad");
    }
}
