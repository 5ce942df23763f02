//! The rule for a group's name beyond its length: it must show what it is.

/// Why a (trimmed) group name cannot be used, in plain words, or None. Users read the name in
/// Password Manager and type it to confirm a delete, so it must show what it is: no line
/// breaks, no invisible or text-direction characters, and no space but the plain one (the
/// others look the same, but a typed name would not match).
pub fn name_problem(name: &str) -> Option<String> {
    let (c, problem) = name.chars().find_map(|c| Some((c, char_problem(c)?)))?;
    let code = format!("U+{:04X}", u32::from(c));
    Some(match problem {
        CharProblem::LineBreak => {
            format!("The name contains a line break ({code}); a name is a single line.")
        }
        CharProblem::Direction => format!(
            "The name contains a text-direction control character ({code}), which can make it display differently from what it is; remove it."
        ),
        CharProblem::Invisible => {
            format!("The name contains an invisible or control character ({code}); remove it.")
        }
        CharProblem::OtherSpace => format!(
            "The name contains a space character other than a plain space ({code}); type a plain space instead."
        ),
    })
}

enum CharProblem {
    LineBreak,
    Direction,
    Invisible,
    OtherSpace,
}

fn char_problem(c: char) -> Option<CharProblem> {
    if is_line_break(c) {
        Some(CharProblem::LineBreak)
    } else if is_direction_control(c) {
        Some(CharProblem::Direction)
    } else if c.is_control() || is_format(c) {
        Some(CharProblem::Invisible)
    } else if c.is_whitespace() && c != ' ' {
        Some(CharProblem::OtherSpace)
    } else {
        None
    }
}

/// LF, VT, FF, CR, NEL, and the Unicode line and paragraph separators.
fn is_line_break(c: char) -> bool {
    matches!(
        c,
        '\u{000A}'..='\u{000D}' | '\u{0085}' | '\u{2028}' | '\u{2029}'
    )
}

/// Bidirectional marks, embeddings, overrides and isolates: they can make a name read
/// differently from its characters ("Trojan Source").
fn is_direction_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Unicode general category Cf (format characters), as of Unicode 16: invisible characters
/// such as the soft hyphen, zero-width space and joiners, word joiner and byte order mark.
/// Rust's standard library has no category lookup, so the ranges are listed here.
fn is_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_or_misleading_characters_are_refused_by_kind() {
        let cases = [
            ("Cloud\u{0}apps", "invisible or control character (U+0000)"),
            ("Cloud\tapps", "invisible or control character (U+0009)"),
            ("Cloud\napps", "line break (U+000A)"),
            ("Cloud\rapps", "line break (U+000D)"),
            ("Cloud\u{2028}apps", "line break (U+2028)"),
            (
                "Cloud\u{202E}sppa",
                "text-direction control character (U+202E)",
            ),
            (
                "Cloud\u{2067}apps",
                "text-direction control character (U+2067)",
            ),
            (
                "Cloud\u{200F}apps",
                "text-direction control character (U+200F)",
            ),
            (
                "Cloud\u{200B}apps",
                "invisible or control character (U+200B)",
            ),
            (
                "Cloud\u{200D}apps",
                "invisible or control character (U+200D)",
            ),
            (
                "\u{FEFF}Cloud apps",
                "invisible or control character (U+FEFF)",
            ),
            ("Cloud\u{AD}apps", "invisible or control character (U+00AD)"),
            (
                "Cloud\u{2060}apps",
                "invisible or control character (U+2060)",
            ),
            (
                "Cloud apps\u{E0041}",
                "invisible or control character (U+E0041)",
            ),
            (
                "Cloud\u{A0}apps",
                "space character other than a plain space (U+00A0)",
            ),
            (
                "Cloud\u{2003}apps",
                "space character other than a plain space (U+2003)",
            ),
            (
                "Cloud\u{3000}apps",
                "space character other than a plain space (U+3000)",
            ),
        ];
        for (name, expected) in cases {
            let message = name_problem(name).unwrap_or_default();
            assert!(message.contains(expected), "{name:?}: {message:?}");
        }
        assert_eq!(
            name_problem("Cloud\u{202E}sppa").as_deref(),
            Some(
                "The name contains a text-direction control character (U+202E), which can make it display differently from what it is; remove it."
            )
        );
        assert_eq!(
            name_problem("a\u{200B}b").as_deref(),
            Some("The name contains an invisible or control character (U+200B); remove it.")
        );
    }

    #[test]
    fn plain_names_in_any_script_pass() {
        for ok in [
            "Cloud apps",
            "Zürich – Büro",
            "東京 オフィス",
            "Ops/Dev (EU) #2",
            "مجموعة",
        ] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
    }
}
