//! Which scopes a token gets: the client's registered scopes, narrowed by a `scope` parameter.

use super::OAuthError;
use crate::auth::{ALL, DEFAULT, KNOWN_SCOPES};

/// Does a set of granted scopes cover `scope`? `sp:scopes:all` covers every scope,
/// `sp:scopes:default` every one but `sp:scopes:all`.
fn covers(granted: &[String], scope: &str) -> bool {
    granted
        .iter()
        .any(|g| g == scope || g == ALL || (g == DEFAULT && scope != ALL))
}

/// The scopes of a new token. `registered` are the client's; `ceiling` the scopes of the grant
/// being refreshed (a refresh may narrow, never widen).
pub(crate) fn resolve(
    registered: &[String],
    requested: Option<&str>,
    ceiling: Option<&[String]>,
) -> Result<Vec<String>, OAuthError> {
    let Some(requested) = requested.map(str::trim).filter(|r| !r.is_empty()) else {
        return Ok(ceiling.map_or_else(|| registered.to_vec(), <[String]>::to_vec));
    };
    let mut scopes: Vec<String> = Vec::new();
    for scope in requested.split_whitespace() {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push(scope.to_owned());
        }
    }
    if scopes.iter().any(|s| s == ALL) && scopes.iter().any(|s| s == DEFAULT) {
        return Err(OAuthError::invalid_scope(
            "request only one of sp:scopes:all and sp:scopes:default",
        ));
    }
    for scope in &scopes {
        if !KNOWN_SCOPES.contains(&scope.as_str()) {
            return Err(OAuthError::invalid_scope(format!("unknown scope {scope}")));
        }
        if !covers(registered, scope) || ceiling.is_some_and(|c| !covers(c, scope)) {
            return Err(OAuthError::invalid_scope(format!(
                "scope {scope} is not granted to this client"
            )));
        }
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn narrowing() {
        let all = v(&[ALL]);
        let read = v(&["idn:sources:read", "idn:password-policy:read"]);
        assert_eq!(resolve(&all, None, None).unwrap(), all);
        assert_eq!(resolve(&all, Some(" "), None).unwrap(), all);
        assert_eq!(
            resolve(&all, Some("idn:sources:read"), None).unwrap(),
            v(&["idn:sources:read"])
        );
        assert_eq!(
            resolve(&read, Some("idn:sources:read"), None).unwrap(),
            v(&["idn:sources:read"])
        );
        assert!(resolve(&read, Some(ALL), None).is_err());
        assert!(resolve(&all, Some("sp:scopes:all sp:scopes:default"), None).is_err());
        assert!(resolve(&all, Some("made:up"), None).is_err());
        let ceiling = v(&["idn:sources:read"]);
        assert!(resolve(&all, Some(ALL), Some(&ceiling)).is_err());
        assert_eq!(resolve(&all, None, Some(&ceiling)).unwrap(), ceiling);
    }
}
