//! Periodic housekeeping of the in-memory rate limiters (sign-in per address, lookups per
//! user): each keeps one entry per key seen, and drops the ones back to a full budget here, so
//! a flood of keys cannot grow it without bound.

use std::time::Duration;

/// Runs `housekeep` every `every` on the current Tokio runtime, until it returns `None` (what
/// it tends is gone). `Some(n)`: `n` entries are still held. `limiter` names it in the logs.
pub fn spawn_every(
    every: Duration,
    limiter: &'static str,
    housekeep: impl Fn() -> Option<usize> + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await; // The first tick is immediate.
        loop {
            ticks.tick().await;
            match housekeep() {
                Some(held) => tracing::debug!(limiter, held, "idle entries dropped"),
                None => break,
            }
        }
    })
}
