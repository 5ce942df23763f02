//! Real sandbox responses validated against the response schemas that the official spec
//! subset (`sandbox/spec/isc-beta-openapi-subset.yaml`) declares for their path, method and status.
//!
//! The OpenAPI 3.0 schemas become JSON Schema 2020-12: `nullable: true` turns into a `null`
//! type, a `discriminator` mapping picks its `oneOf` variant by the named property (as OpenAPI
//! means it), and `#/components/...` references resolve inside the spec document itself (no
//! network, no files). One documented deviation is patched in: `PasswordPolicyV3Dto`'s
//! `dateCreated`/`lastUpdated` are epoch milliseconds in real ISC responses (and the sandbox's),
//! although the spec types them as date-time strings.
//!
//! The v3 subset (`sandbox/spec/isc-v3-openapi-subset.yaml`: `GET /accounts`, `POST /search`)
//! gets one patch too: `SearchDocuments` is a `oneOf` of six document schemas that require
//! almost nothing and allow any other property, so a real identity document (ISC's own example
//! too) is valid under several of them and fails `oneOf`. The patch reads it the way
//! clients tell documents apart, by `_type` (the spec's `DocumentType`): a document must have
//! `_type` and be valid under the schema of that type (and still under one of the six).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions"
)]

mod common;

use common::*;
use jsonschema::{Draft, Validator};
use serde_json::{Value, json};

const SPEC: &str = include_str!("../spec/isc-beta-openapi-subset.yaml");
const SPEC_V3: &str = include_str!("../spec/isc-v3-openapi-subset.yaml");

/// OpenAPI 3.0 `nullable: true` -> JSON Schema `type: [X, "null"]` (or `anyOf` with null when
/// the schema has no `type`), recursively; examples are left alone.
fn convert_nullable(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    convert_nullable(child);
                }
            }
            if map.remove("nullable") != Some(Value::Bool(true)) {
                return;
            }
            match map.get_mut("type") {
                Some(Value::String(t)) => {
                    let t = t.clone();
                    map.insert("type".into(), json!([t, "null"]));
                }
                Some(Value::Array(types)) => {
                    if !types.contains(&json!("null")) {
                        types.push(json!("null"));
                    }
                }
                _ => {
                    let inner = Value::Object(std::mem::take(map));
                    *value = json!({"anyOf": [inner, {"type": "null"}]});
                    return;
                }
            }
            if let Some(Value::Array(variants)) = map.get_mut("enum")
                && !variants.contains(&Value::Null)
            {
                variants.push(Value::Null);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(convert_nullable),
        _ => {}
    }
}

/// OpenAPI `discriminator` (which JSON Schema ignores) with a `mapping` over a `oneOf`: the
/// variant is the one the property names, as OpenAPI means it (`oneOf` alone fails whenever
/// loosely written variants overlap). Becomes `anyOf` the variants plus one `if`/`then` per
/// mapped value.
fn convert_discriminators(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key != "example" && key != "examples" {
                    convert_discriminators(child);
                }
            }
            let Some(discriminator) = map.get("discriminator").cloned() else {
                return;
            };
            let (Some(property), Some(mapping)) = (
                discriminator["propertyName"].as_str(),
                discriminator["mapping"].as_object(),
            ) else {
                return;
            };
            let Some(variants) = map.remove("oneOf") else {
                return;
            };
            let rules: Vec<Value> = mapping
                .iter()
                .map(|(name, reference)| {
                    json!({"if": {"properties": {property: {"const": name}}, "required": [property]},
                           "then": {"$ref": reference}})
                })
                .collect();
            map.insert("anyOf".into(), variants);
            map.insert("allOf".into(), Value::Array(rules));
        }
        Value::Array(items) => items.iter_mut().for_each(convert_discriminators),
        _ => {}
    }
}

struct Spec {
    doc: Value,
}

impl Spec {
    fn raw() -> Spec {
        Spec {
            doc: serde_norway::from_str(SPEC).expect("spec parses as YAML"),
        }
    }

    fn raw_v3() -> Spec {
        let mut spec = Spec {
            doc: serde_norway::from_str(SPEC_V3).expect("v3 spec parses as YAML"),
        };
        convert_nullable(&mut spec.doc);
        convert_discriminators(&mut spec.doc);
        spec
    }

    /// The v3 subset (accounts, search), `SearchDocuments` chosen by `_type` (see the top).
    fn load_v3() -> Spec {
        let mut spec = Spec::raw_v3();
        let documents = &mut spec.doc["components"]["schemas"]["SearchDocuments"];
        let variants = documents
            .as_object_mut()
            .and_then(|d| d.remove("oneOf"))
            .expect("the oneOf patched here is still in the spec");
        let by_type: Vec<Value> = [
            ("accessprofile", "AccessProfileDocuments"),
            ("accountactivity", "AccountActivityDocuments"),
            ("entitlement", "EntitlementDocuments"),
            ("event", "EventDocuments"),
            ("identity", "IdentityDocuments"),
            ("role", "RoleDocuments"),
        ]
        .iter()
        .map(|(doc_type, schema)| {
            let reference = format!("#/components/schemas/{schema}");
            assert!(
                variants
                    .as_array()
                    .unwrap()
                    .contains(&json!({"$ref": reference}))
            );
            json!({"if": {"properties": {"_type": {"const": doc_type}}},
                   "then": {"$ref": reference}})
        })
        .collect();
        documents["required"] = json!(["_type"]);
        documents["anyOf"] = variants;
        documents["allOf"] = Value::Array(by_type);
        spec
    }

    fn load() -> Spec {
        let mut spec = Spec::raw();
        convert_nullable(&mut spec.doc);
        let props = &mut spec.doc["components"]["schemas"]["PasswordPolicyV3Dto"]["properties"];
        for field in ["dateCreated", "lastUpdated"] {
            let declared = props[field].clone();
            assert_eq!(
                declared["format"], "date-time",
                "the deviation patched here is still in the spec"
            );
            props[field] = json!({"anyOf": [declared, {"type": "integer", "format": "int64"}]});
        }
        spec
    }

    /// JSON pointer of the schema the spec declares for a response (following a response `$ref`).
    fn schema_pointer(&self, path: &str, method: &str, status: &str) -> String {
        let escaped = path.replace('~', "~0").replace('/', "~1");
        let mut pointer = format!("/paths/{escaped}/{method}/responses/{status}");
        let response = self
            .doc
            .pointer(&pointer)
            .unwrap_or_else(|| panic!("no response {method} {path} {status}"));
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            pointer = reference.trim_start_matches('#').to_owned();
        }
        pointer.push_str("/content/application~1json/schema");
        assert!(
            self.doc.pointer(&pointer).is_some(),
            "no JSON schema for {method} {path} {status}"
        );
        pointer
    }

    /// A validator for that schema, with the whole spec as its document so `#/components` refs resolve.
    fn validator(&self, path: &str, method: &str, status: &str) -> Validator {
        self.validator_at(&self.schema_pointer(path, method, status))
    }

    fn validator_at(&self, pointer: &str) -> Validator {
        let mut root = self.doc.clone();
        root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        // A URI fragment: the braces of `{id}` must be percent-encoded.
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        root["$ref"] = json!(format!("#{fragment}"));
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .expect("schema compiles")
    }

    fn check(&self, path: &str, method: &str, status: &str, body: &Value) {
        let validator = self.validator(path, method, status);
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{method} {path} {status}: {errors:#?}\n{body:#}"
        );
    }
}

async fn body_of(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status);
    res.json().await.unwrap()
}

#[tokio::test]
async fn responses_match_the_spec() {
    let spec = Spec::load();
    let env = Env::new().await;
    let admin = env.admin().await;
    let groups = "/password-sync-groups";
    let group = "/password-sync-groups/{id}";

    // Sync groups: list, get, create, update, and every error body.
    spec.check(
        groups,
        "get",
        "200",
        &body_of(env.get("/beta/password-sync-groups", &admin).await, 200).await,
    );
    let one = body_of(
        env.get(
            &format!("/beta/password-sync-groups/{GROUP_CORPORATE}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    spec.check(group, "get", "200", &one);
    let created = body_of(
        env.post(
            "/beta/password-sync-groups",
            &admin,
            &json!({"name": "Spec", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, ORACLE]}),
        )
        .await,
        200,
    )
    .await;
    spec.check(groups, "post", "200", &created);
    let path = format!(
        "/beta/password-sync-groups/{}",
        created["id"].as_str().unwrap()
    );
    let updated = body_of(
        env.put(&path, &admin, &json!({"name": "Spec 2", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, SAP]}))
            .await,
        200,
    )
    .await;
    spec.check(group, "put", "200", &updated);
    let bad = body_of(
        env.post("/beta/password-sync-groups", &admin, &json!({"name": ""}))
            .await,
        400,
    )
    .await;
    spec.check(groups, "post", "400", &bad);
    let conflict = body_of(
        env.put(
            &path,
            &admin,
            &json!({"name": "x", "passwordPolicyId": POLICY_DEFAULT, "sourceIds": [OKTA, AD]}),
        )
        .await,
        400,
    )
    .await;
    spec.check(group, "put", "400", &conflict);
    let missing = body_of(
        env.get("/beta/password-sync-groups/nope", &admin).await,
        404,
    )
    .await;
    spec.check(group, "get", "404", &missing);
    let helpdesk = env.user_token("helpdesk").await;
    let forbidden = body_of(env.get("/beta/password-sync-groups", &helpdesk).await, 403).await;
    spec.check(groups, "get", "403", &forbidden);
    let unauthorized = body_of(
        env.http
            .get(env.url("/beta/password-sync-groups"))
            .send()
            .await
            .unwrap(),
        401,
    )
    .await;
    spec.check(groups, "get", "401", &unauthorized);
    let faults = env.sb.sandbox().faults();
    faults.fail_next(1, 429);
    let limited = body_of(env.get("/beta/password-sync-groups", &admin).await, 429).await;
    spec.check(groups, "get", "429", &limited);
    faults.fail_next(1, 500);
    let fault = body_of(env.get(&path, &admin).await, 500).await;
    spec.check(group, "delete", "500", &fault);
    let res = env.delete(&path, &admin).await;
    assert_eq!(res.status(), 204);
    assert!(
        res.bytes().await.unwrap().is_empty(),
        "204: no content, as the spec says"
    );

    // Password policies.
    let policies = body_of(env.get("/beta/password-policies", &admin).await, 200).await;
    spec.check("/password-policies", "get", "200", &policies);
    let policy = body_of(
        env.get(
            &format!("/beta/password-policies/{POLICY_CORPORATE}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    spec.check("/password-policies/{id}", "get", "200", &policy);
    let missing = body_of(env.get("/beta/password-policies/nope", &admin).await, 404).await;
    spec.check("/password-policies/{id}", "get", "404", &missing);
    let bad = body_of(
        env.get("/beta/password-policies?limit=999", &admin).await,
        400,
    )
    .await;
    spec.check("/password-policies", "get", "400", &bad);

    // Sources.
    let sources = body_of(env.get("/beta/sources", &admin).await, 200).await;
    assert_eq!(sources.as_array().unwrap().len(), 14);
    spec.check("/sources", "get", "200", &sources);
    let v3 = body_of(env.get("/v3/sources?sorters=-name", &admin).await, 200).await;
    spec.check("/sources", "get", "200", &v3);
    let source = body_of(
        env.get(&format!("/beta/sources/{ORACLE}"), &admin).await,
        200,
    )
    .await;
    spec.check("/sources/{id}", "get", "200", &source);
    let bad = body_of(
        env.get("/beta/sources?filters=nope%20eq%20%22x%22", &admin)
            .await,
        400,
    )
    .await;
    spec.check("/sources", "get", "400", &bad);
    let forbidden = body_of(env.get("/beta/sources", &helpdesk).await, 403).await;
    spec.check("/sources", "get", "403", &forbidden);
}

#[tokio::test]
async fn broken_bodies_fail_validation() {
    let spec = Spec::load();
    let env = Env::new().await;
    let admin = env.admin().await;
    let group = body_of(
        env.get(
            &format!("/beta/password-sync-groups/{GROUP_CORPORATE}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let get_group = spec.validator("/password-sync-groups/{id}", "get", "200");
    assert!(get_group.is_valid(&group));
    for (field, wrong) in [
        ("name", json!(5)),
        ("sourceIds", json!("a,b")),
        ("sourceIds", json!([1, 2])),
        ("created", json!("yesterday")),
        ("modified", json!(1_678_939_200_000_i64)),
    ] {
        let mut broken = group.clone();
        broken[field] = wrong.clone();
        assert!(!get_group.is_valid(&broken), "{field} = {wrong}");
    }
    let mut nullable = group.clone();
    nullable["created"] = Value::Null;
    assert!(get_group.is_valid(&nullable), "created is nullable");

    let list = spec.validator("/password-sync-groups", "get", "200");
    assert!(!list.is_valid(&json!([group, {"name": false}])));
    assert!(!list.is_valid(&json!({"not": "an array"})));

    let source = body_of(env.get(&format!("/beta/sources/{AD}"), &admin).await, 200).await;
    let get_source = spec.validator("/sources/{id}", "get", "200");
    assert!(get_source.is_valid(&source));
    for (field, wrong) in [
        ("healthy", json!("yes")),
        ("features", json!(["NOT_A_FEATURE"])),
        ("status", json!("SOURCE_STATE_FINE")),
        ("owner", json!({"type": "ROBOT", "id": "x", "name": "y"})),
        (
            "passwordPolicies",
            json!([{"type": "PASSWORD_POLICY", "id": 7}]),
        ),
    ] {
        let mut broken = source.clone();
        broken[field] = wrong.clone();
        assert!(!get_source.is_valid(&broken), "{field} = {wrong}");
    }
    let mut no_owner = source.clone();
    no_owner.as_object_mut().unwrap().remove("owner");
    assert!(!get_source.is_valid(&no_owner), "owner is required");

    let policy = body_of(
        env.get(
            &format!("/beta/password-policies/{POLICY_CORPORATE}"),
            &admin,
        )
        .await,
        200,
    )
    .await;
    let get_policy = spec.validator("/password-policies/{id}", "get", "200");
    let mut broken = policy.clone();
    broken["minLength"] = json!("12");
    assert!(!get_policy.is_valid(&broken));

    let error = spec.validator("/password-sync-groups", "post", "400");
    let valid_error = json!({"detailCode": "400.1 Bad Request Content", "trackingId": "e7eab60924f64aa284175b9fa3309599",
                             "messages": [{"locale": "en-US", "localeOrigin": "DEFAULT", "text": "x"}], "causes": []});
    assert!(error.is_valid(&valid_error));
    let mut broken = valid_error.clone();
    broken["messages"] = json!("x");
    assert!(!error.is_valid(&broken));
    broken = valid_error.clone();
    broken["messages"][0]["localeOrigin"] = json!("SOMEWHERE");
    assert!(!error.is_valid(&broken));
}

#[tokio::test]
async fn nullable_conversion_is_what_makes_real_sources_valid() {
    // Unconverted, the spec's `nullable` is ignored and a real source (null cluster, null
    // correlation rules) fails: the conversion is doing real work.
    let raw = Spec::raw();
    let pointer = raw.schema_pointer("/sources/{id}", "get", "200");
    let strict = raw.validator_at(&pointer);
    let env = Env::new().await;
    let admin = env.admin().await;
    let okta = body_of(env.get(&format!("/beta/sources/{OKTA}"), &admin).await, 200).await;
    assert!(okta["cluster"].is_null());
    assert!(!strict.is_valid(&okta));
    assert!(Spec::load().validator_at(&pointer).is_valid(&okta));
}

#[tokio::test]
async fn accounts_match_the_v3_spec() {
    let spec = Spec::load_v3();
    let env = Env::new().await;
    let token = env.readonly().await;
    let all = body_of(env.get("/v3/accounts?limit=250", &token).await, 200).await;
    assert_eq!(all.as_array().map(Vec::len), Some(250));
    spec.check("/accounts", "get", "200", &all);
    let page = body_of(
        env.get("/v3/accounts?offset=1000&limit=250", &token).await,
        200,
    )
    .await;
    spec.check("/accounts", "get", "200", &page);
    let bad = body_of(
        env.get("/v3/accounts?filters=bogus%20eq%20%221%22", &token)
            .await,
        400,
    )
    .await;
    spec.check("/accounts", "get", "400", &bad);
}

/// POST a search; the JSON body of a 200.
async fn search_ok(env: &Env, token: &str, params: &str, body: &Value) -> Value {
    let res = env.post(&format!("/v3/search{params}"), token, body).await;
    assert_eq!(res.status(), 200, "{body}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn search_matches_the_v3_spec() {
    let spec = Spec::load_v3();
    let env = Env::new().await;
    let token = env.readonly().await;
    // Every identity and every event document, in pages, against `POST /search` 200.
    for (index, pages) in [("identities", 2), ("events", 8)] {
        for page in 0..pages {
            let body = json!({"indices": [index], "query": {"query": "*"}, "sort": ["+id"]});
            let docs = search_ok(
                &env,
                &token,
                &format!("?limit=150&offset={}", page * 150),
                &body,
            )
            .await;
            spec.check("/search", "post", "200", &docs);
        }
    }
    // Each document is exactly one of the spec's document kinds: its own.
    let one = |index: &str| json!({"indices": [index], "query": {"query": "*"}});
    let identity = search_ok(&env, &token, "?limit=1", &one("identities")).await[0].clone();
    let event = search_ok(&env, &token, "?limit=1", &one("events")).await[0].clone();
    let identities = spec.validator_at("/components/schemas/IdentityDocuments");
    let events = spec.validator_at("/components/schemas/EventDocuments");
    assert!(identities.is_valid(&identity));
    assert!(events.is_valid(&event));
    // Unpatched, the spec's `oneOf` refuses identity documents: they match several kinds
    // (events happen to match only their own, their `type` being no `DocumentType`).
    let strict = Spec::raw_v3().validator("/search", "post", "200");
    assert!(strict.is_valid(&json!([event.clone()])));
    let errors: Vec<String> = strict
        .iter_errors(&json!([identity.clone()]))
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("more than one"), "{errors:?}");
    // So does the spec's own identities example; the patched schema takes both examples.
    let example = |name: &str| spec.doc["components"]["examples"][name]["value"].clone();
    assert!(!strict.is_valid(&example("identities")));
    spec.check("/search", "post", "200", &example("identities"));
    spec.check("/search", "post", "200", &example("events"));
    // Patched, the `_type` decides: an identity labelled an event is checked as an event.
    let mut relabelled = identity.clone();
    relabelled["_type"] = json!("event");
    relabelled["details"] = Value::Null;
    assert!(
        !spec
            .validator("/search", "post", "200")
            .is_valid(&json!([relabelled]))
    );
    // Broken documents fail.
    for (doc, field, wrong) in [
        (
            &identity,
            "accounts",
            json!([{"passwordLastSet": "last week"}]),
        ),
        (&identity, "manager", json!("boss")),
        (&identity, "accountCount", json!("3")),
        (&event, "details", Value::Null),
        (&event, "created", json!("yesterday")),
    ] {
        let mut broken = doc.clone();
        broken[field] = wrong.clone();
        let list = json!([broken]);
        assert!(
            !spec.validator("/search", "post", "200").is_valid(&list),
            "{field} = {wrong}"
        );
    }
    // Filtered documents (the console's people query) still match.
    let console = json!({"indices": ["identities"], "query": {"query": "name:a*"},
        "queryResultFilter": {"includes": ["id", "name", "displayName", "email", "accounts.id", "accounts.name",
            "accounts.source", "accounts.disabled", "accounts.locked", "accounts.passwordLastSet", "accounts.supportsPasswordChange"]},
        "sort": ["displayName", "+id"]});
    spec.check(
        "/search",
        "post",
        "200",
        &search_ok(&env, &token, "?limit=20&offset=0&count=true", &console).await,
    );
    // Errors.
    let bad = body_of(
        env.post(
            "/v3/search",
            &token,
            &json!({"indices": ["identities"], "query": {"query": "("}}),
        )
        .await,
        400,
    )
    .await;
    spec.check("/search", "post", "400", &bad);
    let helpdesk = env.user_token("helpdesk").await;
    let forbidden = body_of(
        env.post("/v3/search", &helpdesk, &one("identities")).await,
        403,
    )
    .await;
    spec.check("/search", "post", "403", &forbidden);
}

#[tokio::test]
async fn sdk_search_requests_are_accepted_unchanged() {
    let spec = Spec::load_v3();
    let request = spec.validator_at("/components/schemas/Search");
    let env = Env::new().await;
    let token = env.readonly().await;
    // Bodies as SailPoint's SDKs and the spec's examples send them.
    let bodies = [
        // TypeScript SDK `SearchApi.searchPost({search})` / `Paginator.paginateSearchApi`.
        json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["name"], "includeNested": false,
               "queryResultFilter": {"includes": ["id", "name"]}}),
        json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["name"], "includeNested": false,
               "queryResultFilter": {"includes": ["id", "name"]}, "searchAfter": ["m"]}),
        json!({"indices": ["events"], "query": {"query": "name: \"Update Password Failed\" AND created: [now-90d TO now]"},
               "sort": ["created"]}),
        json!({"indices": ["identities"], "query": {"query": "@accounts(disabled:false) AND (attributes.cloudLifecycleState:active)"},
               "sort": ["name"]}),
        // Python SDK: `includeNested` is always sent; nulls are left out.
        json!({"indices": ["events"], "queryType": "SAILPOINT", "query": {"query": "type:PASSWORD_ACTIVITY", "fields": "name,action"},
               "includeNested": true, "sort": ["-created", "+id"], "searchAfter": ["2026-11-20T10:00:00.000Z", "0"]}),
        // The spec's request examples the sandbox can answer.
        spec.doc["components"]["examples"]["query-events"]["value"].clone(),
        spec.doc["components"]["examples"]["query-identities"]["value"].clone(),
        spec.doc["components"]["examples"]["query-timeZone"]["value"].clone(),
        spec.doc["components"]["examples"]["filter-exists"]["value"].clone(),
        spec.doc["components"]["examples"]["filter-terms"]["value"].clone(),
    ];
    for body in &bodies {
        assert!(request.is_valid(body), "not a Search per the spec: {body}");
        let docs = search_ok(&env, &token, "?limit=10", body).await;
        spec.check("/search", "post", "200", &docs);
    }
    // The spec's `query-fields` example sends `fields` as an array, which its own schema types as
    // a string: the sandbox accepts both.
    let fields = spec.doc["components"]["examples"]["query-fields"]["value"].clone();
    assert!(!request.is_valid(&fields));
    search_ok(&env, &token, "", &fields).await;
}
