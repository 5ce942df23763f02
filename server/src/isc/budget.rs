//! The console's own budget of ISC requests, kept below ISC's gateway limit (100 requests per
//! `client_id` per API version per 10 seconds) so that the console waits its turn instead of
//! collecting 429s, which would cost a retry each and, once the retries run out, an error page.
//!
//! A sliding window: at most `limit` requests in any `window`, per (client id, API version).
//! That is stricter than ISC's fixed window, so one replica alone never meets a 429. Replicas
//! each keep their own budget: with N replicas, give each `limit / N`
//! (`CONSOLE_ISC_REQUESTS_PER_10S`).
//!
//! Reads for the shared cache (what every helpdesk and admin page shows, see `cache`) come
//! first, in two ways:
//! - a quarter of the budget is theirs alone: other requests (an admin's form reading fresh, a
//!   review, a plan) use at most the other three quarters;
//! - while one waits for a slot, requests of other kinds wait behind it.
//!
//! Without this, admins opening forms on a large tenant (34 calls each at 2,000 groups) could
//! fill the window in one burst, and every reader's list would wait until that burst left the
//! window: the first list view after 5 s of form views took 5.2 s at 250 groups, and at 2,000
//! groups the benchmark's list pages timed out.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

tokio::task_local! {
    /// Set while a shared-cache load runs (see [`shared`]).
    static SHARED_READ: ();
}

/// Runs `load` as a read for the shared cache: its requests go first in the budget.
pub async fn shared<F: Future>(load: F) -> F::Output {
    SHARED_READ.scope((), load).await
}

fn is_shared_read() -> bool {
    SHARED_READ.try_with(|_| ()).is_ok()
}

/// ISC's window.
pub const WINDOW: Duration = Duration::from_secs(10);
/// The default per replica: a margin under ISC's 100 for requests in flight and clocks.
pub const DEFAULT_LIMIT: u32 = 90;

pub struct Budget {
    limit: usize,
    /// Slots only shared-cache reads may take (a quarter of `limit`).
    reserved: usize,
    window: Duration,
    /// How long a request may wait for its turn before the console gives up and says so.
    max_wait: Duration,
    sent: Mutex<HashMap<(String, String), Window>>,
}

/// One (client id, API version)'s requests in the last window, and how many shared-cache reads
/// are waiting for a slot.
#[derive(Default)]
struct Window {
    times: VecDeque<Instant>,
    shared_waiting: usize,
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
            reserved: usize::try_from(limit / 4).unwrap_or(0),
            window,
            max_wait,
            sent: Mutex::new(HashMap::new()),
        }
    }

    fn with_window<R>(
        &self,
        client_id: &str,
        version: &str,
        f: impl FnOnce(&mut Window) -> R,
    ) -> R {
        let mut sent = self.sent.lock().unwrap_or_else(PoisonError::into_inner);
        if sent.len() > 1_000 {
            let now = Instant::now();
            sent.retain(|_, w| {
                w.shared_waiting > 0
                    || w.times
                        .back()
                        .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        f(sent
            .entry((client_id.to_owned(), version.to_owned()))
            .or_default())
    }

    /// Takes a slot for one request now, or says how long until one frees up. A request that
    /// is not a shared read also waits while a shared read does.
    fn try_take(
        &self,
        client_id: &str,
        version: &str,
        shared: bool,
        now: Instant,
    ) -> Result<(), Duration> {
        self.with_window(client_id, version, |w| {
            while w
                .times
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                w.times.pop_front();
            }
            let oldest = w.times.front().copied().unwrap_or(now);
            let until_free = (oldest + self.window).saturating_duration_since(now);
            if !shared && w.shared_waiting > 0 {
                return Err(until_free.max(Duration::from_millis(5)));
            }
            let cap = if shared {
                self.limit
            } else {
                self.limit - self.reserved
            };
            if w.times.len() < cap {
                w.times.push_back(now);
                return Ok(());
            }
            // The slot that frees this request's way: the one `cap` places from the newest.
            let freeing = w.times.get(w.times.len() - cap).copied().unwrap_or(oldest);
            Err((freeing + self.window).saturating_duration_since(now))
        })
    }

    /// Waits until the request may go; refuses when the wait would be longer than `max_wait`.
    pub async fn acquire(&self, client_id: &str, version: &str) -> Result<(), OverBudget> {
        let shared = is_shared_read();
        let started = Instant::now();
        let mut waiting = None;
        let outcome = loop {
            let wait = match self.try_take(client_id, version, shared, Instant::now()) {
                Ok(()) => break Ok(()),
                Err(wait) => wait.max(Duration::from_millis(1)),
            };
            if started.elapsed() + wait > self.max_wait {
                break Err(OverBudget { retry_after: wait });
            }
            if shared && waiting.is_none() {
                waiting = Some(SharedWaiting::new(self, client_id, version));
            }
            crate::metrics::isc_budget_wait(wait);
            tokio::time::sleep(wait).await;
        };
        drop(waiting);
        outcome
    }
}

/// Counts a shared read as waiting for as long as it lives (also when its request is dropped
/// mid-wait).
struct SharedWaiting<'a> {
    budget: &'a Budget,
    key: (String, String),
}

impl<'a> SharedWaiting<'a> {
    fn new(budget: &'a Budget, client_id: &str, version: &str) -> SharedWaiting<'a> {
        budget.with_window(client_id, version, |w| w.shared_waiting += 1);
        SharedWaiting {
            budget,
            key: (client_id.to_owned(), version.to_owned()),
        }
    }
}

impl Drop for SharedWaiting<'_> {
    fn drop(&mut self) {
        self.budget.with_window(&self.key.0, &self.key.1, |w| {
            w.shared_waiting = w.shared_waiting.saturating_sub(1);
        });
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
                    .try_take("c", "beta", false, t0 + Duration::from_secs(i))
                    .is_ok()
            );
        }
        assert_eq!(
            budget.try_take("c", "beta", false, t0 + Duration::from_secs(5)),
            Err(Duration::from_secs(5))
        );
        assert!(budget.try_take("c", "v3", false, t0).is_ok());
        assert!(budget.try_take("other", "beta", false, t0).is_ok());
        // The first slot frees ten seconds after it was taken, not at a window boundary.
        assert!(
            budget
                .try_take("c", "beta", false, t0 + Duration::from_secs(10))
                .is_ok()
        );
        assert!(
            budget
                .try_take("c", "beta", false, t0 + Duration::from_millis(10_500))
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

    #[tokio::test]
    async fn a_shared_read_takes_the_next_slot_before_other_requests() {
        use std::sync::Arc;
        let budget = Arc::new(Budget::new(
            1,
            Duration::from_millis(100),
            Duration::from_secs(2),
        ));
        budget.acquire("c", "beta").await.expect("first");
        let order = Arc::new(Mutex::new(Vec::new()));
        // An admin's fresh read starts waiting first...
        let fresh = {
            let (budget, order) = (budget.clone(), order.clone());
            tokio::spawn(async move {
                budget.acquire("c", "beta").await.expect("fresh");
                order.lock().expect("order").push("fresh");
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        // ...then a shared-cache reload needs a slot: it goes first.
        let reload = {
            let (budget, order) = (budget.clone(), order.clone());
            tokio::spawn(shared(async move {
                budget.acquire("c", "beta").await.expect("shared");
                order.lock().expect("order").push("shared");
            }))
        };
        reload.await.expect("reload task");
        fresh.await.expect("fresh task");
        assert_eq!(*order.lock().expect("order"), vec!["shared", "fresh"]);
        // Nothing is left counted as waiting.
        assert!(
            budget
                .try_take("other", "beta", false, Instant::now())
                .is_ok()
        );
        budget.with_window("c", "beta", |w| assert_eq!(w.shared_waiting, 0));
    }

    #[test]
    fn a_quarter_of_the_budget_is_kept_for_shared_reads() {
        let budget = Budget::new(8, Duration::from_secs(10), Duration::from_secs(1));
        let t0 = Instant::now();
        for _ in 0..6 {
            assert!(budget.try_take("c", "beta", false, t0).is_ok());
        }
        // Other requests have had their three quarters...
        assert_eq!(
            budget.try_take("c", "beta", false, t0 + Duration::from_secs(1)),
            Err(Duration::from_secs(9))
        );
        // ...a reload of the shared cache still goes at once.
        assert!(budget.try_take("c", "beta", true, t0).is_ok());
        assert!(budget.try_take("c", "beta", true, t0).is_ok());
        assert_eq!(
            budget.try_take("c", "beta", true, t0 + Duration::from_secs(1)),
            Err(Duration::from_secs(9))
        );
    }
}
