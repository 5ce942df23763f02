//! ISC's search query language (`query.query` of `POST /search`): Elasticsearch's `query_string`
//! syntax plus SailPoint's nested `@type(...)` clauses, parsed into a [`Node`] that is matched
//! against the JSON search documents.
//!
//! Supported (a subset; anything else that does not parse is an error, never a guess):
//! - `field:value`, bare terms (every field, or `query.fields`), `field:(a OR b)` groups;
//!   dotted fields (`target.name`, `attributes.sourceId`, `accounts.source.id`: an array on the
//!   way matches if any element does); field names are case-sensitive, may contain `*`
//!   (`attributes.*:x`); `_exists_:field`, `field:*` (has a value) and `*` / `*:*` (everything);
//! - quoted phrases `"..."` (`\"` and `\\` escapes), unquoted terms with `\`-escaped characters
//!   (any escaped character, whitespace included, means itself) and the wildcards `*` and `?`;
//! - `AND`/`&&`, `OR`/`||`, `NOT`/`!`, `+`/`-` prefixes and parentheses; juxtaposed clauses are
//!   OR'ed (ES's default operator). Precedence is boolean: NOT, then AND, then OR (so `a AND b OR c`
//!   is `(a AND b) OR c`); `+`/`-`/`NOT` clauses of an OR list are required/excluded as in Lucene
//!   (`a -b` is "a and not b"), and a purely negative query matches everything else, as in ES;
//! - ranges `field:[a TO b]` (inclusive), `{a TO b}` (exclusive), mixed brackets, `*` for an open
//!   end, and `field:>a`, `>=`, `<`, `<=`. Bounds compare as dates when both the bound and the
//!   value are dates, as numbers when the value is a JSON number, otherwise as case-insensitive
//!   strings. Date bounds take ES date math: `now`, `now-30d`, `now+1h`, `now/d`,
//!   `2026-11-20`, `2026-11-20T10:00:00Z`, `2026-11-20||+1M/d`, epoch milliseconds; units `y M w d
//!   h H m s`. Rounding and partial dates follow ES: `gte`/`lt` round down, `gt`/`lte` round up
//!   (`[now/d TO now/d]` is all of today). A zone comes from `query.timeZone` (UTC by default);
//!   only UTC and fixed offsets are known to the sandbox, a named zone (`America/Chicago`) is an
//!   error only where it matters (rounding, a date without an offset);
//! - nested clauses `@accounts(source.name:"Corporate AD" AND disabled:true)`: every condition on
//!   the same element of the `accounts` array, its fields relative to the element;
//! - boosts `^2` are accepted and ignored (no scoring here).
//!
//! Refused with an explanation: fuzzy and proximity `~`, regular expressions `/.../`, queries over
//! 1024 clauses (ES's `max_clause_count`) or nested deeper than 32.
//!
//! Matching (a simplified ES analysis, the same for every field): values compare
//! case-insensitively. A term matches a value equal to it, or equal to one of the value's words;
//! a wildcard term matches the whole value or one word; a phrase matches a value equal to it, or
//! whose words contain the phrase's words in sequence. Words are runs of letters, digits and `_`,
//! kept together across a single `'`, `’` or `.` between two such characters (ES's standard
//! tokenizer does the same): `Olivia O'Brien` has the words `olivia`, `o'brien`;
//! `olivia.smith@example.com` has `olivia.smith`, `example.com`. So `displayName:olivia\ sm*`
//! matches "Olivia Smith" through the whole value, and `displayName:smith` through a word.

use std::cmp::Ordering;
use std::fmt;

use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// ES's default `indices.query.bool.max_clause_count`.
const MAX_CLAUSES: usize = 1024;
/// Parentheses, nested clauses and `NOT`s deep.
const MAX_DEPTH: usize = 32;

/// Why a query was refused; the text is shown to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueryError(pub String);

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(text: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(text.into()))
}

/// `query.timeZone`: UTC, a fixed offset, or a named zone the sandbox cannot resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Zone {
    Fixed(UtcOffset),
    Named(String),
}

impl Zone {
    /// `UTC`, `GMT`, `Z`, `Etc/UTC`, `+02:00`, `-0500`, `+05`, `UTC+01:00`; anything else is named.
    pub(crate) fn parse(text: &str) -> Zone {
        let t = text.trim();
        let bare = [
            "UTC",
            "GMT",
            "Z",
            "Etc/UTC",
            "Etc/GMT",
            "UCT",
            "Zulu",
            "Universal",
        ];
        if bare.iter().any(|b| b.eq_ignore_ascii_case(t)) {
            return Zone::Fixed(UtcOffset::UTC);
        }
        let offset = t
            .strip_prefix("UTC")
            .or_else(|| t.strip_prefix("GMT"))
            .unwrap_or(t);
        match parse_offset(offset) {
            Some(o) => Zone::Fixed(o),
            None => Zone::Named(t.to_owned()),
        }
    }

    fn offset(&self) -> Result<UtcOffset, QueryError> {
        match self {
            Zone::Fixed(o) => Ok(*o),
            Zone::Named(name) => err(format!(
                "timeZone \"{name}\" is not supported by the sandbox where it matters (date \
                 rounding, dates without an offset): use UTC or a fixed offset such as -05:00"
            )),
        }
    }
}

/// `+hh:mm`, `-hhmm`, `+hh`.
fn parse_offset(s: &str) -> Option<UtcOffset> {
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !matches!(digits.len(), 2 | 4) {
        return None;
    }
    let hours: i8 = digits.get(..2)?.parse().ok()?;
    let minutes: i8 = digits
        .get(2..)
        .filter(|m| !m.is_empty())
        .map_or(Some(0), |m| m.parse().ok())?;
    UtcOffset::from_hms(sign * hours, sign * minutes, 0).ok()
}

/// How a query is read.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// `query.fields`: the fields bare terms search; empty means every field.
    pub default_fields: Vec<String>,
    /// The `now` of date math.
    pub now: OffsetDateTime,
    pub zone: Zone,
}

/// A parsed query (or `filters` entry), ready to match documents.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    All,
    /// Lucene's clause list: every `must`, no `must_not`, and one `should` unless there is a `must`.
    Bool {
        must: Vec<Node>,
        should: Vec<Node>,
        must_not: Vec<Node>,
    },
    And(Vec<Node>),
    Not(Box<Node>),
    /// `@path(query)`: one element of the array at `path` matches `query`.
    Nested {
        path: String,
        query: Box<Node>,
    },
    Field {
        target: Target,
        matcher: Matcher,
    },
}

/// Which values of a document a clause looks at.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    /// Every value of the document (ES's default field `*`).
    Any,
    /// A dotted path; arrays on the way fan out.
    Path(String),
    /// A field-name pattern with `*`/`?` (case-sensitive), over the document's leaf fields.
    Pattern(Glob),
    /// Any of these (`query.fields`).
    Each(Vec<Target>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Matcher {
    /// Lowercased.
    Term(String),
    Phrase {
        text: String,
        words: Vec<String>,
    },
    Wildcard(Glob),
    Exists,
    Range(Range),
    /// The whole value is one of these (lowercased): the `TERMS` filter.
    Keyword(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Range {
    lower: Option<Bound>,
    upper: Option<Bound>,
}

#[derive(Debug, Clone, PartialEq)]
struct Bound {
    inclusive: bool,
    /// Lowercased, for string comparisons.
    text: String,
    number: Option<f64>,
    date: Option<OffsetDateTime>,
}

impl Range {
    /// A range from raw bounds `(text, inclusive)`; `None` is open. Date math is resolved now.
    pub(crate) fn new(
        lower: Option<(&str, bool)>,
        upper: Option<(&str, bool)>,
        opts: &Options,
    ) -> Result<Range, QueryError> {
        Ok(Range {
            lower: lower
                .map(|(t, inc)| Bound::new(t, inc, false, opts))
                .transpose()?,
            upper: upper
                .map(|(t, inc)| Bound::new(t, inc, true, opts))
                .transpose()?,
        })
    }

    fn contains(&self, value: &Value) -> bool {
        let lower_ok = self.lower.as_ref().is_none_or(|b| {
            b.compare(value)
                .is_some_and(|o| o == Ordering::Greater || (b.inclusive && o == Ordering::Equal))
        });
        let upper_ok = self.upper.as_ref().is_none_or(|b| {
            b.compare(value)
                .is_some_and(|o| o == Ordering::Less || (b.inclusive && o == Ordering::Equal))
        });
        lower_ok && upper_ok && !value.is_null() && !value.is_object()
    }
}

impl Bound {
    fn new(raw: &str, inclusive: bool, upper: bool, opts: &Options) -> Result<Bound, QueryError> {
        // ES: gte and lt round down, gt and lte round up.
        let round_up = upper == inclusive;
        Ok(Bound {
            inclusive,
            text: raw.to_lowercase(),
            number: raw.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
            date: date_math(raw.trim(), round_up, opts)?,
        })
    }

    /// The value compared with the bound.
    fn compare(&self, value: &Value) -> Option<Ordering> {
        if let (Some(bound), Some(v)) = (self.date, value_date(value)) {
            return Some(v.cmp(&bound));
        }
        if let (Some(bound), Some(v)) = (self.number, value.as_f64()) {
            return v.partial_cmp(&bound);
        }
        let text = scalar_text(value)?.to_lowercase();
        Some(text.as_str().cmp(self.text.as_str()))
    }
}

/// A value as a date, if it is an RFC 3339 string.
pub(crate) fn value_date(value: &Value) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(value.as_str()?, &Rfc3339).ok()
}

/// A scalar value as text (`true`, `3`, `"x"`); `None` for null, objects and arrays.
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Date math

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Milli,
}

impl Unit {
    fn parse(c: char) -> Option<Unit> {
        Some(match c {
            'y' => Unit::Year,
            'M' => Unit::Month,
            'w' => Unit::Week,
            'd' => Unit::Day,
            'h' | 'H' => Unit::Hour,
            'm' => Unit::Minute,
            's' => Unit::Second,
            _ => return None,
        })
    }
}

/// A date bound: `None` when `raw` is not a date at all (then it is a string or number bound);
/// an error when it is meant as one (`now`, `now-...`, `...||...`) but malformed.
fn date_math(
    raw: &str,
    round_up: bool,
    opts: &Options,
) -> Result<Option<OffsetDateTime>, QueryError> {
    let bad = || QueryError(format!("Invalid date math \"{raw}\""));
    let (anchor, math) = if let Some(math) = raw
        .strip_prefix("now")
        .filter(|m| m.is_empty() || m.starts_with(['+', '-', '/']))
    {
        (opts.now, math)
    } else if let Some((anchor, math)) = raw.split_once("||") {
        let (t, _) = parse_anchor(anchor, false, opts)?.ok_or_else(bad)?;
        (t, math)
    } else {
        return Ok(parse_anchor(raw, round_up, opts)?.map(|(t, _)| t));
    };
    let mut t = anchor;
    let chars: Vec<char> = math.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let op = chars[i];
        i += 1;
        match op {
            '+' | '-' => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                // ES: a missing number means 1. Capped so that no arithmetic can overflow.
                let n: i64 = if digits.is_empty() {
                    1
                } else {
                    digits
                        .parse()
                        .ok()
                        .filter(|n| *n <= 10_000_000)
                        .ok_or_else(bad)?
                };
                let unit = chars
                    .get(i)
                    .copied()
                    .and_then(Unit::parse)
                    .ok_or_else(bad)?;
                i += 1;
                t = add(t, if op == '-' { -n } else { n }, unit).ok_or_else(bad)?;
            }
            '/' => {
                let unit = chars
                    .get(i)
                    .copied()
                    .and_then(Unit::parse)
                    .ok_or_else(bad)?;
                i += 1;
                t = round(t, unit, round_up, opts.zone.offset()?).ok_or_else(bad)?;
            }
            _ => return Err(bad()),
        }
    }
    Ok(Some(t))
}

/// `yyyy[-MM[-dd[THH[:mm[:ss[.fff]]]]]][Z|±hh:mm]` or epoch milliseconds; partial dates are
/// completed down, or up to the end of their last unit when `round_up`.
fn parse_anchor(
    s: &str,
    round_up: bool,
    opts: &Options,
) -> Result<Option<(OffsetDateTime, Unit)>, QueryError> {
    let b = s.as_bytes();
    if b.len() > 4 && b.len() <= 16 && b.iter().all(u8::is_ascii_digit) {
        let ms: i128 = s.parse().unwrap_or_default();
        return Ok(OffsetDateTime::from_unix_timestamp_nanos(ms * 1_000_000)
            .ok()
            .map(|t| (t, Unit::Milli)));
    }
    let Some((fields, unit, offset)) = split_date(s) else {
        return Ok(None);
    };
    let [year, month, day, hour, minute, second, milli] = fields;
    let Ok(month) = Month::try_from(month as u8) else {
        return Ok(None);
    };
    let Ok(date) = Date::from_calendar_date(year as i32, month, day as u8) else {
        return Ok(None);
    };
    let Ok(time) = Time::from_hms_milli(hour as u8, minute as u8, second as u8, milli as u16)
    else {
        return Ok(None);
    };
    let offset = match offset {
        Some(o) => o,
        None => opts.zone.offset()?,
    };
    let t = PrimitiveDateTime::new(date, time).assume_offset(offset);
    let t = if round_up {
        round(t, unit, true, offset)
    } else {
        Some(t)
    };
    Ok(t.map(|t| (t, unit)))
}

/// The numeric fields of a date (missing ones at their minimum), its precision and offset.
fn split_date(s: &str) -> Option<([u32; 7], Unit, Option<UtcOffset>)> {
    let (body, offset) = if let Some(body) = s.strip_suffix('Z').or_else(|| s.strip_suffix('z')) {
        (body, Some(UtcOffset::UTC))
    } else if let Some(at) = s.rfind(['+', '-']).filter(|at| *at > 10) {
        (&s[..at], Some(parse_offset(&s[at..])?))
    } else {
        (s, None)
    };
    let (date, time) = match body.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (body, None),
    };
    let num = |p: &str, len: usize| -> Option<u32> {
        (p.len() == len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    let mut fields = [0, 1, 1, 0, 0, 0, 0];
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() > 3 {
        return None;
    }
    fields[0] = num(parts[0], 4)?;
    let mut unit = Unit::Year;
    if let Some(m) = parts.get(1) {
        fields[1] = num(m, 2)?;
        unit = Unit::Month;
    }
    if let Some(d) = parts.get(2) {
        fields[2] = num(d, 2)?;
        unit = Unit::Day;
    }
    if let Some(time) = time {
        if unit != Unit::Day {
            return None;
        }
        let (hms, fraction) = match time.split_once(['.', ',']) {
            Some((hms, f)) => (hms, Some(f)),
            None => (time, None),
        };
        let parts: Vec<&str> = hms.split(':').collect();
        if parts.len() > 3 {
            return None;
        }
        for (k, p) in parts.iter().enumerate() {
            fields[3 + k] = num(p, 2)?;
        }
        unit = [Unit::Hour, Unit::Minute, Unit::Second][parts.len() - 1];
        if let Some(f) = fraction {
            if parts.len() != 3
                || f.is_empty()
                || f.len() > 9
                || !f.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            fields[6] = format!("{f:0<3}")[..3].parse().ok()?;
            unit = Unit::Milli;
        }
    } else if offset.is_some() && unit != Unit::Day {
        return None;
    }
    Some((fields, unit, offset))
}

fn add(t: OffsetDateTime, n: i64, unit: Unit) -> Option<OffsetDateTime> {
    match unit {
        Unit::Year => add_months(t, n.checked_mul(12)?),
        Unit::Month => add_months(t, n),
        Unit::Week => t.checked_add(Duration::days(n.checked_mul(7)?)),
        Unit::Day => t.checked_add(Duration::days(n)),
        Unit::Hour => t.checked_add(Duration::hours(n)),
        Unit::Minute => t.checked_add(Duration::minutes(n)),
        Unit::Second => t.checked_add(Duration::seconds(n)),
        Unit::Milli => t.checked_add(Duration::milliseconds(n)),
    }
}

fn add_months(t: OffsetDateTime, n: i64) -> Option<OffsetDateTime> {
    let total = i64::from(t.year()) * 12 + i64::from(u8::from(t.month())) - 1 + n;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let day = t.day().min(time::util::days_in_month(month, year));
    let date = Date::from_calendar_date(year, month, day).ok()?;
    Some(t.replace_date(date))
}

/// `t` rounded down to the start of its `unit` in `offset`, or up to its last millisecond.
fn round(t: OffsetDateTime, unit: Unit, up: bool, offset: UtcOffset) -> Option<OffsetDateTime> {
    let local = t.to_offset(offset);
    let (date, time) = (local.date(), local.time());
    let start = match unit {
        Unit::Year => Date::from_calendar_date(date.year(), Month::January, 1)
            .ok()?
            .midnight(),
        Unit::Month => Date::from_calendar_date(date.year(), date.month(), 1)
            .ok()?
            .midnight(),
        Unit::Week => date
            .checked_sub(Duration::days(i64::from(
                date.weekday().number_days_from_monday(),
            )))?
            .midnight(),
        Unit::Day => date.midnight(),
        Unit::Hour => date.with_hms(time.hour(), 0, 0).ok()?,
        Unit::Minute => date.with_hms(time.hour(), time.minute(), 0).ok()?,
        Unit::Second => date
            .with_hms(time.hour(), time.minute(), time.second())
            .ok()?,
        Unit::Milli => return Some(t),
    }
    .assume_offset(offset);
    if up {
        add(start, 1, unit)?.checked_sub(Duration::milliseconds(1))
    } else {
        Some(start)
    }
}

// ---------------------------------------------------------------------------------------------
// Wildcards

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum G {
    Char(char),
    One,
    Many,
}

/// A `*`/`?` pattern (no other special characters), matched character by character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob(Vec<G>);

impl Glob {
    /// From text where every `*` and `?` is a wildcard.
    pub(crate) fn new(pattern: &str) -> Glob {
        Glob(
            pattern
                .chars()
                .map(|c| match c {
                    '*' => G::Many,
                    '?' => G::One,
                    c => G::Char(c),
                })
                .collect(),
        )
    }

    fn from_pieces(pieces: &[(char, bool)], lowercase: bool) -> Glob {
        let mut out = Vec::with_capacity(pieces.len());
        for &(c, escaped) in pieces {
            match (c, escaped) {
                ('*', false) => out.push(G::Many),
                ('?', false) => out.push(G::One),
                _ if lowercase => out.extend(c.to_lowercase().map(G::Char)),
                _ => out.push(G::Char(c)),
            }
        }
        Glob(out)
    }

    pub(crate) fn has_wildcards(&self) -> bool {
        self.0.iter().any(|g| !matches!(g, G::Char(_)))
    }

    /// Does the whole `text` match? (Linear backtracking over the last `*`: O(n·m) at worst.)
    pub(crate) fn matches(&self, text: &str) -> bool {
        // The common `prefix*` pattern: reject most texts without collecting characters.
        let mut rest = text.chars();
        for g in &self.0 {
            match g {
                G::Char(c) if rest.next() != Some(*c) => return false,
                G::Char(_) => {}
                _ => break,
            }
        }
        let t: Vec<char> = text.chars().collect();
        let p = &self.0;
        let (mut ti, mut pi) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while ti < t.len() {
            match p.get(pi) {
                Some(G::One) => {
                    ti += 1;
                    pi += 1;
                }
                Some(G::Char(c)) if *c == t[ti] => {
                    ti += 1;
                    pi += 1;
                }
                Some(G::Many) => {
                    star = Some((pi, ti));
                    pi += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        star = Some((sp, st + 1));
                        pi = sp + 1;
                        ti = st + 1;
                    }
                    None => return false,
                },
            }
        }
        p[pi..].iter().all(|g| *g == G::Many)
    }

    /// Could some text starting with `prefix` (followed by at least one more character) match?
    pub(crate) fn may_match_below(&self, prefix: &str) -> bool {
        let p = &self.0;
        let closure = |mut states: Vec<usize>| {
            let mut k = 0;
            while k < states.len() {
                let s = states[k];
                if p.get(s) == Some(&G::Many) && !states.contains(&(s + 1)) {
                    states.push(s + 1);
                }
                k += 1;
            }
            states
        };
        let mut states = closure(vec![0]);
        for c in prefix.chars() {
            let mut next = Vec::new();
            for &s in &states {
                let to = match p.get(s) {
                    Some(G::Many) => Some(s),
                    Some(G::One) => Some(s + 1),
                    Some(G::Char(x)) if *x == c => Some(s + 1),
                    _ => None,
                };
                if let Some(to) = to.filter(|to| !next.contains(to)) {
                    next.push(to);
                }
            }
            states = closure(next);
            if states.is_empty() {
                return false;
            }
        }
        states.iter().any(|&s| s < p.len())
    }
}

// ---------------------------------------------------------------------------------------------
// Words (the simplified analysis)

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The words of a (lowercased) value: see the module documentation.
pub(crate) fn words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = s.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let joins = matches!(c, '\'' | '’' | '.')
            && start.is_some()
            && chars.peek().is_some_and(|&(_, n)| is_word_char(n));
        let in_word = is_word_char(c) || joins;
        match (in_word, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                out.push(&s[from..at]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        out.push(&s[from..]);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Matching

impl Node {
    pub(crate) fn matches(&self, doc: &Value) -> bool {
        match self {
            Node::All => true,
            Node::Bool {
                must,
                should,
                must_not,
            } => {
                must.iter().all(|n| n.matches(doc))
                    && !must_not.iter().any(|n| n.matches(doc))
                    && (!must.is_empty()
                        || should.is_empty()
                        || should.iter().any(|n| n.matches(doc)))
            }
            Node::And(nodes) => nodes.iter().all(|n| n.matches(doc)),
            Node::Not(node) => !node.matches(doc),
            Node::Nested { path, query } => values_at(doc, path)
                .into_iter()
                .any(|element| element.is_object() && query.matches(element)),
            Node::Field { target, matcher } => {
                target_values(doc, target).any(|v| matcher.matches(v))
            }
        }
    }
}

impl Matcher {
    fn matches(&self, value: &Value) -> bool {
        match self {
            Matcher::Exists => !value.is_null(),
            Matcher::Range(range) => range.contains(value),
            _ => {
                let text = match value {
                    Value::String(s) => s.to_lowercase(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return false,
                };
                match self {
                    Matcher::Term(term) => text == *term || words(&text).contains(&term.as_str()),
                    Matcher::Phrase {
                        text: phrase,
                        words: seq,
                    } => {
                        text == *phrase
                            || (!seq.is_empty()
                                && words(&text)
                                    .windows(seq.len())
                                    .any(|w| w.iter().zip(seq).all(|(a, b)| a == b)))
                    }
                    Matcher::Wildcard(glob) => {
                        glob.matches(&text) || words(&text).iter().any(|w| glob.matches(w))
                    }
                    Matcher::Keyword(terms) => terms.contains(&text),
                    Matcher::Exists | Matcher::Range(_) => false,
                }
            }
        }
    }
}

/// The values at a dotted `path` (arrays fan out, at the end too; nulls are left out). A key
/// that itself contains dots is found as well.
pub(crate) fn values_at<'a>(doc: &'a Value, path: &str) -> Vec<&'a Value> {
    let segments: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    collect(doc, &segments, &mut out);
    out
}

fn collect<'a>(value: &'a Value, segments: &[&str], out: &mut Vec<&'a Value>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect(v, segments, out)),
        Value::Null => {}
        _ if segments.is_empty() => out.push(value),
        Value::Object(map) => {
            if let Some(child) = map.get(segments[0]) {
                collect(child, &segments[1..], out);
            }
            // Keys with dots in them (`"a.b": ...`) are rare: only then try joined segments.
            if segments.len() > 1 && map.keys().any(|k| k.contains('.')) {
                for take in 2..=segments.len() {
                    if let Some(child) = map.get(&segments[..take].join(".")) {
                        collect(child, &segments[take..], out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Every non-null scalar of a document.
fn scalars<'a>(value: &'a Value, out: &mut Vec<&'a Value>) {
    match value {
        Value::Object(map) => map.values().for_each(|v| scalars(v, out)),
        Value::Array(items) => items.iter().for_each(|v| scalars(v, out)),
        Value::Null => {}
        _ => out.push(value),
    }
}

/// Every non-null scalar of a document with its dotted path.
fn leaves<'a>(value: &'a Value, path: &mut String, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                leaves(child, path, out);
                path.truncate(len);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| leaves(v, path, out)),
        Value::Null => {}
        _ => out.push((path.clone(), value)),
    }
}

fn target_values<'a>(doc: &'a Value, target: &Target) -> Box<dyn Iterator<Item = &'a Value> + 'a> {
    match target {
        Target::Path(path) => Box::new(values_at(doc, path).into_iter()),
        Target::Any => {
            let mut out = Vec::new();
            scalars(doc, &mut out);
            Box::new(out.into_iter())
        }
        Target::Pattern(glob) => {
            let mut out = Vec::new();
            leaves(doc, &mut String::new(), &mut out);
            let glob = glob.clone();
            Box::new(
                out.into_iter()
                    .filter(move |(path, _)| glob.matches(path))
                    .map(|(_, v)| v),
            )
        }
        Target::Each(targets) => {
            let mut out = Vec::new();
            for t in targets {
                out.extend(target_values(doc, t));
            }
            Box::new(out.into_iter())
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A field name as a target: `*` is every field, a name with `*`/`?` a pattern.
pub(crate) fn field_target(name: &str) -> Target {
    if name == "*" {
        Target::Any
    } else if name.contains(['*', '?']) {
        Target::Pattern(Glob::new(name))
    } else {
        Target::Path(name.to_owned())
    }
}

/// Parses `input` (see the module documentation).
pub(crate) fn parse(input: &str, opts: &Options) -> Result<Node, QueryError> {
    let default = match opts.default_fields.as_slice() {
        [] => Target::Any,
        [one] => field_target(one),
        many => Target::Each(many.iter().map(|f| field_target(f)).collect()),
    };
    let mut parser = Parser {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
        clauses: 0,
        opts,
    };
    parser.skip_ws();
    if parser.at_end() {
        return err("the query is empty");
    }
    let node = parser.parse_bool(&default)?;
    parser.skip_ws();
    match parser.peek() {
        None => Ok(node),
        Some(c) => err(format!("unexpected '{c}' at position {}", parser.pos + 1)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Should,
    Must,
    MustNot,
}

/// A character of a term and whether it was escaped.
type Piece = (char, bool);

struct Parser<'o> {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    clauses: usize,
    opts: &'o Options,
}

/// Characters that end an unquoted term (Lucene's, less `+ - & |` which may appear inside one).
fn ends_term(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')' | '[' | ']' | '{' | '}' | '"' | '^' | '~' | ':' | '/' | '!'
        )
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn here(&self) -> String {
        format!("position {}", self.pos + 1)
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars()
            .enumerate()
            .all(|(k, c)| self.chars.get(self.pos + k) == Some(&c))
    }

    /// An operator keyword (`AND`, `OR`, `NOT`, `TO`) as a whole token at the current position.
    fn at_keyword(&self, kw: &str) -> bool {
        self.starts_with(kw)
            && self
                .chars
                .get(self.pos + kw.chars().count())
                .is_none_or(|c| ends_term(*c))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let found = self.at_keyword(kw);
        if found {
            self.pos += kw.chars().count();
        }
        found
    }

    fn eat(&mut self, s: &str) -> bool {
        let found = self.starts_with(s);
        if found {
            self.pos += s.chars().count();
        }
        found
    }

    fn enter(&mut self) -> Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(format!(
                "the query is nested deeper than {MAX_DEPTH} levels"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Clauses joined by AND / OR / juxtaposition, up to the end or a `)`.
    fn parse_bool(&mut self, target: &Target) -> Result<Node, QueryError> {
        let mut groups: Vec<Vec<(Occur, Node)>> = Vec::new();
        let mut current = vec![self.parse_clause(target)?];
        loop {
            self.skip_ws();
            if self.at_end() || self.peek() == Some(')') {
                break;
            }
            if self.eat_keyword("AND") || self.eat("&&") {
                current.push(self.parse_clause(target)?);
                continue;
            }
            let _explicit_or = self.eat_keyword("OR") || self.eat("||");
            groups.push(std::mem::take(&mut current));
            current.push(self.parse_clause(target)?);
        }
        groups.push(current);
        let (mut must, mut should, mut must_not) = (Vec::new(), Vec::new(), Vec::new());
        for mut group in groups {
            if group.len() == 1
                && let Some((occur, node)) = group.pop()
            {
                match occur {
                    Occur::Should => should.push(node),
                    Occur::Must => must.push(node),
                    Occur::MustNot => must_not.push(node),
                }
            } else {
                let all = group
                    .into_iter()
                    .map(|(occur, node)| match occur {
                        Occur::MustNot => Node::Not(Box::new(node)),
                        _ => node,
                    })
                    .collect();
                should.push(Node::And(all));
            }
        }
        if must.is_empty() && must_not.is_empty() && should.len() == 1 {
            return Ok(should.pop().unwrap_or(Node::All));
        }
        Ok(Node::Bool {
            must,
            should,
            must_not,
        })
    }

    /// An optional `+`, `-`, `NOT` or `!`, then a primary clause and its boost.
    fn parse_clause(&mut self, target: &Target) -> Result<(Occur, Node), QueryError> {
        self.skip_ws();
        if self.eat_keyword("NOT") || self.eat("!") {
            self.enter()?;
            let (occur, node) = self.parse_clause(target)?;
            self.leave();
            let node = if occur == Occur::MustNot {
                Node::Not(Box::new(node))
            } else {
                node
            };
            return Ok((Occur::MustNot, node));
        }
        let occur = if self.eat("+") {
            Occur::Must
        } else if self.eat("-") {
            Occur::MustNot
        } else {
            Occur::Should
        };
        self.skip_ws();
        for op in ["AND", "OR", "&&", "||"] {
            if self.at_keyword(op) || (op.starts_with(['&', '|']) && self.starts_with(op)) {
                return err(format!("unexpected operator {op} at {}", self.here()));
            }
        }
        let node = self.parse_primary(target)?;
        self.suffixes()?;
        Ok((occur, node))
    }

    /// `^boost` is accepted and ignored; `~` (fuzzy, proximity) is refused.
    fn suffixes(&mut self) -> Result<(), QueryError> {
        if self.peek() == Some('~') {
            return err(format!(
                "fuzzy and proximity searches ('~' at {}) are not supported by the sandbox",
                self.here()
            ));
        }
        if self.eat("^") {
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                self.pos += 1;
            }
            if self.pos == start {
                return err(format!("a boost '^' needs a number at {}", self.here()));
            }
        }
        Ok(())
    }

    fn count_clause(&mut self) -> Result<(), QueryError> {
        self.clauses += 1;
        if self.clauses > MAX_CLAUSES {
            return err(format!("the query has more than {MAX_CLAUSES} clauses"));
        }
        Ok(())
    }

    fn parse_primary(&mut self, target: &Target) -> Result<Node, QueryError> {
        match self.peek() {
            None => err("the query ends where a term is expected"),
            Some('(') => self.parse_group(target),
            Some('"') => {
                self.count_clause()?;
                let text = self.read_phrase()?;
                Ok(phrase_node(target, &text))
            }
            Some('[' | '{') => {
                self.count_clause()?;
                let range = self.read_range()?;
                Ok(Node::Field {
                    target: target.clone(),
                    matcher: Matcher::Range(range),
                })
            }
            Some('@') if self.at_nested() => self.parse_nested(),
            Some('/') => err(format!(
                "regular expressions ('/' at {}) are not supported by the sandbox; escape '/' as '\\/'",
                self.here()
            )),
            Some(c) if ends_term(c) => err(format!("unexpected '{c}' at {}", self.here())),
            Some(_) => {
                let term = self.read_term()?;
                let after_term = self.pos;
                self.skip_ws();
                if self.peek() == Some(':') {
                    self.pos += 1;
                    let field: String = term.iter().map(|(c, _)| c).collect();
                    return self.parse_field_value(&field);
                }
                self.pos = after_term;
                self.count_clause()?;
                term_node(target, &term)
            }
        }
    }

    fn parse_group(&mut self, target: &Target) -> Result<Node, QueryError> {
        self.enter()?;
        self.pos += 1; // (
        self.skip_ws();
        if self.peek() == Some(')') {
            return err(format!("empty parentheses at {}", self.here()));
        }
        let node = self.parse_bool(target)?;
        self.skip_ws();
        if !self.eat(")") {
            return err("missing ')' at the end of the query");
        }
        self.leave();
        Ok(node)
    }

    /// `@name(` with a name of letters, digits, `_` and `.`.
    fn at_nested(&self) -> bool {
        let mut k = self.pos + 1;
        while self
            .chars
            .get(k)
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
        {
            k += 1;
        }
        k > self.pos + 1 && self.chars.get(k) == Some(&'(')
    }

    fn parse_nested(&mut self) -> Result<Node, QueryError> {
        self.pos += 1; // @
        let mut path = String::new();
        while let Some(c) = self.peek().filter(|c| *c != '(') {
            path.push(c);
            self.pos += 1;
        }
        // The element's own fields: query.fields does not reach into nested documents.
        let query = self.parse_group(&Target::Any)?;
        Ok(Node::Nested {
            path,
            query: Box::new(query),
        })
    }

    /// What follows `field:`.
    fn parse_field_value(&mut self, field: &str) -> Result<Node, QueryError> {
        if field.is_empty() {
            return err(format!(
                "a field name is missing before ':' at {}",
                self.here()
            ));
        }
        self.skip_ws();
        if field == "_exists_" {
            self.count_clause()?;
            let name: String = self.read_term()?.iter().map(|(c, _)| c).collect();
            if name.is_empty() {
                return err("_exists_: needs a field name");
            }
            return Ok(Node::Field {
                target: field_target(&name),
                matcher: Matcher::Exists,
            });
        }
        let target = field_target(field);
        match self.peek() {
            None => err(format!(
                "the query ends where the value of {field} is expected"
            )),
            Some('(') => self.parse_group(&target),
            Some('"') => {
                self.count_clause()?;
                let text = self.read_phrase()?;
                Ok(phrase_node(&target, &text))
            }
            Some('[' | '{') => {
                self.count_clause()?;
                let range = self.read_range()?;
                Ok(Node::Field {
                    target,
                    matcher: Matcher::Range(range),
                })
            }
            Some('/') => err(format!(
                "regular expressions ('/' at {}) are not supported by the sandbox; escape '/' as '\\/'",
                self.here()
            )),
            Some(_) => {
                self.count_clause()?;
                let term = self.read_term()?;
                if term.is_empty() {
                    return err(format!(
                        "the value of {field} is missing at {}",
                        self.here()
                    ));
                }
                if let Some(node) = comparison(&target, &term, self.opts)? {
                    return Ok(node);
                }
                term_node(&target, &term)
            }
        }
    }

    /// An unquoted term up to a character that ends it; `\x` is a literal `x`.
    fn read_term(&mut self) -> Result<Vec<Piece>, QueryError> {
        let mut pieces = Vec::new();
        while let Some(c) = self.peek() {
            if c == '\\' {
                let Some(next) = self.chars.get(self.pos + 1).copied() else {
                    return err("the query ends with an unescaped '\\'");
                };
                pieces.push((next, true));
                self.pos += 2;
            } else if ends_term(c) {
                break;
            } else {
                pieces.push((c, false));
                self.pos += 1;
            }
        }
        Ok(pieces)
    }

    /// `"..."` with `\` escapes; the text without quotes.
    fn read_phrase(&mut self) -> Result<String, QueryError> {
        let start = self.here();
        self.pos += 1; // "
        let mut text = String::new();
        loop {
            match self.peek() {
                None => return err(format!("the quoted phrase at {start} is not closed")),
                Some('"') => {
                    self.pos += 1;
                    return Ok(text);
                }
                Some('\\') => {
                    let Some(next) = self.chars.get(self.pos + 1).copied() else {
                        return err(format!("the quoted phrase at {start} is not closed"));
                    };
                    text.push(next);
                    self.pos += 2;
                }
                Some(c) => {
                    text.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `[a TO b]`, `{a TO b}` (mixed brackets too); `*` is an open end.
    fn read_range(&mut self) -> Result<Range, QueryError> {
        let start = self.here();
        let lower_inclusive = self.peek() == Some('[');
        self.pos += 1;
        self.skip_ws();
        let lower = self.read_bound()?;
        self.skip_ws();
        if !self.eat_keyword("TO") {
            return err(format!(
                "the range at {start} needs 'TO' between its bounds"
            ));
        }
        self.skip_ws();
        let upper = self.read_bound()?;
        self.skip_ws();
        let upper_inclusive = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => {
                return err(format!(
                    "the range at {start} is not closed with ']' or '}}'"
                ));
            }
        };
        self.pos += 1;
        Range::new(
            lower.as_deref().map(|b| (b, lower_inclusive)),
            upper.as_deref().map(|b| (b, upper_inclusive)),
            self.opts,
        )
    }

    /// A range bound: quoted, or characters up to whitespace or a closing bracket; `None` for `*`.
    fn read_bound(&mut self) -> Result<Option<String>, QueryError> {
        if self.peek() == Some('"') {
            return self.read_phrase().map(Some);
        }
        let mut text = String::new();
        let mut wildcard = false;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || c == ']' || c == '}' {
                break;
            }
            if c == '\\' {
                let Some(next) = self.chars.get(self.pos + 1).copied() else {
                    return err("the query ends with an unescaped '\\'");
                };
                text.push(next);
                self.pos += 2;
                continue;
            }
            wildcard |= c == '*' && text.is_empty();
            text.push(c);
            self.pos += 1;
        }
        if text.is_empty() {
            return err(format!("a range bound is missing at {}", self.here()));
        }
        Ok((!(wildcard && text == "*")).then_some(text))
    }
}

fn phrase_node(target: &Target, text: &str) -> Node {
    let text = text.to_lowercase();
    let words = words(&text).into_iter().map(str::to_owned).collect();
    Node::Field {
        target: target.clone(),
        matcher: Matcher::Phrase { text, words },
    }
}

/// An unquoted term: `*` alone (everything, or "has a value"), a wildcard pattern, or a term.
fn term_node(target: &Target, term: &[Piece]) -> Result<Node, QueryError> {
    if term == [('*', false)] {
        return Ok(match target {
            Target::Any => Node::All,
            _ => Node::Field {
                target: target.clone(),
                matcher: Matcher::Exists,
            },
        });
    }
    let glob = Glob::from_pieces(term, true);
    let matcher = if glob.has_wildcards() {
        Matcher::Wildcard(glob)
    } else {
        Matcher::Term(
            term.iter()
                .map(|(c, _)| c)
                .collect::<String>()
                .to_lowercase(),
        )
    };
    Ok(Node::Field {
        target: target.clone(),
        matcher,
    })
}

/// `field:>x`, `>=x`, `<x`, `<=x` (unescaped operators only).
fn comparison(target: &Target, term: &[Piece], opts: &Options) -> Result<Option<Node>, QueryError> {
    let (op, rest) = match term {
        [('>', false), ('=', false), rest @ ..] => (">=", rest),
        [('<', false), ('=', false), rest @ ..] => ("<=", rest),
        [('>', false), rest @ ..] => (">", rest),
        [('<', false), rest @ ..] => ("<", rest),
        _ => return Ok(None),
    };
    let value: String = rest.iter().map(|(c, _)| c).collect();
    if value.is_empty() {
        return err(format!("'{op}' needs a value"));
    }
    let bound = Some(value.as_str());
    let range = match op {
        ">=" => Range::new(bound.map(|b| (b, true)), None, opts),
        ">" => Range::new(bound.map(|b| (b, false)), None, opts),
        "<=" => Range::new(None, bound.map(|b| (b, true)), opts),
        _ => Range::new(None, bound.map(|b| (b, false)), opts),
    }?;
    Ok(Some(Node::Field {
        target: target.clone(),
        matcher: Matcher::Range(range),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use serde_json::json;

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse("2026-11-20T10:30:00Z", &Rfc3339).unwrap()
    }

    fn opts() -> Options {
        Options {
            default_fields: Vec::new(),
            now: now(),
            zone: Zone::Fixed(UtcOffset::UTC),
        }
    }

    fn q(query: &str) -> Node {
        parse(query, &opts()).unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    fn olivia() -> Value {
        json!({
            "id": "2c9180aa00000000000000000000000a",
            "name": "olivia.smith",
            "displayName": "Olivia Smith",
            "email": "olivia.smith@example.com",
            "created": "2026-11-01T08:00:00.000Z",
            "accountCount": 3,
            "inactive": false,
            "manager": null,
            "attributes": {"department": "IT Operations", "cloudLifecycleState": "active"},
            "accounts": [
                {"id": "a1", "name": "CN=Olivia Smith,OU=People", "source": {"id": "s-ad", "name": "Corporate AD"}, "disabled": false, "locked": true},
                {"id": "a2", "name": "olivia.smith@example.com", "source": {"id": "s-entra", "name": "Entra ID"}, "disabled": true, "locked": false},
            ],
        })
    }

    fn obrien() -> Value {
        json!({
            "id": "2c9180aa00000000000000000000000b",
            "name": "liam.obrien",
            "displayName": "Liam O'Brien",
            "email": "liam.obrien@example.com",
            "created": "2025-01-15T12:00:00.000Z",
            "accountCount": 1,
            "accounts": [
                {"id": "b1", "name": "O'Brien AND *", "source": {"id": "s-ad", "name": "Corporate AD"}, "disabled": true, "locked": false},
            ],
        })
    }

    fn hits(query: &str) -> Vec<&'static str> {
        let node = q(query);
        let mut out = Vec::new();
        if node.matches(&olivia()) {
            out.push("olivia");
        }
        if node.matches(&obrien()) {
            out.push("obrien");
        }
        out
    }

    #[test]
    fn fields_terms_and_words() {
        assert_eq!(hits("name:olivia.smith"), ["olivia"]);
        assert_eq!(hits("name:OLIVIA.SMITH"), ["olivia"], "values ignore case");
        assert_eq!(
            hits("Name:olivia.smith"),
            Vec::<&str>::new(),
            "field names do not"
        );
        assert_eq!(hits("displayName:smith"), ["olivia"], "a word of the value");
        assert_eq!(
            hits("displayName:o'brien"),
            ["obrien"],
            "apostrophes stay in words"
        );
        assert_eq!(
            hits("email:smith"),
            Vec::<&str>::new(),
            "olivia.smith is one word"
        );
        assert_eq!(hits("smith"), ["olivia"], "bare terms search every field");
        assert_eq!(hits("accountCount:3"), ["olivia"]);
        assert_eq!(hits("inactive:false"), ["olivia"]);
        assert_eq!(hits("attributes.department:operations"), ["olivia"]);
        assert_eq!(hits("attributes.*:active"), ["olivia"], "field patterns");
        assert_eq!(
            hits("accounts.source.name:\"Corporate AD\""),
            ["olivia", "obrien"]
        );
        assert_eq!(hits("accounts.source.id:s-entra"), ["olivia"]);
        assert_eq!(hits("id:2c9180aa00000000000000000000000b"), ["obrien"]);
        assert_eq!(hits("name : olivia.smith"), ["olivia"], "spaces around ':'");
    }

    #[test]
    fn default_fields() {
        let options = Options {
            default_fields: vec!["name".into(), "email".into()],
            ..opts()
        };
        let node = parse("smith", &options).unwrap();
        assert!(!node.matches(&olivia()), "displayName is not searched");
        let node = parse("olivia*", &options).unwrap();
        assert!(node.matches(&olivia()));
        let node = parse("\"liam.obrien@example.com\"", &options).unwrap();
        assert!(node.matches(&obrien()));
    }

    #[test]
    fn phrases_and_escapes() {
        assert_eq!(hits("displayName:\"olivia smith\""), ["olivia"]);
        assert_eq!(hits("displayName:\"smith olivia\""), Vec::<&str>::new());
        assert_eq!(hits("\"Corporate AD\""), ["olivia", "obrien"]);
        assert_eq!(hits("displayName:\"o'brien\""), ["obrien"]);
        assert_eq!(hits("@accounts(name:\"o'brien and *\")"), ["obrien"]);
        assert_eq!(
            q("name:\"a \\\"b\\\" \\\\c\""),
            Node::Field {
                target: Target::Path("name".into()),
                matcher: Matcher::Phrase {
                    text: "a \"b\" \\c".into(),
                    words: vec!["a".into(), "b".into(), "c".into()]
                }
            }
        );
        // Escaped reserved characters and spaces mean themselves.
        assert_eq!(hits("@accounts(name:O\\'Brien\\ AND\\ \\*)"), ["obrien"]);
        assert_eq!(hits("name:O\\'Brien\\ AND\\ \\**"), Vec::<&str>::new());
        assert_eq!(hits("@accounts(name:O\\'Brien\\ AND\\ \\**)"), ["obrien"]);
        assert_eq!(hits("name\\:\\*"), Vec::<&str>::new());
        assert_eq!(hits("name:name\\:\\**"), Vec::<&str>::new());
        assert_eq!(hits("name\\:\\**"), Vec::<&str>::new());
        assert_eq!(
            hits("displayName:olivia\\ smith"),
            ["olivia"],
            "whole value"
        );
        assert_eq!(hits("\\(olivia\\)"), Vec::<&str>::new());
        assert_eq!(hits("x\\ OR\\ *"), Vec::<&str>::new());
    }

    #[test]
    fn wildcards() {
        assert_eq!(hits("name:oli*"), ["olivia"]);
        assert_eq!(hits("name:*obrien"), ["obrien"]);
        assert_eq!(hits("name:l?am.obrien"), ["obrien"]);
        assert_eq!(
            hits("displayName:olivia\\ sm*"),
            ["olivia"],
            "escaped space, whole value"
        );
        assert_eq!(hits("displayName:sm*"), ["olivia"], "a word");
        assert_eq!(hits("displayName:o\\'brien*"), ["obrien"]);
        assert_eq!(hits("displayName:O\\'Bri*"), ["obrien"]);
        assert_eq!(hits("*"), ["olivia", "obrien"]);
        assert_eq!(hits("*:*"), ["olivia", "obrien"]);
        assert_eq!(hits("manager:*"), Vec::<&str>::new(), "null has no value");
        assert_eq!(hits("attributes:*"), ["olivia"]);
        assert_eq!(hits("_exists_:attributes.department"), ["olivia"]);
        assert_eq!(hits("NOT _exists_:attributes"), ["obrien"]);
        assert_eq!(
            hits("name:\\*"),
            Vec::<&str>::new(),
            "an escaped * is a literal"
        );
    }

    #[test]
    fn console_person_queries() {
        // server/src/isc/query.rs person(): phrase and prefix of the same text on four fields.
        let person = |exact: &str, starts: &str| {
            format!(
                "name:{exact} OR displayName:{exact} OR email:{exact} OR @accounts(name:{exact}) \
                 OR name:{starts} OR displayName:{starts} OR email:{starts} OR @accounts(name:{starts})"
            )
        };
        assert_eq!(hits(&person("\"olivia sm\"", "olivia\\ sm*")), ["olivia"]);
        assert_eq!(
            hits(&person("\"Olivia Smith\"", "Olivia\\ Smith*")),
            ["olivia"]
        );
        assert_eq!(hits(&person("\"o'brien\"", "o\\'brien*")), ["obrien"]);
        assert_eq!(hits(&person("\"liam.obr\"", "liam.obr*")), ["obrien"]);
        assert_eq!(
            hits(&person(
                "\"olivia.smith@example.com\"",
                "olivia.smith@example.com*"
            )),
            ["olivia"]
        );
        assert_eq!(hits(&person("\"cn=olivia\"", "cn\\=olivia*")), ["olivia"]);
        // Hostile inputs, escaped as the console does, find only their literal text.
        assert_eq!(
            hits(&person("\"name:*\"", "name\\:\\**")),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits(&person("\"*) OR (name:*\"", "\\*\\)\\ OR\\ \\(name\\:\\**")),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits(&person("\"O'Brien AND *\"", "O'Brien\\ AND\\ \\**")),
            ["obrien"]
        );
        assert_eq!(hits(&person("\"a\\\\\"", "a\\\\*")), Vec::<&str>::new());
        assert_eq!(hits("id:2c9180aa00000000000000000000000a"), ["olivia"]);
    }

    #[test]
    fn boolean_operators() {
        assert_eq!(
            hits("name:olivia.smith OR name:liam.obrien"),
            ["olivia", "obrien"]
        );
        assert_eq!(
            hits("name:olivia.smith liam.obrien"),
            ["olivia", "obrien"],
            "default OR"
        );
        assert_eq!(
            hits("name:olivia.smith AND email:olivia.smith@example.com"),
            ["olivia"]
        );
        assert_eq!(
            hits("name:olivia.smith && name:liam.obrien"),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits("name:olivia.smith || name:liam.obrien"),
            ["olivia", "obrien"]
        );
        assert_eq!(hits("NOT name:olivia.smith"), ["obrien"]);
        assert_eq!(hits("!name:olivia.smith"), ["obrien"]);
        assert_eq!(hits("-name:olivia.smith"), ["obrien"]);
        assert_eq!(hits("\"corporate ad\" -name:olivia.smith"), ["obrien"]);
        assert_eq!(
            hits("+smith liam"),
            ["olivia"],
            "+ makes the others optional"
        );
        assert_eq!(hits("NOT NOT name:olivia.smith"), ["olivia"]);
        assert_eq!(
            hits("name:olivia.smith AND NOT accountCount:3"),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits("(name:olivia.smith OR name:liam.obrien) AND accountCount:1"),
            ["obrien"]
        );
        assert_eq!(
            hits("name:(olivia.smith OR liam.obrien)"),
            ["olivia", "obrien"]
        );
        assert_eq!(
            hits("name:(olivia.smith AND liam.obrien)"),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits("accountCount:1 OR name:olivia.smith AND accountCount:3"),
            ["olivia", "obrien"]
        );
        assert_eq!(
            hits("name:olivia.smith^2 OR (name:liam.obrien)^1.5"),
            ["olivia", "obrien"]
        );
        // Lowercase operators are terms: a word of the account named "O'Brien AND *".
        assert_eq!(hits("x and"), ["obrien"]);
        assert_eq!(hits("ANDROID"), Vec::<&str>::new());
    }

    #[test]
    fn nested_accounts() {
        assert_eq!(
            hits("@accounts(source.name:\"Corporate AD\" AND locked:true)"),
            ["olivia"]
        );
        assert_eq!(
            hits("@accounts(source.name:\"Corporate AD\" AND disabled:true)"),
            ["obrien"]
        );
        // Not nested: the conditions may hold on different accounts.
        assert_eq!(
            hits("accounts.source.name:\"Corporate AD\" AND accounts.disabled:true"),
            ["olivia", "obrien"]
        );
        assert_eq!(
            hits("@accounts(name:olivia*) AND NOT @accounts(disabled:false)"),
            Vec::<&str>::new()
        );
        assert_eq!(hits("@nothing(x)"), Vec::<&str>::new());
        assert_eq!(hits("email:x@y"), Vec::<&str>::new(), "@ inside a term");
    }

    #[test]
    fn ranges_and_date_math() {
        assert_eq!(hits("created:[now-30d TO now]"), ["olivia"]);
        assert_eq!(hits("created:[now-30d TO *]"), ["olivia"]);
        assert_eq!(hits("created:[* TO now-1y]"), ["obrien"]);
        assert_eq!(
            hits("created:{2026-11-01T08:00:00.000Z TO now]"),
            Vec::<&str>::new()
        );
        assert_eq!(
            hits("created:[2026-11-01T08:00:00.000Z TO now]"),
            ["olivia"]
        );
        assert_eq!(
            hits("created:[2026-11-01 TO 2026-11-01]"),
            ["olivia"],
            "a whole day"
        );
        assert_eq!(
            hits("created:[2026-11 TO 2026-11]"),
            ["olivia"],
            "a whole month"
        );
        assert_eq!(hits("created:[2025 TO 2025]"), ["obrien"]);
        assert_eq!(hits("created:>=2026-11-01||\\/d"), ["olivia"]);
        assert_eq!(hits("created:>now-30d"), ["olivia"]);
        assert_eq!(hits("created:<now\\/M"), ["obrien"]);
        assert_eq!(
            hits("created:<2026-11-01T08\\:00\\:00Z"),
            ["obrien"],
            "':' escaped"
        );
        assert_eq!(
            hits("created:<=2026-11-01T08\\:00\\:00Z"),
            ["olivia", "obrien"]
        );
        assert!(
            parse("created:<2026-11-01T08:00:00Z", &opts()).is_err(),
            "as in Lucene"
        );
        assert_eq!(
            hits("created:[\"2026-10-01T00:00:00+02:00\" TO now]"),
            ["olivia"]
        );
        assert_eq!(
            hits("created:[1735689600000 TO 1767225600000]"),
            ["obrien"],
            "epoch ms"
        );
        assert_eq!(hits("accountCount:[2 TO 5]"), ["olivia"]);
        assert_eq!(hits("accountCount:{1 TO 3}"), Vec::<&str>::new());
        assert_eq!(hits("accountCount:>1"), ["olivia"]);
        assert_eq!(hits("name:[liam TO m]"), ["obrien"], "strings");
        assert_eq!(hits("name:[a TO z}"), ["olivia", "obrien"]);
        assert_eq!(hits("created:[* TO *]"), ["olivia", "obrien"]);
        assert_eq!(
            hits("name:\\>x"),
            Vec::<&str>::new(),
            "escaped > is a literal"
        );
    }

    #[test]
    fn date_math_rounding() {
        let o = opts();
        let at = |s: &str, up: bool| {
            date_math(s, up, &o)
                .unwrap()
                .map(|t| t.format(&Rfc3339).unwrap())
        };
        assert_eq!(at("now", false).as_deref(), Some("2026-11-20T10:30:00Z"));
        assert_eq!(
            at("now-30d", false).as_deref(),
            Some("2026-10-21T10:30:00Z")
        );
        assert_eq!(
            at("now-12h", false).as_deref(),
            Some("2026-11-19T22:30:00Z")
        );
        assert_eq!(at("now/d", false).as_deref(), Some("2026-11-20T00:00:00Z"));
        assert_eq!(
            at("now/d", true).as_deref(),
            Some("2026-11-20T23:59:59.999Z")
        );
        assert_eq!(
            at("now/w", false).as_deref(),
            Some("2026-11-16T00:00:00Z"),
            "Monday"
        );
        assert_eq!(
            at("now-1M/M", false).as_deref(),
            Some("2026-10-01T00:00:00Z")
        );
        assert_eq!(at("now+1y", false).as_deref(), Some("2027-11-20T10:30:00Z"));
        assert_eq!(
            at("2026-01-31||+1M", false).as_deref(),
            Some("2026-02-28T00:00:00Z")
        );
        assert_eq!(
            at("2026-11-20T10:00", true).as_deref(),
            Some("2026-11-20T10:00:59.999Z")
        );
        assert_eq!(at("olivia", false), None, "not a date");
        assert_eq!(at("2026-13-01", false), None);
        assert_eq!(at("nowak", false), None, "a name, not date math");
        for bad in [
            "now-",
            "now-30x",
            "now+99999999999d",
            "now/",
            "now-1d+",
            "x||+1d",
        ] {
            assert!(date_math(bad, false, &o).is_err(), "{bad}");
        }
        let chicago = Options {
            zone: Zone::parse("America/Chicago"),
            ..opts()
        };
        assert!(
            date_math("now-1d", false, &chicago).is_ok(),
            "no zone needed"
        );
        assert!(date_math("2026-11-20T10:00:00Z", false, &chicago).is_ok());
        assert!(date_math("now/d", false, &chicago).is_err());
        assert!(date_math("2026-11-20", false, &chicago).is_err());
        let minus5 = Options {
            zone: Zone::parse("-05:00"),
            ..opts()
        };
        assert_eq!(
            date_math("now/d", false, &minus5)
                .unwrap()
                .map(|t| t.to_offset(UtcOffset::UTC).format(&Rfc3339).unwrap())
                .as_deref(),
            Some("2026-11-20T05:00:00Z")
        );
        assert_eq!(Zone::parse("UTC"), Zone::Fixed(UtcOffset::UTC));
        assert_eq!(
            Zone::parse("+0530"),
            Zone::Fixed(UtcOffset::from_hms(5, 30, 0).unwrap())
        );
    }

    #[test]
    fn invalid_queries() {
        for bad in [
            "",
            "   ",
            "name:",
            "name:\"open",
            "(name:x",
            "name:x)",
            "()",
            "AND x",
            "x AND",
            "x OR",
            "NOT",
            "name:[a TO",
            "name:[a b]",
            "name:[a TO b",
            "name:x~",
            "name:x~2",
            "\"a b\"~3",
            "name:/o.*/",
            "/x/",
            "x\\",
            ":x",
            "name:x^",
            "created:[now-3q TO now]",
            "created:>",
            "_exists_:",
            "x ]",
        ] {
            assert!(parse(bad, &opts()).is_err(), "{bad:?} should not parse");
        }
        let deep = format!("{}x{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&deep, &opts()).unwrap_err().0.contains("deeper"));
        let nots = format!("{}x", "NOT ".repeat(5000));
        assert!(parse(&nots, &opts()).is_err());
        let many = vec!["x"; 1100].join(" OR ");
        assert!(parse(&many, &opts()).unwrap_err().0.contains("1024"));
    }

    #[test]
    fn hostile_input_never_panics_or_hangs() {
        let alphabet: Vec<char> = "ab AND OR NOT TO now-1d @accounts( ) [ ] { } \" \\ * ? : ^ ~ / ! + - && || < > = ' . _ é 0 9 \t"
            .chars()
            .collect();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let docs = [olivia(), obrien()];
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let input: String = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            if let Ok(node) = parse(&input, &opts()) {
                for doc in &docs {
                    let _ = node.matches(doc);
                }
            }
        }
        // Whole tokens, shuffled.
        let tokens = [
            "name:",
            "x",
            "\"a b\"",
            "(",
            ")",
            "AND",
            "OR",
            "NOT",
            "@accounts(",
            "[1 TO 2]",
            "*",
            "\\*",
            "created:>now-1d",
            "-",
            "+",
            "o\\'b*",
        ];
        for _ in 0..20_000 {
            let len = rng.random_range(0..12);
            let input: Vec<&str> = (0..len)
                .map(|_| tokens[rng.random_range(0..tokens.len())])
                .collect();
            if let Ok(node) = parse(&input.join(" "), &opts()) {
                for doc in &docs {
                    let _ = node.matches(doc);
                }
            }
        }
        // Pathological wildcards stay fast.
        let node = q(&format!("name:{}b", "*a".repeat(200)));
        assert!(!node.matches(&json!({"name": "a".repeat(5000)})));
    }

    #[test]
    fn globs_and_words() {
        assert!(Glob::new("accounts.*").matches("accounts.source.name"));
        assert!(Glob::new("*.name").may_match_below("accounts"));
        assert!(Glob::new("accounts.source").may_match_below("accounts."));
        assert!(!Glob::new("accounts.source").may_match_below("accounts.source."));
        assert!(!Glob::new("name").may_match_below("accounts."));
        assert_eq!(
            words("olivia o'brien, cn=x.y"),
            ["olivia", "o'brien", "cn", "x.y"]
        );
        assert_eq!(
            words("olivia.smith@example.com"),
            ["olivia.smith", "example.com"]
        );
        assert_eq!(
            words("a..b 'c' user_password_update_failed"),
            ["a", "b", "c", "user_password_update_failed"]
        );
    }
}
