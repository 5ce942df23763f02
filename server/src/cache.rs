//! A tiny time-to-live cache for data that changes rarely (sources, password policies), so one
//! page view does not cost a dozen upstream calls against ISC's 100-requests-per-10-seconds limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

pub struct TtlCache<T> {
    ttl: Duration,
    // Held across the load: concurrent misses wait for one upstream call instead of each making one.
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> TtlCache<T> {
    pub fn new(ttl: Duration) -> TtlCache<T> {
        TtlCache {
            ttl,
            slot: Mutex::new(None),
        }
    }

    pub async fn get_or_load<E, F, Fut>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some((loaded_at, value)) = slot.as_ref()
            && loaded_at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        *slot = Some((Instant::now(), value.clone()));
        Ok(value)
    }

    pub async fn clear(&self) {
        *self.slot.lock().await = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn loads_once_within_the_ttl_and_again_after() {
        let cache = TtlCache::new(Duration::from_millis(50));
        let loads = AtomicU32::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<_, ()>(42)
        };
        assert_eq!(*cache.get_or_load(load).await.expect("loaded"), 42);
        assert_eq!(*cache.get_or_load(load).await.expect("cached"), 42);
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(60)).await;
        cache.get_or_load(load).await.expect("reloaded");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn errors_are_not_cached() {
        let cache: TtlCache<u32> = TtlCache::new(Duration::from_secs(60));
        assert!(
            cache
                .get_or_load(|| async { Err::<u32, _>("down") })
                .await
                .is_err()
        );
        assert_eq!(
            *cache
                .get_or_load(|| async { Ok::<_, ()>(7) })
                .await
                .expect("loaded"),
            7
        );
    }
}
