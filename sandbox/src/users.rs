//! The demo users' user levels (ISC's `authorities`), changeable at run time as an admin would
//! change them in ISC. A token carries the levels its user had when it was issued: tokens issued
//! afterwards (code exchange, refresh, a personal access token's client credentials) carry the
//! new ones and `/oauth/userinfo` reports them at once, while access tokens already issued keep
//! theirs until they expire (they are self-contained JWTs, as ISC's are).

use std::collections::HashMap;

use crate::seed::{Seed, User};

/// Why [`Sandbox::set_user_levels`](crate::Sandbox::set_user_levels) refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UserLevelsError {
    /// No demo user has this user name.
    #[error("unknown user {0:?}")]
    UnknownUser(String),
    /// A level that is empty, longer than 128 characters, or not printable ASCII without spaces.
    #[error("illegal user level {0:?}: 1 to 128 printable ASCII characters, no spaces")]
    IllegalLevel(String),
}

/// Current levels of every user, by user name.
pub(crate) type Levels = HashMap<String, Vec<String>>;

pub(crate) fn seeded_levels(seed: &Seed) -> Levels {
    seed.users
        .iter()
        .map(|u| (u.username.clone(), u.authorities.clone()))
        .collect()
}

/// Checks levels and collapses duplicates, keeping the first occurrence's place.
pub(crate) fn checked_levels(levels: Vec<String>) -> Result<Vec<String>, UserLevelsError> {
    let mut out: Vec<String> = Vec::with_capacity(levels.len());
    for level in levels {
        let legal = (1..=128).contains(&level.len()) && level.bytes().all(|b| b.is_ascii_graphic());
        if !legal {
            return Err(UserLevelsError::IllegalLevel(level));
        }
        if !out.contains(&level) {
            out.push(level);
        }
    }
    Ok(out)
}

/// `user` with its current levels.
pub(crate) fn with_levels(user: &User, levels: &Levels) -> User {
    let mut user = user.clone();
    if let Some(current) = levels.get(&user.username) {
        user.authorities.clone_from(current);
    }
    user
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_checked_and_deduplicated() {
        assert_eq!(
            checked_levels(vec![
                "HELPDESK".into(),
                "ORG_ADMIN".into(),
                "HELPDESK".into()
            ]),
            Ok(vec!["HELPDESK".to_owned(), "ORG_ADMIN".to_owned()])
        );
        assert_eq!(checked_levels(vec![]), Ok(vec![]));
        for bad in ["", "ORG ADMIN", "É", &"X".repeat(129)] {
            assert!(checked_levels(vec![bad.to_owned()]).is_err(), "{bad}");
        }
    }
}
