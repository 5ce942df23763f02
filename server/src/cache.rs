//! The shared read cache: what every reader of the tenant sees (the group list, sources,
//! password policies) is read from ISC once and shared by every user and every page, because
//! ISC allows the console about 100 requests per 10 seconds per client and a helpdesk of
//! hundreds would otherwise queue behind that limit all day.
//!
//! Rules (issue 12):
//! - **Single flight**: concurrent misses wait for one upstream load instead of each making one.
//! - **Stale while revalidating**: data older than `fresh_for` is still served (to everyone but
//!   the one caller who refreshes it) until it is `max_age` old; so a reload costs one page view
//!   one upstream round trip, not every page view in that moment.
//! - **Served stale on failure** within `max_age`: a short ISC outage does not break read pages.
//! - **Invalidated by the console's own writes**: a load that started before a write does not
//!   put its (older) answer back into the cache.
//! - Every answer carries when it was read, so pages can say "as of 12 s ago".

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A value and when it was read from ISC.
#[derive(Debug)]
pub struct Cached<T> {
    pub value: Arc<T>,
    read_at: Instant,
    /// Unix seconds, for pages ("as of …").
    pub read_at_unix: i64,
}

impl<T> Clone for Cached<T> {
    fn clone(&self) -> Self {
        Cached {
            value: self.value.clone(),
            read_at: self.read_at,
            read_at_unix: self.read_at_unix,
        }
    }
}

impl<T> Cached<T> {
    /// A value read just now (not from the cache).
    pub fn now(value: T) -> Cached<T> {
        Cached {
            value: Arc::new(value),
            read_at: Instant::now(),
            read_at_unix: unix_now(),
        }
    }

    pub fn age(&self) -> Duration {
        self.read_at.elapsed()
    }
}

/// How a caller wants its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// Whatever the cache rules allow.
    Cached,
    /// The user asked for a refresh: nothing older than this (a refresh storm still costs one
    /// load per this interval).
    NewerThan(Duration),
}

struct Slot<T> {
    current: Option<Cached<T>>,
    /// Bumped by [`SharedRead::invalidate`]: a load that started under an older generation
    /// does not store its answer.
    generation: u64,
}

pub struct SharedRead<T> {
    /// For the metrics: `groups`, `sources`, `policies`.
    what: &'static str,
    fresh_for: Duration,
    max_age: Duration,
    slot: Mutex<Slot<T>>,
    /// Held by the one caller that loads; others wait on it (or take the stale value).
    loading: tokio::sync::Mutex<()>,
}

impl<T> SharedRead<T> {
    /// Data younger than `fresh_for` is served as is; up to `max_age` it is served while one
    /// caller reloads it; older, everyone waits for the reload.
    pub fn new(what: &'static str, fresh_for: Duration, max_age: Duration) -> SharedRead<T> {
        SharedRead {
            what,
            fresh_for,
            max_age: max_age.max(fresh_for),
            slot: Mutex::new(Slot {
                current: None,
                generation: 0,
            }),
            loading: tokio::sync::Mutex::new(()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot<T>> {
        // The slot is replaced whole, so a panic elsewhere cannot leave it half-written.
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn current(&self) -> (Option<Cached<T>>, u64) {
        let slot = self.lock();
        (slot.current.clone(), slot.generation)
    }

    /// The cached value under the rules above, loading it with `load` when needed.
    pub async fn get<E, F, Fut>(&self, want: Want, load: F) -> Result<Cached<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        let fresh_for = match want {
            Want::Cached => self.fresh_for,
            Want::NewerThan(d) => d.min(self.fresh_for),
        };
        let usable_stale = want == Want::Cached;
        let (current, _) = self.current();
        if let Some(c) = &current {
            if c.age() < fresh_for {
                crate::metrics::shared_read(self.what, "fresh");
                return Ok(c.clone());
            }
            if usable_stale && c.age() < self.max_age {
                // Someone is already reloading: serve what there is meanwhile.
                let Ok(guard) = self.loading.try_lock() else {
                    crate::metrics::shared_read(self.what, "stale");
                    return Ok(c.clone());
                };
                return self.load_holding(guard, load, current).await;
            }
        }
        let guard = self.loading.lock().await;
        // The load we waited for may have brought what we need.
        let (current, _) = self.current();
        if let Some(c) = &current
            && c.age() < fresh_for
        {
            crate::metrics::shared_read(self.what, "fresh");
            return Ok(c.clone());
        }
        self.load_holding(guard, load, current).await
    }

    async fn load_holding<E, F, Fut>(
        &self,
        _guard: tokio::sync::MutexGuard<'_, ()>,
        load: F,
        current: Option<Cached<T>>,
    ) -> Result<Cached<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: std::fmt::Display,
    {
        let (_, generation) = self.current();
        crate::metrics::shared_read(self.what, "loaded");
        // Its requests go first in the ISC budget: every reader is waiting on this one.
        match crate::isc::budget::shared(load()).await {
            Ok(value) => {
                let loaded = Cached::now(value);
                let mut slot = self.lock();
                if slot.generation == generation {
                    slot.current = Some(loaded.clone());
                }
                Ok(loaded)
            }
            Err(e) => match current {
                Some(c) if c.age() < self.max_age => {
                    tracing::warn!(error = %e, age_secs = c.age().as_secs(), "reload failed; serving the cached copy");
                    Ok(c)
                }
                _ => Err(e),
            },
        }
    }

    /// The console changed the tenant: the next reader loads afresh.
    pub fn invalidate(&self) {
        let mut slot = self.lock();
        slot.current = None;
        slot.generation += 1;
    }

    /// The cached value if there is one young enough, without loading.
    pub fn peek(&self) -> Option<Cached<T>> {
        self.current().0.filter(|c| c.age() < self.max_age)
    }
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    async fn counting(loads: &AtomicU32, value: u32) -> Result<u32, String> {
        loads.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok(value)
    }

    #[tokio::test]
    async fn concurrent_misses_share_one_load() {
        let cache = SharedRead::new("test", Duration::from_secs(10), Duration::from_secs(20));
        let loads = AtomicU32::new(0);
        let all = futures::future::join_all(
            (0..20).map(|_| cache.get(Want::Cached, || counting(&loads, 7))),
        )
        .await;
        assert!(all.iter().all(|r| matches!(r, Ok(c) if *c.value == 7)));
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn stale_data_is_served_while_one_caller_reloads() {
        let cache = SharedRead::new("test", Duration::from_millis(30), Duration::from_secs(20));
        let loads = AtomicU32::new(0);
        cache
            .get(Want::Cached, || counting(&loads, 1))
            .await
            .expect("loaded");
        tokio::time::sleep(Duration::from_millis(40)).await;
        // One caller reloads (20 ms); the others meanwhile get the old value at once.
        let results = futures::future::join_all(
            (0..5).map(|_| cache.get(Want::Cached, || counting(&loads, 2))),
        )
        .await;
        let values: Vec<u32> = results
            .into_iter()
            .map(|r| *r.expect("value").value)
            .collect();
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        assert_eq!(values.iter().filter(|v| **v == 2).count(), 1);
        assert_eq!(values.iter().filter(|v| **v == 1).count(), 4);
        let after = cache.get(Want::Cached, || counting(&loads, 3)).await;
        assert_eq!(*after.expect("value").value, 2);
    }

    #[tokio::test]
    async fn too_old_data_is_never_served() {
        let cache = SharedRead::new("test", Duration::from_millis(10), Duration::from_millis(30));
        let loads = AtomicU32::new(0);
        cache
            .get(Want::Cached, || counting(&loads, 1))
            .await
            .expect("loaded");
        tokio::time::sleep(Duration::from_millis(40)).await;
        let c = cache
            .get(Want::Cached, || counting(&loads, 2))
            .await
            .expect("reloaded");
        assert_eq!(*c.value, 2);
    }

    #[tokio::test]
    async fn a_failed_reload_serves_the_cached_copy_until_max_age() {
        let cache = SharedRead::new(
            "test",
            Duration::from_millis(10),
            Duration::from_millis(200),
        );
        let loads = AtomicU32::new(0);
        cache
            .get(Want::Cached, || counting(&loads, 1))
            .await
            .expect("loaded");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let c = cache
            .get(Want::Cached, || async { Err::<u32, _>("down".to_string()) })
            .await
            .expect("stale copy");
        assert_eq!(*c.value, 1);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(
            cache
                .get(Want::Cached, || async { Err::<u32, _>("down".to_string()) })
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn a_refresh_reloads_unless_just_loaded() {
        let cache = SharedRead::new("test", Duration::from_secs(10), Duration::from_secs(20));
        let loads = AtomicU32::new(0);
        cache
            .get(Want::Cached, || counting(&loads, 1))
            .await
            .expect("loaded");
        let c = cache
            .get(Want::NewerThan(Duration::from_secs(2)), || {
                counting(&loads, 2)
            })
            .await
            .expect("cached");
        assert_eq!(*c.value, 1, "a refresh right after a load reuses it");
        tokio::time::sleep(Duration::from_millis(30)).await;
        let c = cache
            .get(Want::NewerThan(Duration::from_millis(10)), || {
                counting(&loads, 2)
            })
            .await
            .expect("refreshed");
        assert_eq!(*c.value, 2);
    }

    #[tokio::test]
    async fn a_load_begun_before_a_write_does_not_come_back() {
        let cache = std::sync::Arc::new(SharedRead::new(
            "test",
            Duration::from_secs(10),
            Duration::from_secs(20),
        ));
        let (release, wait) = tokio::sync::oneshot::channel::<()>();
        let slow = {
            let cache = cache.clone();
            tokio::spawn(async move {
                cache
                    .get(Want::Cached, || async {
                        let _ = wait.await;
                        Ok::<_, String>("before the write")
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        cache.invalidate();
        let _ = release.send(());
        let old = slow.await.expect("task").expect("value");
        assert_eq!(*old.value, "before the write");
        let c = cache
            .get(Want::Cached, || async {
                Ok::<_, String>("after the write")
            })
            .await
            .expect("value");
        assert_eq!(*c.value, "after the write");
    }
}
