//! A generated organisation of any size, for benchmarks and scale tests: the demo org
//! (its sources, policies, users and OAuth clients) with as many password sync groups as asked
//! for, the same on every run.
//!
//! `groups` sync groups in all: the demo org's three first (fewer if fewer are asked for), then
//! generated ones. Each generated group has two to four sources of its own (three on average),
//! made from the demo org's direct-connect PASSWORD sources (Active Directory, Entra ID, Google
//! Workspace, GitHub, LDAP, ServiceNow, Salesforce, Okta, Oracle, SAP) and named after the
//! business unit and region the group serves ("Finance EMEA Sign-in", its sources
//! "Corporate AD (Finance EMEA Sign-in)", …). Six generated password policies share the generated groups,
//! and one eligible source per 25 generated groups (at most 40) sits in no group, as in a tenant
//! where not everything is synchronised yet. Ids, names and dates come from a fixed-seed
//! generator: the same `groups` always gives the same org.
//!
//! The document has the shape of `data/demo-org.json` and goes through the same checks
//! ([`crate::seed`]) as any `seed_json`.

use crate::people::Rng;
use serde_json::{Map, Value, json};

use crate::seed::{DEMO_ORG_JSON, SeedError};

/// Most sync groups a generated org may have (ISC tenants with thousands exist; this keeps a
/// typo from asking for millions).
pub const MAX_GENERATED_GROUPS: usize = 20_000;

const UNITS: [&str; 24] = [
    "Finance",
    "Retail Banking",
    "Manufacturing",
    "Logistics",
    "Research",
    "Legal",
    "People Services",
    "Sales",
    "Marketing",
    "Customer Care",
    "Treasury",
    "Procurement",
    "IT Operations",
    "Engineering",
    "Clinical",
    "Pharmacy",
    "Facilities",
    "Risk",
    "Audit",
    "Wealth Management",
    "Insurance",
    "Energy Trading",
    "Field Service",
    "Data Platform",
];

const REGIONS: [&str; 14] = [
    "EMEA", "APAC", "Americas", "Nordics", "DACH", "UK", "Iberia", "Benelux", "Japan", "India",
    "Brazil", "Canada", "France", "Italy",
];

const PURPOSES: [&str; 8] = [
    "Sign-in",
    "Workstations",
    "Back Office",
    "Shared Services",
    "Field Staff",
    "Plant Systems",
    "Contractors",
    "Privileged Access",
];

/// Generated password policies: name, minimum length, expiry in days.
const POLICIES: [(&str, u64, u64); 6] = [
    ("Regional Standard", 10, 180),
    ("Regional Privileged", 14, 90),
    ("Plant Floor", 8, 365),
    ("Retail Stores", 8, 180),
    ("Finance Controls", 12, 90),
    ("Contractor Accounts", 12, 60),
];

/// A version-4-shaped UUID (sync group ids).
fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next(), rng.next());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}
/// A date between 2019 and 2026, as ISC writes sync-group dates.
fn date(rng: &mut Rng) -> String {
    let days = rng.below(7 * 365) as i64;
    let date = time::Date::from_calendar_date(2019, time::Month::January, 1)
        .map(|d| d + time::Duration::days(days))
        .unwrap_or(time::Date::MIN);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date,
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

const SEED: u64 = 0x05ee_d0f5_ca1e;

/// The name of generated group `i`: unit, region and purpose, unique for every `i`.
pub(crate) fn group_name(i: usize) -> String {
    let (u, r, p) = (UNITS.len(), REGIONS.len(), PURPOSES.len());
    let unit = UNITS[i % u];
    let region = REGIONS[(i / u) % r];
    let purpose = PURPOSES[(i / (u * r)) % p];
    let round = i / (u * r * p);
    if round == 0 {
        format!("{unit} {region} {purpose}")
    } else {
        format!("{unit} {region} {purpose} {}", round + 1)
    }
}

fn as_array(doc: &mut Value, key: &str) -> Result<Vec<Value>, SeedError> {
    match doc.get_mut(key).map(Value::take) {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(SeedError::new(format!("demo org without {key}"))),
    }
}

fn str_of<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// The demo org with `groups` password sync groups in all, as a `seed_json` document (see the
/// module docs). Deterministic.
pub fn generated_org_json(groups: usize) -> Result<String, SeedError> {
    Ok(generated_org(groups)?.to_string())
}

fn generated_org(groups: usize) -> Result<Value, SeedError> {
    if groups > MAX_GENERATED_GROUPS {
        return Err(SeedError::new(format!(
            "at most {MAX_GENERATED_GROUPS} generated groups, not {groups}"
        )));
    }
    let mut doc: Value =
        serde_json::from_str(DEMO_ORG_JSON).map_err(|e| SeedError::new(e.to_string()))?;
    let mut sources = as_array(&mut doc, "sources")?;
    let mut policies = as_array(&mut doc, "passwordPolicies")?;
    let mut sync_groups = as_array(&mut doc, "passwordSyncGroups")?;
    sync_groups.truncate(groups);
    let generated = groups - sync_groups.len();

    // Templates: the demo's direct-connect sources with the PASSWORD feature.
    let templates: Vec<Value> = sources
        .iter()
        .filter(|s| {
            str_of(s, "connectionType") == "direct"
                && s.get("features")
                    .and_then(Value::as_array)
                    .is_some_and(|f| f.iter().any(|x| x.as_str() == Some("PASSWORD")))
        })
        .cloned()
        .collect();
    if templates.len() < 4 {
        return Err(SeedError::new(
            "the demo org needs at least four direct-connect PASSWORD sources",
        ));
    }
    let policy_template = policies
        .iter()
        .find(|p| str_of(p, "name") == "Corporate Standard")
        .or_else(|| policies.first())
        .cloned()
        .ok_or_else(|| SeedError::new("the demo org has no password policy"))?;

    let mut rng = Rng(SEED);
    let mut new_policies: Vec<(Value, Vec<String>)> = POLICIES
        .iter()
        .map(|(name, min_length, expiry)| {
            let mut p = policy_template.clone();
            p["id"] = json!(rng.id());
            p["name"] = json!(name);
            p["description"] = json!(format!(
                "{name}: at least {min_length} characters, changed every {expiry} days."
            ));
            p["minLength"] = json!(min_length);
            p["passwordExpiration"] = json!(expiry);
            p["enablePasswdExpiration"] = json!(true);
            (p, Vec::new())
        })
        .collect();

    fn new_source(rng: &mut Rng, template: &Value, label: &str) -> (String, Value) {
        let mut s = template.clone();
        let id = rng.id();
        let base = str_of(template, "name").to_owned();
        s["id"] = json!(id);
        s["name"] = json!(format!("{base} ({label})"));
        s["description"] = json!(format!(
            "{} for {label}.",
            str_of(template, "type").trim_end_matches(" - Direct")
        ));
        if let Some(acc) = s.get_mut("accountCorrelationConfig") {
            acc["id"] = json!(rng.id());
            acc["name"] = json!(format!("{base} ({label}) [source] Account Correlation"));
        }
        if let Some(Value::Array(schemas)) = s.get_mut("schemas") {
            for schema in schemas {
                schema["id"] = json!(rng.id());
            }
        }
        s["created"] = json!(date(rng));
        s["modified"] = json!(date(rng));
        (id, s)
    }

    for i in 0..generated {
        let name = group_name(i);
        // Two to four distinct templates: 2, 3, 3, 4 on average three.
        let count = [2, 3, 3, 4][rng.below(4) as usize];
        let mut picked: Vec<usize> = Vec::new();
        while picked.len() < count {
            let t = rng.below(templates.len() as u64) as usize;
            if !picked.contains(&t) {
                picked.push(t);
            }
        }
        let policy = rng.below(new_policies.len() as u64) as usize;
        let mut ids = Vec::new();
        for t in picked {
            let (id, source) = new_source(&mut rng, &templates[t], &name);
            sources.push(source);
            new_policies[policy].1.push(id.clone());
            ids.push(id);
        }
        let created = date(&mut rng);
        let modified = date(&mut rng).max(created.clone());
        sync_groups.push(json!({
            "id": uuid(&mut rng),
            "name": name,
            "passwordPolicyId": str_of(&new_policies[policy].0, "id"),
            "sourceIds": ids,
            "created": created,
            "modified": modified,
        }));
    }
    // Eligible sources in no group yet (some on a policy, some not).
    for i in 0..(generated / 25).min(40) {
        let t = rng.below(templates.len() as u64) as usize;
        let label = format!("{} pilot", REGIONS[i % REGIONS.len()]);
        let label = if i >= REGIONS.len() {
            format!("{label} {}", i / REGIONS.len() + 1)
        } else {
            label
        };
        let (id, source) = new_source(&mut rng, &templates[t], &label);
        sources.push(source);
        if i % 2 == 0 {
            new_policies[i % POLICIES.len()].1.push(id);
        }
    }
    if generated > 0 {
        for (mut policy, ids) in new_policies {
            policy["sourceIds"] = json!(ids);
            policies.push(policy);
        }
    }

    let mut out = Map::new();
    if let Value::Object(obj) = doc {
        out = obj;
    }
    out.insert(
        "_about".into(),
        json!([format!(
            "Generated by sandbox::generated_org_json({groups}): the demo org with {groups} password sync groups."
        )]),
    );
    out.insert("sources".into(), Value::Array(sources));
    out.insert("passwordPolicies".into(), Value::Array(policies));
    out.insert("passwordSyncGroups".into(), Value::Array(sync_groups));
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let names: std::collections::HashSet<String> = (0..5000).map(group_name).collect();
        assert_eq!(names.len(), 5000);
        assert_eq!(group_name(0), "Finance EMEA Sign-in");
    }

    #[test]
    fn uuids_are_uuids() {
        let mut rng = Rng(1);
        for _ in 0..100 {
            let id = uuid(&mut rng);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        }
    }

    #[test]
    fn same_org_every_time() {
        assert_eq!(
            generated_org_json(40).unwrap_or_default(),
            generated_org_json(40).unwrap_or_default()
        );
    }
}
