//! The console's own budget of ISC requests, kept below ISC's gateway limit (100 requests per
//! `client_id` per API version per 10 seconds) so that the console waits its turn instead of
//! collecting 429s, which would cost a retry each and, once the retries run out, an error page.
//!
//! A sliding window: at most `limit` requests in any `window`, per (client id, API version).
//! That is stricter than ISC's fixed window, so one replica alone never meets a 429. Replicas
//! each keep their own budget: with N replicas, give each `limit / N`
//! (`CONSOLE_ISC_REQUESTS_PER_10S`).

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// ISC's window.
pub const WINDOW: Duration = Duration::from_secs(10);
/// The default per replica: a margin under ISC's 100 for requests in flight and clocks.
pub const DEFAULT_LIMIT: u32 = 90;

pub struct Budget {
    limit: usize,
    window: Duration,
    /// How long a request may wait for its turn before the console gives up and says so.
    max_wait: Duration,
    sent: Mutex<HashMap<(String, String), VecDeque<Instant>>>,
}

/// The budget is spent for longer than a request may wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub retry_after: Duration,
}

impl Budget {
    pub fn new(limit: u32, window: Duration, max_wait: Duration) -> Budget {
        Budget {
            limit: usize::try_from(limit.max(1)).unwrap_or(usize::MAX),
            window,
            max_wait,
            sent: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a slot for one request now, or says how long until one frees up.
    fn try_take(&self, client_id: &str, version: &str, now: Instant) -> Result<(), Duration> {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        if sent.len() > 1_000 {
            sent.retain(|_, times| {
                times
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let times = sent
            .entry((client_id.to_owned(), version.to_owned()))
            .or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            times.pop_front();
        }
        if times.len() < self.limit {
            times.push_back(now);
            return Ok(());
        }
        let oldest = times.front().copied().unwrap_or(now);
        Err((oldest + self.window).saturating_duration_since(now))
    }

    /// Waits until the request may go; refuses when the wait would be longer than `max_wait`.
    pub async fn acquire(&self, client_id: &str, version: &str) -> Result<(), OverBudget> {
        let started = Instant::now();
        loop {
            let wait = match self.try_take(client_id, version, Instant::now()) {
                Ok(()) => return Ok(()),
                Err(wait) => wait.max(Duration::from_millis(1)),
            };
            if started.elapsed() + wait > self.max_wait {
                return Err(OverBudget { retry_after: wait });
            }
            crate::metrics::isc_budget_wait(wait);
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_most_limit_in_any_window_per_client_and_version() {
        let budget = Budget::new(3, Duration::from_secs(10), Duration::from_secs(1));
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(
                budget
                    .try_take("c", "beta", t0 + Duration::from_secs(i))
                    .is_ok()
            );
        }
        assert_eq!(
            budget.try_take("c", "beta", t0 + Duration::from_secs(5)),
            Err(Duration::from_secs(5))
        );
        assert!(budget.try_take("c", "v3", t0).is_ok());
        assert!(budget.try_take("other", "beta", t0).is_ok());
        // The first slot frees ten seconds after it was taken, not at a window boundary.
        assert!(
            budget
                .try_take("c", "beta", t0 + Duration::from_secs(10))
                .is_ok()
        );
        assert!(
            budget
                .try_take("c", "beta", t0 + Duration::from_millis(10_500))
                .is_err()
        );
    }

    #[tokio::test]
    async fn waits_for_a_slot_or_refuses_a_long_wait() {
        let budget = Budget::new(1, Duration::from_millis(50), Duration::from_millis(200));
        budget.acquire("c", "beta").await.expect("first");
        let started = Instant::now();
        budget.acquire("c", "beta").await.expect("after a wait");
        assert!(started.elapsed() >= Duration::from_millis(40));

        let strict = Budget::new(1, Duration::from_secs(10), Duration::from_millis(100));
        strict.acquire("c", "beta").await.expect("first");
        let refused = strict.acquire("c", "beta").await.expect_err("too long");
        assert!(refused.retry_after > Duration::from_secs(9));
    }
}
