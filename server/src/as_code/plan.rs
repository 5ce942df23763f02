//! What applying a document to a tenant would do, group by group, in the words of the review
//! and delete dialogs, and the steps an apply runs, in a safe order.
//!
//! The rules (see the module above for how groups, sources and policies are matched):
//! - Each group is checked as the form checks it ([`GroupDraft::validate`]: name, policy, two
//!   or more eligible sources, i.e. PASSWORD feature and direct connection).
//! - After the plan, a source may be in one group only: the document must not give it to two
//!   groups, nor to a group while a tenant group the document does not mention (and does not
//!   prune) keeps it.
//! - A name that would be written must be plain text: no markup such as `<b>`.
//! - Deletes come first (they free their sources); then creates and changes, a group that gives
//!   up a source (or a name) before the group that takes it; document order otherwise. Two
//!   groups that each wait for the other (a cycle) are an error, explained in words.
//! - Any problem anywhere: nothing is applied.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use sha2::{Digest, Sha256};

use app::model::delete::DeleteImpact;
use app::model::draft::{FormOptions, GroupDraft, SourceChoice};
use app::model::english::join_and;
use app::model::history::change_lines;
use app::model::plan::{Plan, PlanAction, PlanGroup};
use app::model::review::ChangeReview;
use app::model::{GroupDetail, Named, PolicyInfo, SourceInfo};

use super::document::{Document, Reference};
use super::{TenantState, name_key};

/// One write of an apply, with what the plan saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Create, Update or Delete.
    pub action: PlanAction,
    /// The name the plan shows (the new one for a rename).
    pub name: String,
    /// The group as read for the plan (Update, Delete): the apply writes only if the group is
    /// still this version.
    pub current: Option<GroupDetail>,
    /// What to write (Create, Update).
    pub draft: Option<GroupDraft>,
}

/// The steps of an applicable plan, in the order they must run. Only [`plan`] makes them, so
/// an apply cannot be handed steps that were never checked; empty when the plan has problems.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps(Vec<Step>);

impl Steps {
    pub fn as_slice(&self) -> &[Step] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What applying `document` to the tenant in `state` (read fresh) would do, and the steps that
/// do it (none when the plan has a problem).
pub fn plan(document: &Document, state: &TenantState) -> (Plan, Steps) {
    let index = Index::new(state);

    // Which tenant group each entry of the document is: by id first (for every entry, so that a
    // renamed group is found even when another entry has its old name), then by name.
    let mut entries: Vec<Entry> = document
        .groups
        .iter()
        .enumerate()
        .map(|(i, g)| Entry::new(i, g.name.trim()))
        .collect();
    let mut taken: HashMap<&str, usize> = HashMap::new();
    for (entry, group) in entries.iter_mut().zip(&document.groups) {
        if let Some(found) = group.id.as_deref().and_then(|id| index.group(id.trim())) {
            match taken.get(found.id.as_str()) {
                Some(first) => entry.problems.push(same_group(*first, found)),
                None => {
                    taken.insert(&found.id, entry.index);
                    entry.matched = Some(found);
                }
            }
        }
    }
    for (entry, group) in entries.iter_mut().zip(&document.groups) {
        if entry.matched.is_some() || !entry.problems.is_empty() {
            continue;
        }
        let by_id = group.id.as_deref().and_then(|id| index.group(id.trim()));
        let candidates: Vec<&GroupDetail> = index
            .groups_named(&entry.name)
            .into_iter()
            .filter(|g| by_id.is_none_or(|b| b.id != g.id))
            .collect();
        match candidates.as_slice() {
            [] => {}
            [one] => match taken.get(one.id.as_str()) {
                Some(first) => entry.problems.push(same_group(*first, one)),
                None => {
                    taken.insert(&one.id, entry.index);
                    entry.matched = Some(one);
                }
            },
            many => {
                // Only when no entry took one of them by id: then the name still means two.
                let ids: Vec<&str> = many.iter().map(|g| g.id.as_str()).collect();
                entry.problems.push(format!(
                    "{} groups in this tenant are called \u{201c}{}\u{201d} (ids {}): add the id of the one this entry means.",
                    many.len(),
                    entry.name,
                    join_and(&ids)
                ));
                entry.ambiguous = true;
            }
        }
    }

    // Tenant groups the document does not mention: deleted with prune, else they stay.
    let unmentioned: Vec<&GroupDetail> = state
        .groups
        .iter()
        .filter(|g| !taken.contains_key(g.id.as_str()))
        .collect();
    let (deleted, stays): (Vec<&GroupDetail>, Vec<&GroupDetail>) = if document.prune {
        (unmentioned, Vec::new())
    } else {
        (Vec::new(), unmentioned)
    };

    // Each entry as the form would check and review it, against the tenant as it is.
    let mut options = FormOptions {
        policies: state.policies.clone(),
        sources: state
            .sources
            .iter()
            .map(|s| SourceChoice {
                // Eligibility alone here (feature, connection): who holds a source after the
                // plan is checked across all groups below.
                ineligible: s.ineligibility(None, None),
                source: s.clone(),
                group: None,
            })
            .collect(),
        groups: stays
            .iter()
            .map(|g| Named {
                id: g.id.clone(),
                name: Some(g.name.clone()),
            })
            .collect(),
        editing: None,
    };
    for (entry, group) in entries.iter_mut().zip(&document.groups) {
        entry.check(group, &index, &mut options);
    }

    conflicts(&mut entries, &stays);
    let order = order(&mut entries, &index, &taken);

    let mut groups: Vec<PlanGroup> = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut deleted = deleted;
    deleted.sort_by(|a, b| by_name(a, b));
    for gone in deleted {
        groups.push(PlanGroup {
            name: gone.name.clone(),
            id: Some(gone.id.clone()),
            place: None,
            action: PlanAction::Delete,
            lines: DeleteImpact::of(gone.clone()).consequences,
            problems: Vec::new(),
            warnings: vec![
                "The document does not mention this group and says \"prune\": true.".to_string(),
            ],
        });
        steps.push(Step {
            action: PlanAction::Delete,
            name: gone.name.clone(),
            current: Some(gone.clone()),
            draft: None,
        });
    }
    for i in order {
        let entry = &entries[i];
        if entry.action.is_change() {
            steps.push(Step {
                action: entry.action,
                name: entry.name.clone(),
                current: entry.matched.cloned(),
                draft: Some(entry.draft.clone()),
            });
        }
        groups.push(entry.plan_group());
    }
    // Shown so that nobody wonders about them: they stay, as the document does not prune.
    let mut stays = stays;
    stays.sort_by(|a, b| by_name(a, b));
    for kept in stays {
        groups.push(PlanGroup {
            name: kept.name.clone(),
            id: Some(kept.id.clone()),
            place: None,
            action: PlanAction::Unchanged,
            lines: vec![
                "Not in the document: it stays as it is, since the document does not say \"prune\": true."
                    .to_string(),
            ],
            problems: Vec::new(),
            warnings: Vec::new(),
        });
    }
    let plan = Plan {
        prune: document.prune,
        groups,
        problems: Vec::new(),
        digest: digest(&steps),
    };
    let steps = if plan.is_applicable() {
        Steps(steps)
    } else {
        Steps::default()
    };
    (plan, steps)
}

/// Groups by name (case-insensitive, then exactly), then id: the order of the document.
fn by_name(a: &GroupDetail, b: &GroupDetail) -> std::cmp::Ordering {
    name_key(&a.name)
        .cmp(&name_key(&b.name))
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.id.cmp(&b.id))
}

fn same_group(first: usize, group: &GroupDetail) -> String {
    format!(
        "This entry and groups[{first}] both mean the tenant's group \u{201c}{}\u{201d} (id {}): each group appears once in a document.",
        group.name, group.id
    )
}

/// The tenant indexed for matching.
struct Index<'a> {
    groups_by_id: HashMap<&'a str, &'a GroupDetail>,
    groups_by_name: HashMap<String, Vec<&'a GroupDetail>>,
    sources: Lookup<'a, SourceInfo>,
    policies: Lookup<'a, PolicyInfo>,
    /// The tenant group each source is in now.
    holder: HashMap<&'a str, &'a GroupDetail>,
}

impl<'a> Index<'a> {
    fn new(state: &'a TenantState) -> Index<'a> {
        let mut groups_by_name: HashMap<String, Vec<&GroupDetail>> = HashMap::new();
        for g in &state.groups {
            groups_by_name.entry(name_key(&g.name)).or_default().push(g);
        }
        Index {
            groups_by_id: state.groups.iter().map(|g| (g.id.as_str(), g)).collect(),
            groups_by_name,
            sources: Lookup::new(&state.sources, ("source", "sources")),
            policies: Lookup::new(&state.policies, ("password policy", "password policies")),
            holder: state
                .groups
                .iter()
                .flat_map(|g| g.sources.iter().map(move |s| (s.id.as_str(), g)))
                .collect(),
        }
    }

    fn group(&self, id: &str) -> Option<&'a GroupDetail> {
        self.groups_by_id.get(id).copied()
    }

    fn groups_named(&self, name: &str) -> Vec<&'a GroupDetail> {
        self.groups_by_name
            .get(&name_key(name))
            .cloned()
            .unwrap_or_default()
    }
}

/// Sources or policies by id and by name.
trait Object {
    fn id(&self) -> &str;
    fn name(&self) -> Option<&str>;
}

impl Object for SourceInfo {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl Object for PolicyInfo {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

struct Lookup<'a, T> {
    by_id: HashMap<&'a str, &'a T>,
    by_name: HashMap<String, Vec<&'a T>>,
    /// "source", "sources".
    what: (&'static str, &'static str),
}

impl<'a, T: Object> Lookup<'a, T> {
    fn new(items: &'a [T], what: (&'static str, &'static str)) -> Lookup<'a, T> {
        let mut by_name: HashMap<String, Vec<&T>> = HashMap::new();
        for item in items {
            if let Some(name) = item.name() {
                by_name.entry(name_key(name)).or_default().push(item);
            }
        }
        Lookup {
            by_id: items.iter().map(|i| (i.id(), i)).collect(),
            by_name,
            what,
        }
    }

    /// The object `reference` means, with a note when it was found by id because its name
    /// changed; or why there is none.
    fn resolve(&self, reference: &Reference) -> Result<(&'a T, Option<String>), String> {
        let (one, many) = self.what;
        let by_id = reference.id().and_then(|id| self.by_id.get(id).copied());
        let Some(name) = reference.name() else {
            return match (by_id, reference.id()) {
                (Some(found), _) => Ok((found, None)),
                (None, Some(id)) => Err(format!("There is no {one} with id {id} in this tenant.")),
                (None, None) => Err(format!("Give the {one}'s name.")),
            };
        };
        match self
            .by_name
            .get(&name_key(name))
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            [found] => Ok((found, None)),
            [] => match by_id {
                Some(found) => Ok((
                    found,
                    Some(format!(
                        "No {one} is called \u{201c}{name}\u{201d} in this tenant; the one with its id ({}), now called \u{201c}{}\u{201d}, is used.",
                        found.id(),
                        found.name().unwrap_or("without a name")
                    )),
                )),
                None => Err(format!(
                    "There is no {one} called \u{201c}{name}\u{201d} in this tenant."
                )),
            },
            several => match by_id.filter(|f| several.iter().any(|s| s.id() == f.id())) {
                Some(found) => Ok((found, None)),
                None => {
                    let ids: Vec<&str> = several.iter().map(|s| s.id()).collect();
                    Err(format!(
                        "{} {many} in this tenant are called \u{201c}{name}\u{201d} (ids {}): add the id of the one you mean.",
                        several.len(),
                        join_and(&ids)
                    ))
                }
            },
        }
    }
}

/// One group of the document as planned.
struct Entry<'a> {
    index: usize,
    name: String,
    matched: Option<&'a GroupDetail>,
    /// Two tenant groups have its name and it gave no id.
    ambiguous: bool,
    /// Its sources, resolved, without repeats.
    sources: Vec<&'a SourceInfo>,
    draft: GroupDraft,
    action: PlanAction,
    lines: Vec<String>,
    problems: Vec<String>,
    warnings: Vec<String>,
}

impl<'a> Entry<'a> {
    fn new(index: usize, name: &str) -> Entry<'a> {
        Entry {
            index,
            name: name.to_string(),
            matched: None,
            ambiguous: false,
            sources: Vec::new(),
            draft: GroupDraft::default(),
            action: PlanAction::Create,
            lines: Vec::new(),
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn place(&self) -> String {
        format!("groups[{}]", self.index)
    }

    /// Resolves its policy and sources, checks it as the form does, and says what would change.
    fn check(
        &mut self,
        group: &super::document::DocumentGroup,
        index: &Index<'a>,
        options: &mut FormOptions,
    ) {
        let mut resolved = true;
        let policy = match index.policies.resolve(&group.password_policy) {
            Ok((policy, note)) => {
                self.warnings.extend(note);
                Some(policy)
            }
            Err(problem) => {
                self.problems.push(format!("passwordPolicy: {problem}"));
                resolved = false;
                None
            }
        };
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (j, reference) in group.sources.iter().enumerate() {
            match index.sources.resolve(reference) {
                Ok((source, note)) => {
                    self.warnings
                        .extend(note.map(|n| format!("sources[{j}]: {n}")));
                    match seen.get(source.id.as_str()) {
                        Some(first) => self.problems.push(format!(
                            "sources[{j}]: {} is listed twice (also sources[{first}]).",
                            source.label()
                        )),
                        None => {
                            seen.insert(&source.id, j);
                            self.sources.push(source);
                        }
                    }
                }
                Err(problem) => {
                    self.problems.push(format!("sources[{j}]: {problem}"));
                    resolved = false;
                }
            }
        }
        self.draft = GroupDraft {
            name: self.name.clone(),
            policy_id: policy.map(|p| p.id.clone()).unwrap_or_default(),
            source_ids: self.sources.iter().map(|s| s.id.clone()).collect(),
        };
        options.editing = self.matched.cloned();

        // The form's rules, on what could be resolved (an unresolved reference is its own
        // problem; counting without it would add a misleading one).
        let errors = self.draft.validate(options);
        self.problems.extend(errors.name);
        if resolved {
            self.problems.extend(errors.policy);
            self.problems.extend(errors.sources);
        }
        self.warnings
            .extend(self.draft.duplicate_name_warning(options));

        self.action = match (self.matched, self.ambiguous) {
            (Some(_), _) | (None, true) => PlanAction::Update,
            (None, false) => PlanAction::Create,
        };
        // Checked on names that would be written only: a tenant's existing name is no new
        // problem (and the console shows every name as text anyway).
        let renamed = self.matched.is_none_or(|m| m.name != self.name);
        if renamed && let Some(tag) = markup(&self.name) {
            self.problems.push(format!(
                "The name contains markup ({tag}): a group name is plain text that users read in Password Manager. Remove the markup."
            ));
        }
        let Some(policy) = policy.filter(|_| resolved && !self.ambiguous) else {
            return;
        };
        let review = ChangeReview::of(&self.draft, options);
        if self.matched.is_some() && review.changes_nothing() {
            self.action = PlanAction::Unchanged;
            return;
        }
        let after = GroupDetail {
            id: self.matched.map(|m| m.id.clone()).unwrap_or_default(),
            name: self.name.clone(),
            policy: policy.clone(),
            sources: self.sources.iter().map(|s| (*s).clone()).collect(),
            created: None,
            modified: None,
        };
        self.lines = change_lines(self.matched, Some(&after));
        self.lines.extend(review.consequences);
    }

    fn plan_group(&self) -> PlanGroup {
        PlanGroup {
            name: self.name.clone(),
            id: self.matched.map(|m| m.id.clone()),
            place: Some(self.place()),
            action: self.action,
            lines: self.lines.clone(),
            problems: self.problems.clone(),
            warnings: self.warnings.clone(),
        }
    }
}

/// Who would hold a source after the plan.
#[derive(Clone, Copy)]
enum Holder<'a> {
    Entry(usize),
    /// A tenant group the document does not mention and does not prune.
    Stays(&'a GroupDetail),
}

/// A source may be in one group only, after the plan: the document gives it to two groups, or
/// to a group while a tenant group it does not mention keeps it.
fn conflicts(entries: &mut [Entry], stays: &[&GroupDetail]) {
    let mut holders: HashMap<&str, (String, Vec<Holder>)> = HashMap::new();
    for entry in entries.iter() {
        for s in &entry.sources {
            holders
                .entry(s.id.as_str())
                .or_insert_with(|| (s.label(), Vec::new()))
                .1
                .push(Holder::Entry(entry.index));
        }
    }
    for group in stays {
        for s in &group.sources {
            if let Some((_, list)) = holders.get_mut(s.id.as_str()) {
                list.push(Holder::Stays(group));
            }
        }
    }
    let mut found: Vec<(usize, String)> = Vec::new();
    for (label, list) in holders.values() {
        if list.len() < 2 {
            continue;
        }
        for holder in list {
            let Holder::Entry(i) = holder else { continue };
            for other in list {
                match other {
                    Holder::Entry(j) if j == i => {}
                    Holder::Entry(j) => found.push((
                        *i,
                        format!(
                            "{label} is also in groups[{j}] (\u{201c}{}\u{201d}): a source can be in one sync group only.",
                            entries[*j].name
                        ),
                    )),
                    Holder::Stays(g) => found.push((
                        *i,
                        format!(
                            "{label} is in the group \u{201c}{}\u{201d}, which the document does not mention: that group stays as it is unless the document says \"prune\": true. Add \u{201c}{}\u{201d} to the document without {label}, or leave {label} out of this group.",
                            g.name, g.name
                        ),
                    )),
                }
            }
        }
    }
    // Stable wording order: by entry, then text.
    found.sort();
    for (i, problem) in found {
        entries[i].problems.push(problem);
    }
}

/// Why one write must wait for another.
#[derive(Clone)]
enum Reason {
    Source(String),
    Name(String),
}

/// The entries in the order they can be written: a group that gives up a source (or a name)
/// before the group that takes it, document order otherwise; entries caught in a cycle last,
/// each with a problem explaining it.
fn order(entries: &mut [Entry], index: &Index, taken: &HashMap<&str, usize>) -> Vec<usize> {
    let n = entries.len();
    // waits[y]: (x, why) = y can be written only after x.
    let mut waits: Vec<Vec<(usize, Reason)>> = vec![Vec::new(); n];
    let releases_source = |x: &Entry, source: &str| {
        x.action == PlanAction::Update && !x.sources.iter().any(|s| s.id == source)
    };
    for y in entries.iter() {
        if !y.action.is_change() {
            continue;
        }
        let own = y.matched.map(|m| m.id.as_str());
        for s in &y.sources {
            let Some(holder) = index.holder.get(s.id.as_str()) else {
                continue;
            };
            if Some(holder.id.as_str()) == own {
                continue;
            }
            if let Some(&x) = taken.get(holder.id.as_str())
                && releases_source(&entries[x], &s.id)
            {
                waits[y.index].push((x, Reason::Source(s.label())));
            }
        }
        let renamed = y
            .matched
            .is_none_or(|m| name_key(&m.name) != name_key(&y.name));
        if renamed {
            for holder in index.groups_named(&y.name) {
                if Some(holder.id.as_str()) == own {
                    continue;
                }
                if let Some(&x) = taken.get(holder.id.as_str())
                    && entries[x].action == PlanAction::Update
                    && name_key(&entries[x].name) != name_key(&y.name)
                {
                    waits[y.index].push((x, Reason::Name(holder.name.clone())));
                }
            }
        }
    }

    let mut blocking = vec![0usize; n];
    let mut unblocks: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (y, list) in waits.iter().enumerate() {
        for (x, _) in list {
            blocking[y] += 1;
            unblocks[*x].push(y);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|i| blocking[*i] == 0).map(Reverse).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(x)) = ready.pop() {
        order.push(x);
        for &y in &unblocks[x] {
            blocking[y] -= 1;
            if blocking[y] == 0 {
                ready.push(Reverse(y));
            }
        }
    }
    if order.len() == n {
        return order;
    }
    let left: HashSet<usize> = (0..n).filter(|i| blocking[*i] > 0).collect();
    let mut left_sorted: Vec<usize> = left.iter().copied().collect();
    left_sorted.sort_unstable();
    let mut explained: HashSet<usize> = HashSet::new();
    let mut problems: Vec<(usize, String)> = Vec::new();
    for &start in &left_sorted {
        if explained.contains(&start) {
            continue;
        }
        let cycle = cycle_from(start, &waits, &left);
        let sentence = cycle_sentence(&cycle, entries);
        for (_, y, _) in &cycle {
            if explained.insert(*y) {
                problems.push((*y, sentence.clone()));
            }
        }
    }
    for &y in &left_sorted {
        if explained.insert(y) {
            let waits_for: Vec<String> = waits[y]
                .iter()
                .filter(|(x, _)| left.contains(x))
                .map(|(x, _)| format!("\u{201c}{}\u{201d}", entries[*x].name))
                .collect();
            problems.push((
                y,
                format!(
                    "This change has to wait for {}, which cannot be written (see there).",
                    join_and(&waits_for)
                ),
            ));
        }
    }
    for (y, problem) in problems {
        entries[y].problems.push(problem);
    }
    order.extend(left_sorted);
    order
}

/// A cycle of waits through `start` (or reached from it): edges (x, y, why), y waiting for x.
fn cycle_from(
    start: usize,
    waits: &[Vec<(usize, Reason)>],
    left: &HashSet<usize>,
) -> Vec<(usize, usize, Reason)> {
    let mut path: Vec<(usize, usize, Reason)> = Vec::new();
    let mut seen: HashMap<usize, usize> = HashMap::new();
    let mut y = start;
    loop {
        seen.insert(y, path.len());
        // Every entry left over waits for another one left over.
        let Some((x, why)) = waits[y].iter().find(|(x, _)| left.contains(x)) else {
            return path;
        };
        path.push((*x, y, why.clone()));
        if let Some(&at) = seen.get(x) {
            return path.split_off(at);
        }
        y = *x;
    }
}

/// "“B” takes Okta from “A”, and “A” takes SAP from “B”: neither can be written first, …".
fn cycle_sentence(cycle: &[(usize, usize, Reason)], entries: &[Entry]) -> String {
    let mut takes: Vec<String> = Vec::new();
    let (mut sources, mut names) = (false, false);
    for (x, y, why) in cycle.iter().rev() {
        let what = match why {
            Reason::Source(label) => {
                sources = true;
                label.clone()
            }
            Reason::Name(name) => {
                names = true;
                format!("the name \u{201c}{name}\u{201d}")
            }
        };
        takes.push(format!(
            "\u{201c}{}\u{201d} takes {what} from \u{201c}{}\u{201d}",
            entries[*y].name, entries[*x].name
        ));
    }
    let rule = match (sources, names) {
        (true, true) => "ISC refuses a source in two groups at once, and two groups with one name",
        (false, true) => "ISC refuses two groups with one name",
        _ => "ISC refuses a source in two groups at once",
    };
    format!(
        "{}: none of these can be written first, because {rule}. Apply it in two steps: leave one of these moves out of the document and apply, then put it back and apply again.",
        join_and(&takes)
    )
}

/// The first tag-like piece of markup in a name (`<b>`, `</a>`, `<!--`), if any.
fn markup(name: &str) -> Option<String> {
    let at = name.char_indices().find_map(|(i, c)| {
        let next = name[i + c.len_utf8()..].chars().next()?;
        (c == '<' && (next.is_ascii_alphabetic() || matches!(next, '/' | '!' | '?'))).then_some(i)
    })?;
    let rest = &name[at..];
    let end = rest.find('>').map_or(rest.len(), |e| e + 1);
    let tag: String = rest[..end].chars().take(40).collect();
    Some(format!("\u{201c}{tag}\u{201d}"))
}

/// A stable hash of the steps: their order, what each writes and the version of the group it
/// writes over. The same document on the same tenant gives the same digest.
fn digest(steps: &[Step]) -> String {
    let mut hash = Sha256::new();
    let mut field = |value: &str| {
        hash.update((value.len() as u64).to_le_bytes());
        hash.update(value.as_bytes());
    };
    for step in steps {
        field(step.action.label());
        field(step.current.as_ref().map_or("", |c| c.id.as_str()));
        field(
            &step
                .current
                .as_ref()
                .map(GroupDetail::version)
                .unwrap_or_default(),
        );
        if let Some(draft) = &step.draft {
            field(draft.name.trim());
            field(draft.policy_id.trim());
            let mut ids = draft.distinct_sources();
            ids.sort_unstable();
            field(&ids.len().to_string());
            for id in &ids {
                field(id);
            }
        }
    }
    hash.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::as_code::document::{self, DocumentGroup, FORMAT};
    use app::model::Connection;

    pub fn source(id: &str, name: &str) -> SourceInfo {
        SourceInfo {
            id: id.into(),
            name: Some(name.into()),
            source_type: Some("Active Directory - Direct".into()),
            connector: Some("Active Directory".into()),
            connection: Connection::Direct,
            password_feature: true,
            healthy: Some(true),
            status: None,
        }
    }

    pub fn policy(id: &str, name: &str) -> PolicyInfo {
        PolicyInfo {
            id: id.into(),
            name: Some(name.into()),
            description: None,
            rules: None,
        }
    }

    /// A tenant: Corporate (AD, Entra) and Engineering (GitHub, LDAP) on Standard; Okta, SAP
    /// free; Workday without PASSWORD; an HR file feed. `prefix` makes another tenant's ids.
    pub fn tenant(prefix: &str) -> TenantState {
        let id = |s: &str| format!("{prefix}{s}");
        let mut workday = source(&id("wd"), "Workday");
        workday.password_feature = false;
        let mut feed = source(&id("hr"), "HR Feed");
        feed.connection = Connection::File;
        let sources = vec![
            source(&id("ad"), "Corporate AD"),
            source(&id("entra"), "Entra ID"),
            source(&id("gh"), "GitHub"),
            source(&id("ldap"), "Unix LDAP"),
            source(&id("okta"), "Okta"),
            source(&id("sap"), "SAP"),
            workday,
            feed,
        ];
        let policies = vec![
            policy(&id("std"), "Standard"),
            policy(&id("strict"), "Strict"),
        ];
        let pick = |ids: &[&str]| -> Vec<SourceInfo> {
            ids.iter()
                .filter_map(|i| sources.iter().find(|s| s.id == id(i)).cloned())
                .collect()
        };
        let group = |gid: &str, name: &str, members: &[&str]| GroupDetail {
            id: id(gid),
            name: name.into(),
            policy: policies[0].clone(),
            sources: pick(members),
            created: Some("2024-01-01T00:00:00Z".into()),
            modified: Some("2024-02-01T00:00:00Z".into()),
        };
        TenantState {
            groups: vec![
                group("g-corp", "Corporate", &["ad", "entra"]),
                group("g-eng", "Engineering", &["gh", "ldap"]),
            ],
            sources: sources.clone(),
            policies,
        }
    }

    pub fn reference(name: &str) -> Reference {
        Reference {
            name: Some(name.into()),
            id: None,
        }
    }

    pub fn entry(name: &str, policy: &str, sources: &[&str]) -> DocumentGroup {
        DocumentGroup {
            name: name.into(),
            id: None,
            password_policy: reference(policy),
            sources: sources.iter().map(|s| reference(s)).collect(),
        }
    }

    pub fn doc(groups: Vec<DocumentGroup>) -> Document {
        Document {
            format: FORMAT.into(),
            tenant: None,
            prune: false,
            groups,
        }
    }

    fn actions(plan: &Plan) -> Vec<(String, PlanAction)> {
        plan.groups
            .iter()
            .map(|g| (g.name.clone(), g.action))
            .collect()
    }

    fn named<'p>(plan: &'p Plan, name: &str) -> &'p PlanGroup {
        plan.groups
            .iter()
            .find(|g| g.name == name)
            .unwrap_or_else(|| panic!("{name} in {plan:#?}"))
    }

    fn problems(plan: &Plan) -> Vec<String> {
        plan.groups
            .iter()
            .flat_map(|g| g.problems.iter().map(move |p| format!("{}: {p}", g.name)))
            .collect()
    }

    #[test]
    fn an_unchanged_tenant_plans_no_changes() {
        let state = tenant("");
        let exported = document::parse(document::export(&state, "t").as_bytes()).expect("doc");
        let (plan, steps) = plan(&exported, &state);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        assert_eq!(plan.change_count(), 0);
        assert!(steps.is_empty());
        assert!(plan.groups.iter().all(|g| g.lines.is_empty()));
        // Another order of sources or groups, other case and spaces in names: no change either.
        let mut shuffled = exported.clone();
        shuffled.groups.reverse();
        for g in &mut shuffled.groups {
            g.sources.reverse();
            for s in &mut g.sources {
                s.name = s.name.as_ref().map(|n| format!("  {} ", n.to_uppercase()));
            }
        }
        let (again, _) = super::plan(&shuffled, &state);
        assert_eq!(again.change_count(), 0, "{:?}", again);
        // The digest is stable: the same document on the same tenant.
        assert_eq!(again.digest, plan.digest);
    }

    #[test]
    fn a_document_from_another_tenant_matches_by_name() {
        let source = tenant("a-");
        let mut target = tenant("b-");
        target.groups.remove(1); // Engineering does not exist there yet.
        let exported =
            document::parse(document::export(&source, "a").as_bytes()).expect("document");
        let (plan, steps) = plan(&exported, &target);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        assert_eq!(
            actions(&plan),
            [
                ("Corporate".to_string(), PlanAction::Unchanged),
                ("Engineering".to_string(), PlanAction::Create)
            ]
        );
        assert_eq!(plan.groups[0].id.as_deref(), Some("b-g-corp"));
        let create = &steps.as_slice()[0];
        assert_eq!(create.action, PlanAction::Create);
        let draft = create.draft.as_ref().expect("draft");
        assert_eq!(draft.policy_id, "b-std");
        assert_eq!(draft.source_ids, ["b-gh", "b-ldap"]);
        // The create reads as the review step does.
        assert_eq!(
            plan.groups[1].lines,
            [
                "Name: Engineering",
                "Policy: Standard",
                "Sources: GitHub and Unix LDAP",
                "Users of GitHub will now share their password with Unix LDAP.",
                "Users of Unix LDAP will now share their password with GitHub.",
                "The new policy must suit every source in the group, or users will see errors when they change their password.",
                "The group name is what users see in Password Manager.",
            ]
        );
    }

    #[test]
    fn a_rename_within_a_tenant_is_a_change_matched_by_id() {
        let state = tenant("");
        let mut d = document::document_of(&state, "t");
        d.groups[0].name = "Corporate Sign-in".into();
        d.groups[0].sources.push(reference("okta"));
        d.groups[0].password_policy = reference("Strict");
        let (plan, steps) = plan(&d, &state);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        assert_eq!(steps.len(), 1);
        let g = &plan.groups[0];
        assert_eq!(g.action, PlanAction::Update);
        assert_eq!(g.id.as_deref(), Some("g-corp"));
        assert_eq!(
            g.lines,
            [
                "Name: Corporate → Corporate Sign-in",
                "Policy: Standard → Strict",
                "Sources added: Okta",
                "Users of Okta will now share their password with Corporate AD and Entra ID.",
                "Corporate AD, Entra ID and Okta will follow the policy Strict instead of Standard.",
                "The new policy must suit every source in the group, or users will see errors when they change their password.",
                "The group name is what users see in Password Manager.",
            ]
        );
    }

    #[test]
    fn unknown_ineligible_and_ambiguous_names_are_problems_of_their_group() {
        let mut state = tenant("");
        state.sources.push(source("okta2", "OKTA "));
        let d = doc(vec![
            entry(
                "New",
                "Nope",
                &["Okta", "Workday", "HR feed", "Missing", "SAP", "sap"],
            ),
            entry("Two", "Standard", &["SAP"]),
        ]);
        let (plan, steps) = plan(&d, &state);
        assert!(!plan.is_applicable());
        assert!(steps.is_empty());
        assert_eq!(
            named(&plan, "New").problems,
            [
                "passwordPolicy: There is no password policy called “Nope” in this tenant.",
                "sources[0]: 2 sources in this tenant are called “Okta” (ids okta and okta2): add the id of the one you mean.",
                "sources[3]: There is no source called “Missing” in this tenant.",
                "sources[5]: SAP is listed twice (also sources[4]).",
                "SAP is also in groups[1] (“Two”): a source can be in one sync group only.",
            ],
            "{plan:#?}"
        );
        let two = named(&plan, "Two");
        assert_eq!(
            two.problems,
            [
                "Choose at least two sources: a sync group shares one password between two or more sources (chosen: 1).",
                "SAP is also in groups[0] (“New”): a source can be in one sync group only.",
            ]
        );
        // Ineligible sources, with the form's words, once everything resolves.
        let d = doc(vec![entry(
            "New",
            "Standard",
            &["Okta", "Workday", "HR feed"],
        )]);
        let (plan, _) = super::plan(&d, &tenant(""));
        assert_eq!(
            Some(named(&plan, "New").problems.clone()),
            Some(vec![
                "Workday cannot be chosen: no password management; HR Feed cannot be chosen: file-based source."
                    .to_string()
            ])
        );
    }

    #[test]
    fn an_id_resolves_a_renamed_source_or_an_ambiguous_name() {
        let mut state = tenant("");
        state.sources.push(source("okta2", "Okta"));
        let mut d = doc(vec![entry("New", "Standard", &["Okta", "SAP"])]);
        d.groups[0].sources[0].id = Some("okta2".into());
        d.groups[0].sources[1] = Reference {
            name: Some("SAP S/4".into()),
            id: Some("sap".into()),
        };
        let (plan, steps) = plan(&d, &state);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        assert_eq!(
            steps.as_slice()[0]
                .draft
                .as_ref()
                .map(|d| d.source_ids.clone()),
            Some(vec!["okta2".to_string(), "sap".to_string()])
        );
        assert_eq!(
            named(&plan, "New").warnings,
            [
                "sources[1]: No source is called “SAP S/4” in this tenant; the one with its id (sap), now called “SAP”, is used."
            ]
        );
    }

    #[test]
    fn a_source_kept_by_a_group_the_document_does_not_mention_is_a_conflict() {
        let state = tenant("");
        let d = doc(vec![entry("New", "Standard", &["Okta", "GitHub"])]);
        let (plan, _) = plan(&d, &state);
        assert_eq!(
            problems(&plan),
            [
                "New: GitHub is in the group “Engineering”, which the document does not mention: that group stays as it is unless the document says \"prune\": true. Add “Engineering” to the document without GitHub, or leave GitHub out of this group."
            ]
        );
        // Unmentioned groups are never deleted by omission alone.
        assert!(plan.groups.iter().all(|g| g.action != PlanAction::Delete));
    }

    #[test]
    fn prune_deletes_what_the_document_does_not_mention_first() {
        let state = tenant("");
        let mut d = doc(vec![entry("New", "Standard", &["Okta", "GitHub"])]);
        d.prune = true;
        let (plan, steps) = plan(&d, &state);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        assert_eq!(
            actions(&plan),
            [
                ("Corporate".to_string(), PlanAction::Delete),
                ("Engineering".to_string(), PlanAction::Delete),
                ("New".to_string(), PlanAction::Create),
            ]
        );
        assert_eq!(
            plan.groups[0].lines,
            DeleteImpact::of(state.groups[0].clone()).consequences
        );
        assert_eq!(plan.groups[0].place, None);
        let order: Vec<PlanAction> = steps.as_slice().iter().map(|s| s.action).collect();
        assert_eq!(
            order,
            [PlanAction::Delete, PlanAction::Delete, PlanAction::Create]
        );
        assert_eq!(
            plan.summary(),
            "3 changes: 1 group to create and 2 to delete."
        );
    }

    #[test]
    fn a_source_moving_from_a_to_b_is_released_by_a_first() {
        let state = tenant("");
        // Engineering (listed first) takes Entra ID from Corporate, which keeps AD and gets Okta.
        let d = doc(vec![
            entry(
                "Engineering",
                "Standard",
                &["GitHub", "Unix LDAP", "Entra ID"],
            ),
            entry("Corporate", "Standard", &["Corporate AD", "Okta"]),
        ]);
        let (plan, steps) = plan(&d, &state);
        assert!(plan.is_applicable(), "{:?}", problems(&plan));
        let names: Vec<&str> = steps.as_slice().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Corporate", "Engineering"]);
        assert_eq!(
            actions(&plan),
            [
                ("Corporate".to_string(), PlanAction::Update),
                ("Engineering".to_string(), PlanAction::Update)
            ]
        );
    }

    #[test]
    fn a_swap_is_a_cycle_explained_in_words() {
        let state = tenant("");
        let d = doc(vec![
            entry("Corporate", "Standard", &["Corporate AD", "GitHub"]),
            entry("Engineering", "Standard", &["Entra ID", "Unix LDAP"]),
        ]);
        let (plan, steps) = plan(&d, &state);
        assert!(!plan.is_applicable());
        assert!(steps.is_empty());
        let sentence = "“Engineering” takes Entra ID from “Corporate” and “Corporate” takes GitHub from “Engineering”: none of these can be written first, because ISC refuses a source in two groups at once. Apply it in two steps: leave one of these moves out of the document and apply, then put it back and apply again.";
        assert_eq!(
            problems(&plan),
            [
                format!("Corporate: {sentence}"),
                format!("Engineering: {sentence}")
            ]
        );
        // Swapping names is a cycle too.
        let mut d = document::document_of(&state, "t");
        d.groups[0].name = "Engineering".into();
        d.groups[1].name = "Corporate".into();
        let (plan, _) = super::plan(&d, &state);
        assert!(!plan.is_applicable());
        assert!(
            problems(&plan)[0].contains("takes the name “Corporate” from"),
            "{:?}",
            problems(&plan)
        );
    }

    #[test]
    fn a_group_waiting_for_a_cycle_says_so() {
        let state = tenant("");
        let d = doc(vec![
            entry("Corporate", "Standard", &["Corporate AD", "GitHub"]),
            entry("Engineering", "Standard", &["Entra ID", "Okta"]),
            // Unix LDAP, released by Engineering, goes to a new group.
            entry("New", "Standard", &["Unix LDAP", "SAP"]),
        ]);
        let (plan, _) = plan(&d, &state);
        let new = plan.groups.iter().find(|g| g.name == "New").expect("New");
        assert_eq!(
            new.problems,
            ["This change has to wait for “Engineering”, which cannot be written (see there)."]
        );
    }

    #[test]
    fn repeated_matches_and_markup_in_written_names_are_refused() {
        let state = tenant("");
        let mut d = doc(vec![
            entry("Corporate", "Standard", &["Corporate AD", "Entra ID"]),
            entry("Other", "Standard", &["Okta", "SAP"]),
        ]);
        d.groups[1].id = Some("g-corp".into());
        let (plan, _) = plan(&d, &state);
        assert!(
            problems(&plan)
                .iter()
                .any(|p| p.contains("both mean the tenant's group “Corporate”")),
            "{:?}",
            problems(&plan)
        );
        let d = doc(vec![entry(
            "<img src=x onerror=alert(1)>",
            "Standard",
            &["Okta", "SAP"],
        )]);
        let (plan, _) = super::plan(&d, &state);
        assert_eq!(
            Some(named(&plan, "<img src=x onerror=alert(1)>").problems.clone()),
            Some(vec!["The name contains markup (“<img src=x onerror=alert(1)>”): a group name is plain text that users read in Password Manager. Remove the markup.".to_string()])
        );
        // Comparisons are no markup.
        assert_eq!(markup("a < b > c"), None);
        assert_eq!(markup("x <3"), None);
        assert_eq!(markup("</b").as_deref(), Some("“</b”"));
    }

    #[test]
    fn two_tenant_groups_with_one_name_need_an_id() {
        let mut state = tenant("");
        let mut twin = state.groups[1].clone();
        twin.id = "g-eng2".into();
        twin.sources.clear();
        state.groups.push(twin);
        let d = doc(vec![entry(
            "Engineering",
            "Standard",
            &["GitHub", "Unix LDAP"],
        )]);
        let (plan, _) = plan(&d, &state);
        assert!(
            problems(&plan).iter().any(|p| p.contains(
                "2 groups in this tenant are called “Engineering” (ids g-eng and g-eng2)"
            )),
            "{:?}",
            problems(&plan)
        );
        let mut d = d;
        d.groups[0].id = Some("g-eng".into());
        let (plan, _) = super::plan(&d, &state);
        assert!(
            plan.groups.iter().all(|g| g.problems.is_empty()),
            "{:?}",
            problems(&plan)
        );
    }

    #[test]
    fn the_digest_changes_with_the_steps_and_the_versions_they_write_over() {
        let state = tenant("");
        let mut d = document::document_of(&state, "t");
        d.groups[0].sources.push(reference("Okta"));
        let (first, _) = plan(&d, &state);
        let (same, _) = plan(&d, &state);
        assert_eq!(first.digest, same.digest);
        assert_eq!(first.digest.len(), 32);
        let mut changed = state.clone();
        changed.groups[0].modified = Some("2025-01-01T00:00:00Z".into());
        let (other, _) = plan(&d, &changed);
        assert_ne!(other.digest, first.digest);
        d.groups[0].sources.push(reference("SAP"));
        let (more, _) = plan(&d, &state);
        assert_ne!(more.digest, first.digest);
    }
}
