//! Small English helpers, so every page and message words lists, counts and sentences the
//! same way.

/// "A", "A and B", "A, B and C".
pub fn join_and<S: AsRef<str>>(names: &[S]) -> String {
    join(names, "and")
}

/// "A", "A or B", "A, B or C".
pub fn join_or<S: AsRef<str>>(names: &[S]) -> String {
    join(names, "or")
}

fn join<S: AsRef<str>>(names: &[S], conjunction: &str) -> String {
    match names {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => format!(
            "{} {conjunction} {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// The first letter in upper case, to start a sentence with a name or a clause.
pub fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A count with its noun: "1 sync group", "3 sync groups", "0 sync groups".
pub fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_joined_in_plain_english() {
        assert_eq!(join_and::<&str>(&[]), "");
        assert_eq!(join_and(&["A"]), "A");
        assert_eq!(join_and(&["A", "B"]), "A and B");
        assert_eq!(join_and(&["A", "B", "C"]), "A, B and C");
        assert_eq!(join_or(&["A", "B", "C"]), "A, B or C");
        assert_eq!(join_or(&["A".to_string()]), "A");
    }

    #[test]
    fn capitalize_changes_only_the_first_letter() {
        assert_eq!(capitalize("a source with id x"), "A source with id x");
        assert_eq!(capitalize("écran"), "Écran");
        assert_eq!(capitalize("GitHub"), "GitHub");
        assert_eq!(capitalize(""), "");
    }

    #[test]
    fn counts_take_the_right_noun() {
        assert_eq!(plural(0, "sync group", "sync groups"), "0 sync groups");
        assert_eq!(plural(1, "sync group", "sync groups"), "1 sync group");
        assert_eq!(plural(3, "sync group", "sync groups"), "3 sync groups");
    }
}
