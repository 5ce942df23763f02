//! Every URL the app builds: links, form actions, navigation targets and the server functions'
//! redirects. One place, so that every id and every query value is encoded by the one rule of
//! [`encode`], and a page's address is spelled once. The router's own table (`lib.rs`) matches
//! these paths.

use leptos_router::params::ParamsMap;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::model::draft::GroupDraft;
use crate::model::list::SortKey;

/// RFC 3986's unreserved characters (letters, digits, `-`, `.`, `_`, `~`) stay as they are, so
/// ordinary ids and words stay readable in the address bar; everything else is encoded (`%2F`,
/// `%20`, UTF-8 bytes, …). The same as JavaScript's `encodeURIComponent` but for `!*'()`.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The one encoding rule, for path segments and query values alike: safe whatever the text
/// (`/`, `?`, `#`, `&`, spaces, any script).
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, NOT_UNRESERVED).to_string()
}

/// `path?key=value&…` with each value encoded; `path` alone when there are no parameters.
fn with_query(path: &str, params: &[(&str, &str)]) -> String {
    if params.is_empty() {
        return path.to_string();
    }
    let query: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    format!("{path}?{}", query.join("&"))
}

/// Where the console is mounted on its public origin: `""` at the root, or a path such as
/// `/tools/sync-groups` (the path of `CONSOLE_PUBLIC_URL`, behind a reverse proxy that hosts
/// several tools under one name). Every function here returns an address *inside* the console
/// (`/groups/…`); what goes to the browser as a URL (a plain link, a form's `action`, a redirect's
/// `Location`) goes through [`Base::href`] / [`href`] once, at the point where it is written. The
/// router's own links and navigation add the base themselves (`<Router base>`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Base(String);

impl Base {
    /// From a URL path: `/`, `` → the root; `/tools/sync-groups/` → `/tools/sync-groups`.
    pub fn new(path: &str) -> Base {
        let trimmed = path.trim_matches('/');
        if trimmed.is_empty() {
            Base(String::new())
        } else {
            Base(format!("/{trimmed}"))
        }
    }

    /// The base itself (`""` at the root).
    pub fn path(&self) -> &str {
        &self.0
    }

    /// The browser's URL of the console address `path` (which starts with `/`).
    pub fn href(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// The console address of a request path the browser sent, if it is under the base (a
    /// proxy that forwards the prefix); a path without it is taken as already stripped (a proxy
    /// that strips it).
    pub fn strip<'a>(&self, path: &'a str) -> &'a str {
        if self.0.is_empty() {
            return path;
        }
        match path.strip_prefix(self.0.as_str()) {
            Some("") => "/",
            Some(rest) if rest.starts_with('/') => rest,
            _ => path,
        }
    }

    /// The base of the current render or server-function call (provided by the server, and in
    /// the browser by `App` from the page's `<meta name="sgc-base">`).
    pub fn current() -> Base {
        leptos::prelude::use_context::<Base>().unwrap_or_default()
    }
}

/// The browser's URL of the console address `path`, under the current [`Base`].
pub fn href(path: &str) -> String {
    Base::current().href(path)
}

/// The list of sync groups (and the home page's target).
pub const GROUPS: &str = "/groups";
/// The create form.
pub const NEW_GROUP: &str = "/groups/new";
/// Where a signed-out user is sent, with an explanation and a sign-in button.
pub const SIGNIN: &str = "/signin";
/// For a user signed in at ISC without a user level the console serves.
pub const NO_ACCESS: &str = "/no-access";
/// Signing out: a POST (a form's `action`), never a link.
pub const LOGOUT: &str = "/auth/logout";
/// The tenant's recent changes (deleted groups' history included).
pub const CHANGES: &str = "/changes";
/// Which password sources are in which group.
pub const COVERAGE: &str = "/coverage";
/// Find a person (the helpdesk's search).
pub const PEOPLE: &str = "/people";
/// Who looked up whom (administrators).
pub const LOOKUPS: &str = "/lookups";
/// The tenant's sync groups as a document ("sync groups as code").
pub const EXPORT: &str = "/export";
/// The document as a download (a plain server route, not a page).
pub const EXPORT_DOWNLOAD: &str = "/export/sync-groups.json";
/// Submit a document for a plan (administrators).
pub const PLAN: &str = "/plan";
/// Starts a sign-in at ISC (a plain server route, not a page).
const LOGIN: &str = "/auth/login";

/// One group's page.
pub fn group(id: &str) -> String {
    format!("{GROUPS}/{}", encode(id))
}

/// What a save did, for the notice on the group's page (`?saved=created|updated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created,
    Updated,
}

impl Saved {
    /// The `saved` query value.
    pub fn param(self) -> &'static str {
        match self {
            Saved::Created => "created",
            Saved::Updated => "updated",
        }
    }

    /// The `saved` query value read back; None for anything else.
    pub fn from_param(value: &str) -> Option<Saved> {
        match value {
            "created" => Some(Saved::Created),
            "updated" => Some(Saved::Updated),
            _ => None,
        }
    }
}

/// The group's page after a save, with its notice.
pub fn group_saved(id: &str, saved: Saved) -> String {
    with_query(&group(id), &[("saved", saved.param())])
}

/// The edit form of a group.
pub fn group_edit(id: &str) -> String {
    format!("{}/edit", group(id))
}

/// The create form (`editing` None) or the edit form, filled in with `draft` when given: how the
/// review page sends a browser without JavaScript back to the form with what it typed. Read
/// back by [`draft_from_query`].
pub fn group_form(editing: Option<&str>, draft: Option<&GroupDraft>) -> String {
    let path = match editing {
        Some(id) => group_edit(id),
        None => NEW_GROUP.to_string(),
    };
    let Some(draft) = draft else {
        return path;
    };
    let mut params = vec![
        ("name", draft.name.as_str()),
        ("policy_id", draft.policy_id.as_str()),
    ];
    params.extend(
        draft
            .source_ids
            .iter()
            .map(|id| ("source_ids", id.as_str())),
    );
    with_query(&path, &params)
}

/// The draft in a form's URL (`name`, `policy_id`, repeated `source_ids`), as
/// [`group_form`] writes it and the form's plain GET to the review page sends it. None
/// without a `name`: the form was opened afresh.
pub fn draft_from_query(query: &ParamsMap) -> Option<GroupDraft> {
    let name = query.get("name")?;
    Some(GroupDraft {
        name,
        policy_id: query.get("policy_id").unwrap_or_default(),
        source_ids: query.get_all("source_ids").unwrap_or_default(),
    })
}

/// The review step as a page (the form's `action` without JavaScript).
pub fn group_review(editing: Option<&str>) -> String {
    format!("{}/review", group_form(editing, None))
}

/// The delete confirmation as a page (without JavaScript; with it, a dialog opens instead).
pub fn group_delete(id: &str) -> String {
    format!("{}/delete", group(id))
}

/// The list with a search, sort order and page: only what differs from the defaults is in the
/// query, so the plain list is plainly `/groups`.
pub fn group_list(query: &str, sort: SortKey, page: usize) -> String {
    list_url(query, sort, page, false)
}

/// The same list, read from ISC again rather than from the shared cache.
pub fn group_list_refreshed(query: &str, sort: SortKey, page: usize) -> String {
    list_url(query, sort, page, true)
}

/// A group's page read from ISC again.
pub fn group_refreshed(id: &str) -> String {
    with_query(&group(id), &[("refresh", "1")])
}

fn list_url(query: &str, sort: SortKey, page: usize, refresh: bool) -> String {
    let mut params = Vec::new();
    if !query.trim().is_empty() {
        params.push(("q", query.to_string()));
    }
    if sort != SortKey::default() {
        params.push(("sort", sort.param().to_string()));
    }
    if page > 1 {
        params.push(("page", page.to_string()));
    }
    if refresh {
        params.push(("refresh", "1".to_string()));
    }
    let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    with_query(GROUPS, &params)
}

/// The list with a notice naming a group just deleted and its sources.
pub fn deleted(name: &str, sources: &[String]) -> String {
    with_query(
        GROUPS,
        &[("deleted", name), ("sources", &sources.join(", "))],
    )
}

/// One group's history.
pub fn group_history(id: &str) -> String {
    format!("{}/history", group(id))
}

/// A history page: one group's (or, without `group`, the tenant's recent changes), filtered
/// by who and by day (`YYYY-MM-DD`), entries older than record `before`; only what is set goes
/// into the query.
pub fn history(
    group: Option<&str>,
    who: &str,
    from: &str,
    until: &str,
    before: Option<i64>,
) -> String {
    let path = match group {
        Some(id) => group_history(id),
        None => CHANGES.to_string(),
    };
    let before = before.map(|b| b.to_string());
    let params: Vec<(&str, &str)> = [
        ("who", who.trim()),
        ("from", from.trim()),
        ("until", until.trim()),
        ("before", before.as_deref().unwrap_or_default()),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .collect();
    with_query(&path, &params)
}

/// The people search for `query`, the page starting at `offset` (left out when 0). `group`:
/// the sync group the search started from, to come back to.
pub fn people(query: &str, offset: usize, group: Option<&str>) -> String {
    let offset = offset.to_string();
    let mut params = Vec::new();
    if !query.trim().is_empty() {
        params.push(("q", query.trim()));
    }
    if offset != "0" {
        params.push(("offset", offset.as_str()));
    }
    if let Some(group) = group.filter(|g| !g.is_empty()) {
        params.push(("group", group));
    }
    with_query(PEOPLE, &params)
}

/// One person's password sync, its timeline limited to one source when `source` is given.
pub fn person(id: &str, source: Option<&str>) -> String {
    let path = format!("{PEOPLE}/{}", encode(id));
    match source.filter(|s| !s.is_empty()) {
        Some(source) => format!("{}#timeline", with_query(&path, &[("source", source)])),
        None => path,
    }
}

/// The lookup record, entries older than record `before` when given.
pub fn lookups(before: Option<i64>) -> String {
    match before {
        Some(before) => with_query(LOOKUPS, &[("before", &before.to_string())]),
        None => LOOKUPS.to_string(),
    }
}

/// A submitted document's plan (and, once applied, its report).
pub fn plan(id: &str) -> String {
    format!("/plans/{}", encode(id))
}

/// The plan's page after an apply found the plan changed since it was reviewed.
pub fn plan_changed(id: &str) -> String {
    with_query(&plan(id), &[("changed", "1")])
}

/// Signing in at ISC, then back to `return_to`. The caller passes only a local path (see
/// `model::return_path::local_return_path`); the server checks it again.
pub fn login(return_to: Option<&str>) -> String {
    match return_to {
        Some(path) => with_query(LOGIN, &[("return", path)]),
        None => LOGIN.to_string(),
    }
}

/// Why the sign-in page is shown: its `reason=`, which the page explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigninReason {
    /// The session ended (timeout, or ISC refused to renew it).
    Expired,
    /// The user signed out.
    SignedOut,
}

impl SigninReason {
    pub fn param(self) -> &'static str {
        match self {
            SigninReason::Expired => "expired",
            SigninReason::SignedOut => "signed_out",
        }
    }

    pub fn from_param(value: &str) -> Option<SigninReason> {
        [SigninReason::Expired, SigninReason::SignedOut]
            .into_iter()
            .find(|r| r.param() == value)
    }
}

/// The sign-in page, saying why it is shown, then back to `return_to` (a local path).
pub fn signin(reason: Option<SigninReason>, return_to: Option<&str>) -> String {
    let params: Vec<(&str, &str)> = [
        reason.map(|r| ("reason", r.param())),
        return_to.map(|path| ("return", path)),
    ]
    .into_iter()
    .flatten()
    .collect();
    with_query(SIGNIN, &params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_prefixes_what_the_browser_gets_and_strips_what_it_sends() {
        let root = Base::new("/");
        assert_eq!(root.href("/groups"), "/groups");
        assert_eq!(root.strip("/groups"), "/groups");
        let base = Base::new("/tools/sync-groups/");
        assert_eq!(base.path(), "/tools/sync-groups");
        assert_eq!(base.href("/groups?q=a"), "/tools/sync-groups/groups?q=a");
        assert_eq!(base.strip("/tools/sync-groups/groups/x"), "/groups/x");
        assert_eq!(base.strip("/tools/sync-groups"), "/");
        // Already stripped by the proxy, or merely sharing the first letters: left alone.
        assert_eq!(base.strip("/groups"), "/groups");
        assert_eq!(base.strip("/tools/sync-groupsx"), "/tools/sync-groupsx");
    }

    #[test]
    fn people_addresses_encode_what_was_typed() {
        assert_eq!(people("", 0, None), "/people");
        assert_eq!(
            people(" o'brien & co ", 0, None),
            "/people?q=o%27brien%20%26%20co"
        );
        assert_eq!(
            people("smith", 20, Some("g1")),
            "/people?q=smith&offset=20&group=g1"
        );
        assert_eq!(person("2c91/x", None), "/people/2c91%2Fx");
        assert_eq!(
            person("p1", Some("s 1")),
            "/people/p1?source=s%201#timeline"
        );
        assert_eq!(lookups(Some(1700)), "/lookups?before=1700");
        assert_eq!(plan("ab/c"), "/plans/ab%2Fc");
        assert_eq!(plan_changed("ab"), "/plans/ab?changed=1");
        assert_eq!(history(None, "", "", "", None), "/changes");
        assert_eq!(
            history(Some("g 1"), "ann", "2026-11-01", "", Some(7)),
            "/groups/g%201/history?who=ann&from=2026-11-01&before=7"
        );
    }

    #[test]
    fn encode_keeps_only_unreserved_characters() {
        assert_eq!(encode("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
        assert_eq!(
            encode("a/b?c#d e&f=g+h%"),
            "a%2Fb%3Fc%23d%20e%26f%3Dg%2Bh%25"
        );
        assert_eq!(encode("Zürich"), "Z%C3%BCrich");
        assert_eq!(encode(""), "");
    }

    #[test]
    fn list_href_keeps_only_non_default_state() {
        assert_eq!(group_list("", SortKey::Name, 1), "/groups");
        assert_eq!(group_list("  ", SortKey::Name, 1), "/groups");
        assert_eq!(
            group_list("a d", SortKey::Modified, 1),
            "/groups?q=a%20d&sort=modified"
        );
        assert_eq!(group_list("&x=1", SortKey::Name, 1), "/groups?q=%26x%3D1");
        assert_eq!(group_list("", SortKey::Name, 3), "/groups?page=3");
        assert_eq!(
            group_list("git", SortKey::ModifiedAsc, 2),
            "/groups?q=git&sort=-modified&page=2"
        );
    }

    #[test]
    fn ordinary_ids_give_the_same_addresses_as_before() {
        let id = "2c9180835d2e5168015d32f890ca1581";
        assert_eq!(group(id), format!("/groups/{id}"));
        assert_eq!(group_edit(id), format!("/groups/{id}/edit"));
        assert_eq!(group_delete(id), format!("/groups/{id}/delete"));
        assert_eq!(group_review(Some(id)), format!("/groups/{id}/edit/review"));
        assert_eq!(group_review(None), "/groups/new/review");
        assert_eq!(group_form(None, None), "/groups/new");
        assert_eq!(group_form(Some(id), None), format!("/groups/{id}/edit"));
        assert_eq!(
            group_saved(id, Saved::Created),
            format!("/groups/{id}?saved=created")
        );
        assert_eq!(
            group_saved(id, Saved::Updated),
            format!("/groups/{id}?saved=updated")
        );
        assert_eq!(
            deleted("Business Apps", &["Okta".into(), "SAP S/4HANA".into()]),
            "/groups?deleted=Business%20Apps&sources=Okta%2C%20SAP%20S%2F4HANA"
        );
        assert_eq!(login(None), "/auth/login");
        assert_eq!(login(Some("/groups")), "/auth/login?return=%2Fgroups");
        assert_eq!(
            signin(Some(SigninReason::Expired), Some("/groups/abc?x=1")),
            "/signin?reason=expired&return=%2Fgroups%2Fabc%3Fx%3D1"
        );
        assert_eq!(
            signin(Some(SigninReason::Expired), None),
            "/signin?reason=expired"
        );
        assert_eq!(signin(None, Some("/groups")), "/signin?return=%2Fgroups");
        assert_eq!(
            signin(Some(SigninReason::SignedOut), None),
            "/signin?reason=signed_out"
        );
        for reason in [SigninReason::Expired, SigninReason::SignedOut] {
            assert_eq!(SigninReason::from_param(reason.param()), Some(reason));
        }
        assert_eq!(SigninReason::from_param("other"), None);
    }

    #[test]
    fn an_id_is_encoded_the_same_way_in_every_address() {
        let id = "a/b?c#d e é";
        let encoded = "a%2Fb%3Fc%23d%20e%20%C3%A9";
        assert_eq!(encode(id), encoded);
        let base = format!("/groups/{encoded}");
        assert_eq!(group(id), base);
        assert_eq!(group_edit(id), format!("{base}/edit"));
        assert_eq!(group_delete(id), format!("{base}/delete"));
        assert_eq!(group_review(Some(id)), format!("{base}/edit/review"));
        assert_eq!(group_form(Some(id), None), format!("{base}/edit"));
        assert_eq!(
            group_saved(id, Saved::Updated),
            format!("{base}?saved=updated")
        );
        let draft = GroupDraft {
            name: id.into(),
            policy_id: id.into(),
            source_ids: vec![id.into()],
        };
        assert_eq!(
            group_form(Some(id), Some(&draft)),
            format!("{base}/edit?name={encoded}&policy_id={encoded}&source_ids={encoded}")
        );
        assert_eq!(
            deleted(id, &[id.into()]),
            format!("/groups?deleted={encoded}&sources={encoded}")
        );
        assert_eq!(
            group_list(id, SortKey::Name, 1),
            format!("/groups?q={encoded}")
        );
    }

    // Only on the server build: there `ParamsMap` decodes values itself; in the browser build it
    // calls JavaScript's `decodeURIComponent`, which a native test cannot.
    #[cfg(feature = "ssr")]
    #[test]
    fn a_draft_in_the_form_address_reads_back_unchanged() {
        let draft = GroupDraft {
            name: " Cloud & apps #1 ".into(),
            policy_id: "p-1".into(),
            source_ids: vec!["s/1".into(), "s 2".into(), "s/1".into()],
        };
        let href = group_form(None, Some(&draft));
        assert_eq!(
            href,
            "/groups/new?name=%20Cloud%20%26%20apps%20%231%20&policy_id=p-1&source_ids=s%2F1&source_ids=s%202&source_ids=s%2F1"
        );
        let (_, query) = href.split_once('?').expect("a query");
        let params: ParamsMap = query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        assert_eq!(draft_from_query(&params), Some(draft));
        assert_eq!(draft_from_query(&ParamsMap::new()), None);
    }

    #[test]
    fn saved_round_trips() {
        for saved in [Saved::Created, Saved::Updated] {
            assert_eq!(Saved::from_param(saved.param()), Some(saved));
        }
        assert_eq!(Saved::from_param("deleted"), None);
    }
}
