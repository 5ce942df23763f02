//! ISC's search (`POST /v3/search`), as the helpdesk view uses it: the request body (SailPoint's
//! `Search` schema, only the fields the console sends) and the documents it reads back
//! (`IdentityDocument` with its `BaseAccount`s, `EventDocument`), reduced to what the console
//! shows. Everything in a document is optional here: a field ISC leaves out must not make a
//! person's page fail.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::query;

/// The fields of an identity document the people search shows (ISC's `queryResultFilter`: the
/// rest of the document, e.g. attributes and access, never leaves ISC).
pub const PERSON_FIELDS: &[&str] = &[
    "id",
    "name",
    "displayName",
    "email",
    "accounts.id",
    "accounts.name",
    "accounts.accountId",
    "accounts.source",
    "accounts.disabled",
    "accounts.locked",
    "accounts.passwordLastSet",
    "accounts.supportsPasswordChange",
];

/// The body of `POST /v3/search`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchRequest {
    pub indices: Vec<&'static str>,
    pub query: Query,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_result_filter: Option<ResultFilter>,
    pub sort: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_after: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub query: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResultFilter {
    pub includes: Vec<&'static str>,
}

impl SearchRequest {
    /// People matching `query_text` (a query from [`query::person`]), by display name.
    pub fn people(query_text: String) -> SearchRequest {
        SearchRequest {
            indices: vec!["identities"],
            query: Query { query: query_text },
            query_result_filter: Some(ResultFilter {
                includes: PERSON_FIELDS.to_vec(),
            }),
            sort: vec!["displayName", "+id"],
            search_after: None,
        }
    }

    /// The one identity with this id.
    pub fn person(id: &str) -> SearchRequest {
        SearchRequest {
            indices: vec!["identities"],
            query: Query {
                query: format!("id:{}", query::phrase(id)),
            },
            query_result_filter: Some(ResultFilter {
                includes: PERSON_FIELDS.to_vec(),
            }),
            sort: vec!["+id"],
            search_after: None,
        }
    }

    /// The password events of the identity named `name` of the last `days` days, newest first
    /// (ties broken by id, so `searchAfter` pages through them without gaps).
    pub fn password_events(name: &str, days: i64) -> SearchRequest {
        SearchRequest {
            indices: vec!["events"],
            query: Query {
                query: format!(
                    "type:PASSWORD_ACTIVITY AND target.name:{} AND created:[now-{days}d TO now]",
                    query::phrase(name)
                ),
            },
            query_result_filter: None,
            sort: vec!["-created", "+id"],
            search_after: None,
        }
    }
}

/// An identity search document (`_type` `identity`), reduced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdentityDocument {
    pub id: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub accounts: Vec<AccountDocument>,
}

/// An account inside an identity document (ISC's `BaseAccount`), reduced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct AccountDocument {
    pub id: Option<String>,
    pub name: Option<String>,
    pub account_id: Option<String>,
    pub source: Option<SourceReference>,
    pub disabled: Option<bool>,
    pub locked: Option<bool>,
    pub password_last_set: Option<String>,
    pub supports_password_change: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SourceReference {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// An event search document (`_type` `event`), reduced.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventDocument {
    pub id: String,
    pub created: Option<String>,
    pub action: Option<String>,
    pub status: Option<String>,
    pub attributes: Option<serde_json::Map<String, Value>>,
}

impl EventDocument {
    /// A string attribute (password events carry `sourceId`, `sourceName`, `accountName`).
    pub fn attribute(&self, key: &str) -> Option<String> {
        match self.attributes.as_ref()?.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }
    }

    /// ISC's reason for a failure: the `errors` attribute, a string or a list of strings.
    pub fn errors(&self) -> Option<String> {
        match self.attributes.as_ref()?.get("errors")? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Array(items) => {
                let texts: Vec<&str> = items
                    .iter()
                    .filter_map(Value::as_str)
                    .filter(|s| !s.trim().is_empty())
                    .collect();
                (!texts.is_empty()).then(|| texts.join("; "))
            }
            _ => None,
        }
    }

    /// The values of the sort fields of [`SearchRequest::password_events`], for `searchAfter`.
    pub fn sort_values(&self) -> Option<Vec<String>> {
        Some(vec![self.created.clone()?, self.id.clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_have_iscs_shape() {
        let body = serde_json::to_value(SearchRequest::password_events("o\"brien", 30))
            .expect("serialises");
        assert_eq!(
            body,
            json!({
                "indices": ["events"],
                "query": {"query": "type:PASSWORD_ACTIVITY AND target.name:\"o\\\"brien\" AND created:[now-30d TO now]"},
                "sort": ["-created", "+id"],
            })
        );
        let people = serde_json::to_value(SearchRequest::people("x".into())).expect("serialises");
        assert_eq!(people["indices"], json!(["identities"]));
        assert_eq!(people["queryResultFilter"]["includes"][0], json!("id"));
        let one = serde_json::to_value(SearchRequest::person("2c9180")).expect("serialises");
        assert_eq!(one["query"]["query"], json!("id:\"2c9180\""));
    }

    #[test]
    fn documents_missing_fields_still_read() {
        let identity: IdentityDocument =
            serde_json::from_value(json!({"id": "p1", "accounts": [{"source": {"id": "s1"}}]}))
                .expect("reads");
        assert_eq!(identity.accounts.len(), 1);
        assert_eq!(identity.display_name, None);
        let event: EventDocument = serde_json::from_value(json!({
            "id": "e1",
            "created": "2026-11-20T10:00:00.000Z",
            "attributes": {"sourceId": "s1", "errors": ["one", "two"], "accountName": ""}
        }))
        .expect("reads");
        assert_eq!(event.attribute("sourceId").as_deref(), Some("s1"));
        assert_eq!(event.attribute("accountName"), None);
        assert_eq!(event.errors().as_deref(), Some("one; two"));
        assert_eq!(
            event.sort_values(),
            Some(vec![
                "2026-11-20T10:00:00.000Z".to_string(),
                "e1".to_string()
            ])
        );
    }
}
