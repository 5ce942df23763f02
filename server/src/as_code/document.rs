//! The document: every sync group of a tenant, naming policies and sources by name (ids
//! alongside), in a stable order and without timestamps, so that it can be kept in git and
//! diffed.
//!
//! ```json
//! {
//!   "format": "sync-groups-console/v1",
//!   "tenant": "acme",
//!   "prune": false,
//!   "groups": [
//!     {
//!       "name": "Corporate Sign-in",
//!       "id": "6881f631-3bd5-4213-9c75-8e05cc3e35dd",
//!       "passwordPolicy": { "name": "Corporate Standard", "id": "2c91808d744ba0ce01746f93b6204501" },
//!       "sources": [
//!         { "name": "Corporate AD", "id": "2c918084660f45d6016617daa9210584" },
//!         { "name": "Entra ID", "id": "2c918084660f45d6016617dab5a10591" }
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! - `tenant` is informative (where it was exported from); `prune` (default `false`) asks to
//!   delete the tenant's groups the document does not mention; ids are optional on input.
//! - Groups are ordered by name (case-insensitive, then exactly), each group's sources by name;
//!   two-space indentation and a trailing newline, as most editors and `git diff` expect.
//! - JSON only. YAML is not read: one format keeps one set of error messages, and JSON is what
//!   ISC and its tools speak.
//! - Unknown fields are refused (a misspelt `passwordPolicy` would otherwise be read as missing).
//! - A group appears once: two entries with one name (ignoring case and surrounding spaces) or
//!   one id are refused, unless different ids tell two same-named entries apart.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use app::model::english::capitalize;
use app::model::plan::Problem;

use super::TenantState;

/// The `format` of this version of the document.
pub const FORMAT: &str = "sync-groups-console/v1";

/// Largest document read, in bytes; checked before anything is parsed.
pub const MAX_BYTES: usize = 1024 * 1024;

/// Most groups one document may hold: far more than real tenants have in one place, and it
/// bounds the work one plan causes (every group is matched, validated and explained).
pub const MAX_GROUPS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Document {
    pub format: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default)]
    pub prune: bool,
    pub groups: Vec<DocumentGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DocumentGroup {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub password_policy: Reference,
    pub sources: Vec<Reference>,
}

/// A policy or source: its name (what is matched), and its id in the tenant it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// Absent only when the tenant no longer knew the object when the document was exported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

impl Reference {
    /// The name, unless blank.
    pub fn name(&self) -> Option<&str> {
        self.name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
    }

    /// The id, unless blank.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref().map(str::trim).filter(|n| !n.is_empty())
    }

    /// The name, else the id, for messages.
    pub fn label(&self) -> String {
        match (self.name(), self.id()) {
            (Some(name), _) => name.to_string(),
            (None, Some(id)) => format!("id {id}"),
            (None, None) => "(no name)".to_string(),
        }
    }
}

/// The tenant's groups as a document (`tenant` names where it comes from), as text: stably
/// ordered, pretty-printed, with a trailing newline.
pub fn export(state: &TenantState, tenant: &str) -> String {
    to_text(&document_of(state, tenant))
}

/// The tenant's groups as a document, stably ordered.
pub fn document_of(state: &TenantState, tenant: &str) -> Document {
    let mut groups: Vec<DocumentGroup> = state
        .groups
        .iter()
        .map(|g| {
            let mut sources: Vec<Reference> = g
                .sources
                .iter()
                .map(|s| Reference {
                    name: s.name.clone(),
                    id: Some(s.id.clone()),
                })
                .collect();
            sources.sort_by(|a, b| order(&a.name, &b.name).then_with(|| a.id.cmp(&b.id)));
            DocumentGroup {
                name: g.name.clone(),
                id: Some(g.id.clone()).filter(|id| !id.is_empty()),
                password_policy: Reference {
                    name: g.policy.name.clone(),
                    id: Some(g.policy.id.clone()).filter(|id| !id.is_empty()),
                },
                sources,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        order(&Some(a.name.clone()), &Some(b.name.clone())).then_with(|| a.id.cmp(&b.id))
    });
    Document {
        format: FORMAT.to_string(),
        tenant: Some(tenant.to_string()),
        prune: false,
        groups,
    }
}

/// Case-insensitive, then exact (so the order is total and the same on every export).
fn order(a: &Option<String>, b: &Option<String>) -> std::cmp::Ordering {
    let a = a.as_deref().unwrap_or_default();
    let b = b.as_deref().unwrap_or_default();
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

/// A document as text: two-space indentation, a trailing newline.
pub fn to_text(document: &Document) -> String {
    // Strings, lists and a bool only: serialising cannot fail.
    let mut text = serde_json::to_string_pretty(document).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a document, or says what is wrong with it and where: the size first (nothing is parsed
/// beyond [`MAX_BYTES`]), then JSON syntax (line and column), the number of groups (at most
/// [`MAX_GROUPS`]), fields and types (a path such as `groups[3].sources[1].name`, with the
/// group's name), the format, and names or ids given twice.
pub fn parse(bytes: &[u8]) -> Result<Document, Vec<Problem>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::document(format!(
            "The document is larger than 1 MB ({MAX_BYTES} bytes), the most the console reads. Split it into smaller documents."
        ))]);
    }
    // Editors on Windows may start a file with a byte order mark; JSON does not allow one.
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![Problem::document(format!(
            "The document is empty. Export one from the console to start from: a JSON object with \"format\": \"{FORMAT}\" and \"groups\"."
        ))]);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| vec![syntax_problem(&e)])?;
    let Value::Object(top) = &value else {
        return Err(vec![Problem::document(format!(
            "The document must be a JSON object ({{ … }}) with \"format\" and \"groups\"; this one is {}.",
            kind(&value)
        ))]);
    };
    if let Some(Value::Array(groups)) = top.get("groups")
        && groups.len() > MAX_GROUPS
    {
        return Err(vec![Problem::at(
            "groups",
            format!(
                "The document has {} groups; the console plans at most {MAX_GROUPS} per document. Split it into several documents.",
                groups.len()
            ),
        )]);
    }
    let document: Document =
        serde_path_to_error::deserialize(&value).map_err(|e| vec![type_problem(&e, &value)])?;
    let problems = check(&document);
    if problems.is_empty() {
        Ok(document)
    } else {
        Err(problems)
    }
}

/// A JSON syntax error at its line and column, in serde_json's words without its position.
fn syntax_problem(e: &serde_json::Error) -> Problem {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = match text.strip_suffix(&position).unwrap_or(&text) {
        // serde_json's words for a bare word or a stray character.
        "expected ident" | "expected value" => "expected a value here: text in double quotes, a number, true, false, null, an object { … } or a list [ … ]".to_string(),
        eof if eof.starts_with("EOF while parsing") => {
            format!("the document ends too early ({eof})")
        }
        other => other.to_string(),
    };
    Problem::at(
        format!("line {}, column {}", e.line(), e.column()),
        format!("This is not valid JSON: {message}."),
    )
}

/// A missing field, an unknown one or a wrong type, at its path, naming the group it is in.
fn type_problem(e: &serde_path_to_error::Error<serde_json::Error>, value: &Value) -> Problem {
    use serde_path_to_error::Segment;
    let path = e.path();
    let mut segments = path.iter();
    let group = match (segments.next(), segments.next()) {
        (Some(Segment::Map { key }), Some(Segment::Seq { index })) if key == "groups" => value
            .get("groups")
            .and_then(|g| g.get(*index))
            .and_then(|g| g.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string),
        _ => None,
    };
    let place = path.to_string();
    let place = if place == "." { String::new() } else { place };
    Problem::at(place, format!("{}.", capitalize(&e.inner().to_string())))
        .in_group(group.as_deref())
}

/// "an array", "a string", … for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a well-typed document can still get wrong: its format, references without a name or
/// id, a group named (or identified) twice.
fn check(document: &Document) -> Vec<Problem> {
    let mut problems = Vec::new();
    if document.format.trim() != FORMAT {
        problems.push(Problem::at(
            "format",
            format!(
                "This is not a \u{201c}{FORMAT}\u{201d} document (its format is \u{201c}{}\u{201d}). Export one from the console to see the format.",
                document.format
            ),
        ));
    }
    let mut names = std::collections::HashMap::new();
    let mut ids = std::collections::HashMap::new();
    for (i, group) in document.groups.iter().enumerate() {
        let place = format!("groups[{i}]");
        let in_group = |p: Problem| p.in_group(Some(group.name.trim()).filter(|n| !n.is_empty()));
        let key = super::name_key(&group.name);
        let id = group
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty());
        // Two entries with one name are one group given twice, unless their ids tell them
        // apart (a tenant may hold "Finance" and "finance"; matching by id keeps them apart).
        let told_apart = |first: usize| {
            let other = document.groups[first].id.as_deref().map(str::trim);
            id.is_some() && other.is_some_and(|o| !o.is_empty() && Some(o) != id)
        };
        if let Some(first) = names.get(&key).copied().filter(|f| !told_apart(*f)) {
            problems.push(in_group(Problem::at(
                format!("{place}.name"),
                format!(
                    "The name \u{201c}{}\u{201d} is also the name of groups[{first}]: each group appears once in a document (names are compared ignoring case and surrounding spaces).",
                    group.name.trim()
                ),
            )));
        } else if !key.is_empty() {
            names.insert(key, i);
        }
        if let Some(id) = id {
            if let Some(first) = ids.get(id) {
                problems.push(in_group(Problem::at(
                    format!("{place}.id"),
                    format!("The id {id} is also the id of groups[{first}]: each group appears once in a document."),
                )));
            } else {
                ids.insert(id.to_string(), i);
            }
        }
        if group.password_policy.name().is_none() && group.password_policy.id().is_none() {
            problems.push(in_group(Problem::at(
                format!("{place}.passwordPolicy"),
                "Give the password policy's name.",
            )));
        }
        for (j, source) in group.sources.iter().enumerate() {
            if source.name().is_none() && source.id().is_none() {
                problems.push(in_group(Problem::at(
                    format!("{place}.sources[{j}]"),
                    "Give the source's name.",
                )));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::{Connection, GroupDetail, PolicyInfo, SourceInfo};

    fn source(id: &str, name: &str) -> SourceInfo {
        SourceInfo {
            id: id.into(),
            name: Some(name.into()),
            source_type: None,
            connector: None,
            connection: Connection::Direct,
            password_feature: true,
            healthy: Some(true),
            status: None,
        }
    }

    fn policy(id: &str, name: &str) -> PolicyInfo {
        PolicyInfo {
            id: id.into(),
            name: Some(name.into()),
            description: None,
            rules: None,
        }
    }

    fn state() -> TenantState {
        let group = |id: &str, name: &str, sources: Vec<SourceInfo>| GroupDetail {
            id: id.into(),
            name: name.into(),
            policy: policy("p1", "Standard"),
            sources,
            created: Some("2024-01-01T00:00:00Z".into()),
            modified: Some("2024-01-02T00:00:00Z".into()),
        };
        TenantState {
            groups: vec![
                group(
                    "g2",
                    "engineering",
                    vec![source("s3", "Unix"), source("s1", "github")],
                ),
                group(
                    "g1",
                    "Corporate",
                    vec![
                        source("s4", "Okta"),
                        source("s2", "AD"),
                        SourceInfo::unknown("s9"),
                    ],
                ),
                group("g3", "Engineering", vec![]),
            ],
            sources: Vec::new(),
            policies: Vec::new(),
        }
    }

    fn problems(text: &str) -> Vec<String> {
        match parse(text.as_bytes()) {
            Ok(d) => panic!("expected problems, parsed {d:?}"),
            Err(p) => p.iter().map(Problem::text).collect(),
        }
    }

    #[test]
    fn an_export_is_stable_readable_and_without_timestamps() {
        let text = export(&state(), "acme");
        assert!(text.ends_with("}\n"), "{text}");
        assert!(!text.contains("2024"), "no timestamps: {text}");
        let document = parse(text.as_bytes()).expect("reads back");
        assert_eq!(document, document_of(&state(), "acme"));
        let names: Vec<&str> = document.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Corporate", "Engineering", "engineering"]);
        let sources: Vec<String> = document.groups[0]
            .sources
            .iter()
            .map(Reference::label)
            .collect();
        // An unknown source keeps its id, without a name, first.
        assert_eq!(sources, ["id s9", "AD", "Okta"]);
        assert_eq!(
            document.groups[2]
                .sources
                .iter()
                .map(Reference::label)
                .collect::<Vec<_>>(),
            ["github", "Unix"]
        );
        // The same tenant in another order is the same text.
        let mut shuffled = state();
        shuffled.groups.reverse();
        for g in &mut shuffled.groups {
            g.sources.reverse();
        }
        assert_eq!(export(&shuffled, "acme"), text);
        assert!(text.starts_with(
            "{\n  \"format\": \"sync-groups-console/v1\",\n  \"tenant\": \"acme\",\n  \"prune\": false,\n  \"groups\": [\n    {\n      \"name\": \"Corporate\",\n      \"id\": \"g1\",\n      \"passwordPolicy\": {\n        \"name\": \"Standard\",\n        \"id\": \"p1\"\n      },"
        ), "{text}");
    }

    #[test]
    fn ids_are_optional_on_input() {
        let d = parse(
            br#"{"format": "sync-groups-console/v1", "groups": [
                {"name": "A", "passwordPolicy": {"name": "P"}, "sources": [{"name": "X"}, {"id": "s2"}]}
            ]}"#,
        )
        .expect("valid");
        assert!(!d.prune);
        assert_eq!(d.tenant, None);
        assert_eq!(d.groups[0].id, None);
        assert_eq!(d.groups[0].sources[1].label(), "id s2");
    }

    #[test]
    fn too_large_is_refused_before_parsing() {
        let mut huge = vec![b' '; MAX_BYTES + 1];
        huge[0] = b'{';
        let p = parse(&huge).expect_err("too large");
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("larger than 1 MB"), "{p:?}");
        assert!(p[0].place.is_empty());
    }

    #[test]
    fn syntax_errors_point_at_line_and_column() {
        let p = problems(
            "{\n  \"format\": \"sync-groups-console/v1\",\n  \"groups\": [\n    {\"name\": \"A\",}\n  ]\n}",
        );
        assert_eq!(p.len(), 1);
        assert_eq!(
            p,
            ["line 4, column 18: This is not valid JSON: trailing comma."]
        );
        assert!(!p[0].contains(" at line "), "{p:?}");
        let p = problems("not json");
        assert_eq!(
            p,
            [
                "line 1, column 2: This is not valid JSON: expected a value here: text in double quotes, a number, true, false, null, an object { … } or a list [ … ]."
            ]
        );
        let p = problems("{\"format\": ");
        assert_eq!(
            p,
            [
                "line 1, column 11: This is not valid JSON: the document ends too early (EOF while parsing a value)."
            ]
        );
        assert_eq!(problems("  \n")[0], problems("")[0]);
        assert!(problems("")[0].starts_with("The document is empty."));
        let p = problems("[1, 2]");
        assert_eq!(
            p,
            [
                "The document must be a JSON object ({ … }) with \"format\" and \"groups\"; this one is an array."
            ]
        );
        // Deep nesting is refused by the parser's recursion limit, not a stack overflow.
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(problems(&deep)[0].contains("recursion limit"));
        // Not UTF-8.
        assert!(parse(b"{\"format\": \"\xff\"}").is_err());
        // A byte order mark is fine.
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(br#"{"format": "sync-groups-console/v1", "groups": []}"#);
        assert!(parse(&bom).is_ok());
    }

    #[test]
    fn more_than_500_groups_are_refused_with_the_limit() {
        let group = r#"{"name": "G", "passwordPolicy": {"name": "P"}, "sources": []}"#;
        let text = format!(
            r#"{{"format": "sync-groups-console/v1", "groups": [{}]}}"#,
            vec![group; 10_000].join(",")
        );
        let p = problems(&text);
        assert_eq!(
            p,
            [
                "groups: The document has 10000 groups; the console plans at most 500 per document. Split it into several documents."
            ]
        );
    }

    #[test]
    fn wrong_types_and_fields_point_at_their_path_and_group() {
        let p = problems(
            r#"{"format": "sync-groups-console/v1", "groups": [
                {"name": "A", "passwordPolicy": {"name": "P"}, "sources": [{"name": "X"}]},
                {"name": "Finance", "passwordPolicy": {"name": "P"}, "sources": [{"name": "X"}, {"name": 5}]}
            ]}"#,
        );
        assert_eq!(
            p,
            [
                "groups[1].sources[1].name (group “Finance”): Invalid type: integer `5`, expected a string."
            ]
        );
        let p = problems(
            r#"{"format": "sync-groups-console/v1", "groups": [{"name": "A", "passwordpolicy": {"name": "P"}, "sources": []}]}"#,
        );
        assert!(
            p[0].starts_with(
                "groups[0].passwordpolicy (group “A”): Unknown field `passwordpolicy`"
            ),
            "{p:?}"
        );
        let p = problems(
            r#"{"format": "sync-groups-console/v1", "groups": [{"name": "A", "sources": []}]}"#,
        );
        assert_eq!(
            p,
            ["groups[0] (group “A”): Missing field `passwordPolicy`."]
        );
        let p = problems(r#"{"format": "sync-groups-console/v1"}"#);
        assert_eq!(p, ["Missing field `groups`."]);
        let p = problems(r#"{"format": "sync-groups-console/v1", "groups": {}}"#);
        assert!(p[0].starts_with("groups: Invalid type: map"), "{p:?}");
        let p = problems(r#"{"format": "sync-groups-console/v1", "prune": "yes", "groups": []}"#);
        assert!(p[0].starts_with("prune: Invalid type: string"), "{p:?}");
        let p = problems(r#"{"format": "sync-groups-console/v1", "groups": [{"name": 1}]}"#);
        assert!(p[0].starts_with("groups[0].name: Invalid type"), "{p:?}");
    }

    #[test]
    fn format_repeats_and_empty_references_are_refused_together() {
        let p = problems(
            r#"{"format": "something-else", "groups": [
                {"name": "Finance", "id": "g1", "passwordPolicy": {}, "sources": [{"name": " "}]},
                {"name": " finance ", "id": "g1", "passwordPolicy": {"name": "P"}, "sources": []}
            ]}"#,
        );
        assert_eq!(
            p,
            [
                "format: This is not a “sync-groups-console/v1” document (its format is “something-else”). Export one from the console to see the format.",
                "groups[0].passwordPolicy (group “Finance”): Give the password policy's name.",
                "groups[0].sources[0] (group “Finance”): Give the source's name.",
                "groups[1].name (group “finance”): The name “finance” is also the name of groups[0]: each group appears once in a document (names are compared ignoring case and surrounding spaces).",
                "groups[1].id (group “finance”): The id g1 is also the id of groups[0]: each group appears once in a document.",
            ]
        );
    }

    #[test]
    fn markup_in_names_is_just_text_here() {
        // The plan refuses markup in a name it would write; reading it is no problem, and
        // messages quote it as text.
        let p = problems(
            r#"{"format": "<b>x</b>", "groups": [{"name": "<script>alert(1)</script>", "passwordPolicy": {"name": "P"}, "sources": [{"name": 7}]}]}"#,
        );
        assert_eq!(
            p,
            [
                "groups[0].sources[0].name (group “<script>alert(1)</script>”): Invalid type: integer `7`, expected a string."
            ]
        );
    }
}
