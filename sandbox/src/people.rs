//! The generated population: a few hundred people with accounts on the demo org's sources, and
//! 30 days of password events, all derived from a fixed seed (same people, ids and accounts on
//! every start) and anchored on the time of generation (start-up or a data reset).
//!
//! Who gets what (see [`generate`]): everyone has an account on each authoritative source
//! (Workday, or the contractor feed for contractors); most people are in the first sync group,
//! fewer in the others; some have a drifted account (its `passwordLastSet` days behind the
//! group's, after a failed sync, with a `USER_PASSWORD_UPDATE_FAILED` event), some lack an
//! account on one source of a group, some are only on sources in no group; a few accounts are
//! locked or disabled.
//!
//! Password event attributes (ISC does not publish them; the sandbox keeps these few):
//! `sourceName`, `sourceId`, `accountName`, `passwordSyncGroup` (when the change went through a
//! group) and, on failures, `errors` (the connector's message).

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

/// Number of generated people.
pub(crate) const POPULATION: usize = 300;
/// Sync groups (in order) whose sources people have accounts on; later groups' sources have no
/// accounts (and are not "loose" either).
pub(crate) const POPULATED_GROUPS: usize = 10;
const SEED: u64 = 0x5a11_9017_c0de_2026;

const FIRST: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Benjamin", "Harper", "Henry", "Evelyn", "Theodore", "Abigail",
    "Jack", "Emily", "Levi", "Ella", "Samuel", "Grace", "Daniel", "Chloe", "David", "Priya",
    "Arjun", "Mei", "Wei", "Fatima", "Omar", "Sofia", "Diego", "Aisha", "Kenji", "Ingrid", "Lars",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Patel",
    "Nguyen",
    "Kim",
    "Chen",
    "Singh",
    "Okafor",
    "Schmidt",
    "Rossi",
    "Novak",
    "Larsen",
    "Tanaka",
    "Kowalski",
    "O'Brien",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Finance",
    "Sales",
    "Marketing",
    "Human Resources",
    "IT Operations",
    "Customer Support",
    "Legal",
];

/// Messages of failed password operations, as ISC shows connector errors.
pub(crate) const FAILURE_MESSAGES: &[&str] = &[
    "sailpoint.connector.ConnectorException: [ConnectorError] The password does not meet the password policy requirements. Check the minimum password length, password complexity and password history requirements.",
    "sailpoint.connector.ConnectorException: [ConnectorError] Connection timed out: connect (Virtual Appliance did not respond within 60 seconds)",
    "sailpoint.connector.ConnectorException: [ConnectorError] The user account is locked out. Unlock the account before changing its password.",
    "sailpoint.connector.AuthenticationFailedException: [InvalidConfigurationException] Authentication to the target system failed: invalid client credentials",
    "sailpoint.connector.ConnectorException: [ConnectorError] 403 Forbidden: Insufficient privileges to update the user's password",
];

/// Small deterministic generator (SplitMix64): the same numbers on every platform and version
/// (also the generated organisations of `generate`).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// 0..n
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    /// true with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    /// An ISC-style id: `2c9180` and 26 more hex digits.
    pub(crate) fn id(&mut self) -> String {
        format!(
            "2c9180{:010x}{:016x}",
            self.next() & 0xff_ffff_ffff,
            self.next()
        )
    }
    fn seconds(&mut self, max: i64) -> Duration {
        Duration::seconds(self.below(max.max(1) as u64) as i64)
    }
}

/// A source as the generator sees it.
#[derive(Debug, Clone)]
pub(crate) struct SourceRef {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub connection_type: String,
    pub password: bool,
    pub authoritative: bool,
    pub features: String,
    pub owner: Value,
}

impl SourceRef {
    pub(crate) fn from_json(json: &Value) -> SourceRef {
        let s = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
        let features: Vec<&str> = json["features"]
            .as_array()
            .map(|f| f.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        SourceRef {
            id: s("id"),
            name: s("name"),
            kind: s("type"),
            connection_type: s("connectionType"),
            password: features.contains(&"PASSWORD"),
            authoritative: json["authoritative"].as_bool().unwrap_or(false),
            features: features.join(","),
            owner: json["owner"].clone(),
        }
    }
}

/// One account of a person.
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub id: String,
    pub name: String,
    pub native_identity: String,
    pub source: SourceRef,
    pub disabled: bool,
    pub locked: bool,
    pub password_last_set: Option<OffsetDateTime>,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: String,
    /// ISC's identity `name`: the username, e.g. `olivia.smith`.
    pub name: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub employee_number: String,
    pub department: String,
    pub contractor: bool,
    pub manager: Option<(String, String, String)>,
    pub created: OffsetDateTime,
    pub accounts: Vec<Account>,
}

impl Person {
    pub(crate) fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// The people and their password events (events newest last).
#[derive(Debug, Clone, Default)]
pub(crate) struct People {
    /// Change accounts through [`People::account_mut`], which keeps the documents current.
    pub persons: Vec<Person>,
    pub events: Vec<Value>,
    /// The identity search documents, built on first use (a search would otherwise build 300
    /// documents each time).
    documents: std::sync::OnceLock<Vec<Value>>,
}

/// RFC 3339 in UTC with exactly three fraction digits, as ISC's documents write dates
/// (`2018-06-25T20:22:28.104Z`), so that the text of two dates also sorts as the dates.
pub(crate) fn fmt_time(t: OffsetDateTime) -> String {
    const FORMAT: &[time::format_description::BorrowedFormatItem<'_>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".to_owned())
}

fn username_part(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

fn account_name(source: &SourceRef, p: &Person) -> (String, String) {
    let user = p.name.clone();
    match source.kind.as_str() {
        k if k.starts_with("Active Directory") => (
            format!(
                "CN={},OU={},OU=People,DC=corp,DC=example,DC=com",
                p.display_name(),
                p.department
            ),
            format!("{{{}}}", uuid_like(&p.id, &source.id)),
        ),
        "Azure Active Directory" | "G Suite" | "Okta" | "Salesforce" => {
            (p.email.clone(), uuid_like(&p.id, &source.id))
        }
        "Workday" | "DelimitedFile" => (p.employee_number.clone(), p.employee_number.clone()),
        k if k.contains("LDAP") => (
            format!("uid={user},ou=people,dc=example,dc=com"),
            format!("uid={user},ou=people,dc=example,dc=com"),
        ),
        "SAP" | "Oracle Database - Direct" => (user.to_uppercase(), user.to_uppercase()),
        _ => (user.clone(), user),
    }
}

/// A stable UUID-shaped string from two ids.
fn uuid_like(a: &str, b: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in a.bytes().chain(b.bytes()) {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut r = Rng(h);
    let (x, y) = (r.next(), r.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        x >> 32,
        (x >> 16) & 0xffff,
        x & 0xfff,
        y >> 52,
        y & 0xffff_ffff_ffff
    )
}

/// A password event document (`_type` `event`).
#[derive(Debug, Clone)]
pub(crate) struct EventInput {
    pub action: String,
    pub created: OffsetDateTime,
    pub actor: String,
    pub target: String,
    /// (id, name)
    pub source: Option<(String, String)>,
    pub account_name: Option<String>,
    pub group: Option<String>,
    pub error: Option<String>,
}

/// The `name` ISC shows for an action, e.g. `Update Password Passed`.
fn event_name(action: &str) -> String {
    let (operation, status) = operation_status(action);
    let object = match action {
        a if a.starts_with("ACCOUNT_PASSWORD_SYNC") => "Sync Account Password",
        a if a.starts_with("ACCOUNT_PASSWORD_RESET") => "Reset Account Password",
        a if a.starts_with("SOURCE_EXTERNAL") => "Change External Password",
        a if a.starts_with("SOURCE_PASSWORD_INTERCEPT") => "Intercept Source Password",
        _ => "Update Password",
    };
    let _ = operation;
    let status = match status {
        "PASSED" => "Passed",
        "FAILED" => "Failed",
        "PROCESSED" => "Processed",
        "IGNORED" => "Ignored",
        other => other,
    };
    format!("{object} {status}")
}

fn operation_status(action: &str) -> (&'static str, &str) {
    let status = action.rsplit('_').next().unwrap_or("PASSED");
    let operation = if action.contains("SYNC") {
        "SYNC"
    } else if action.contains("RESET") {
        "RESET"
    } else if action.contains("INTERCEPT") {
        "INTERCEPT"
    } else if action.contains("CHANGE") {
        "CHANGE"
    } else {
        "UPDATE"
    };
    (operation, status)
}

pub(crate) fn event_json(e: &EventInput, id: String, tracking: String) -> Value {
    let (operation, status) = operation_status(&e.action);
    let mut attributes = Map::new();
    if let Some((sid, sname)) = &e.source {
        attributes.insert("sourceId".into(), json!(sid));
        attributes.insert("sourceName".into(), json!(sname));
    }
    if let Some(a) = &e.account_name {
        attributes.insert("accountName".into(), json!(a));
    }
    if let Some(g) = &e.group {
        attributes.insert("passwordSyncGroup".into(), json!(g));
    }
    if let Some(err) = &e.error {
        attributes.insert("errors".into(), json!(err));
    }
    let created = fmt_time(e.created);
    // ISC's `details` is the id of the event's detail record; a stable one derived from the id.
    let details = uuid_like(&id, "details").replace('-', "");
    json!({
        "id": id,
        "name": event_name(&e.action),
        "_type": "event",
        "type": "PASSWORD_ACTIVITY",
        "_version": "v7",
        "created": created,
        "synced": fmt_time(e.created + Duration::milliseconds(1_250)),
        "action": e.action,
        "technicalName": format!("PASSWORD_{operation}_{status}"),
        "objects": ["PASSWORD"],
        "operation": operation,
        "status": status,
        "actor": {"name": e.actor},
        "target": {"name": e.target},
        "stack": "tpe",
        "trackingNumber": tracking,
        "ipAddress": "10.40.12.7",
        "details": details,
        "attributes": attributes,
    })
}

fn add_account(
    accounts: &mut Vec<Account>,
    now: OffsetDateTime,
    rng: &mut Rng,
    person: &Person,
    source: &SourceRef,
    pls: Option<OffsetDateTime>,
) {
    let (name, native_identity) = account_name(source, person);
    let locked = source.password && rng.chance(3);
    let disabled = rng.chance(2);
    accounts.push(Account {
        id: rng.id(),
        name,
        native_identity,
        source: source.clone(),
        disabled,
        locked,
        password_last_set: if source.password { pls } else { None },
        created: person.created + Duration::hours(1 + rng.below(48) as i64),
        modified: now - Duration::days(rng.below(20) as i64) - rng.seconds(86_400),
    });
}

/// One account's password change in a group: source, `passwordLastSet`, failure message.
type Change = (SourceRef, OffsetDateTime, Option<String>);

/// The population for `sources` (JSON as the API shows them) and sync groups (source ids, name),
/// anchored at `now`. Deterministic apart from the anchor.
pub(crate) fn generate(
    sources: &[Value],
    groups: &[(String, Vec<String>)],
    now: OffsetDateTime,
) -> People {
    let mut rng = Rng(SEED);
    let sources: Vec<SourceRef> = sources.iter().map(SourceRef::from_json).collect();
    let by_id: std::collections::HashMap<&str, &SourceRef> =
        sources.iter().map(|s| (s.id.as_str(), s)).collect();
    // People are members of the first few groups only: a generated org of thousands of groups
    // (the `generate` module) keeps a population of the same size as the demo org's.
    let grouped: Vec<(String, Vec<SourceRef>)> = groups
        .iter()
        .take(POPULATED_GROUPS)
        .map(|(name, ids)| {
            let members = ids
                .iter()
                .filter_map(|i| by_id.get(i.as_str()).map(|s| (*s).clone()))
                .collect();
            (name.clone(), members)
        })
        .collect();
    let grouped_ids: std::collections::HashSet<&str> = groups
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect();
    let in_group = |id: &str| grouped_ids.contains(id);
    let loose: Vec<SourceRef> = sources
        .iter()
        .filter(|s| s.password && s.connection_type == "direct" && !in_group(&s.id))
        .cloned()
        .collect();
    let other: Vec<SourceRef> = sources
        .iter()
        .filter(|s| !s.password && !s.authoritative && s.connection_type == "direct")
        .cloned()
        .collect();
    let hr: Vec<SourceRef> = sources
        .iter()
        .filter(|s| s.authoritative)
        .cloned()
        .collect();

    let mut people = People::default();
    let mut events: Vec<(OffsetDateTime, EventInput, String)> = Vec::new();
    let window = now - Duration::days(30);
    let mut taken = std::collections::HashSet::new();
    for i in 0..POPULATION {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let base = format!("{}.{}", username_part(first), username_part(last));
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}{n}");
            n += 1;
        }
        let contractor = i % 12 == 5;
        let created = now - Duration::days(60 + rng.below(2_500) as i64);
        let manager = people
            .persons
            .get(rng.below(i.min(25) as u64) as usize)
            .filter(|_| i > 0)
            .map(|m: &Person| (m.id.clone(), m.name.clone(), m.display_name()));
        let mut person = Person {
            id: rng.id(),
            email: format!("{name}@example.com"),
            name,
            first_name: first.to_owned(),
            last_name: last.to_owned(),
            employee_number: format!("{}{:06}", if contractor { "C" } else { "E" }, 100_000 + i),
            department: rng.pick(DEPARTMENTS).to_owned(),
            contractor,
            manager,
            created,
            accounts: Vec::new(),
        };
        let mut accounts: Vec<Account> = Vec::new();
        // Authoritative source: Workday for employees, the contractor feed for contractors.
        for s in &hr {
            let is_contract_feed = s.connection_type != "direct";
            if is_contract_feed == contractor {
                add_account(&mut accounts, now, &mut rng, &person, s, None);
            }
        }
        let only_loose = i % 25 == 11;
        let mut group_events: Vec<(String, Vec<Change>)> = Vec::new();
        for (gi, (gname, members)) in grouped.iter().enumerate() {
            let odds = if gi == 0 { 92 } else { 35 };
            if only_loose || members.is_empty() || !rng.chance(odds) {
                continue;
            }
            let changed = now - Duration::days(rng.below(75) as i64) - rng.seconds(86_400);
            let missing = (members.len() > 1 && rng.chance(5))
                .then(|| 1 + rng.below(members.len() as u64 - 1) as usize);
            let drift = (members.len() > 1 && rng.chance(9))
                .then(|| 1 + rng.below(members.len() as u64 - 1) as usize);
            let mut changes = Vec::new();
            for (mi, s) in members.iter().enumerate() {
                if Some(mi) == missing {
                    continue;
                }
                let (pls, error) = if Some(mi) == drift && Some(mi) != missing {
                    let behind = changed - Duration::days(3 + rng.below(40) as i64);
                    let msg = rng.pick(FAILURE_MESSAGES).to_owned();
                    (behind, Some(msg))
                } else {
                    (changed + rng.seconds(25), None)
                };
                add_account(&mut accounts, now, &mut rng, &person, s, Some(pls));
                changes.push((s.clone(), pls, error));
            }
            group_events.push((gname.clone(), changes));
        }
        for s in &loose {
            if rng.chance(if only_loose { 70 } else { 25 }) {
                let pls = now - Duration::days(rng.below(120) as i64) - rng.seconds(86_400);
                add_account(&mut accounts, now, &mut rng, &person, s, Some(pls));
            }
        }
        if only_loose
            && !accounts.iter().any(|a| a.source.password)
            && let Some(s) = loose.first()
        {
            {
                add_account(
                    &mut accounts,
                    now,
                    &mut rng,
                    &person,
                    s,
                    Some(now - Duration::days(4)),
                );
            }
        }
        for s in &other {
            if rng.chance(60) {
                add_account(&mut accounts, now, &mut rng, &person, s, None);
            }
        }
        person.accounts = accounts;
        // Events of the last 30 days, consistent with passwordLastSet.
        let target = person.name.clone();
        for (gname, changes) in &group_events {
            let Some(change_at) = changes.iter().filter(|c| c.2.is_none()).map(|c| c.1).min()
            else {
                continue;
            };
            let group = Some(gname.clone());
            let external = rng.chance(25);
            for (k, (s, pls, error)) in changes.iter().enumerate() {
                let account = person.accounts.iter().find(|a| a.source.id == s.id);
                let account_name = account.map(|a| a.name.clone());
                let source = Some((s.id.clone(), s.name.clone()));
                if change_at >= window {
                    let action = match (error.is_some(), external, k) {
                        (true, _, _) => "USER_PASSWORD_UPDATE_FAILED",
                        (false, true, 0) => "SOURCE_EXTERNAL_PASSWORD_CHANGE_PASSED",
                        (false, true, _) => "ACCOUNT_PASSWORD_SYNC_PASSED",
                        (false, false, _) => "USER_PASSWORD_UPDATE_PASSED",
                    };
                    let at = if error.is_some() {
                        change_at + Duration::seconds(5 + k as i64)
                    } else {
                        *pls
                    };
                    events.push((
                        at,
                        EventInput {
                            action: action.to_owned(),
                            created: at,
                            actor: target.clone(),
                            target: target.clone(),
                            source: source.clone(),
                            account_name: account_name.clone(),
                            group: group.clone(),
                            error: error.clone(),
                        },
                        String::new(),
                    ));
                }
                // The drifted account's own last change, if recent.
                if error.is_some() && *pls >= window {
                    events.push((
                        *pls,
                        EventInput {
                            action: "USER_PASSWORD_UPDATE_PASSED".to_owned(),
                            created: *pls,
                            actor: target.clone(),
                            target: target.clone(),
                            source: source.clone(),
                            account_name: account_name.clone(),
                            group: group.clone(),
                            error: None,
                        },
                        String::new(),
                    ));
                }
            }
            // A rejected attempt shortly before a successful one (policy violation).
            if change_at >= window && rng.chance(6) {
                let s = &changes[0].0;
                let at = change_at - Duration::minutes(2 + rng.below(10) as i64);
                events.push((
                    at,
                    EventInput {
                        action: "USER_PASSWORD_UPDATE_FAILED".to_owned(),
                        created: at,
                        actor: target.clone(),
                        target: target.clone(),
                        source: Some((s.id.clone(), s.name.clone())),
                        account_name: None,
                        group: group.clone(),
                        error: Some(FAILURE_MESSAGES[0].to_owned()),
                    },
                    String::new(),
                ));
            }
        }
        for a in &person.accounts {
            let in_a_group = in_group(&a.source.id);
            if let (false, Some(pls)) = (in_a_group, a.password_last_set)
                && pls >= window
            {
                let by_helpdesk = rng.chance(40);
                events.push((
                    pls,
                    EventInput {
                        action: if by_helpdesk {
                            "ACCOUNT_PASSWORD_RESET_PASSED"
                        } else {
                            "USER_PASSWORD_UPDATE_PASSED"
                        }
                        .to_owned(),
                        created: pls,
                        actor: if by_helpdesk {
                            "helpdesk".to_owned()
                        } else {
                            target.clone()
                        },
                        target: target.clone(),
                        source: Some((a.source.id.clone(), a.source.name.clone())),
                        account_name: Some(a.name.clone()),
                        group: None,
                        error: None,
                    },
                    String::new(),
                ));
            }
        }
        people.persons.push(person);
    }
    events.sort_by_key(|e| e.0);
    for (_, e, _) in events {
        let id = rng.id()[..32].to_owned();
        let tracking = format!("{:016x}{:016x}", rng.next(), rng.next());
        people.events.push(event_json(&e, id, tracking));
    }
    people
}

impl Account {
    /// The account as `GET /v3/accounts` shows it (ISC's `Account` schema; `recommendation` and
    /// `ownerIdentity`, for machine accounts, are left out).
    pub(crate) fn api_json(&self, person: &Person) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "created": fmt_time(self.created),
            "modified": fmt_time(self.modified),
            "sourceId": self.source.id,
            "sourceName": self.source.name,
            "identityId": person.id,
            "cloudLifecycleState": if self.disabled && self.source.authoritative { "inactive" } else { "active" },
            "identityState": "ACTIVE",
            "connectionType": self.source.connection_type,
            "isMachine": false,
            "attributes": {
                "displayName": person.display_name(),
                "firstName": person.first_name,
                "lastName": person.last_name,
                "email": person.email,
            },
            "authoritative": self.source.authoritative,
            "description": null,
            "disabled": self.disabled,
            "locked": self.locked,
            "nativeIdentity": self.native_identity,
            "systemAccount": false,
            "uncorrelated": false,
            "uuid": null,
            "manuallyCorrelated": false,
            "hasEntitlements": !self.source.authoritative,
            "identity": {"id": person.id, "type": "IDENTITY", "name": person.display_name()},
            "sourceOwner": self.source.owner,
            "features": self.source.features,
            "origin": "AGGREGATED",
        })
    }

    /// The account inside an identity search document (ISC's `BaseAccount`).
    pub(crate) fn search_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "accountId": self.native_identity,
            "source": {"id": self.source.id, "name": self.source.name, "type": self.source.kind},
            "disabled": self.disabled,
            "locked": self.locked,
            "privileged": false,
            "manuallyCorrelated": false,
            "passwordLastSet": self.password_last_set.map(fmt_time),
            "entitlementAttributes": null,
            "created": fmt_time(self.created),
            "supportsPasswordChange": self.source.password,
        })
    }
}

impl Person {
    /// The identity search document (`_type` `identity`, ISC's `IdentityDocument`). Fields the
    /// schema types as non-nullable objects (`source`, `identityProfile`) are left out rather
    /// than null when the person has no authoritative account.
    pub(crate) fn search_json(&self) -> Value {
        let authoritative = self.accounts.iter().find(|a| a.source.authoritative);
        let mut doc = json!({
            "id": self.id,
            "name": self.name,
            "_type": "identity",
            "_version": "v7",
            "displayName": self.display_name(),
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "employeeNumber": self.employee_number,
            "created": fmt_time(self.created),
            "modified": fmt_time(self.created + Duration::days(30)),
            "inactive": false,
            "protected": false,
            "status": "UNREGISTERED",
            "disabled": authoritative.is_some_and(|a| a.disabled),
            "locked": false,
            "processingState": null,
            "manager": self.manager.as_ref().map(|(id, name, display)| json!({"id": id, "name": name, "displayName": display})),
            "isManager": false,
            "attributes": {
                "uid": self.name,
                "firstname": self.first_name,
                "lastname": self.last_name,
                "displayName": self.display_name(),
                "email": self.email,
                "department": self.department,
                "employeeNumber": self.employee_number,
                "userType": if self.contractor { "Contractor" } else { "Employee" },
                "cloudLifecycleState": "active",
            },
            "accounts": self.accounts.iter().map(Account::search_json).collect::<Vec<_>>(),
            "accountCount": self.accounts.len(),
        });
        if let (Some(a), Some(map)) = (authoritative, doc.as_object_mut()) {
            map.insert(
                "source".into(),
                json!({"id": a.source.id, "name": a.source.name}),
            );
            // One identity profile per authoritative source, as ISC tenants are usually set up.
            let profile = if self.contractor {
                "Contractors"
            } else {
                "Employees"
            };
            map.insert(
                "identityProfile".into(),
                json!({"id": uuid_like(&a.source.id, "identity-profile").replace('-', ""), "name": profile}),
            );
        }
        doc
    }

    /// What `GET /__sandbox/people` shows of a person.
    pub(crate) fn control_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name(),
            "email": self.email,
            "accounts": self.accounts.iter().map(|a| json!({
                "id": a.id,
                "name": a.name,
                "sourceId": a.source.id,
                "sourceName": a.source.name,
                "disabled": a.disabled,
                "locked": a.locked,
                "passwordLastSet": a.password_last_set.map(fmt_time),
            })).collect::<Vec<_>>(),
        })
    }
}

impl People {
    /// The `identities` search index: one document per person.
    pub(crate) fn identity_documents(&self) -> &[Value] {
        self.documents
            .get_or_init(|| self.persons.iter().map(Person::search_json).collect())
    }

    pub(crate) fn person(&self, id: &str) -> Option<&Person> {
        self.persons.iter().find(|p| p.id == id)
    }

    /// An account by id, mutable (the identity documents are rebuilt on their next use).
    pub(crate) fn account_mut(&mut self, id: &str) -> Option<&mut Account> {
        self.documents.take();
        self.persons
            .iter_mut()
            .flat_map(|p| p.accounts.iter_mut())
            .find(|a| a.id == id)
    }

    /// Adds an event document, keeping the events in time order (newest last).
    pub(crate) fn add_event(&mut self, event: Value) {
        let created = |e: &Value| e["created"].as_str().unwrap_or_default().to_owned();
        let at = created(&event);
        // `fmt_time` dates sort as text.
        let index = self.events.partition_point(|e| created(e) <= at);
        self.events.insert(index, event);
    }

    /// Every account as `GET /v3/accounts` shows it, person by person.
    pub(crate) fn accounts_json(&self) -> Vec<Value> {
        self.persons
            .iter()
            .flat_map(|p| p.accounts.iter().map(move |a| a.api_json(p)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    fn demo() -> (People, Vec<(String, Vec<String>)>) {
        let seed = crate::seed::parse(
            crate::seed::DEMO_ORG_JSON,
            &crate::store::Rules {
                unique_names: true,
                max_name_length: 128,
            },
            &[],
        )
        .expect("demo org");
        let groups: Vec<(String, Vec<String>)> = seed
            .store
            .groups()
            .iter()
            .map(|g| (g.name.clone(), g.source_ids.clone()))
            .collect();
        let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("time");
        (generate(&seed.store.sources_json(), &groups, now), groups)
    }

    #[test]
    fn deterministic_and_varied() {
        let (a, groups) = demo();
        let (b, _) = demo();
        assert_eq!(a.persons.len(), POPULATION);
        assert_eq!(a.events, b.events);
        let ids_a: Vec<_> = a.persons.iter().map(|p| p.search_json()).collect();
        let ids_b: Vec<_> = b.persons.iter().map(|p| p.search_json()).collect();
        assert_eq!(ids_a, ids_b);
        let names: std::collections::HashSet<_> = a.persons.iter().map(|p| &p.name).collect();
        assert_eq!(names.len(), POPULATION, "unique usernames");
        let ids: std::collections::HashSet<_> = a
            .persons
            .iter()
            .flat_map(|p| std::iter::once(&p.id).chain(p.accounts.iter().map(|a| &a.id)))
            .collect();
        assert!(ids.iter().all(|id| crate::ids::is_hex32(id)));
        let accounts: Vec<&Account> = a.persons.iter().flat_map(|p| &p.accounts).collect();
        assert!(accounts.iter().filter(|a| a.locked).count() >= 3);
        assert!(accounts.iter().filter(|a| a.disabled).count() >= 3);
        // Scenarios of the first group (three sources).
        let (_, members) = &groups[0];
        let (mut in_sync, mut drift, mut missing, mut none) = (0, 0, 0, 0);
        for p in &a.persons {
            let times: Vec<_> = members
                .iter()
                .filter_map(|m| p.accounts.iter().find(|a| &a.source.id == m))
                .filter_map(|a| a.password_last_set)
                .collect();
            if times.is_empty() {
                none += 1;
                continue;
            }
            if times.len() < members.len() {
                missing += 1;
            }
            let spread =
                *times.iter().max().unwrap_or(&now0()) - *times.iter().min().unwrap_or(&now0());
            if spread > Duration::days(1) {
                drift += 1;
            } else if times.len() == members.len() {
                in_sync += 1;
            }
        }
        assert!(in_sync > 150, "{in_sync}");
        assert!(drift >= 5, "{drift}");
        assert!(missing >= 3, "{missing}");
        assert!(none >= 10, "{none}");
        // Only on sources in no group.
        let in_group = |id: &str| groups.iter().any(|(_, ids)| ids.iter().any(|i| i == id));
        assert!(a.persons.iter().any(|p| {
            p.accounts.iter().any(|a| a.source.password)
                && p.accounts.iter().all(|a| !in_group(&a.source.id))
        }));
    }

    fn now0() -> OffsetDateTime {
        OffsetDateTime::UNIX_EPOCH
    }

    #[test]
    fn events_match_password_last_set() {
        let (people, _) = demo();
        let now = OffsetDateTime::from_unix_timestamp(1_790_000_000).expect("time");
        assert!(people.events.len() > 100, "{}", people.events.len());
        let failed: Vec<_> = people
            .events
            .iter()
            .filter(|e| e["status"] == "FAILED")
            .collect();
        assert!(failed.len() >= 3);
        assert!(failed.iter().all(|e| e["attributes"]["errors"].is_string()));
        for e in &people.events {
            assert_eq!(e["type"], "PASSWORD_ACTIVITY");
            let created =
                OffsetDateTime::parse(e["created"].as_str().unwrap_or_default(), &Rfc3339)
                    .expect("created");
            assert!(created <= now + Duration::minutes(1) && created >= now - Duration::days(30));
            if e["status"] == "PASSED" {
                let p = people
                    .persons
                    .iter()
                    .find(|p| p.name == e["target"]["name"])
                    .expect("target");
                let a = p
                    .accounts
                    .iter()
                    .find(|a| a.source.id == e["attributes"]["sourceId"])
                    .expect("account");
                assert_eq!(
                    a.password_last_set.map(fmt_time),
                    Some(e["created"].as_str().unwrap_or_default().to_owned())
                );
            }
        }
    }
}
