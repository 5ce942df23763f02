//! How old the data on a page is. Reads that every user shares (the group list, sources,
//! policies) come from a cache a few seconds old; pages say so ("as of 12 seconds ago") next to
//! a refresh link, so nobody mistakes them for a live view.

use serde::{Deserialize, Serialize};

use super::GroupDetail;
use super::when::{exact, relative};

/// How old the data on a page is: shared reads are cached for a few seconds, and the page says
/// so ("as of 12 seconds ago") next to a refresh link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    /// When the oldest fact on the page was read from ISC (Unix seconds).
    pub read_at: i64,
    /// When the server answered: the browser renders the same words as the server.
    pub now: i64,
}

impl Freshness {
    /// "just now", "12 seconds ago", "3 minutes ago".
    pub fn age(&self) -> String {
        let seconds = self.now - self.read_at;
        match seconds {
            i64::MIN..=1 => "just now".to_string(),
            2..=59 => format!("{seconds} seconds ago"),
            _ => relative(self.read_at, self.now),
        }
    }

    /// "Read from ISC 12 seconds ago (2026-12-01 12:00 UTC)": for the page's status line.
    pub fn sentence(&self) -> String {
        format!("Read from ISC {} ({})", self.age(), exact(self.read_at))
    }
}

/// One group and how old the reading is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupAsOf {
    pub group: GroupDetail,
    pub freshness: Freshness,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_in_words() {
        let at = |read_at, now| Freshness { read_at, now }.age();
        assert_eq!(at(100, 100), "just now");
        assert_eq!(at(100, 101), "just now");
        assert_eq!(at(100, 102), "2 seconds ago");
        assert_eq!(at(100, 159), "59 seconds ago");
        assert!(at(100, 100 + 5 * 60).contains("5 minutes ago"));
    }
}
