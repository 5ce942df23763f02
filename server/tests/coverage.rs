//! The coverage overview against the seeded demo organisation, read straight from the sandbox's
//! API: every password source (PASSWORD feature, direct connection) appears once, in the group
//! that holds it or in none, with the policy its users get; the unhealthy source's group is named.

#![expect(clippy::expect_used, reason = "test helpers outside #[test] functions")]

mod common;

use std::collections::{HashMap, HashSet};

use app::model::coverage::{Coverage, PolicyFrom};
use common::{client_token, embedded};
use reqwest::StatusCode;
use serde_json::Value;

async fn tenant(base: &str, path: &str) -> Vec<Value> {
    let token = client_token(
        &format!("{base}/sandbox"),
        "readonly-api",
        "readonly-api-secret",
    )
    .await;
    reqwest::Client::new()
        .get(format!("{base}/sandbox/beta/{path}?limit=250"))
        .bearer_auth(token)
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn coverage_matches_the_seeded_organisation() {
    let env = embedded(&[]).await;
    let helpdesk = env.signed_in("helpdesk").await;
    let response = helpdesk
        .http
        .post(format!("{}/api/coverage", env.base))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let coverage: Coverage = response.json().await.expect("coverage");

    let sources = tenant(&env.base, "sources").await;
    let groups = tenant(&env.base, "password-sync-groups").await;
    let policies = tenant(&env.base, "password-policies").await;
    let password_sources: HashSet<&str> = sources
        .iter()
        .filter(|s| {
            s["connectionType"] == "direct"
                && s["features"]
                    .as_array()
                    .is_some_and(|f| f.iter().any(|x| x == "PASSWORD"))
        })
        .filter_map(|s| s["id"].as_str())
        .collect();
    let group_of: HashMap<&str, &str> = groups
        .iter()
        .flat_map(|g| {
            let id = g["id"].as_str().unwrap_or_default();
            g["sourceIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(move |s| (s, id))
        })
        .collect();

    let shown: HashSet<&str> = coverage
        .sources
        .iter()
        .map(|s| s.source.id.as_str())
        .collect();
    assert_eq!(shown, password_sources, "every password source, once");
    assert_eq!(coverage.sources.len(), password_sources.len());
    assert_eq!(coverage.groups.len(), groups.len());
    for covered in &coverage.sources {
        let id = covered.source.id.as_str();
        assert_eq!(
            covered.group.as_ref().map(|g| g.id.as_str()),
            group_of.get(id).copied(),
            "{id}"
        );
        match covered.policy_from {
            PolicyFrom::Group => assert!(covered.group.is_some()),
            PolicyFrom::Direct => {
                let policy = covered.policy.as_ref().expect("a policy");
                let assigned = policies.iter().any(|p| {
                    p["id"] == policy.id.as_str()
                        && p["sourceIds"]
                            .as_array()
                            .is_some_and(|ids| ids.iter().any(|x| x == id))
                });
                assert!(assigned, "{id}: {policy:?} is not assigned to it");
            }
            PolicyFrom::Nothing => assert!(covered.policy.is_none()),
        }
    }
    // The demo org has password sources in no group, and an unhealthy source.
    assert!(!coverage.in_no_group().is_empty());
    let unhealthy: Vec<&str> = sources
        .iter()
        .filter(|s| s["healthy"] == false)
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        !unhealthy.is_empty(),
        "the demo org has an unhealthy source"
    );
    let expected: HashSet<&str> = unhealthy
        .iter()
        .filter_map(|s| group_of.get(s).copied())
        .collect();
    let named: HashSet<&str> = coverage
        .groups_with_unhealthy_sources()
        .iter()
        .map(|(g, _)| g.id.as_str())
        .collect();
    assert_eq!(named, expected);
}

/// A source added to a group through the console had a policy of its own until then; when the
/// group's policy is looser, the coverage says so, with the looser rules.
#[tokio::test]
async fn a_group_policy_weaker_than_a_source_had_before_is_named() {
    const OKTA: &str = "2c918089790f0a2e01791d3c5b6e1f48";
    const SAP: &str = "2c91808f7d0e7b6c017d1f2a3b4c5d86";
    const DEFAULT_POLICY: &str = "2c91808e7d976f3b017d9f5ceae440c8";
    let env = embedded(&[]).await;
    let admin = env.signed_in("admin").await;
    let before: Coverage = admin
        .http
        .post(format!("{}/api/coverage", env.base))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("coverage");
    assert!(before.weaker_than_before().is_empty());

    // SAP S/4HANA is on "Business Applications" (minimum length 10) until it joins a group on
    // the default policy (minimum length 8); Okta was on the default policy already.
    let saved = admin
        .http
        .post(format!("{}/api/save_group", env.base))
        .header("Accept", "application/json")
        .form(&[
            ("name", "Weaker Than Before"),
            ("policy_id", DEFAULT_POLICY),
            ("source_ids[]", OKTA),
            ("source_ids[]", SAP),
        ])
        .send()
        .await
        .expect("POST");
    assert!(
        saved.status().is_success() || saved.status().is_redirection(),
        "{}",
        saved.status()
    );
    let after: Coverage = admin
        .http
        .post(format!("{}/api/coverage", env.base))
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("coverage");
    let weaker = after.weaker_than_before();
    assert_eq!(weaker.len(), 1, "{weaker:#?}");
    let (source, before) = weaker[0];
    assert_eq!(source.source.name.as_deref(), Some("SAP S/4HANA"));
    assert_eq!(
        source.group.as_ref().and_then(|g| g.name.as_deref()),
        Some("Weaker Than Before")
    );
    assert_eq!(before.policy.name.as_deref(), Some("Business Applications"));
    assert!(
        before.looser.iter().any(|l| l == "Minimum length: 10 → 8"),
        "{:?}",
        before.looser
    );
    let okta = after
        .sources
        .iter()
        .find(|s| s.source.id == OKTA)
        .expect("Okta");
    assert!(
        okta.before.is_none(),
        "same policy as before: {:?}",
        okta.before
    );
}
