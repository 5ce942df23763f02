//! The rate limit on person lookups (searches and person pages), per console user.
//!
//! Two reasons. Privacy: a helpdesk account may look up the person on the phone, but must not
//! be able to page through the whole directory (by hand or with a script behind its session).
//! And ISC: every lookup is a few calls to ISC, whose rate limit the console shares with
//! everything else on its API client; one user must not spend it for all.
//!
//! A token bucket per user (keyed by the user's id string) on `governor`'s GCRA, the limiter
//! behind the sign-in limit's `tower_governor`. The default
//! ([`LookupLimit::DEFAULT_BURST`] lookups at once, one more every
//! [`LookupLimit::DEFAULT_REPLENISH_EVERY`]): a helpdesk call is a search plus one or two person
//! pages, so 40 at once covers a busy hour's bursts (a dozen calls taken back to back), and 20 a
//! minute sustained after that is far above what a person does on the phone and far below what
//! a script walking the directory would want.
//!
//! The limit is per process: each replica keeps its own buckets, so behind a load balancer
//! spreading one user's requests over `n` replicas a user can make up to `n` times as many
//! lookups. It bounds, it does not count exactly.
//!
//! The limiter keeps one entry per user seen; [`LookupLimit::spawn_housekeeping`] drops the
//! entries that are back to a full budget every minute.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// The per-user lookup limit. Clones share the one limiter.
#[derive(Clone)]
pub struct LookupLimit {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    burst: u32,
    replenish_every: Duration,
}

impl LookupLimit {
    /// Lookups a user may make at once.
    pub const DEFAULT_BURST: u32 = 40;
    /// After the burst, one more lookup per user each this long (20 a minute).
    pub const DEFAULT_REPLENISH_EVERY: Duration = Duration::from_secs(3);
    /// How often [`spawn_housekeeping`](Self::spawn_housekeeping) drops idle users.
    pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(60);

    /// `burst` lookups per user at once, then one more each `replenish_every`. A zero `burst`
    /// is taken as 1, a zero `replenish_every` as one nanosecond (no limit beyond the burst).
    pub fn new(burst: u32, replenish_every: Duration) -> LookupLimit {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let replenish_every = replenish_every.max(Duration::from_nanos(1));
        let quota = Quota::with_period(replenish_every)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        LookupLimit {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            burst: burst.get(),
            replenish_every,
        }
    }

    pub fn burst(&self) -> u32 {
        self.burst
    }

    pub fn replenish_every(&self) -> Duration {
        self.replenish_every
    }

    /// Takes one lookup from `user`'s budget, or says how long to wait before the next one
    /// (whole seconds, rounded up, at least one: a retry after it is not refused again).
    pub fn check(&self, user: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&user.to_owned())
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Duration::from_secs(whole.max(1))
            })
    }

    /// Drops the users back to a full budget; returns how many are still held.
    pub fn housekeep(&self) -> usize {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
        self.limiter.len()
    }

    /// How many users the limiter holds.
    pub fn tracked_users(&self) -> usize {
        self.limiter.len()
    }

    /// Runs [`housekeep`](Self::housekeep) every [`HOUSEKEEPING_EVERY`](Self::HOUSEKEEPING_EVERY)
    /// on the current Tokio runtime. The task ends by itself once every `LookupLimit` sharing the
    /// limiter is dropped; abort it to stop it sooner.
    pub fn spawn_housekeeping(&self) -> tokio::task::JoinHandle<()> {
        self.spawn_housekeeping_every(LookupLimit::HOUSEKEEPING_EVERY)
    }

    fn spawn_housekeeping_every(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let limiter = Arc::downgrade(&self.limiter);
        crate::housekeeping::spawn_every(every, "lookups", move || {
            let limiter = limiter.upgrade()?;
            limiter.retain_recent();
            limiter.shrink_to_fit();
            Some(limiter.len())
        })
    }
}

impl Default for LookupLimit {
    fn default() -> LookupLimit {
        LookupLimit::new(
            LookupLimit::DEFAULT_BURST,
            LookupLimit::DEFAULT_REPLENISH_EVERY,
        )
    }
}

impl fmt::Debug for LookupLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupLimit")
            .field("burst", &self.burst)
            .field("replenish_every", &self.replenish_every)
            .field("tracked_users", &self.tracked_users())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spends `n` lookups of `user`, asserting each passes.
    fn spend(limit: &LookupLimit, user: &str, n: u32) {
        for i in 0..n {
            assert_eq!(limit.check(user), Ok(()), "lookup {i} of {user}");
        }
    }

    #[test]
    fn the_burst_passes_then_a_wait_of_at_least_a_second_is_asked() {
        let limit = LookupLimit::new(5, Duration::from_secs(60));
        spend(&limit, "helpdesk-1", 5);
        let wait = limit.check("helpdesk-1").unwrap_err();
        assert!(wait >= Duration::from_secs(59), "rounded up: {wait:?}");
        assert!(wait <= Duration::from_secs(60), "{wait:?}");
        assert_eq!(wait.subsec_nanos(), 0, "whole seconds: {wait:?}");
        // Refused again: a refusal spends nothing, and nothing came back yet.
        assert!(limit.check("helpdesk-1").is_err());
    }

    #[test]
    fn a_short_wait_is_still_at_least_one_second() {
        let limit = LookupLimit::new(1, Duration::from_millis(200));
        spend(&limit, "u", 1);
        assert_eq!(limit.check("u"), Err(Duration::from_secs(1)));
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(limit.check("u"), Ok(()), "replenished");
    }

    #[test]
    fn every_user_has_their_own_budget_and_clones_share_them() {
        let limit = LookupLimit::new(3, Duration::from_secs(60));
        spend(&limit, "alice", 3);
        assert!(limit.check("alice").is_err());
        spend(&limit, "bob", 3);
        assert!(limit.check("bob").is_err());
        let clone = limit.clone();
        assert!(clone.check("alice").is_err(), "a clone shares the budget");
        spend(&clone, "carol", 1);
        assert_eq!(limit.tracked_users(), 3);
    }

    #[test]
    fn the_default_is_forty_at_once_then_one_every_three_seconds() {
        let limit = LookupLimit::default();
        assert_eq!(limit.burst(), 40);
        assert_eq!(limit.replenish_every(), Duration::from_secs(3));
        spend(&limit, "helpdesk", 40);
        let wait = limit.check("helpdesk").unwrap_err();
        assert!(
            (Duration::from_secs(1)..=Duration::from_secs(3)).contains(&wait),
            "{wait:?}"
        );
    }

    #[test]
    fn zero_settings_are_taken_as_the_smallest_limit() {
        let limit = LookupLimit::new(0, Duration::ZERO);
        assert_eq!(limit.burst(), 1);
        assert_eq!(limit.check("u"), Ok(()));
    }

    #[test]
    fn housekeeping_drops_users_back_to_a_full_budget() {
        let limit = LookupLimit::new(2, Duration::from_millis(50));
        spend(&limit, "idle", 1);
        spend(&limit, "busy", 2);
        assert_eq!(limit.tracked_users(), 2);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(limit.housekeep(), 0, "both are back to a full budget");
        let limit = LookupLimit::new(2, Duration::from_secs(60));
        spend(&limit, "busy", 2);
        assert_eq!(limit.housekeep(), 1, "a user still spending is kept");
    }

    #[tokio::test]
    async fn the_housekeeping_task_drops_idle_users_and_ends_with_the_limiter() {
        let limit = LookupLimit::new(2, Duration::from_millis(20));
        spend(&limit, "idle", 1);
        let task = limit.spawn_housekeeping_every(Duration::from_millis(50));
        tokio::time::timeout(Duration::from_secs(5), async {
            while limit.tracked_users() > 0 {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap();
        assert!(!task.is_finished());
        drop(limit);
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .unwrap()
            .unwrap();
    }
}
