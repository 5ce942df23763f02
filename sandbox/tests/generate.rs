//! A generated org (`sandbox::generated_org_json`, `--generate-groups N`): valid by the API's
//! own rules, the size asked for, about three sources per group, the same on every run, and
//! listed by the API page by page like any org.
#![expect(clippy::unwrap_used, reason = "tests")]

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use sandbox::SandboxConfig;
use serde_json::Value;

async fn generated(groups: usize) -> Env {
    let json = sandbox::generated_org_json(groups).unwrap();
    Env::with(SandboxConfig {
        seed_json: Some(json),
        ..SandboxConfig::default()
    })
    .await
}

/// Every object of a collection, in pages of 250, and the `X-Total-Count` of the first page.
async fn list_all(env: &Env, token: &str, collection: &str) -> (Vec<Value>, usize) {
    let mut all: Vec<Value> = Vec::new();
    let mut total = None;
    loop {
        let res = env
            .http
            .get(env.url(&format!(
                "/beta/{collection}?limit=250&offset={}&count=true",
                all.len()
            )))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{collection}");
        let count: usize = res.headers()["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        total.get_or_insert(count);
        let page: Vec<Value> = res.json().await.unwrap();
        let short = page.len() < 250;
        all.extend(page);
        if short {
            return (all, total.unwrap());
        }
    }
}

#[tokio::test]
async fn a_generated_org_has_the_groups_asked_for_and_follows_the_rules() {
    let env = generated(250).await;
    let admin = env.admin().await;
    let (groups, total) = list_all(&env, &admin, "password-sync-groups").await;
    assert_eq!(total, 250);
    assert_eq!(groups.len(), 250);
    let (sources, source_total) = list_all(&env, &admin, "sources").await;
    assert_eq!(sources.len(), source_total);
    let (policies, _) = list_all(&env, &admin, "password-policies").await;
    assert_eq!(policies.len(), 4 + 6, "the demo's four and six generated");

    // The demo org's groups come first, unchanged.
    let ids: Vec<&str> = groups.iter().map(|g| g["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids[..3],
        [GROUP_CORPORATE, GROUP_ENGINEERING, GROUP_BUSINESS]
    );

    let sources_by_id: HashMap<&str, &Value> = sources
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s))
        .collect();
    let names: HashSet<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 250, "group names are unique");
    let source_names: HashSet<&str> = sources
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(source_names.len(), sources.len(), "source names are unique");

    let mut members = 0;
    let mut seen = HashSet::new();
    for group in &groups {
        let policy = group["passwordPolicyId"].as_str().unwrap();
        let ids = group["sourceIds"].as_array().unwrap();
        assert!((2..=4).contains(&ids.len()), "{group}");
        members += ids.len();
        for id in ids {
            let id = id.as_str().unwrap();
            assert!(seen.insert(id), "source {id} in two groups");
            let source = sources_by_id[id];
            assert_eq!(source["connectionType"], "direct");
            assert_eq!(
                source["passwordPolicies"][0]["id"], policy,
                "a member is on its group's policy: {source}"
            );
        }
        assert!(uuid_shaped(group["id"].as_str().unwrap()), "{group}");
    }
    let per_group = members as f64 / groups.len() as f64;
    assert!(
        (2.7..=3.3).contains(&per_group),
        "{per_group} sources per group"
    );
    // A few eligible sources in no group, for the new-group form.
    let loose = sources
        .iter()
        .filter(|s| {
            s["connectionType"] == "direct"
                && s["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f == "PASSWORD")
                && !seen.contains(s["id"].as_str().unwrap())
        })
        .count();
    assert!(loose >= 3 + 9, "{loose} loose sources");

    // Realistic names: "Finance EMEA Sign-in", its sources "Corporate AD (Finance EMEA Sign-in)".
    assert_eq!(groups[3]["name"], "Finance EMEA Sign-in");
    let first_source = groups[3]["sourceIds"][0].as_str().unwrap();
    assert!(
        sources_by_id[first_source]["name"]
            .as_str()
            .unwrap()
            .ends_with("(Finance EMEA Sign-in)")
    );
}

fn uuid_shaped(id: &str) -> bool {
    id.len() == 36 && id.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
}

#[test]
fn the_same_size_gives_the_same_org() {
    let a = sandbox::generated_org_json(120).unwrap();
    assert_eq!(a, sandbox::generated_org_json(120).unwrap());
    let doc: Value = serde_json::from_str(&a).unwrap();
    assert_eq!(doc["passwordSyncGroups"].as_array().unwrap().len(), 120);
    // Fewer groups than the demo org has: its first ones, nothing generated.
    let doc: Value = serde_json::from_str(&sandbox::generated_org_json(2).unwrap()).unwrap();
    assert_eq!(doc["passwordSyncGroups"].as_array().unwrap().len(), 2);
    assert_eq!(doc["passwordPolicies"].as_array().unwrap().len(), 4);
    assert!(sandbox::generated_org_json(sandbox::MAX_GENERATED_GROUPS + 1).is_err());
}

#[tokio::test]
async fn a_large_org_is_valid_and_pages_of_sources_match_the_whole_list() {
    // 2,000 groups: the largest size the benchmark uses.
    let env = generated(2000).await;
    let admin = env.admin().await;
    let (groups, _) = list_all(&env, &admin, "password-sync-groups").await;
    assert_eq!(groups.len(), 2000);
    // Unsorted pages (rendered page by page) agree with the sorted path, which renders all.
    let (paged, total) = list_all(&env, &admin, "sources").await;
    assert!(total >= 2000 * 2, "{total}");
    let sorted: Vec<Value> = env
        .http
        .get(env.url("/beta/sources?limit=250&offset=500&sorters=-name"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut by_name = paged.clone();
    by_name.sort_by(|a, b| {
        b["name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .cmp(&a["name"].as_str().unwrap().to_lowercase())
    });
    assert_eq!(sorted, by_name[500..750]);
}

#[test]
fn the_binary_seeds_a_generated_org() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["--addr", "127.0.0.1:0", "--generate-groups", "40"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        let first_two: Vec<String> = lines.by_ref().take(2).filter_map(Result::ok).collect();
        let _ = tx.send(first_two);
        for _ in lines {}
    });
    let lines = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(lines[0].starts_with("sandbox listening on "), "{lines:?}");
    assert_eq!(lines[1], "generated org: 40 password sync groups");

    let out = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["--generate-groups", "lots"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["--addr", "127.0.0.1:0"])
        .env("SANDBOX_GENERATE_GROUPS", "many")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
