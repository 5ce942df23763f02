//! Where to send a user after sign-in: only a path on the console itself, so `/auth/login` can
//! never be used to bounce someone to another site (open redirect). Shared by the server's
//! sign-in routes and the app's sign-in page.

/// Longest return path kept; longer ones are dropped rather than truncated into something else.
const MAX_LEN: usize = 2048;

/// `raw` if it is a local path (`/groups?q=a`), else `None`.
///
/// Refused: anything not starting with exactly one `/` (`//evil`, `https://…`, `evil`), any
/// backslash (browsers read `/\evil` as `//evil`), control characters and whitespace (browsers
/// drop tabs and newlines, so `/\t/evil` would become `//evil`), and `/auth/…` (a loop).
pub fn local_return_path(raw: &str) -> Option<&str> {
    let syntactically_local = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() <= MAX_LEN
        && !raw
            .chars()
            .any(|c| c == '\\' || c.is_control() || c.is_whitespace());
    let sign_in_route = raw == "/auth" || raw.starts_with("/auth/") || raw.starts_with("/auth?");
    (syntactically_local && !sign_in_route).then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept() {
        for ok in [
            "/",
            "/groups",
            "/groups/abc-123",
            "/groups?q=git+hub&sort=-modified",
            "/groups?q=%2F%2Fevil.example",
            "/groups#top",
        ] {
            assert_eq!(local_return_path(ok), Some(ok), "{ok}");
        }
    }

    #[test]
    fn anything_that_could_leave_the_console_is_refused() {
        for bad in [
            "",
            "groups",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "http://evil.example/groups",
            "/\\evil.example",
            "\\\\evil.example",
            "/groups\\..\\",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
            "/auth/login",
            "/auth/logout",
            "/auth",
        ] {
            assert_eq!(local_return_path(bad), None, "{bad:?}");
        }
        assert_eq!(
            local_return_path(&format!("/{}", "a".repeat(MAX_LEN))),
            None
        );
    }
}
