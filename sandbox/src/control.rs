//! Control endpoint of the sandbox, for tests and demos. Loopback peers only: anything else,
//! a request relayed by a proxy (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`), or a server
//! started without `into_make_service_with_connect_info::<SocketAddr>()` gets 403. So does a
//! request a web page could have made a browser on this machine send (any page may POST to
//! loopback): one with an `Origin` header (browsers add it to every cross-origin request and
//! to same-origin POSTs), or with a body whose content type is not JSON (the only kinds a page
//! can send without a CORS preflight, which the sandbox never grants). Scripts and test tools
//! send no `Origin` and post JSON.
//! Not rate limited, not delayed by injected latency, not subject to injected failures.
//!
//! - `GET /__sandbox/faults`: the current faults, `{"latencyMs":0,"failNext":{"count":0,"status":500}}`.
//! - `POST /__sandbox/faults` with JSON, every field optional:
//!   `{"latencyMs": 250, "failNext": {"count": 3, "status": 429}, "expireTokens": true}`
//!   (`latencyMs` up to 600000; `status` 400..=599: 429 answers with `Retry-After`, 500 with
//!   `500.0 Internal Fault`). Answers the resulting faults.
//! - `POST /__sandbox/reset`, optional JSON `{"data": true}`: clears faults, rate-limit
//!   windows and counters, and puts refresh-token rotation back to its configured value; with
//!   `data`, also puts sources, policies, groups and the users' levels back to the demo org.
//!   Issued tokens stay valid. Answers
//!   `{"latencyMs":0,"failNext":{"count":0,"status":500},"rotateRefreshTokens":true,"data":true}`.
//! - `GET /__sandbox/oauth`: OAuth behaviour, `{"rotateRefreshTokens": true}`.
//! - `POST /__sandbox/oauth` with JSON `{"rotateRefreshTokens": false}` (optional field):
//!   switches refresh-token rotation (see `SandboxConfig::rotate_refresh_tokens`); answers the
//!   resulting settings.
//! - `GET /__sandbox/stats`: the request counters (see the `stats` module),
//!   `{"tokenRequests":{"authorizationCode":{"ok":1,"refused":0},"refreshToken":{..},
//!   "clientCredentials":{..},"other":{..}},"apiRequests":{"total":2,"byRoute":{"GET /beta/sources":2}}}`.
//! - `GET /__sandbox/users/{userName}/levels`: `{"userName":"helpdesk","levels":["HELPDESK"]}`.
//! - `POST /__sandbox/users/{userName}/levels` with JSON `{"levels": ["ORG_ADMIN"]}` (`[]`: no
//!   level): changes the user's levels for tokens issued from now on and for `/oauth/userinfo`
//!   (access tokens already issued keep theirs); answers like the GET. An unknown user is
//!   `404 Not found`, a missing `levels` `400.1.0`, an empty or spaced level `400.1.3`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State};
use axum::http::header::{CONTENT_TYPE, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::Sandbox;
use crate::UserLevelsError;
use crate::errors::{self, ApiError};
use crate::ids;
use crate::people::{self, EventInput};

const MAX_LATENCY_MS: u64 = 600_000;
const MAX_BODY: usize = 64 * 1024;
/// `GET /__sandbox/people` answers at most this many people.
const PEOPLE_CAP: usize = 50;
/// Ten years, in minutes: the furthest back an added event or `passwordLastSet` may go.
const MAX_MINUTES_AGO: i64 = 5_256_000;

/// Password event actions that `POST /__sandbox/people/{identityId}/events` accepts (the
/// `PASSWORD_ACTIVITY` actions of ISC's audit events reference the sandbox models).
pub(crate) const EVENT_ACTIONS: [&str; 9] = [
    "USER_PASSWORD_UPDATE_PASSED",
    "USER_PASSWORD_UPDATE_FAILED",
    "ACCOUNT_PASSWORD_SYNC_PASSED",
    "ACCOUNT_PASSWORD_RESET_PASSED",
    "ACCOUNT_PASSWORD_RESET_FAILED",
    "SOURCE_EXTERNAL_PASSWORD_CHANGE_PASSED",
    "SOURCE_EXTERNAL_PASSWORD_CHANGE_FAILED",
    "SOURCE_PASSWORD_INTERCEPT_PROCESSED",
    "SOURCE_PASSWORD_INTERCEPT_IGNORED",
];

/// Actions after which the account's password is the new one.
const SETS_PASSWORD: [&str; 4] = [
    "USER_PASSWORD_UPDATE_PASSED",
    "ACCOUNT_PASSWORD_SYNC_PASSED",
    "ACCOUNT_PASSWORD_RESET_PASSED",
    "SOURCE_EXTERNAL_PASSWORD_CHANGE_PASSED",
];

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/__sandbox/faults", get(get_faults).post(set_faults))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/oauth", get(get_oauth).post(set_oauth))
        .route("/__sandbox/stats", get(get_stats))
        .route(
            "/__sandbox/users/{user_name}/levels",
            get(get_levels).post(set_levels),
        )
        .route("/__sandbox/people", get(list_people))
        .route("/__sandbox/people/{identity_id}/events", post(add_event))
        .route("/__sandbox/accounts/{account_id}", patch(patch_account))
}

/// Is this request from a local process, not relayed? Only such requests may drive the sandbox.
pub(crate) fn is_local_peer(peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let Some(peer) = peer else {
        return false;
    };
    let relayed = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    peer.ip().to_canonical().is_loopback() && !relayed
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FaultsRequest {
    latency_ms: Option<u64>,
    fail_next: Option<FailNextRequest>,
    expire_tokens: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailNextRequest {
    count: u32,
    status: u16,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    data: bool,
}

/// The body of a GET: nothing, or `{}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NoFields {}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct OAuthRequest {
    rotate_refresh_tokens: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LevelsRequest {
    levels: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventRequest {
    source_id: Option<String>,
    action: Option<String>,
    message: Option<String>,
    minutes_ago: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccountPatch {
    locked: Option<bool>,
    disabled: Option<bool>,
    /// Absent: unchanged; `null`: cleared.
    #[serde(default, deserialize_with = "present")]
    password_last_set_minutes_ago: Option<Option<i64>>,
}

/// A field that is present (even as `null`) is `Some`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Could a web page have made a browser send this? See the module's documentation.
fn may_come_from_a_web_page(headers: &HeaderMap) -> bool {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_none_or(|v| v.trim().eq_ignore_ascii_case("application/json"));
    headers.contains_key(ORIGIN) || !json
}

/// The peer checks, then the JSON body (an empty body is `{}`).
async fn checked_body<T: DeserializeOwned + Default>(req: Request) -> Result<T, ApiError> {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| *addr);
    if !is_local_peer(peer, req.headers()) || may_come_from_a_web_page(req.headers()) {
        return Err(ApiError::forbidden());
    }
    let body = axum::body::to_bytes(req.into_body(), MAX_BODY)
        .await
        .map_err(|_| ApiError::bad_content("Unreadable request body."))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_content(format!("Malformed control request: {e}.")))
}

fn faults_json(sandbox: &Sandbox) -> Response {
    Json(sandbox.faults().state()).into_response()
}

async fn get_faults(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    checked_body::<NoFields>(req).await?;
    Ok(faults_json(&sandbox))
}

async fn set_faults(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    let request: FaultsRequest = checked_body(req).await?;
    if request.latency_ms.is_some_and(|ms| ms > MAX_LATENCY_MS) {
        return Err(ApiError::illegal(format!(
            "Illegal value for \"latencyMs\": at most {MAX_LATENCY_MS}."
        )));
    }
    if let Some(fail) = &request.fail_next
        && !(400..=599).contains(&fail.status)
    {
        return Err(ApiError::illegal(
            "Illegal value for \"failNext.status\": 400 to 599 expected (429 or 500 typically).",
        ));
    }
    let faults = sandbox.faults();
    if let Some(ms) = request.latency_ms {
        faults.set_latency(Duration::from_millis(ms));
    }
    if let Some(fail) = request.fail_next {
        faults.fail_next(fail.count, fail.status);
    }
    if request.expire_tokens == Some(true) {
        faults.expire_all_tokens();
    }
    Ok(faults_json(&sandbox))
}

async fn reset(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    let request: ResetRequest = checked_body(req).await?;
    sandbox.reset(request.data);
    let state = sandbox.faults().state();
    Ok(Json(json!({
        "latencyMs": state.latency_ms.as_millis() as u64,
        "failNext": state.fail_next,
        "rotateRefreshTokens": sandbox.rotate_refresh_tokens(),
        "data": request.data,
    }))
    .into_response())
}

fn oauth_json(sandbox: &Sandbox) -> Response {
    Json(json!({"rotateRefreshTokens": sandbox.rotate_refresh_tokens()})).into_response()
}

async fn get_oauth(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    checked_body::<NoFields>(req).await?;
    Ok(oauth_json(&sandbox))
}

async fn set_oauth(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    let request: OAuthRequest = checked_body(req).await?;
    if let Some(rotate) = request.rotate_refresh_tokens {
        sandbox.set_rotate_refresh_tokens(rotate);
    }
    Ok(oauth_json(&sandbox))
}

async fn get_stats(State(sandbox): State<Sandbox>, req: Request) -> Result<Response, ApiError> {
    checked_body::<NoFields>(req).await?;
    Ok(Json(sandbox.stats()).into_response())
}

fn unknown_user(user_name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        errors::NOT_FOUND,
        format!("Unknown user \"{user_name}\"."),
    )
}

/// The `{userName}` of the path, once the peer checks have passed.
fn path_user(user_name: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    user_name
        .map(|Path(name)| name)
        .map_err(|e| ApiError::bad_content(format!("Malformed user name: {e}.")))
}

fn levels_json(user_name: &str, levels: Vec<String>) -> Response {
    Json(json!({"userName": user_name, "levels": levels})).into_response()
}

async fn get_levels(
    State(sandbox): State<Sandbox>,
    user_name: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    checked_body::<NoFields>(req).await?;
    let user_name = path_user(user_name)?;
    let levels = sandbox
        .user_levels(&user_name)
        .ok_or_else(|| unknown_user(&user_name))?;
    Ok(levels_json(&user_name, levels))
}

async fn set_levels(
    State(sandbox): State<Sandbox>,
    user_name: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let request: LevelsRequest = checked_body(req).await?;
    let user_name = path_user(user_name)?;
    let levels = request.levels.ok_or_else(|| {
        ApiError::required("\"levels\" is required: a list of user levels, [] for none.")
    })?;
    match sandbox.set_user_levels(&user_name, levels) {
        Ok(()) => {}
        Err(UserLevelsError::UnknownUser(_)) => return Err(unknown_user(&user_name)),
        Err(UserLevelsError::IllegalLevel(level)) => {
            return Err(ApiError::illegal(format!(
                "Illegal value for \"levels\": {level:?} (1 to 128 printable ASCII characters, no spaces)."
            )));
        }
    }
    let levels = sandbox.user_levels(&user_name).unwrap_or_default();
    Ok(levels_json(&user_name, levels))
}

fn not_found(text: String) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, errors::NOT_FOUND, text)
}

/// A path segment, once the peer checks have passed.
fn path_param(value: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    value
        .map(|Path(v)| v)
        .map_err(|e| ApiError::bad_content(format!("Malformed path: {e}.")))
}

/// Now minus `minutes` (0 to [`MAX_MINUTES_AGO`]).
fn minutes_ago(minutes: i64, field: &str) -> Result<OffsetDateTime, ApiError> {
    if !(0..=MAX_MINUTES_AGO).contains(&minutes) {
        return Err(ApiError::illegal(format!(
            "Illegal value for \"{field}\": 0 to {MAX_MINUTES_AGO} minutes expected."
        )));
    }
    Ok(OffsetDateTime::now_utc() - time::Duration::minutes(minutes))
}

async fn list_people(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    req: Request,
) -> Result<Response, ApiError> {
    checked_body::<NoFields>(req).await?;
    let q = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().to_lowercase())
        .unwrap_or_default();
    let store = sandbox.shared.store.lock();
    let matching: Vec<&people::Person> = store
        .people
        .persons
        .iter()
        .filter(|p| {
            [&p.name, &p.display_name(), &p.email]
                .iter()
                .any(|f| f.to_lowercase().contains(&q))
        })
        .collect();
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .take(PEOPLE_CAP)
        .map(people::Person::control_json)
        .collect();
    let mut res = Json(page).into_response();
    res.headers_mut()
        .insert("x-total-count", HeaderValue::from(total));
    Ok(res)
}

async fn add_event(
    State(sandbox): State<Sandbox>,
    identity_id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let request: EventRequest = checked_body(req).await?;
    let identity_id = path_param(identity_id)?;
    let action = request.action.ok_or_else(|| {
        ApiError::required(format!(
            "\"action\" is required: one of {}.",
            EVENT_ACTIONS.join(", ")
        ))
    })?;
    if !EVENT_ACTIONS.contains(&action.as_str()) {
        return Err(ApiError::illegal(format!(
            "Illegal value {action:?} for \"action\": one of {} expected.",
            EVENT_ACTIONS.join(", ")
        )));
    }
    let source_id = request
        .source_id
        .ok_or_else(|| ApiError::required("\"sourceId\" is required."))?;
    let at = minutes_ago(request.minutes_ago.unwrap_or(0), "minutesAgo")?;
    let mut store = sandbox.shared.store.lock();
    let group = store
        .groups()
        .iter()
        .find(|g| g.source_ids.contains(&source_id))
        .map(|g| g.name.clone());
    let person = store
        .people
        .person(&identity_id)
        .ok_or_else(|| not_found(format!("Unknown identity \"{identity_id}\".")))?;
    let Some(account) = person.accounts.iter().find(|a| a.source.id == source_id) else {
        return Err(not_found(if store.source(&source_id).is_none() {
            format!("Unknown source \"{source_id}\".")
        } else {
            format!("Identity \"{identity_id}\" has no account on source \"{source_id}\".")
        }));
    };
    let failed = action.ends_with("_FAILED");
    let input = EventInput {
        action: action.clone(),
        created: at,
        actor: person.name.clone(),
        target: person.name.clone(),
        source: Some((account.source.id.clone(), account.source.name.clone())),
        account_name: Some(account.name.clone()),
        group,
        error: failed.then(|| {
            request
                .message
                .unwrap_or_else(|| people::FAILURE_MESSAGES[0].to_owned())
        }),
    };
    let account_id = account.id.clone();
    let event = people::event_json(&input, ids::hex32(), ids::hex32());
    if SETS_PASSWORD.contains(&action.as_str())
        && let Some(account) = store.people.account_mut(&account_id)
    {
        account.password_last_set = Some(at);
    }
    store.people.add_event(event.clone());
    Ok(Json(event).into_response())
}

async fn patch_account(
    State(sandbox): State<Sandbox>,
    account_id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let request: AccountPatch = checked_body(req).await?;
    let account_id = path_param(account_id)?;
    let password_last_set = request
        .password_last_set_minutes_ago
        .map(|m| {
            m.map(|m| minutes_ago(m, "passwordLastSetMinutesAgo"))
                .transpose()
        })
        .transpose()?;
    let mut store = sandbox.shared.store.lock();
    let account = store
        .people
        .account_mut(&account_id)
        .ok_or_else(|| not_found(format!("Unknown account \"{account_id}\".")))?;
    if let Some(locked) = request.locked {
        account.locked = locked;
    }
    if let Some(disabled) = request.disabled {
        account.disabled = disabled;
    }
    if let Some(pls) = password_last_set {
        account.password_last_set = pls;
    }
    Ok(Json(account.search_json()).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_unrelayed_loopback_peers() {
        let none = HeaderMap::new();
        assert!(is_local_peer(
            Some("127.0.0.1:5000".parse().unwrap()),
            &none
        ));
        assert!(is_local_peer(
            Some("127.8.9.10:5000".parse().unwrap()),
            &none
        ));
        assert!(is_local_peer(Some("[::1]:5000".parse().unwrap()), &none));
        assert!(is_local_peer(
            Some("[::ffff:127.0.0.1]:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(
            Some("192.0.2.7:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(
            Some("[2001:db8::1]:5000".parse().unwrap()),
            &none
        ));
        assert!(!is_local_peer(None, &none));
        let mut relayed = HeaderMap::new();
        relayed.insert("x-forwarded-for", HeaderValue::from_static("198.51.100.4"));
        assert!(!is_local_peer(
            Some("127.0.0.1:5000".parse().unwrap()),
            &relayed
        ));
    }
}
