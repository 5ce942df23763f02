//! The tenant's data (sources, password policies, sync groups) and the sync-group rules.
//!
//! Policy/source consistency, as the sandbox models it (ISC does not document it):
//! - a source has at most one password policy; a policy's `sourceIds` and a source's
//!   `passwordPolicies` are two views of that one relation, so they always agree;
//! - a sync group's sources are on the group's policy ("no policy exceptions for sources in a
//!   group"): creating or updating a group moves each of its sources to the group's policy;
//! - deleting a group, or dropping a source from it, leaves each source on the group's policy,
//!   now as a direct assignment (ISC: "the group's password policy is then assigned directly to
//!   each source"); nothing reverts to the policy a source had before it joined.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::errors::ApiError;
use crate::ids::is_hex32;

#[derive(Debug, Clone)]
pub(crate) struct Source {
    pub id: String,
    pub name: String,
    /// `connectionType` is `direct`.
    pub direct: bool,
    /// `features` includes `PASSWORD`.
    pub password: bool,
    json: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub(crate) struct Policy {
    pub id: String,
    pub name: String,
    pub source_ids: Vec<String>,
    json: Map<String, Value>,
}

/// A password sync group as ISC serialises it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Group {
    pub id: String,
    pub name: String,
    pub password_policy_id: String,
    pub source_ids: Vec<String>,
    pub created: String,
    pub modified: String,
}

/// The fields of a create/update request; `None` when absent or null.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupInput {
    pub name: Option<String>,
    pub password_policy_id: Option<String>,
    pub source_ids: Option<Vec<String>>,
}

/// The configurable ([unknown]) group rules.
#[derive(Debug, Clone)]
pub(crate) struct Rules {
    pub unique_names: bool,
    pub max_name_length: usize,
}

/// A request that passed every rule: name trimmed, source ids de-duplicated in order.
#[derive(Debug)]
pub(crate) struct ValidGroup {
    name: String,
    policy_id: String,
    source_ids: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Store {
    sources: Vec<Source>,
    policies: Vec<Policy>,
    groups: Vec<Group>,
    /// The generated population (see the `people` module).
    pub(crate) people: crate::people::People,
}

fn render_source(source: &Source, policy: Option<&Policy>) -> Value {
    let mut json = source.json.clone();
    let refs = policy
        .map(|p| json!([{"type": "PASSWORD_POLICY", "id": p.id, "name": p.name}]))
        .unwrap_or(Value::Null);
    json.insert("passwordPolicies".to_owned(), refs);
    Value::Object(json)
}

/// Now, as ISC writes sync-group dates: RFC 3339, whole seconds, `Z`.
pub(crate) fn now_rfc3339() -> String {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

fn str_field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

impl Store {
    pub(crate) fn empty() -> Self {
        Store {
            sources: Vec::new(),
            policies: Vec::new(),
            groups: Vec::new(),
            people: crate::people::People::default(),
        }
    }

    /// (Re)generates the population for the current sources and groups, anchored at `now`.
    pub(crate) fn generate_people(&mut self, now: OffsetDateTime) {
        let groups: Vec<(String, Vec<String>)> = self
            .groups
            .iter()
            .map(|g| (g.name.clone(), g.source_ids.clone()))
            .collect();
        self.people = crate::people::generate(&self.sources_json(), &groups, now);
    }

    /// Builds a store from source and policy objects (groups are added afterwards).
    pub(crate) fn new(
        sources: Vec<Map<String, Value>>,
        policies: Vec<Map<String, Value>>,
    ) -> Result<Self, String> {
        let mut store = Store::empty();
        for mut json in sources {
            let id = str_field(&json, "id").unwrap_or_default().to_owned();
            let name = str_field(&json, "name").unwrap_or_default().to_owned();
            if !is_hex32(&id) || name.is_empty() {
                return Err(format!("source {id:?}: needs a 32-hex id and a name"));
            }
            if !json.contains_key("owner") || str_field(&json, "connector").is_none() {
                return Err(format!("source {name:?}: owner and connector are required"));
            }
            if store.source(&id).is_some() {
                return Err(format!("duplicate source id {id}"));
            }
            // Derived from the policies, never stored twice.
            json.remove("passwordPolicies");
            let direct = str_field(&json, "connectionType") == Some("direct");
            let password = json
                .get("features")
                .and_then(Value::as_array)
                .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("PASSWORD")));
            store.sources.push(Source {
                id,
                name,
                direct,
                password,
                json,
            });
        }
        let mut on_a_policy = HashSet::new();
        for json in policies {
            let id = str_field(&json, "id").unwrap_or_default().to_owned();
            let name = str_field(&json, "name").unwrap_or_default().to_owned();
            if !is_hex32(&id) || name.is_empty() {
                return Err(format!("policy {id:?}: needs a 32-hex id and a name"));
            }
            let source_ids: Vec<String> = json
                .get("sourceIds")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            for sid in &source_ids {
                if store.source(sid).is_none() {
                    return Err(format!("policy {name:?}: unknown source {sid}"));
                }
                if !on_a_policy.insert(sid.clone()) {
                    return Err(format!("source {sid} is on more than one policy"));
                }
            }
            store.policies.push(Policy {
                id,
                name,
                source_ids,
                json,
            });
        }
        Ok(store)
    }

    pub(crate) fn source(&self, id: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.id == id)
    }

    pub(crate) fn policy(&self, id: &str) -> Option<&Policy> {
        self.policies.iter().find(|p| p.id == id)
    }

    /// The id of the policy a source is on.
    pub(crate) fn policy_of(&self, source_id: &str) -> Option<&str> {
        self.policies
            .iter()
            .find(|p| p.source_ids.iter().any(|s| s == source_id))
            .map(|p| p.id.as_str())
    }

    pub(crate) fn groups(&self) -> &[Group] {
        &self.groups
    }

    pub(crate) fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Sources as the API shows them, with `passwordPolicies` derived from the policies.
    pub(crate) fn sources_json(&self) -> Vec<Value> {
        self.sources_json_page(0, usize::MAX)
    }

    /// `limit` sources from `offset` on, as the API shows them: a page of a large org costs a
    /// page, not the whole list (as a page of ISC's does).
    pub(crate) fn sources_json_page(&self, offset: usize, limit: usize) -> Vec<Value> {
        let index = self.policy_index();
        self.sources
            .iter()
            .skip(offset)
            .take(limit)
            .map(|s| render_source(s, index.get(s.id.as_str()).copied()))
            .collect()
    }

    pub(crate) fn source_count(&self) -> usize {
        self.sources.len()
    }

    pub(crate) fn source_json(&self, id: &str) -> Option<Value> {
        self.source(id).map(|s| {
            let policy = self.policy_of(&s.id).and_then(|pid| self.policy(pid));
            render_source(s, policy)
        })
    }

    /// Source id → the policy it is on, built once per listing (looking each source up among
    /// every policy's `sourceIds` would cost sources × sources in a large org).
    fn policy_index(&self) -> std::collections::HashMap<&str, &Policy> {
        self.policies
            .iter()
            .flat_map(|p| p.source_ids.iter().map(move |s| (s.as_str(), p)))
            .collect()
    }

    pub(crate) fn policies_json(&self) -> Vec<Value> {
        self.policies.iter().map(render_policy).collect()
    }

    pub(crate) fn policy_json(&self, id: &str) -> Option<Value> {
        self.policy(id).map(render_policy)
    }

    /// Checks a create (`own_id` None) or update request against every rule, in this order:
    /// required fields (400.1.0), name length and at least two distinct sources (400.1.3),
    /// policy and sources exist (400.1.404), each source direct-connect with PASSWORD (400.1.3),
    /// no source in another group (400.1.409), name not taken (400.1.409, if configured).
    pub(crate) fn validate(
        &self,
        input: &GroupInput,
        own_id: Option<&str>,
        rules: &Rules,
    ) -> Result<ValidGroup, ApiError> {
        let name = input.name.as_deref().map(str::trim).unwrap_or_default();
        if name.is_empty() {
            return Err(ApiError::required(
                "Required field \"name\" is missing or empty.",
            ));
        }
        let policy_id = input
            .password_policy_id
            .as_deref()
            .map(str::trim)
            .unwrap_or_default();
        if policy_id.is_empty() {
            return Err(ApiError::required(
                "Required field \"passwordPolicyId\" is missing or empty.",
            ));
        }
        let requested = input.source_ids.as_deref().unwrap_or_default();
        if requested.is_empty() {
            return Err(ApiError::required(
                "Required field \"sourceIds\" is missing or empty.",
            ));
        }
        if name.chars().count() > rules.max_name_length {
            return Err(ApiError::illegal(format!(
                "Illegal value for \"name\": longer than {} characters.",
                rules.max_name_length
            )));
        }
        let mut source_ids: Vec<String> = Vec::new();
        for id in requested {
            let id = id.trim();
            if !source_ids.iter().any(|s| s == id) {
                source_ids.push(id.to_owned());
            }
        }
        if source_ids.len() < 2 {
            return Err(ApiError::illegal(format!(
                "Illegal value for \"sourceIds\": a password sync group needs at least two distinct sources, got {}.",
                source_ids.len()
            )));
        }
        if self.policy(policy_id).is_none() {
            return Err(ApiError::reference_not_found(format!(
                "Referenced password policy \"{policy_id}\" was not found."
            )));
        }
        let missing: Vec<&str> = source_ids
            .iter()
            .filter(|id| self.source(id).is_none())
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|id| format!("\"{id}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let noun = if missing.len() == 1 {
                "source"
            } else {
                "sources"
            };
            return Err(ApiError::reference_not_found(format!(
                "Referenced {noun} {list} not found."
            )));
        }
        for source in source_ids.iter().filter_map(|id| self.source(id)) {
            if !source.direct {
                return Err(ApiError::illegal(format!(
                    "Source \"{}\" ({}) is not a direct-connect source: only direct-connect sources can be in a password sync group.",
                    source.name, source.id
                )));
            }
            if !source.password {
                return Err(ApiError::illegal(format!(
                    "Source \"{}\" ({}) does not support password management (no PASSWORD feature).",
                    source.name, source.id
                )));
            }
        }
        for source in source_ids.iter().filter_map(|id| self.source(id)) {
            let other = self.groups.iter().find(|g| {
                Some(g.id.as_str()) != own_id && g.source_ids.iter().any(|s| s == &source.id)
            });
            if let Some(other) = other {
                return Err(ApiError::conflict(format!(
                    "Source \"{}\" ({}) already belongs to password sync group \"{}\" ({}).",
                    source.name, source.id, other.name, other.id
                )));
            }
        }
        if rules.unique_names {
            let taken = self.groups.iter().find(|g| {
                Some(g.id.as_str()) != own_id && g.name.trim().to_lowercase() == name.to_lowercase()
            });
            if let Some(other) = taken {
                return Err(ApiError::conflict(format!(
                    "A password sync group named \"{}\" already exists ({}).",
                    other.name, other.id
                )));
            }
        }
        Ok(ValidGroup {
            name: name.to_owned(),
            policy_id: policy_id.to_owned(),
            source_ids,
        })
    }

    /// Adds an already validated group as is (seeding).
    pub(crate) fn insert_group(&mut self, group: Group) {
        self.groups.push(group);
    }

    pub(crate) fn create_group(
        &mut self,
        input: &GroupInput,
        rules: &Rules,
        id: String,
    ) -> Result<Group, ApiError> {
        let valid = self.validate(input, None, rules)?;
        let now = now_rfc3339();
        let group = Group {
            id,
            name: valid.name,
            password_policy_id: valid.policy_id,
            source_ids: valid.source_ids,
            created: now.clone(),
            modified: now,
        };
        self.put_on_policy(&group.source_ids, &group.password_policy_id);
        self.groups.push(group.clone());
        Ok(group)
    }

    /// Full replace: keeps `id` and `created`, bumps `modified`. `Ok(None)` if the group is unknown.
    pub(crate) fn update_group(
        &mut self,
        id: &str,
        input: &GroupInput,
        rules: &Rules,
    ) -> Result<Option<Group>, ApiError> {
        if self.group(id).is_none() {
            return Ok(None);
        }
        let valid = self.validate(input, Some(id), rules)?;
        self.put_on_policy(&valid.source_ids, &valid.policy_id);
        let Some(group) = self.groups.iter_mut().find(|g| g.id == id) else {
            return Ok(None);
        };
        group.name = valid.name;
        group.password_policy_id = valid.policy_id;
        group.source_ids = valid.source_ids;
        group.modified = now_rfc3339();
        Ok(Some(group.clone()))
    }

    /// Removes a group; its sources stay on its policy, now directly assigned.
    pub(crate) fn delete_group(&mut self, id: &str) -> Option<Group> {
        let index = self.groups.iter().position(|g| g.id == id)?;
        let group = self.groups.remove(index);
        self.put_on_policy(&group.source_ids, &group.password_policy_id);
        Some(group)
    }

    /// Moves sources onto a policy (off any other one).
    fn put_on_policy(&mut self, source_ids: &[String], policy_id: &str) {
        for policy in &mut self.policies {
            if policy.id != policy_id {
                policy.source_ids.retain(|s| !source_ids.contains(s));
            }
        }
        if let Some(policy) = self.policies.iter_mut().find(|p| p.id == policy_id) {
            for sid in source_ids {
                if !policy.source_ids.contains(sid) {
                    policy.source_ids.push(sid.clone());
                }
            }
        }
    }
}

fn render_policy(policy: &Policy) -> Value {
    let mut json = policy.json.clone();
    json.insert("sourceIds".to_owned(), json!(policy.source_ids));
    Value::Object(json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_whole_seconds_utc() {
        let now = now_rfc3339();
        assert_eq!(now.len(), 20, "{now}");
        assert!(now.ends_with('Z'));
    }
}
