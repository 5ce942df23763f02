//! ISC's gateway limit: `limit` requests per `client_id` per API version per window.
//!
//! A fixed window per (client, version): the first request opens a window, the `limit`+1-th
//! inside it is refused with the whole seconds left until the window closes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<(String, String), Window>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    count: u32,
}

impl RateLimiter {
    /// Counts a request; `Err(retry_after_secs)` when over the limit.
    pub(crate) fn check(
        &mut self,
        client_id: &str,
        version: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Result<(), u64> {
        if self.windows.len() > 10_000 {
            self.windows
                .retain(|_, w| now.duration_since(w.start) < window);
        }
        let entry = self
            .windows
            .entry((client_id.to_owned(), version.to_owned()))
            .or_insert(Window {
                start: now,
                count: 0,
            });
        if now.duration_since(entry.start) >= window {
            *entry = Window {
                start: now,
                count: 0,
            };
        }
        if entry.count >= limit {
            let left = (entry.start + window).saturating_duration_since(now);
            return Err(left.as_secs_f64().ceil().max(1.0) as u64);
        }
        entry.count += 1;
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.windows.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_client_and_version_windows() {
        let mut rl = RateLimiter::default();
        let w = Duration::from_secs(10);
        let t0 = Instant::now();
        assert!(rl.check("a", "beta", 2, w, t0).is_ok());
        assert!(rl.check("a", "beta", 2, w, t0).is_ok());
        assert_eq!(
            rl.check("a", "beta", 2, w, t0 + Duration::from_millis(500)),
            Err(10)
        );
        assert!(rl.check("a", "v3", 2, w, t0).is_ok());
        assert!(rl.check("b", "beta", 2, w, t0).is_ok());
        assert_eq!(
            rl.check("a", "beta", 2, w, t0 + Duration::from_millis(9_100)),
            Err(1)
        );
        assert!(rl.check("a", "beta", 2, w, t0 + w).is_ok());
    }
}
