//! ISC's `filters` and `sorters` collection parameters, for the fields each endpoint documents.
//!
//! Grammar (ISC's standard collection syntax): comparisons `field op value`, `field in (v, ...)`,
//! `field ca (v, ...)`, `field isnull`, joined by `and` / `or` / `not` with parentheses
//! (keywords and operators case-insensitive). Values: double-quoted strings (`\"` and `\\`
//! escapes), `true`, `false`, `null`, numbers. String comparisons ignore case.
//! An unknown field, an operator the field does not support, or a syntax error is refused.

use std::cmp::Ordering;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    In,
    Sw,
    Co,
    Ca,
    Gt,
    Ge,
    Lt,
    Le,
    IsNull,
}

use Op::*;

impl Op {
    fn parse(s: &str) -> Option<Op> {
        Some(match s.to_ascii_lowercase().as_str() {
            "eq" => Eq,
            "ne" => Ne,
            "in" => In,
            "sw" => Sw,
            "co" => Co,
            "ca" => Ca,
            "gt" => Gt,
            "ge" => Ge,
            "lt" => Lt,
            "le" => Le,
            "isnull" => IsNull,
            _ => return None,
        })
    }
}

/// Filterable fields of `/sources` and their operators, as the spec lists them.
pub(crate) const SOURCE_FILTERS: &[(&str, &[Op])] = &[
    ("id", &[Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw]),
    ("name", &[Co, Eq, In, Sw, Ge, Gt, Ne, IsNull]),
    ("type", &[Eq, In, Ge, Gt, Ne, IsNull, Sw]),
    ("owner.id", &[Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw]),
    ("features", &[Ca, Co]),
    ("created", &[Eq]),
    ("modified", &[Eq]),
    (
        "managementWorkgroup.id",
        &[Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw],
    ),
    ("description", &[Eq, Sw]),
    ("authoritative", &[Eq, Ne, IsNull]),
    ("healthy", &[IsNull]),
    ("status", &[Eq, In, Ge, Gt, Le, Lt, Ne, IsNull, Sw]),
    ("connectionType", &[Eq, Ge, Gt, In, Le, Lt, Ne, IsNull, Sw]),
    ("connectorName", &[Eq, Ge, Gt, In, Ne, IsNull, Sw]),
    ("category", &[Co, Eq, Ge, Gt, In, Le, Lt, Ne, Sw]),
];

/// Filterable fields of `/accounts` and their operators, as the v3 spec lists them.
pub(crate) const ACCOUNT_FILTERS: &[(&str, &[Op])] = &[
    ("id", &[Eq, In, Sw]),
    ("identityId", &[Eq, In, Sw]),
    ("name", &[Eq, In, Sw]),
    ("nativeIdentity", &[Eq, In, Sw]),
    ("hasEntitlements", &[Eq]),
    ("sourceId", &[Eq, In, Sw]),
    ("uncorrelated", &[Eq]),
    ("origin", &[Eq, In]),
    ("manuallyCorrelated", &[Eq]),
    ("identity.name", &[Eq, In, Sw]),
];

/// Sortable fields of `/accounts` the sandbox supports (of those the spec lists).
pub(crate) const ACCOUNT_SORTERS: &[&str] = &[
    "id",
    "name",
    "created",
    "modified",
    "sourceId",
    "identityId",
    "nativeIdentity",
    "manuallyCorrelated",
    "origin",
    "identity.name",
];

/// Sortable fields of `/sources`, as the spec lists them.
pub(crate) const SOURCE_SORTERS: &[&str] = &[
    "type",
    "created",
    "modified",
    "name",
    "owner.name",
    "healthy",
    "status",
    "id",
    "description",
    "owner.id",
    "accountCorrelationConfig.id",
    "accountCorrelationConfig.name",
    "managerCorrelationRule.type",
    "managerCorrelationRule.id",
    "managerCorrelationRule.name",
    "authoritative",
    "managementWorkgroup.id",
    "connectorName",
    "connectionType",
];

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    Str(String),
    Bool(bool),
    Num(f64),
    Null,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    Cmp {
        field: String,
        op: Op,
        values: Vec<Literal>,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Word(String),
    Str(String),
    Num(f64),
    Open,
    Close,
    Comma,
}

fn describe(tok: Option<&Tok>) -> String {
    match tok {
        None => "the end".to_owned(),
        Some(Tok::Word(w)) => format!("\"{w}\""),
        Some(Tok::Str(s)) => format!("the string \"{s}\""),
        Some(Tok::Num(n)) => format!("the number {n}"),
        Some(Tok::Open) => "\"(\"".to_owned(),
        Some(Tok::Close) => "\")\"".to_owned(),
        Some(Tok::Comma) => "\",\"".to_owned(),
    }
}

fn tokenize(input: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut chars = input.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' | ')' | ',' => {
                chars.next();
                toks.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    _ => Tok::Comma,
                });
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".to_owned()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(e @ ('"' | '\\')) => s.push(e),
                            _ => return Err("bad escape in string".to_owned()),
                        },
                        Some(c) => s.push(c),
                    }
                }
                toks.push(Tok::Str(s));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let mut s = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_digit() || d == '.' || d == '-' {
                        s.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                let n = s
                    .parse::<f64>()
                    .map_err(|_| format!("bad number \"{s}\""))?;
                toks.push(Tok::Num(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let mut s = String::new();
                while let Some(&d) = chars.peek() {
                    if d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                        s.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Word(s));
            }
            other => return Err(format!("unexpected character \"{other}\"")),
        }
    }
    Ok(toks)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    fields: &'a [(&'a str, &'a [Op])],
}

fn is_keyword(tok: Option<&Tok>, keyword: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w.eq_ignore_ascii_case(keyword))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let tok = self.toks.get(self.pos).cloned();
        self.pos += 1;
        tok
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut terms = vec![self.and()?];
        while is_keyword(self.peek(), "or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut terms = vec![self.unary()?];
        while is_keyword(self.peek(), "and") {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Filter::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Filter, String> {
        if is_keyword(self.peek(), "not") {
            self.pos += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::Open) {
            self.pos += 1;
            let inner = self.or()?;
            return match self.next() {
                Some(Tok::Close) => Ok(inner),
                other => Err(format!(
                    "expected \")\" but found {}",
                    describe(other.as_ref())
                )),
            };
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Filter, String> {
        let field = match self.next() {
            Some(Tok::Word(w)) => w,
            other => {
                return Err(format!(
                    "expected a field name but found {}",
                    describe(other.as_ref())
                ));
            }
        };
        let Some((_, ops)) = self.fields.iter().find(|(name, _)| *name == field) else {
            return Err(format!("unsupported filter field \"{field}\""));
        };
        let op = match self.next() {
            Some(Tok::Word(w)) => {
                Op::parse(&w).ok_or_else(|| format!("unsupported operator \"{w}\""))?
            }
            other => {
                return Err(format!(
                    "expected an operator after \"{field}\" but found {}",
                    describe(other.as_ref())
                ));
            }
        };
        if !ops.contains(&op) {
            return Err(format!(
                "operator \"{}\" is not supported for field \"{field}\"",
                format!("{op:?}").to_ascii_lowercase()
            ));
        }
        let values = match op {
            IsNull => Vec::new(),
            In | Ca => self.list()?,
            _ => vec![self.literal()?],
        };
        Ok(Filter::Cmp { field, op, values })
    }

    fn list(&mut self) -> Result<Vec<Literal>, String> {
        match self.next() {
            Some(Tok::Open) => {}
            other => {
                return Err(format!(
                    "expected \"(\" but found {}",
                    describe(other.as_ref())
                ));
            }
        }
        let mut values = vec![self.literal()?];
        loop {
            match self.next() {
                Some(Tok::Comma) => values.push(self.literal()?),
                Some(Tok::Close) => return Ok(values),
                other => {
                    return Err(format!(
                        "expected \",\" or \")\" but found {}",
                        describe(other.as_ref())
                    ));
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Literal, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Literal::Str(s)),
            Some(Tok::Num(n)) => Ok(Literal::Num(n)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("true") => Ok(Literal::Bool(true)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("false") => Ok(Literal::Bool(false)),
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("null") => Ok(Literal::Null),
            other => Err(format!(
                "expected a value but found {}",
                describe(other.as_ref())
            )),
        }
    }
}

/// Parses a `filters` expression against the fields an endpoint supports.
pub(crate) fn parse_filter(input: &str, fields: &[(&str, &[Op])]) -> Result<Filter, String> {
    let mut parser = Parser {
        toks: tokenize(input)?,
        pos: 0,
        fields,
    };
    let filter = parser.or()?;
    match parser.peek() {
        None => Ok(filter),
        Some(tok) => Err(format!("unexpected {}", describe(Some(tok)))),
    }
}

/// The value at a dotted path (`owner.id`); `Null` when absent.
fn lookup<'a>(item: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .try_fold(item, |v, key| v.get(key))
        .unwrap_or(&Value::Null)
}

fn literal_eq(value: &Value, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::String(s), Literal::Str(l)) => s.to_lowercase() == l.to_lowercase(),
        (Value::Bool(b), Literal::Bool(l)) => b == l,
        (Value::Number(n), Literal::Num(l)) => n.as_f64() == Some(*l),
        (Value::Null, Literal::Null) => true,
        _ => false,
    }
}

fn literal_cmp(value: &Value, literal: &Literal) -> Option<Ordering> {
    match (value, literal) {
        (Value::String(s), Literal::Str(l)) => Some(s.to_lowercase().cmp(&l.to_lowercase())),
        (Value::Number(n), Literal::Num(l)) => n.as_f64()?.partial_cmp(l),
        _ => None,
    }
}

impl Filter {
    pub(crate) fn matches(&self, item: &Value) -> bool {
        match self {
            Filter::And(terms) => terms.iter().all(|t| t.matches(item)),
            Filter::Or(terms) => terms.iter().any(|t| t.matches(item)),
            Filter::Not(inner) => !inner.matches(item),
            Filter::Cmp { field, op, values } => {
                let value = lookup(item, field);
                let first = values.first();
                match op {
                    IsNull => value.is_null(),
                    Eq => first.is_some_and(|l| literal_eq(value, l)),
                    Ne => !first.is_some_and(|l| literal_eq(value, l)),
                    In => values.iter().any(|l| literal_eq(value, l)),
                    Sw => match (value, first) {
                        (Value::String(s), Some(Literal::Str(l))) => {
                            s.to_lowercase().starts_with(&l.to_lowercase())
                        }
                        _ => false,
                    },
                    Co => match (value, first) {
                        (Value::Array(items), Some(l)) => items.iter().any(|i| literal_eq(i, l)),
                        (Value::String(s), Some(Literal::Str(l))) => {
                            s.to_lowercase().contains(&l.to_lowercase())
                        }
                        _ => false,
                    },
                    Ca => match value {
                        Value::Array(items) => values
                            .iter()
                            .all(|l| items.iter().any(|i| literal_eq(i, l))),
                        _ => false,
                    },
                    Gt | Ge | Lt | Le => {
                        let Some(ord) = first.and_then(|l| literal_cmp(value, l)) else {
                            return false;
                        };
                        match op {
                            Gt => ord == Ordering::Greater,
                            Ge => ord != Ordering::Less,
                            Lt => ord == Ordering::Less,
                            _ => ord != Ordering::Greater,
                        }
                    }
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sorter {
    field: String,
    descending: bool,
}

/// Parses `sorters`: comma-separated fields, `-` for descending.
pub(crate) fn parse_sorters(input: &str, allowed: &[&str]) -> Result<Vec<Sorter>, String> {
    input
        .split(',')
        .map(|raw| {
            let raw = raw.trim();
            let (field, descending) = match raw.strip_prefix('-') {
                Some(field) => (field.trim(), true),
                None => (raw, false),
            };
            if field.is_empty() {
                return Err("empty sorter".to_owned());
            }
            if !allowed.contains(&field) {
                return Err(format!("unsupported sorter field \"{field}\""));
            }
            Ok(Sorter {
                field: field.to_owned(),
                descending,
            })
        })
        .collect()
}

/// Orders values: strings ignoring case (then exactly), numbers, booleans; nulls last.
fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Greater,
        (_, Value::Null) => Ordering::Less,
        (Value::String(x), Value::String(y)) => x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(y)),
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
}

/// Stable sort by the sorters in order.
pub(crate) fn sort(items: &mut [Value], sorters: &[Sorter]) {
    if sorters.is_empty() {
        return;
    }
    items.sort_by(|a, b| {
        sorters
            .iter()
            .map(|s| {
                let ord = compare(lookup(a, &s.field), lookup(b, &s.field));
                if s.descending { ord.reverse() } else { ord }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(s: &str) -> Result<Filter, String> {
        parse_filter(s, SOURCE_FILTERS)
    }

    fn src() -> Value {
        json!({"id": "abc", "name": "Corporate AD", "connectionType": "direct",
               "features": ["PASSWORD", "ENABLE"], "owner": {"id": "o1"}, "authoritative": false,
               "category": null})
    }

    #[test]
    fn evaluates() {
        let s = src();
        for yes in [
            "features ca (\"PASSWORD\")",
            "features ca (\"password\", \"ENABLE\")",
            "features co \"PASSWORD\"",
            "connectionType eq \"direct\" AND name sw \"corp\"",
            "id in (\"x\", \"abc\")",
            "owner.id eq \"o1\"",
            "authoritative eq false",
            "managementWorkgroup.id isnull",
            "not (name eq \"x\") and (id eq \"nope\" or id eq \"abc\")",
            "name co \"rate a\"",
            "id ge \"abb\"",
        ] {
            assert!(parse(yes).unwrap().matches(&s), "{yes}");
        }
        for no in [
            "features ca (\"PASSWORD\", \"UNLOCK\")",
            "connectionType eq \"file\"",
            "name sw \"AD\"",
            "authoritative eq true",
            "id ne \"abc\"",
        ] {
            assert!(!parse(no).unwrap().matches(&s), "{no}");
        }
    }

    #[test]
    fn refuses() {
        for (bad, why) in [
            ("colour eq \"red\"", "unsupported filter field \"colour\""),
            ("name xx \"a\"", "unsupported operator \"xx\""),
            (
                "features eq \"PASSWORD\"",
                "operator \"eq\" is not supported for field \"features\"",
            ),
            ("name eq \"a", "unterminated string"),
            ("name eq \"a\" and", "expected a field name"),
            ("(name eq \"a\"", "expected \")\""),
            ("name eq \"a\" name eq \"b\"", "unexpected"),
            ("id in \"a\"", "expected \"(\""),
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
    }

    #[test]
    fn sorts() {
        let mut items = vec![
            json!({"name": "b"}),
            json!({"name": "A"}),
            json!({}),
            json!({"name": "c"}),
        ];
        sort(&mut items, &parse_sorters("name", SOURCE_SORTERS).unwrap());
        let names: Vec<_> = items.iter().map(|i| i["name"].clone()).collect();
        assert_eq!(names, vec![json!("A"), json!("b"), json!("c"), Value::Null]);
        sort(&mut items, &parse_sorters("-name", SOURCE_SORTERS).unwrap());
        assert_eq!(items[1]["name"], json!("c"));
        assert!(parse_sorters("name,-created", SOURCE_SORTERS).is_ok());
        assert!(parse_sorters("bogus", SOURCE_SORTERS).is_err());
        assert!(parse_sorters("name,", SOURCE_SORTERS).is_err());
    }
}
