//! The demo org: parsed from `data/demo-org.json` (or a caller's JSON of the same shape) and
//! checked against the same rules the API enforces, so the seed can never show an impossible state.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ids::is_hex32;
use crate::store::{Group, GroupInput, Rules, Store};

/// The built-in demo org.
pub(crate) const DEMO_ORG_JSON: &str = include_str!("../data/demo-org.json");

/// Grant types the token endpoint knows.
pub(crate) const GRANT_TYPES: [&str; 3] =
    ["authorization_code", "refresh_token", "client_credentials"];

/// Why a demo org document was refused.
#[derive(Debug, thiserror::Error)]
#[error("invalid demo org: {0}")]
pub struct SeedError(String);

impl SeedError {
    pub(crate) fn new(message: impl Into<String>) -> SeedError {
        SeedError(message.into())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DemoOrgDoc {
    sources: Vec<Map<String, Value>>,
    password_policies: Vec<Map<String, Value>>,
    password_sync_groups: Vec<Group>,
    users: Vec<User>,
    clients: Vec<Client>,
}

/// A person who can sign in on the sandbox's sign-in page.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct User {
    pub username: String,
    pub password: String,
    pub identity_id: String,
    pub display_name: String,
    pub email: String,
    /// ISC user levels, e.g. `["ORG_ADMIN"]`.
    pub authorities: Vec<String>,
}

/// A registered OAuth client.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Client {
    pub client_id: String,
    pub client_secret: String,
    pub name: String,
    pub grant_types: Vec<String>,
    /// Exact URIs, or `scheme://host:*/path` for any port.
    pub redirect_uris: Vec<String>,
    /// Username whose identity the client's `client_credentials` tokens carry (a personal access token).
    pub user: Option<String>,
    /// Scopes the client may have; its tokens get all of them unless a request narrows them.
    pub scopes: Vec<String>,
}

impl Client {
    pub(crate) fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }
}

/// A validated demo org: the initial tenant data plus who may sign in.
#[derive(Debug, Clone)]
pub(crate) struct Seed {
    pub store: Store,
    pub users: Vec<User>,
    pub clients: Vec<Client>,
}

impl Seed {
    /// No data, no users, no clients: the last resort if even the built-in org is refused.
    pub(crate) fn empty() -> Self {
        Seed {
            store: Store::empty(),
            users: Vec::new(),
            clients: Vec::new(),
        }
    }

    pub(crate) fn user(&self, username: &str) -> Option<&User> {
        self.users.iter().find(|u| u.username == username)
    }
    pub(crate) fn client(&self, client_id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }
}

/// Parses and checks a demo org document. `extra_console_redirects` are added to the `console` client.
pub(crate) fn parse(
    json: &str,
    rules: &Rules,
    extra_console_redirects: &[String],
) -> Result<Seed, SeedError> {
    let doc: DemoOrgDoc = serde_json::from_str(json).map_err(|e| SeedError(e.to_string()))?;
    let mut store = Store::new(doc.sources, doc.password_policies).map_err(SeedError)?;
    for group in doc.password_sync_groups {
        add_group(&mut store, group, rules)?;
    }
    check_users(&doc.users)?;
    let mut clients = doc.clients;
    check_clients(&clients, &doc.users)?;
    if let Some(console) = clients.iter_mut().find(|c| c.client_id == "console") {
        console
            .redirect_uris
            .extend(extra_console_redirects.iter().cloned());
    }
    Ok(Seed {
        store,
        users: doc.users,
        clients,
    })
}

/// Adds a seeded group through the API's own validation, and insists that the data file already
/// puts its sources on its policy (the file must show the state the API would produce).
fn add_group(store: &mut Store, group: Group, rules: &Rules) -> Result<(), SeedError> {
    let input = GroupInput {
        name: Some(group.name.clone()),
        password_policy_id: Some(group.password_policy_id.clone()),
        source_ids: Some(group.source_ids.clone()),
    };
    store
        .validate(&input, None, rules)
        .map_err(|e| SeedError(format!("group {:?}: {}", group.name, e.text)))?;
    for source_id in &group.source_ids {
        if store.policy_of(source_id) != Some(group.password_policy_id.as_str()) {
            return Err(SeedError(format!(
                "group {:?}: source {source_id} must be listed in the sourceIds of policy {}",
                group.name, group.password_policy_id
            )));
        }
    }
    if uuid::Uuid::parse_str(&group.id).is_err() {
        return Err(SeedError(format!("group id {:?} is not a UUID", group.id)));
    }
    store.insert_group(group);
    Ok(())
}

fn check_users(users: &[User]) -> Result<(), SeedError> {
    let mut names = HashSet::new();
    for user in users {
        if !names.insert(user.username.as_str()) {
            return Err(SeedError(format!("duplicate user {:?}", user.username)));
        }
        if !is_hex32(&user.identity_id) {
            return Err(SeedError(format!(
                "user {:?}: identityId must be 32 lowercase hex characters",
                user.username
            )));
        }
    }
    Ok(())
}

fn check_clients(clients: &[Client], users: &[User]) -> Result<(), SeedError> {
    let mut ids = HashSet::new();
    for client in clients {
        if !ids.insert(client.client_id.as_str()) {
            return Err(SeedError(format!(
                "duplicate client {:?}",
                client.client_id
            )));
        }
        if let Some(grant) = client
            .grant_types
            .iter()
            .find(|g| !GRANT_TYPES.contains(&g.as_str()))
        {
            return Err(SeedError(format!(
                "client {:?}: unknown grant type {grant:?}",
                client.client_id
            )));
        }
        if let Some(user) = &client.user
            && !users.iter().any(|u| &u.username == user)
        {
            return Err(SeedError(format!(
                "client {:?}: unknown user {user:?}",
                client.client_id
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules {
            unique_names: true,
            max_name_length: 128,
        }
    }

    #[test]
    fn builtin_demo_org_is_valid() {
        let seed = parse(DEMO_ORG_JSON, &rules(), &[]);
        assert!(seed.is_ok(), "{:?}", seed.err());
    }

    #[test]
    fn a_group_breaking_the_rules_is_refused() {
        let mut doc: Value = serde_json::from_str(DEMO_ORG_JSON).unwrap_or_default();
        // Put the Workday source (no PASSWORD feature) into the first group.
        doc["passwordSyncGroups"][0]["sourceIds"][0] =
            Value::from("2c918087701a5b2f01701f7a9d4f0a11");
        let err = parse(&doc.to_string(), &rules(), &[]).err();
        assert!(err.is_some_and(|e| e.to_string().contains("PASSWORD")));
    }
}
