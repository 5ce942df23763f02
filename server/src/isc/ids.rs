//! Ids that go into upstream URL paths.
//!
//! ISC ids are 32-hex strings or dashed UUIDs. Anything outside a conservative character set is
//! refused before a request is built, and accepted ids are still percent-encoded as one path
//! segment, so an id such as `../../v3/sources` or one with `?`, `#` or `%2F` can never change
//! which upstream URL is called.

/// Longest id accepted (ISC's are 32 or 36 characters).
const MAX_ID_LEN: usize = 64;

/// Whether `id` looks like an ISC object id.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_isc_ids() {
        assert!(is_valid_id("2c918084660f45d6016617daa9210584"));
        assert!(is_valid_id("6881f631-3bd5-4213-9c75-8e05cc3e35dd"));
    }

    #[test]
    fn refuses_anything_that_could_move_the_path() {
        for id in [
            "",
            "../../v3/sources",
            "..",
            "a/b",
            "a?limit=1",
            "a#frag",
            "a%2Fb",
            "a b",
            "é",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_id(id), "{id:?} must be refused");
        }
    }
}
