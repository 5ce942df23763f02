//! `POST /search` (ISC v3 `searchPost`) over the generated population: the `identities` index
//! (one document per person, [`Person::search_json`](crate::people::Person::search_json)) and
//! the `events` index (their `PASSWORD_ACTIVITY` events).
//!
//! Request body (SailPoint's `Search` schema), as far as the sandbox goes:
//! - `indices` (required, as ISC answers without it): `identities`, `events`, or `*` (both). The
//!   other ISC indices (`accessprofiles`, `accountactivities`, `entitlements`, `roles`) are
//!   `400.1.3` saying the sandbox does not serve them; an unknown name is `400.1.3` too.
//! - `queryType`: `SAILPOINT` (the default); `DSL`, `TEXT`, `TYPEAHEAD` are `400.1.3` "not
//!   supported by the sandbox".
//! - `query`: `query` (required; the language of the `query_string` module), `fields` (the
//!   fields of bare terms: a comma-separated string as the schema says, or an array as the
//!   spec's own example sends), `timeZone` (UTC or a fixed offset; see `query_string`);
//!   `innerHit` is refused.
//! - `filters` (`EXISTS`, `RANGE` with date math, `TERMS` matching whole values, `exclude`),
//!   AND'ed with the query.
//! - `sort`: `["-created", "+id"]` (a single string works too); dates sort as dates, numbers as
//!   numbers, strings case-insensitively (ISC does not say; exact case breaks ties), missing
//!   values last in both directions (ES's default). A field that no document of the searched
//!   indices has is `400.1.3` (ES: "No mapping found for [x] in order to sort on").
//! - `searchAfter`: the sort values of the last document seen; the page starts strictly after
//!   it. Needs `sort`, as many values as sort fields, and `offset` 0 (ES's rules). Dates may be
//!   RFC 3339 strings or epoch milliseconds.
//! - `queryResultFilter {includes, excludes}`: ES `_source` filtering with dotted paths and `*`
//!   (`accounts.source.name`, `accounts.*`, `*.name`); `_type` is always kept so clients can
//!   tell documents apart. `includeNested: false` leaves out `accounts` (and ISC's other nested
//!   types) from identities.
//! - Ignored, as ISC ignores what its query type does not use: `queryVersion`, `queryDsl`,
//!   `textQuery`, `typeAheadQuery`, aggregation fields, unknown fields.
//!
//! Query parameters: `limit` 0–10000 (default 250), `offset`, `count=true` (`X-Total-Count`:
//! every match, whatever `searchAfter`, `offset` and `limit`); `offset + limit` over 10000 is
//! refused (ES's result window: page further with `searchAfter`). Without `sort`, documents come
//! in index order (identities as generated, events oldest first): ES would order by relevance.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use axum::Extension;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::paging::{Paging, paging_up_to, query_params};
use super::query_string::{
    self, Glob, Matcher, Node, Options, Range, Zone, field_target, scalar_text, value_date,
    values_at,
};
use crate::Sandbox;
use crate::auth::{Caller, Operation};
use crate::errors::ApiError;

const MAX_LIMIT: usize = 10_000;
const DEFAULT_LIMIT: usize = 250;
/// ES's `index.max_result_window`: `offset + limit` may not exceed it.
const RESULT_WINDOW: usize = 10_000;

/// ISC's indices the sandbox knows but holds no documents for.
const NOT_SERVED: [&str; 4] = [
    "accessprofiles",
    "accountactivities",
    "entitlements",
    "roles",
];
/// Nested document types of identities, left out with `includeNested: false`.
const NESTED: [&str; 4] = ["accounts", "access", "apps", "owns"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Index {
    Identities,
    Events,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchRequest {
    indices: Option<Vec<String>>,
    query_type: Option<String>,
    query: Option<QueryPart>,
    include_nested: Option<bool>,
    query_result_filter: Option<ResultFilter>,
    sort: Option<Value>,
    search_after: Option<Vec<Value>>,
    filters: Option<BTreeMap<String, FilterSpec>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct QueryPart {
    query: Option<String>,
    fields: Option<Value>,
    time_zone: Option<String>,
    inner_hit: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct ResultFilter {
    includes: Option<Vec<String>>,
    excludes: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct FilterSpec {
    #[serde(rename = "type")]
    kind: Option<String>,
    range: Option<RangeSpec>,
    terms: Option<Vec<String>>,
    exclude: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct RangeSpec {
    lower: Option<BoundSpec>,
    upper: Option<BoundSpec>,
}

#[derive(Debug, Deserialize)]
struct BoundSpec {
    value: String,
    inclusive: Option<bool>,
}

pub(crate) async fn search(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.authorize(Operation::Search)?;
    let paging = paging_up_to(&query_params(query), MAX_LIMIT, DEFAULT_LIMIT)?;
    let request = parse_body(&headers, body)?;
    let plan = Plan::new(request, OffsetDateTime::now_utc())?;
    plan.check_window(&paging)?;
    // Searched in place (no copies but the page's): the lock is held for a few milliseconds.
    let (total, page) = {
        let store = sandbox.shared.store.lock();
        let mut docs: Vec<&Value> = Vec::new();
        for index in &plan.indices {
            match index {
                Index::Identities => docs.extend(store.people.identity_documents()),
                Index::Events => docs.extend(&store.people.events),
            }
        }
        plan.run(&docs, &paging)?
    };
    let mut res = Json(page).into_response();
    if paging.count {
        res.headers_mut()
            .insert("x-total-count", HeaderValue::from(total));
    }
    Ok(res)
}

/// A JSON object; wrong media type or malformed JSON is `400.1 Bad Request Content`.
fn parse_body(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<SearchRequest, ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if media_type != "application/json" && !media_type.ends_with("+json") {
        return Err(ApiError::bad_content(
            "The request body must be JSON (Content-Type: application/json).",
        ));
    }
    let body = body.map_err(|e| ApiError::bad_content(e.body_text()))?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_content(format!("Malformed JSON request body: {e}.")))?;
    if !value.is_object() {
        return Err(ApiError::bad_content(
            "The request body must be a JSON object (a Search).",
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| ApiError::bad_content(format!("Malformed search request: {e}.")))
}

/// A string (comma-separated) or an array of strings, trimmed, empty entries dropped.
fn string_list(value: Option<&Value>, field: &str) -> Result<Vec<String>, ApiError> {
    let wrong = || {
        ApiError::bad_content(format!(
            "\"{field}\" must be a string or an array of strings."
        ))
    };
    let items: Vec<String> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split(',').map(str::to_owned).collect(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(wrong))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(wrong()),
    };
    Ok(items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

#[derive(Debug, Clone)]
struct SortField {
    path: String,
    desc: bool,
}

/// A validated request.
struct Plan {
    indices: Vec<Index>,
    query: Node,
    sort: Vec<SortField>,
    search_after: Option<Vec<Value>>,
    include_nested: bool,
    source: SourceFilter,
}

impl Plan {
    fn new(request: SearchRequest, now: OffsetDateTime) -> Result<Plan, ApiError> {
        let indices = indices(request.indices.unwrap_or_default())?;
        match request.query_type.as_deref() {
            None | Some("SAILPOINT") => {}
            Some(t @ ("DSL" | "TEXT" | "TYPEAHEAD")) => {
                return Err(ApiError::illegal(format!(
                    "queryType \"{t}\" is not supported by the sandbox: use SAILPOINT with query.query."
                )));
            }
            Some(t) => {
                return Err(ApiError::illegal(format!(
                    "Illegal value \"{t}\" for \"queryType\": one of DSL, SAILPOINT, TEXT, TYPEAHEAD is expected."
                )));
            }
        }
        let part = request.query.unwrap_or_default();
        if part.inner_hit.as_ref().is_some_and(|v| !v.is_null()) {
            return Err(ApiError::illegal(
                "query.innerHit is not supported by the sandbox.",
            ));
        }
        let Some(text) = part.query else {
            return Err(ApiError::required(
                "\"query.query\" is required for queryType SAILPOINT.",
            ));
        };
        let options = Options {
            default_fields: string_list(part.fields.as_ref(), "query.fields")?,
            now,
            zone: part
                .time_zone
                .as_deref()
                .map_or(Zone::Fixed(time::UtcOffset::UTC), Zone::parse),
        };
        let invalid = |e: query_string::QueryError| {
            ApiError::bad_content(format!("Invalid query \"{text}\": {e}."))
        };
        let mut query = query_string::parse(&text, &options).map_err(invalid)?;
        let filters = request.filters.unwrap_or_default();
        if !filters.is_empty() {
            let mut all = vec![query];
            for (field, spec) in filters {
                all.push(filter_node(&field, spec, &options)?);
            }
            query = Node::And(all);
        }
        let sort = string_list(request.sort.as_ref(), "sort")?
            .into_iter()
            .map(|s| {
                let (desc, path) = match s.strip_prefix('-') {
                    Some(path) => (true, path),
                    None => (false, s.strip_prefix('+').unwrap_or(&s)),
                };
                let path = path.trim().to_owned();
                if path.is_empty() {
                    return Err(ApiError::illegal(format!(
                        "Illegal value \"{s}\" for \"sort\": a field name is expected."
                    )));
                }
                Ok(SortField { path, desc })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let search_after = request.search_after;
        if let Some(after) = &search_after {
            if sort.is_empty() {
                return Err(ApiError::illegal(
                    "\"searchAfter\" needs \"sort\": sort must contain at least one field.",
                ));
            }
            if after.len() != sort.len() {
                return Err(ApiError::illegal(format!(
                    "\"searchAfter\" has {} value(s) but \"sort\" has {}.",
                    after.len(),
                    sort.len()
                )));
            }
        }
        let filter = request.query_result_filter.unwrap_or_default();
        Ok(Plan {
            indices,
            query,
            sort,
            search_after,
            include_nested: request.include_nested.unwrap_or(true),
            source: SourceFilter {
                includes: globs(filter.includes),
                excludes: globs(filter.excludes),
            },
        })
    }

    fn check_window(&self, paging: &Paging) -> Result<(), ApiError> {
        if self.search_after.is_some() && paging.offset > 0 {
            return Err(ApiError::illegal(
                "\"offset\" must be 0 when \"searchAfter\" is used.",
            ));
        }
        if paging.offset.saturating_add(paging.limit) > RESULT_WINDOW {
            return Err(ApiError::illegal(format!(
                "Result window is too large: offset + limit must be at most {RESULT_WINDOW}; use searchAfter to page further."
            )));
        }
        Ok(())
    }

    /// The total number of matches and the requested page, shaped.
    fn run(&self, docs: &[&Value], paging: &Paging) -> Result<(usize, Vec<Value>), ApiError> {
        // The sort fields' kinds, from every document of the indices (ES's mapping).
        let mut kinds: Vec<Option<Key>> = Vec::with_capacity(self.sort.len());
        for field in &self.sort {
            let mut seen = false;
            let kind = docs.iter().find_map(|doc| {
                let values = values_at(doc, &field.path);
                seen |= !values.is_empty();
                values.into_iter().find_map(Key::of)
            });
            if kind.is_none() {
                let why = if seen {
                    format!("[{}] holds objects, not values", field.path)
                } else {
                    format!("No mapping found for [{}] in order to sort on", field.path)
                };
                return Err(ApiError::illegal(format!(
                    "Illegal value \"{}\" for \"sort\": {why}.",
                    field.path
                )));
            }
            kinds.push(kind);
        }
        let after = match &self.search_after {
            Some(values) => Some(
                values
                    .iter()
                    .zip(&self.sort)
                    .zip(&kinds)
                    .map(|((v, f), kind)| Key::after(v, kind.as_ref(), &f.path))
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            None => None,
        };
        let mut hits: Vec<(Vec<Option<Key>>, &Value)> = docs
            .iter()
            .filter(|doc| self.query.matches(doc))
            .map(|&doc| {
                let keys = self.sort.iter().map(|f| Key::of_doc(doc, f)).collect();
                (keys, doc)
            })
            .collect();
        let total = hits.len();
        if !self.sort.is_empty() {
            hits.sort_by(|a, b| compare(&a.0, &b.0, &self.sort));
        }
        if let Some(after) = &after {
            hits.retain(|(keys, _)| compare(keys, after, &self.sort) == Ordering::Greater);
        }
        let page = hits
            .into_iter()
            .skip(paging.offset)
            .take(paging.limit)
            .map(|(_, doc)| self.shape(doc.clone()))
            .collect();
        Ok((total, page))
    }

    fn shape(&self, mut doc: Value) -> Value {
        if !self.include_nested
            && doc["_type"] == "identity"
            && let Some(map) = doc.as_object_mut()
        {
            for nested in NESTED {
                map.remove(nested);
            }
        }
        self.source.apply(doc)
    }
}

fn indices(names: Vec<String>) -> Result<Vec<Index>, ApiError> {
    if names.is_empty() {
        return Err(ApiError::required(
            "\"indices\" is required: the sandbox serves \"identities\" and \"events\".",
        ));
    }
    let mut out = Vec::new();
    for name in names {
        let found: &[Index] = match name.as_str() {
            "identities" => &[Index::Identities],
            "events" => &[Index::Events],
            "*" => &[Index::Identities, Index::Events],
            n if NOT_SERVED.contains(&n) => {
                return Err(ApiError::illegal(format!(
                    "The sandbox does not serve the \"{n}\" index: only \"identities\" and \"events\" are searchable here."
                )));
            }
            n => {
                return Err(ApiError::illegal(format!(
                    "Illegal value \"{n}\" for \"indices\": one of accessprofiles, accountactivities, entitlements, events, identities, roles or * is expected."
                )));
            }
        };
        for index in found {
            if !out.contains(index) {
                out.push(*index);
            }
        }
    }
    Ok(out)
}

/// One `filters` entry as a query node.
fn filter_node(field: &str, spec: FilterSpec, options: &Options) -> Result<Node, ApiError> {
    let target = field_target(field);
    let matcher = match spec.kind.as_deref() {
        Some("EXISTS") => Matcher::Exists,
        Some("RANGE") => {
            let range = spec.range.ok_or_else(|| {
                ApiError::required(format!(
                    "\"filters.{field}.range\" is required for a RANGE filter."
                ))
            })?;
            let bound = |b: &Option<BoundSpec>| {
                b.as_ref()
                    .map(|b| (b.value.clone(), b.inclusive.unwrap_or(false)))
            };
            let (lower, upper) = (bound(&range.lower), bound(&range.upper));
            let range = Range::new(
                lower.as_ref().map(|(v, inc)| (v.as_str(), *inc)),
                upper.as_ref().map(|(v, inc)| (v.as_str(), *inc)),
                options,
            )
            .map_err(|e| {
                ApiError::illegal(format!("Illegal range in \"filters.{field}\": {e}."))
            })?;
            Matcher::Range(range)
        }
        Some("TERMS") => {
            let terms = spec.terms.ok_or_else(|| {
                ApiError::required(format!(
                    "\"filters.{field}.terms\" is required for a TERMS filter."
                ))
            })?;
            Matcher::Keyword(terms.iter().map(|t| t.to_lowercase()).collect())
        }
        Some(other) => {
            return Err(ApiError::illegal(format!(
                "Illegal value \"{other}\" for \"filters.{field}.type\": one of EXISTS, RANGE, TERMS is expected."
            )));
        }
        None => {
            return Err(ApiError::required(format!(
                "\"filters.{field}.type\" is required."
            )));
        }
    };
    let node = Node::Field { target, matcher };
    Ok(if spec.exclude.unwrap_or(false) {
        Node::Not(Box::new(node))
    } else {
        node
    })
}

/// A sort value.
#[derive(Debug, Clone, PartialEq)]
enum Key {
    Num(f64),
    Date(OffsetDateTime),
    /// Lowercased, then exact (the tie-break).
    Text(String, String),
    Bool(bool),
}

impl Key {
    fn of(value: &Value) -> Option<Key> {
        match value {
            Value::Number(n) => n.as_f64().map(Key::Num),
            Value::Bool(b) => Some(Key::Bool(*b)),
            Value::String(s) => Some(match value_date(value) {
                Some(d) => Key::Date(d),
                None => Key::Text(s.to_lowercase(), s.clone()),
            }),
            _ => None,
        }
    }

    /// A document's value for a sort field: the smallest of several when ascending, the largest
    /// when descending (ES's default `mode`).
    fn of_doc(doc: &Value, field: &SortField) -> Option<Key> {
        values_at(doc, &field.path)
            .into_iter()
            .filter_map(Key::of)
            .reduce(|a, b| {
                let b_first = if field.desc {
                    b.order(&a) == Ordering::Greater
                } else {
                    b.order(&a) == Ordering::Less
                };
                if b_first { b } else { a }
            })
    }

    /// A `searchAfter` value read as the field's kind; `null` means "missing".
    fn after(value: &Value, kind: Option<&Key>, field: &str) -> Result<Option<Key>, ApiError> {
        if value.is_null() {
            return Ok(None);
        }
        let text = scalar_text(value);
        let key = match kind {
            Some(Key::Date(_)) => value_date(value).map(Key::Date).or_else(|| {
                let ms = value.as_i64().or_else(|| text.as_deref()?.parse().ok())?;
                OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
                    .ok()
                    .map(Key::Date)
            }),
            Some(Key::Num(_)) => value
                .as_f64()
                .or_else(|| text.as_deref()?.trim().parse().ok())
                .map(Key::Num),
            Some(Key::Bool(_)) => match text.as_deref() {
                Some("true") => Some(Key::Bool(true)),
                Some("false") => Some(Key::Bool(false)),
                _ => None,
            },
            _ => text.map(|t| Key::Text(t.to_lowercase(), t)),
        };
        key.map(Some).ok_or_else(|| {
            ApiError::illegal(format!(
                "Illegal value {value} in \"searchAfter\" for the sort field \"{field}\"."
            ))
        })
    }

    fn rank(&self) -> u8 {
        match self {
            Key::Num(_) => 0,
            Key::Date(_) => 1,
            Key::Text(..) => 2,
            Key::Bool(_) => 3,
        }
    }

    fn order(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Num(a), Key::Num(b)) => a.total_cmp(b),
            (Key::Date(a), Key::Date(b)) => a.cmp(b),
            (Key::Text(a, x), Key::Text(b, y)) => a.cmp(b).then_with(|| x.cmp(y)),
            (Key::Bool(a), Key::Bool(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Sort order of two documents' keys: each field in its direction, missing values last.
fn compare(a: &[Option<Key>], b: &[Option<Key>], sort: &[SortField]) -> Ordering {
    for ((x, y), field) in a.iter().zip(b).zip(sort) {
        let order = match (x, y) {
            (Some(x), Some(y)) if field.desc => y.order(x),
            (Some(x), Some(y)) => x.order(y),
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

fn globs(patterns: Option<Vec<String>>) -> Vec<Glob> {
    patterns
        .unwrap_or_default()
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(Glob::new)
        .collect()
}

/// ES `_source` filtering: a field is kept if a pattern of `includes` matches its dotted path
/// (then with everything below it) or may match something below it; `excludes` then removes
/// matching fields with everything below them. No includes means everything.
#[derive(Debug, Default)]
struct SourceFilter {
    includes: Vec<Glob>,
    excludes: Vec<Glob>,
}

impl SourceFilter {
    fn apply(&self, doc: Value) -> Value {
        if self.includes.is_empty() && self.excludes.is_empty() {
            return doc;
        }
        let Value::Object(map) = doc else {
            return doc;
        };
        let doc_type = map.get("_type").cloned();
        let mut out = self.object(map, "", false);
        if let Some(doc_type) = doc_type {
            out.insert("_type".to_owned(), doc_type);
        }
        Value::Object(out)
    }

    fn object(&self, map: Map<String, Value>, prefix: &str, included: bool) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in map {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            if self.excludes.iter().any(|g| g.matches(&path)) {
                continue;
            }
            let kept = if included
                || self.includes.is_empty()
                || self.includes.iter().any(|g| g.matches(&path))
            {
                self.value(value, &path, true)
            } else if self
                .includes
                .iter()
                .any(|g| g.may_match_below(&format!("{path}.")))
            {
                self.value(value, &path, false)
            } else {
                None
            };
            if let Some(kept) = kept {
                out.insert(key, kept);
            }
        }
        out
    }

    /// `None`: nothing of it is kept.
    fn value(&self, value: Value, path: &str, included: bool) -> Option<Value> {
        match value {
            Value::Object(map) => {
                let map = self.object(map, path, included);
                (included || !map.is_empty()).then_some(Value::Object(map))
            }
            Value::Array(items) => {
                let items: Vec<Value> = items
                    .into_iter()
                    .filter_map(|item| self.value(item, path, included))
                    .collect();
                (included || !items.is_empty()).then_some(Value::Array(items))
            }
            other => included.then_some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn filter(includes: &[&str], excludes: &[&str]) -> SourceFilter {
        SourceFilter {
            includes: includes.iter().map(|p| Glob::new(p)).collect(),
            excludes: excludes.iter().map(|p| Glob::new(p)).collect(),
        }
    }

    fn doc() -> Value {
        json!({
            "id": "i1", "name": "olivia.smith", "_type": "identity",
            "manager": {"id": "m1", "name": "boss"},
            "accounts": [
                {"id": "a1", "name": "x", "source": {"id": "s1", "name": "AD", "type": "Active Directory"}, "passwordLastSet": null},
                {"id": "a2", "name": "y", "source": {"id": "s2", "name": "Entra", "type": "Azure"}, "passwordLastSet": "2026-01-01T00:00:00.000Z"},
            ],
        })
    }

    #[test]
    fn source_filtering() {
        assert_eq!(filter(&[], &[]).apply(doc()), doc());
        assert_eq!(
            filter(&["id", "accounts.id", "accounts.source.name"], &[]).apply(doc()),
            json!({"id": "i1", "_type": "identity", "accounts": [
                {"id": "a1", "source": {"name": "AD"}}, {"id": "a2", "source": {"name": "Entra"}}]})
        );
        assert_eq!(
            filter(&["accounts.source", "accounts.passwordLastSet"], &[]).apply(doc())["accounts"]
                [0],
            json!({"source": {"id": "s1", "name": "AD", "type": "Active Directory"}, "passwordLastSet": null})
        );
        assert_eq!(
            filter(&["*.name"], &[]).apply(doc()),
            json!({"_type": "identity", "manager": {"name": "boss"}, "accounts": [
                {"name": "x", "source": {"name": "AD"}}, {"name": "y", "source": {"name": "Entra"}}]})
        );
        assert_eq!(
            filter(&[], &["accounts", "manager.*"]).apply(doc()),
            json!({"id": "i1", "name": "olivia.smith", "_type": "identity", "manager": {}})
        );
        assert_eq!(
            filter(&["accounts.*"], &["accounts.source.*", "accounts.name"]).apply(doc())["accounts"]
                [1],
            json!({"id": "a2", "source": {}, "passwordLastSet": "2026-01-01T00:00:00.000Z"})
        );
        assert_eq!(
            filter(&["nothing"], &[]).apply(doc()),
            json!({"_type": "identity"})
        );
    }

    #[test]
    fn sort_keys() {
        let asc = SortField {
            path: "accounts.passwordLastSet".into(),
            desc: false,
        };
        let desc = SortField {
            desc: true,
            ..asc.clone()
        };
        let date = |s: &str| Key::of(&json!(s));
        assert_eq!(Key::of_doc(&doc(), &asc), date("2026-01-01T00:00:00Z"));
        assert_eq!(Key::of_doc(&doc(), &desc), date("2026-01-01T00:00:00.000Z"));
        let sort = [asc.clone()];
        // Missing values last, in both directions.
        assert_eq!(
            compare(&[None], &[date("2026-01-01T00:00:00Z")], &sort),
            Ordering::Greater
        );
        assert_eq!(
            compare(&[None], &[date("2026-01-01T00:00:00Z")], &[desc]),
            Ordering::Greater
        );
        // Fractions of a second compare as time, not as text.
        assert_eq!(
            compare(
                &[date("2026-01-01T00:00:00.5Z")],
                &[date("2026-01-01T00:00:00Z")],
                &sort
            ),
            Ordering::Greater
        );
        let name = [SortField {
            path: "n".into(),
            desc: false,
        }];
        let text = |s: &str| Key::of(&json!(s));
        assert_eq!(
            compare(&[text("apple")], &[text("Banana")], &name),
            Ordering::Less
        );
        assert_eq!(
            compare(&[text("Apple")], &[text("apple")], &name),
            Ordering::Less
        );
        let kind = date("2026-01-01T00:00:00Z");
        assert_eq!(
            Key::after(&json!(1_767_225_600_000_i64), kind.as_ref(), "created").unwrap(),
            date("2026-01-01T00:00:00Z")
        );
        assert!(Key::after(&json!("soon"), kind.as_ref(), "created").is_err());
        assert_eq!(
            Key::after(&Value::Null, kind.as_ref(), "created").unwrap(),
            None
        );
    }

    #[test]
    fn request_checks() {
        let now = OffsetDateTime::now_utc();
        let plan =
            |body: Value| Plan::new(serde_json::from_value(body).unwrap(), now).map(|p| p.indices);
        assert_eq!(
            plan(json!({"indices": ["*", "events"], "query": {"query": "*"}})).unwrap(),
            [Index::Identities, Index::Events]
        );
        for (body, code) in [
            (json!({"query": {"query": "*"}}), crate::errors::REQUIRED),
            (
                json!({"indices": [], "query": {"query": "*"}}),
                crate::errors::REQUIRED,
            ),
            (
                json!({"indices": ["roles"], "query": {"query": "*"}}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["people"], "query": {"query": "*"}}),
                crate::errors::ILLEGAL,
            ),
            (json!({"indices": ["identities"]}), crate::errors::REQUIRED),
            (
                json!({"indices": ["identities"], "queryType": "DSL", "query": {"query": "*"}}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "queryType": "sailpoint", "query": {"query": "*"}}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "a:"}}),
                crate::errors::BAD_CONTENT,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*", "innerHit": {"type": "access", "query": "*"}}}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*"}, "searchAfter": ["x"]}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["id"], "searchAfter": ["x", "y"]}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*"}, "sort": ["-"]}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*"}, "filters": {"x": {"type": "MAYBE"}}}),
                crate::errors::ILLEGAL,
            ),
            (
                json!({"indices": ["identities"], "query": {"query": "*"}, "filters": {"x": {"type": "TERMS"}}}),
                crate::errors::REQUIRED,
            ),
        ] {
            let e = plan(body.clone()).unwrap_err();
            assert_eq!(e.detail_code, code, "{body}: {}", e.text);
        }
    }
}
