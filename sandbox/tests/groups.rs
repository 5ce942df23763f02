//! Password sync groups: CRUD, paging, every validation rule, policy/source consistency.

mod common;

use common::*;
use serde_json::{Value, json};

fn body(name: &str, policy: &str, sources: &[&str]) -> Value {
    json!({"name": name, "passwordPolicyId": policy, "sourceIds": sources})
}

#[tokio::test]
async fn list_get_and_paging() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let (status, groups) = env.get_json("/beta/password-sync-groups", &admin).await;
    assert_eq!(status, 200);
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for g in groups {
        assert_eq!(g["id"].as_str().unwrap().len(), 36);
        assert!(g["created"].as_str().unwrap().ends_with('Z'));
        assert!(g["sourceIds"].as_array().unwrap().len() >= 2);
    }

    let res = env
        .get(
            "/beta/password-sync-groups?limit=1&offset=1&count=true",
            &admin,
        )
        .await;
    assert_eq!(res.headers()["x-total-count"], "3");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 1);
    assert_eq!(page[0]["id"], groups[1]["id"]);

    let res = env.get("/beta/password-sync-groups", &admin).await;
    assert!(
        res.headers().get("x-total-count").is_none(),
        "count only on request"
    );
    let (_, empty) = env
        .get_json("/beta/password-sync-groups?limit=0", &admin)
        .await;
    assert_eq!(empty, json!([]));
    let (_, past_end) = env
        .get_json("/beta/password-sync-groups?offset=10", &admin)
        .await;
    assert_eq!(past_end, json!([]));
    let (_, max) = env
        .get_json("/beta/password-sync-groups?limit=250", &admin)
        .await;
    assert_eq!(max.as_array().unwrap().len(), 3);

    for bad in [
        "limit=251",
        "limit=-1",
        "limit=ten",
        "offset=-1",
        "offset=x",
        "count=maybe",
    ] {
        let res = env
            .get(&format!("/beta/password-sync-groups?{bad}"), &admin)
            .await;
        assert_error(res, 400, "400.1.3 Illegal value").await;
    }

    let (status, one) = env
        .get_json(
            &format!("/beta/password-sync-groups/{GROUP_CORPORATE}"),
            &admin,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["name"], "Corporate Sign-in");
    assert_eq!(one["created"], "2023-03-16T04:00:00Z");

    let res = env
        .get(
            "/beta/password-sync-groups/00000000-0000-4000-8000-000000000000",
            &admin,
        )
        .await;
    assert_error(res, 404, "404 Not found").await;

    // The same operations under /v3 and the yearly versions.
    for version in ["v3", "v2024", "v2025", "v2026"] {
        let (status, groups) = env
            .get_json(&format!("/{version}/password-sync-groups"), &admin)
            .await;
        assert_eq!(status, 200, "{version}");
        assert_eq!(groups.as_array().unwrap().len(), 3);
    }
}

#[tokio::test]
async fn create_update_delete() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let res = env
        .post(
            "/beta/password-sync-groups",
            &admin,
            &json!({"id": "my-own-id", "name": "  Partner Apps ", "passwordPolicyId": POLICY_DEFAULT,
                    "sourceIds": [OKTA, ORACLE], "created": "2000-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(res.status(), 200, "ISC answers 200, not 201");
    assert!(is_hex32(request_id(&res)));
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "my-own-id");
    assert!(uuid::Uuid::parse_str(&id).is_ok());
    assert_eq!(created["name"], "Partner Apps", "name trimmed");
    assert_eq!(created["sourceIds"], json!([OKTA, ORACLE]));
    let stamp = created["created"].as_str().unwrap();
    assert_eq!(stamp.len(), 20, "RFC 3339, whole seconds, Z: {stamp}");
    assert!(
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).is_ok()
    );
    assert_eq!(created["modified"], created["created"]);

    let (_, fetched) = env
        .get_json(&format!("/beta/password-sync-groups/{id}"), &admin)
        .await;
    assert_eq!(fetched, created);
    let (_, list) = env.get_json("/beta/password-sync-groups", &admin).await;
    assert_eq!(list.as_array().unwrap().len(), 4);

    // PUT replaces everything but id and created, and bumps modified (seed dates are from 2023).
    let res = env
        .put(
            &format!("/beta/password-sync-groups/{GROUP_ENGINEERING}"),
            &admin,
            &json!({"id": "ignored", "name": "Engineering", "passwordPolicyId": POLICY_PRIVILEGED,
                    "sourceIds": [GITHUB, LDAP, SAP]}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["id"], GROUP_ENGINEERING);
    assert_eq!(updated["name"], "Engineering");
    assert_eq!(updated["created"], "2023-06-21T13:45:10Z");
    assert!(updated["modified"].as_str().unwrap() > "2023-06-21T13:45:10Z");
    assert_eq!(updated["sourceIds"], json!([GITHUB, LDAP, SAP]));

    let res = env
        .put(
            "/beta/password-sync-groups/00000000-0000-4000-8000-000000000000",
            &admin,
            &body("x", POLICY_DEFAULT, &[OKTA, ORACLE]),
        )
        .await;
    assert_error(res, 404, "404 Not found").await;

    let res = env
        .delete(&format!("/beta/password-sync-groups/{id}"), &admin)
        .await;
    assert_eq!(res.status(), 204);
    assert!(is_hex32(request_id(&res)));
    assert_eq!(res.bytes().await.unwrap().len(), 0, "204 has an empty body");
    let res = env
        .get(&format!("/beta/password-sync-groups/{id}"), &admin)
        .await;
    assert_error(res, 404, "404 Not found").await;
    let res = env
        .delete(&format!("/beta/password-sync-groups/{id}"), &admin)
        .await;
    assert_error(res, 404, "404 Not found").await;
}

#[tokio::test]
async fn validation_rules_and_detail_codes() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let post = |b: Value| {
        let env = &env;
        let admin = admin.clone();
        async move { env.post("/beta/password-sync-groups", &admin, &b).await }
    };

    // Required data.
    for b in [
        json!({"passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, ORACLE]}),
        json!({"name": "   ", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, ORACLE]}),
        json!({"name": null, "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, ORACLE]}),
    ] {
        let text = assert_error(post(b).await, 400, "400.1.0 Required Data Missing Or Empty").await;
        assert!(text.contains("name"), "{text}");
    }
    let text = assert_error(
        post(json!({"name": "x", "sourceIds": [OKTA, ORACLE]})).await,
        400,
        "400.1.0 Required Data Missing Or Empty",
    )
    .await;
    assert!(text.contains("passwordPolicyId"), "{text}");
    for sources in [json!(null), json!([])] {
        let text = assert_error(
            post(json!({"name": "x", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": sources}))
                .await,
            400,
            "400.1.0 Required Data Missing Or Empty",
        )
        .await;
        assert!(text.contains("sourceIds"), "{text}");
    }

    // At least two distinct sources.
    for sources in [vec![OKTA], vec![OKTA, OKTA]] {
        let text = assert_error(
            post(body("x", POLICY_DEFAULT, &sources)).await,
            400,
            "400.1.3 Illegal value",
        )
        .await;
        assert!(text.contains("at least two"), "{text}");
    }

    // Referenced objects must exist; the message names the missing id.
    let missing_policy = "2c9180000000000000000000000000aa";
    let text = assert_error(
        post(body("x", missing_policy, &[OKTA, ORACLE])).await,
        400,
        "400.1.404 Referenced object not found",
    )
    .await;
    assert!(text.contains(missing_policy), "{text}");
    let missing_source = "2c9180000000000000000000000000bb";
    let text = assert_error(
        post(body("x", POLICY_DEFAULT, &[OKTA, missing_source])).await,
        400,
        "400.1.404 Referenced object not found",
    )
    .await;
    assert!(text.contains(missing_source), "{text}");

    // Direct-connect with the PASSWORD feature; the message names the source.
    let text = assert_error(
        post(body("x", POLICY_DEFAULT, &[OKTA, CONTRACTOR_CSV])).await,
        400,
        "400.1.3 Illegal value",
    )
    .await;
    assert!(
        text.contains("Contractor HR Feed") && text.contains("direct-connect"),
        "{text}"
    );
    for (id, name) in [(WORKDAY, "Workday"), (SLACK, "Slack")] {
        let text = assert_error(
            post(body("x", POLICY_DEFAULT, &[OKTA, id])).await,
            400,
            "400.1.3 Illegal value",
        )
        .await;
        assert!(text.contains(name) && text.contains("PASSWORD"), "{text}");
    }

    // A source is in at most one group; the message names the source and the other group.
    let text = assert_error(
        post(body("x", POLICY_DEFAULT, &[OKTA, GITHUB])).await,
        400,
        "400.1.409 Reference conflict",
    )
    .await;
    assert!(
        text.contains("GitHub Enterprise") && text.contains("Engineering Systems"),
        "{text}"
    );

    // Names are unique (configurable; default on).
    let text = assert_error(
        post(body("business apps", POLICY_DEFAULT, &[OKTA, ORACLE])).await,
        400,
        "400.1.409 Reference conflict",
    )
    .await;
    assert!(text.contains("Business Apps"), "{text}");
    let long = "n".repeat(129);
    assert_error(
        post(body(&long, POLICY_DEFAULT, &[OKTA, ORACLE])).await,
        400,
        "400.1.3 Illegal value",
    )
    .await;

    // Malformed bodies: all JSON errors, 400.1.
    let url = env.url("/beta/password-sync-groups");
    for (content_type, raw) in [
        ("application/json", "{not json"),
        ("application/json", "[1,2]"),
        (
            "application/json",
            r#"{"name": 5, "passwordPolicyId": "x", "sourceIds": []}"#,
        ),
        (
            "application/json",
            r#"{"name": "x", "passwordPolicyId": "x", "sourceIds": "a,b"}"#,
        ),
        (
            "application/json",
            r#"{"name": "x", "passwordPolicyId": "x", "sourceIds": [1, 2]}"#,
        ),
        ("text/plain", r#"{"name": "x"}"#),
        ("application/x-www-form-urlencoded", "name=x"),
    ] {
        let res = env
            .http
            .post(&url)
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_error(res, 400, "400.1 Bad Request Content").await;
    }
    let res = env
        .http
        .post(&url)
        .bearer_auth(&admin)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_error(res, 400, "400.1 Bad Request Content").await;

    // Nothing of the above was stored.
    let (_, list) = env.get_json("/beta/password-sync-groups", &admin).await;
    assert_eq!(list.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn put_rules_and_own_membership() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let path = format!("/beta/password-sync-groups/{GROUP_BUSINESS}");
    // Its own sources and its own name do not conflict with itself.
    let res = env
        .put(
            &path,
            &admin,
            &body("Business Apps", POLICY_BUSINESS, &[SERVICENOW, SALESFORCE]),
        )
        .await;
    assert_eq!(res.status(), 200);
    // Another group's source does.
    let res = env
        .put(
            &path,
            &admin,
            &body("Business Apps", POLICY_BUSINESS, &[SERVICENOW, AD]),
        )
        .await;
    let text = assert_error(res, 400, "400.1.409 Reference conflict").await;
    assert!(
        text.contains("Corporate AD") && text.contains("Corporate Sign-in"),
        "{text}"
    );
    // Another group's name does.
    let res = env
        .put(
            &path,
            &admin,
            &body(
                "Corporate Sign-in",
                POLICY_BUSINESS,
                &[SERVICENOW, SALESFORCE],
            ),
        )
        .await;
    assert_error(res, 400, "400.1.409 Reference conflict").await;
    let res = env
        .put(
            &path,
            &admin,
            &json!({"name": "x", "passwordPolicyId": POLICY_BUSINESS}),
        )
        .await;
    assert_error(res, 400, "400.1.0 Required Data Missing Or Empty").await;
    let res = env
        .http
        .put(env.url(&path))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("nope")
        .send()
        .await
        .unwrap();
    assert_error(res, 400, "400.1 Bad Request Content").await;
}

#[tokio::test]
async fn tracking_ids_are_fresh() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let res = env.get("/beta/password-sync-groups/unknown", &admin).await;
        let request_id = request_id(&res).to_owned();
        let body: Value = res.json().await.unwrap();
        let tracking = body["trackingId"].as_str().unwrap().to_owned();
        assert!(is_hex32(&tracking));
        assert!(seen.insert(tracking));
        assert!(seen.insert(request_id));
    }
}

#[tokio::test]
async fn group_policy_is_kept_consistent_and_assigned_directly_on_delete() {
    let env = Env::new().await;
    let admin = env.admin().await;
    let policy_sources = |p: Value| -> Vec<String> {
        p["sourceIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };
    let source_policies = |s: Value| s["passwordPolicies"].clone();

    // Seed: Okta is directly on the default policy, Oracle has no policy.
    let (_, okta) = env.get_json(&format!("/beta/sources/{OKTA}"), &admin).await;
    assert_eq!(source_policies(okta)[0]["id"], POLICY_DEFAULT);
    let (_, oracle) = env
        .get_json(&format!("/beta/sources/{ORACLE}"), &admin)
        .await;
    assert_eq!(oracle["passwordPolicies"], Value::Null);

    // Grouping them under the business policy moves both to it.
    let res = env
        .post(
            "/beta/password-sync-groups",
            &admin,
            &body("Partners", POLICY_BUSINESS, &[OKTA, ORACLE]),
        )
        .await;
    let group: Value = res.json().await.unwrap();
    let (_, business) = env
        .get_json(
            &format!("/beta/password-policies/{POLICY_BUSINESS}"),
            &admin,
        )
        .await;
    let members = policy_sources(business);
    assert!(members.contains(&OKTA.to_owned()) && members.contains(&ORACLE.to_owned()));
    let (_, default) = env
        .get_json(&format!("/beta/password-policies/{POLICY_DEFAULT}"), &admin)
        .await;
    assert!(!policy_sources(default).contains(&OKTA.to_owned()));

    // Deleting the group leaves the group's policy assigned directly to each source.
    let id = group["id"].as_str().unwrap();
    assert_eq!(
        env.delete(&format!("/beta/password-sync-groups/{id}"), &admin)
            .await
            .status(),
        204
    );
    for source in [OKTA, ORACLE] {
        let (_, s) = env
            .get_json(&format!("/beta/sources/{source}"), &admin)
            .await;
        assert_eq!(
            s["passwordPolicies"],
            json!([{"type": "PASSWORD_POLICY", "id": POLICY_BUSINESS, "name": "Business Applications"}])
        );
    }
    let (_, business) = env
        .get_json(
            &format!("/beta/password-policies/{POLICY_BUSINESS}"),
            &admin,
        )
        .await;
    let members = policy_sources(business);
    assert!(members.contains(&OKTA.to_owned()) && members.contains(&ORACLE.to_owned()));

    // Deleting a seeded group: its sources keep its policy.
    let res = env
        .delete(
            &format!("/v3/password-sync-groups/{GROUP_CORPORATE}"),
            &admin,
        )
        .await;
    assert_eq!(res.status(), 204);
    for source in [AD, ENTRA, GOOGLE] {
        let (_, s) = env.get_json(&format!("/v3/sources/{source}"), &admin).await;
        assert_eq!(s["passwordPolicies"][0]["id"], POLICY_CORPORATE);
    }
    // And the freed sources can form a new group.
    let res = env
        .post(
            "/beta/password-sync-groups",
            &admin,
            &body("Directories", POLICY_CORPORATE, &[AD, ENTRA]),
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn unique_names_can_be_switched_off() {
    let config = sandbox::SandboxConfig {
        unique_group_names: false,
        ..Default::default()
    };
    let env = Env::with(config).await;
    let admin = env.admin().await;
    let res = env
        .post(
            "/beta/password-sync-groups",
            &admin,
            &body("Business Apps", POLICY_DEFAULT, &[OKTA, ORACLE]),
        )
        .await;
    assert_eq!(res.status(), 200);
}
