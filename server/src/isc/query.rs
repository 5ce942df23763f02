//! ISC's search query language (Elasticsearch's `query_string`), written from what a user types
//! so that it can only ever mean "this text": a name such as `O'Brien AND *` or `name:*` searches
//! for those characters, it never widens or changes the query.

/// Characters `query_string` gives a meaning to outside quotes.
const RESERVED: &[char] = &[
    '+', '-', '=', '&', '|', '>', '<', '!', '(', ')', '{', '}', '[', ']', '^', '"', '~', '*', '?',
    ':', '\\', '/',
];

/// `text` as one quoted phrase: inside quotes only `"` and `\` mean anything, and are escaped.
pub fn phrase(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars().filter(|c| !c.is_control()) {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// `text` as a term that matches values starting with it (`jdo` → `jdo*`): every reserved
/// character escaped, whitespace escaped (a term is one token), and the operators `AND`, `OR`,
/// `NOT` cannot appear as words. `None` for text with nothing searchable left.
pub fn prefix(text: &str) -> Option<String> {
    let mut term = String::with_capacity(text.len() + 8);
    for c in text.trim().chars().filter(|c| !c.is_control()) {
        if RESERVED.contains(&c) || c.is_whitespace() {
            term.push('\\');
        }
        term.push(c);
    }
    if term.is_empty() {
        return None;
    }
    term.push('*');
    Some(term)
}

/// The query that finds a person by what a caller would tell the helpdesk: their name, display
/// name, email, or the name of one of their accounts (exact phrase, or starting with it).
pub fn person(text: &str) -> Option<String> {
    let text = text.trim();
    let starts = prefix(text)?;
    let exact = phrase(text);
    Some(format!(
        "name:{exact} OR displayName:{exact} OR email:{exact} OR @accounts(name:{exact}) \
         OR name:{starts} OR displayName:{starts} OR email:{starts} OR @accounts(name:{starts})"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_escape_quotes_and_backslashes_only() {
        assert_eq!(phrase("Jane Doe"), "\"Jane Doe\"");
        assert_eq!(phrase("a \"b\" \\c"), "\"a \\\"b\\\" \\\\c\"");
        assert_eq!(phrase("O'Brien AND *"), "\"O'Brien AND *\"");
        assert_eq!(phrase("line\nbreak"), "\"linebreak\"");
    }

    #[test]
    fn prefixes_cannot_widen_the_query() {
        assert_eq!(prefix("jdo").as_deref(), Some("jdo*"));
        assert_eq!(prefix("name:*").as_deref(), Some("name\\:\\**"));
        assert_eq!(
            prefix("O'Brien AND *").as_deref(),
            Some("O'Brien\\ AND\\ \\**")
        );
        assert_eq!(prefix("a) OR (b").as_deref(), Some("a\\)\\ OR\\ \\(b*"));
        assert_eq!(prefix("   ").as_deref(), None);
        assert_eq!(prefix("\\").as_deref(), Some("\\\\*"));
    }

    #[test]
    fn a_hostile_search_stays_one_term_in_every_clause() {
        let query = person("*) OR (name:*").expect("query");
        // Every `(`, `)`, `*` and `:` that came from the input is escaped; the query's own
        // structure is the same as for a plain name.
        let plain = person("x").expect("query");
        let unescaped = |q: &str| {
            let mut count = 0;
            let mut escaped = false;
            for c in q.chars() {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '(' || c == ')' {
                    count += 1;
                }
            }
            count
        };
        // Outside quotes the only parentheses are the @accounts(...) ones.
        assert_eq!(
            unescaped(&query.replace("\"*) OR (name:*\"", "\"\"")),
            unescaped(&plain.replace("\"x\"", "\"\""))
        );
        assert!(person("  ").is_none());
    }
}
