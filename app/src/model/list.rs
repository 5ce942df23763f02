//! Search, sort and paging of the group list. Pure functions so the list page, its URL state,
//! the server (which answers one page, not the whole tenant) and the tests agree on one
//! behaviour.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::GroupSummary;
use super::english::plural;
use super::freshness::Freshness;

/// One page of the list as the server answers it: a tenant of 2,000 groups sends 50 rows to
/// the browser, not 2,000.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupListPage {
    pub rows: Vec<GroupSummary>,
    /// Groups in the tenant.
    pub total: usize,
    /// Groups that match the search.
    pub matching: usize,
    /// The page shown (clamped to the last one).
    pub page: usize,
    pub pages: usize,
    pub freshness: Freshness,
}

impl GroupListPage {
    /// The page of `groups` for a search, sort order and page number.
    pub fn of(
        groups: &[GroupSummary],
        query: &str,
        sort: SortKey,
        page: usize,
        freshness: Freshness,
    ) -> GroupListPage {
        let matching = sorted_matches(groups, query, sort);
        let (rows, page, pages) = paginate(&matching, page, PAGE_SIZE);
        GroupListPage {
            rows: rows.into_iter().cloned().collect(),
            total: groups.len(),
            matching: matching.len(),
            page,
            pages,
            freshness,
        }
    }

    /// "3 sync groups", or "2 of 3 sync groups match".
    pub fn count_label(&self) -> String {
        if self.matching == self.total {
            plural(self.total, "sync group", "sync groups")
        } else {
            format!("{} of {} sync groups match", self.matching, self.total)
        }
    }
}

/// Sort orders the list page offers; the URL carries them as `sort=name`, `sort=-modified`, ….
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    NameDesc,
    /// Most recently modified first: what an admin checking a recent change wants.
    Modified,
    ModifiedAsc,
    /// Largest groups first.
    Sources,
    SourcesAsc,
}

impl SortKey {
    pub fn from_param(value: &str) -> SortKey {
        match value {
            "-name" => SortKey::NameDesc,
            "modified" => SortKey::Modified,
            "-modified" => SortKey::ModifiedAsc,
            "sources" => SortKey::Sources,
            "-sources" => SortKey::SourcesAsc,
            _ => SortKey::Name,
        }
    }

    pub fn param(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::NameDesc => "-name",
            SortKey::Modified => "modified",
            SortKey::ModifiedAsc => "-modified",
            SortKey::Sources => "sources",
            SortKey::SourcesAsc => "-sources",
        }
    }

    /// The column this key sorts, and whether it is that column's natural direction.
    pub fn column(self) -> (SortColumn, bool) {
        match self {
            SortKey::Name => (SortColumn::Name, true),
            SortKey::NameDesc => (SortColumn::Name, false),
            SortKey::Modified => (SortColumn::Modified, true),
            SortKey::ModifiedAsc => (SortColumn::Modified, false),
            SortKey::Sources => (SortColumn::Sources, true),
            SortKey::SourcesAsc => (SortColumn::Sources, false),
        }
    }

    /// Clicking a column header: its natural direction first, the reverse on a second click.
    pub fn toggled(self, column: SortColumn) -> SortKey {
        let (current, natural) = self.column();
        match (column, current == column && natural) {
            (SortColumn::Name, false) => SortKey::Name,
            (SortColumn::Name, true) => SortKey::NameDesc,
            (SortColumn::Modified, false) => SortKey::Modified,
            (SortColumn::Modified, true) => SortKey::ModifiedAsc,
            (SortColumn::Sources, false) => SortKey::Sources,
            (SortColumn::Sources, true) => SortKey::SourcesAsc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    Name,
    Modified,
    Sources,
}

/// Whether a group matches a search: case-insensitive substring of its name, its policy's name
/// or any of its sources' names. Every word of the query must match somewhere.
pub fn matches(group: &GroupSummary, query: &str) -> bool {
    let haystack: Vec<String> = std::iter::once(group.name.to_lowercase())
        .chain(group.policy.name.iter().map(|n| n.to_lowercase()))
        .chain(
            group
                .sources
                .iter()
                .filter_map(|s| s.name.as_ref().map(|n| n.to_lowercase())),
        )
        .collect();
    query
        .split_whitespace()
        .map(str::to_lowercase)
        .all(|word| haystack.iter().any(|h| h.contains(&word)))
}

/// The rows the list page shows for a query and sort order.
pub fn search_and_sort(groups: &[GroupSummary], query: &str, sort: SortKey) -> Vec<GroupSummary> {
    sorted_matches(groups, query, sort)
        .into_iter()
        .cloned()
        .collect()
}

/// [`search_and_sort`] without copying the rows: the server pages 2,000 groups per view.
/// Sort keys are computed once per row, not once per comparison.
pub fn sorted_matches<'a>(
    groups: &'a [GroupSummary],
    query: &str,
    sort: SortKey,
) -> Vec<&'a GroupSummary> {
    let mut rows: Vec<&GroupSummary> = if query.trim().is_empty() {
        groups.iter().collect()
    } else {
        groups.iter().filter(|g| matches(g, query)).collect()
    };
    let name = |g: &GroupSummary| (g.name.to_lowercase(), g.id.clone());
    // RFC 3339 timestamps in UTC (as ISC sends them) sort correctly as text.
    match sort {
        SortKey::Name => rows.sort_by_cached_key(|g| name(g)),
        SortKey::NameDesc => rows.sort_by_cached_key(|g| Reverse(name(g))),
        SortKey::Modified => rows.sort_by_cached_key(|g| (Reverse(g.modified.clone()), name(g))),
        SortKey::ModifiedAsc => rows.sort_by_cached_key(|g| (g.modified.clone(), name(g))),
        SortKey::Sources => rows.sort_by_cached_key(|g| (Reverse(g.sources.len()), name(g))),
        SortKey::SourcesAsc => rows.sort_by_cached_key(|g| (g.sources.len(), name(g))),
    }
    rows
}

/// Rows per page of the list.
pub const PAGE_SIZE: usize = 50;

/// One page of the list: the rows to show and how many pages there are. A page number past the
/// end shows the last page, so a stale link still shows something.
pub fn paginate<T: Clone>(rows: &[T], page: usize, page_size: usize) -> (Vec<T>, usize, usize) {
    let page_size = page_size.max(1);
    let pages = rows.len().div_ceil(page_size).max(1);
    let page = page.clamp(1, pages);
    let start = (page - 1) * page_size;
    let shown = rows.iter().skip(start).take(page_size).cloned().collect();
    (shown, page, pages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Named;

    fn group(name: &str, policy: &str, sources: &[&str], modified: &str) -> GroupSummary {
        GroupSummary {
            id: name.to_lowercase(),
            name: name.into(),
            policy: Named {
                id: "p".into(),
                name: Some(policy.into()),
            },
            sources: sources
                .iter()
                .map(|s| Named {
                    id: s.to_lowercase(),
                    name: Some((*s).into()),
                })
                .collect(),
            modified: Some(modified.into()),
        }
    }

    fn sample() -> Vec<GroupSummary> {
        vec![
            group(
                "Engineering",
                "Strong",
                &["GitHub", "Corporate AD", "Okta"],
                "2024-05-01T10:00:00Z",
            ),
            group(
                "finance",
                "Standard",
                &["SAP", "Oracle"],
                "2025-01-02T10:00:00Z",
            ),
            group(
                "Back office",
                "Standard",
                &["ServiceNow", "Salesforce"],
                "2023-03-16T04:00:00Z",
            ),
        ]
    }

    fn names(rows: &[GroupSummary]) -> Vec<&str> {
        rows.iter().map(|g| g.name.as_str()).collect()
    }

    #[test]
    fn search_finds_by_group_source_or_policy_name() {
        let g = sample();
        assert_eq!(
            names(&search_and_sort(&g, "engin", SortKey::Name)),
            ["Engineering"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "github", SortKey::Name)),
            ["Engineering"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "STANDARD", SortKey::Name)),
            ["Back office", "finance"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "standard oracle", SortKey::Name)),
            ["finance"]
        );
        assert!(search_and_sort(&g, "nothing-like-this", SortKey::Name).is_empty());
        assert_eq!(search_and_sort(&g, "  ", SortKey::Name).len(), 3);
    }

    #[test]
    fn sorts_by_each_column_both_ways() {
        let g = sample();
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::Name)),
            ["Back office", "Engineering", "finance"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::NameDesc)),
            ["finance", "Engineering", "Back office"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::Modified)),
            ["finance", "Engineering", "Back office"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::ModifiedAsc)),
            ["Back office", "Engineering", "finance"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::Sources)),
            ["Engineering", "Back office", "finance"]
        );
        assert_eq!(
            names(&search_and_sort(&g, "", SortKey::SourcesAsc)),
            ["Back office", "finance", "Engineering"]
        );
    }

    #[test]
    fn pagination_clamps_and_counts() {
        let rows: Vec<GroupSummary> = (0..5)
            .map(|i| group(&format!("G{i}"), "P", &["A", "B"], "2024-01-01T00:00:00Z"))
            .collect();
        let (shown, page, pages) = paginate(&rows, 2, 2);
        assert_eq!((names(&shown), page, pages), (vec!["G2", "G3"], 2, 3));
        let (shown, page, _) = paginate(&rows, 99, 2);
        assert_eq!((names(&shown), page), (vec!["G4"], 3));
        let (shown, page, pages) = paginate::<GroupSummary>(&[], 1, 2);
        assert_eq!((shown.len(), page, pages), (0, 1, 1));
    }

    #[test]
    fn a_list_page_holds_only_its_rows_and_the_counts() {
        let rows: Vec<GroupSummary> = (0..120)
            .map(|i| {
                group(
                    &format!("G{i:03}"),
                    "P",
                    &["A", "B"],
                    "2024-01-01T00:00:00Z",
                )
            })
            .collect();
        let fresh = Freshness {
            read_at: 100,
            now: 112,
        };
        let page = GroupListPage::of(&rows, "", SortKey::Name, 3, fresh);
        assert_eq!((page.rows.len(), page.page, page.pages), (20, 3, 3));
        assert_eq!(page.rows[0].name, "G100");
        assert_eq!(page.count_label(), "120 sync groups");
        let page = GroupListPage::of(&rows, "G11", SortKey::Name, 1, fresh);
        assert_eq!(page.count_label(), "10 of 120 sync groups match");
        assert_eq!(page.freshness.age(), "12 seconds ago");
    }

    #[test]
    fn sort_param_round_trips_and_header_clicks_toggle() {
        for key in [
            SortKey::Name,
            SortKey::NameDesc,
            SortKey::Modified,
            SortKey::ModifiedAsc,
            SortKey::Sources,
            SortKey::SourcesAsc,
        ] {
            assert_eq!(SortKey::from_param(key.param()), key);
        }
        assert_eq!(SortKey::from_param("bogus"), SortKey::Name);
        assert_eq!(SortKey::Name.toggled(SortColumn::Name), SortKey::NameDesc);
        assert_eq!(SortKey::NameDesc.toggled(SortColumn::Name), SortKey::Name);
        assert_eq!(
            SortKey::Name.toggled(SortColumn::Modified),
            SortKey::Modified
        );
        assert_eq!(
            SortKey::Modified.toggled(SortColumn::Modified),
            SortKey::ModifiedAsc
        );
    }
}
