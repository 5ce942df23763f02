//! From ISC user levels (the `authorities` claim) to what the console lets someone do.

use app::model::Role;

/// The user level that makes an administrator.
const ADMIN_LEVEL: &str = "ORG_ADMIN";
/// The user level that makes a helpdesk user; more can be configured.
const HELPDESK_LEVEL: &str = "HELPDESK";

#[derive(Debug, Clone)]
pub struct RoleMap {
    /// Uppercase levels served as helpdesk: HELPDESK plus `CONSOLE_HELPDESK_LEVELS`.
    helpdesk: Vec<String>,
}

impl RoleMap {
    pub fn new(extra_helpdesk_levels: &[String]) -> RoleMap {
        let mut helpdesk = vec![HELPDESK_LEVEL.to_string()];
        helpdesk.extend(extra_helpdesk_levels.iter().map(|l| l.to_ascii_uppercase()));
        RoleMap { helpdesk }
    }

    /// The strongest role any of `levels` gives, or `None` (no access to the console).
    pub fn role_for(&self, levels: &[String]) -> Option<Role> {
        if levels.iter().any(|l| l.eq_ignore_ascii_case(ADMIN_LEVEL)) {
            Some(Role::Admin)
        } else if levels
            .iter()
            .any(|l| self.helpdesk.iter().any(|h| h.eq_ignore_ascii_case(l)))
        {
            Some(Role::Helpdesk)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(l: &[&str]) -> Vec<String> {
        l.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn org_admin_wins_over_helpdesk() {
        let map = RoleMap::new(&[]);
        assert_eq!(map.role_for(&levels(&["ORG_ADMIN"])), Some(Role::Admin));
        assert_eq!(
            map.role_for(&levels(&["HELPDESK", "ORG_ADMIN"])),
            Some(Role::Admin)
        );
        assert_eq!(map.role_for(&levels(&["HELPDESK"])), Some(Role::Helpdesk));
    }

    #[test]
    fn other_levels_have_no_access_unless_configured() {
        assert_eq!(RoleMap::new(&[]).role_for(&levels(&["CERT_ADMIN"])), None);
        assert_eq!(RoleMap::new(&[]).role_for(&[]), None);
        let map = RoleMap::new(&levels(&["CERT_ADMIN", "report_admin"]));
        assert_eq!(map.role_for(&levels(&["CERT_ADMIN"])), Some(Role::Helpdesk));
        assert_eq!(
            map.role_for(&levels(&["REPORT_ADMIN"])),
            Some(Role::Helpdesk)
        );
        assert_eq!(map.role_for(&levels(&["SOURCE_ADMIN"])), None);
    }
}
