//! The console and the sandbox tenant behind it, and calling the server functions as the
//! hydrated app and as a plain HTML form do.

use app::error::AppError;
use app::model::GroupDetail;
use app::model::draft::{FormOptions, GroupDraft};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common;
pub use crate::common::{Browser, Embedded as Env, embedded};

pub const CORPORATE_SIGN_IN: &str = "6881f631-3bd5-4213-9c75-8e05cc3e35dd";
pub const ENGINEERING_SYSTEMS: &str = "3f0b7c2e-9a41-4c8e-b5d2-71e6a0c4d9f3";
pub const BUSINESS_APPS: &str = "b27e4d90-5c13-4f6a-8e2b-9d0f1a3c7e58";

impl Env {
    /// The tenant's API as an admin's personal access token sees it (not through the console).
    pub async fn isc(&self) -> Isc {
        Isc::new(&format!("{}/sandbox", self.base)).await
    }
}

/// Direct calls to a sandbox tenant with the `admin-pat` personal access token.
pub struct Isc {
    http: reqwest::Client,
    root: String,
    token: String,
}

impl Isc {
    pub async fn new(root: &str) -> Isc {
        let http = reqwest::Client::new();
        let token = common::client_token(root, "admin-pat", "admin-pat-secret").await;
        Isc {
            http,
            root: root.to_string(),
            token,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/beta/{path}", self.root)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn groups(&self) -> Vec<Value> {
        self.get("password-sync-groups").await.json().await.unwrap()
    }

    pub async fn group(&self, id: &str) -> Option<Value> {
        let response = self.get(&format!("password-sync-groups/{id}")).await;
        match response.status() {
            StatusCode::OK => Some(response.json().await.unwrap()),
            StatusCode::NOT_FOUND => None,
            other => panic!("GET group {id}: {other}"),
        }
    }

    pub async fn create(&self, body: Value) -> reqwest::Response {
        self.http
            .post(self.url("password-sync-groups"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, id: &str, body: Value) -> reqwest::Response {
        self.http
            .put(self.url(&format!("password-sync-groups/{id}")))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, id: &str) -> reqwest::Response {
        self.http
            .delete(self.url(&format!("password-sync-groups/{id}")))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// The name of the policy a source is on now (the sandbox derives it from the policies).
    pub async fn policy_of_source(&self, id: &str) -> Option<String> {
        let source: Value = self
            .get(&format!("sources/{id}"))
            .await
            .json()
            .await
            .unwrap();
        source["passwordPolicies"][0]["name"]
            .as_str()
            .map(str::to_string)
    }
}

/// A JSON-encoded server function (as the hydrated app calls it).
pub async fn call_json(
    browser: &Browser,
    base: &str,
    name: &str,
    body: Value,
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

/// A URL-encoded server function (as the hydrated app calls it).
pub async fn call_form(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header("accept", "application/json")
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// A plain HTML form post from the console's page `referer`, as a browser without JavaScript
/// sends it.
pub async fn post_html_form(
    browser: &Browser,
    base: &str,
    name: &str,
    fields: &[(&str, &str)],
    referer: &str,
) -> reqwest::Response {
    browser
        .http
        .post(format!("{base}/api/{name}"))
        .header(
            "accept",
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .header("referer", format!("{base}{referer}"))
        .form(fields)
        .send()
        .await
        .unwrap()
}

pub async fn ok<T: serde::de::DeserializeOwned>(response: reqwest::Response) -> T {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

pub async fn failed(response: reqwest::Response, status: StatusCode) -> AppError {
    let got = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The error a failed plain form post carries back to its page (`__path`, `__err`).
pub fn error_in_redirect(response: &reqwest::Response) -> (String, AppError) {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = url::Url::parse(&common::location(response)).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_else(|| panic!("{name} missing from {location}"))
    };
    let bytes = base64::engine::general_purpose::URL_SAFE
        .decode(param("__err"))
        .unwrap();
    (param("__path"), serde_json::from_slice(&bytes).unwrap())
}

pub async fn form_options(browser: &Browser, base: &str, editing: Option<&str>) -> FormOptions {
    let fields: Vec<(&str, &str)> = editing.map(|id| ("editing", id)).into_iter().collect();
    ok(call_form(browser, base, "form_options", &fields).await).await
}

pub fn source_id(options: &FormOptions, name: &str) -> String {
    options
        .sources
        .iter()
        .find(|c| c.source.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no source {name}"))
        .source
        .id
        .clone()
}

pub fn policy_id(options: &FormOptions, name: &str) -> String {
    options
        .policies
        .iter()
        .find(|p| p.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no policy {name}"))
        .id
        .clone()
}

pub fn draft(options: &FormOptions, name: &str, policy: &str, sources: &[&str]) -> GroupDraft {
    GroupDraft {
        name: name.to_string(),
        policy_id: policy_id(options, policy),
        source_ids: sources.iter().map(|s| source_id(options, s)).collect(),
    }
}

pub fn names(group: &GroupDetail) -> Vec<String> {
    group.sources.iter().map(|s| s.label()).collect()
}

/// The fields of `save_group` for `draft`: a new group, or an edit of `opened` (carrying the
/// version the form showed), exactly as the review's form posts them.
pub fn save_fields(opened: Option<&GroupDetail>, draft: &GroupDraft) -> Vec<(String, String)> {
    let s = |k: &str, v: &str| (k.to_string(), v.to_string());
    let mut fields = Vec::new();
    if let Some(group) = opened {
        fields.push(s("id", &group.id));
        fields.push(s("opened_version", &group.version()));
    }
    fields.push(s("name", &draft.name));
    fields.push(s("policy_id", &draft.policy_id));
    fields.extend(draft.source_ids.iter().map(|id| s("source_ids[]", id)));
    fields
}

/// `(k, v)` pairs borrowed, as the call helpers take them.
pub fn borrowed(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Creates a group as the hydrated review dialog does.
pub async fn create(browser: &Browser, base: &str, draft: &GroupDraft) -> reqwest::Response {
    let fields = save_fields(None, draft);
    call_form(browser, base, "save_group", &borrowed(&fields)).await
}

/// Saves an edit of `opened` as the hydrated review dialog does.
pub async fn update(
    browser: &Browser,
    base: &str,
    opened: &GroupDetail,
    draft: &GroupDraft,
) -> reqwest::Response {
    let fields = save_fields(Some(opened), draft);
    call_form(browser, base, "save_group", &borrowed(&fields)).await
}

pub fn reason_in(options: &FormOptions, name: &str) -> Option<String> {
    options
        .sources
        .iter()
        .find(|c| c.source.name.as_deref() == Some(name))
        .unwrap()
        .ineligible
        .clone()
}
