//! Ticks: every skill whose manifest asks for a schedule gets `on-tick` at its interval. Ticks of
//! one skill never overlap, and their failures count like any call (quarantine included).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::Runtime;
use crate::store::now_ms;

/// How often the scheduler looks for due ticks.
const RESOLUTION: Duration = Duration::from_millis(200);

impl Runtime {
    /// Starts the scheduler; it stops when the runtime is dropped.
    pub fn start_scheduler(self: &Arc<Self>) {
        let runtime = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(RESOLUTION);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                interval.tick().await;
                let Some(runtime) = runtime.upgrade() else {
                    break;
                };
                let entries: Vec<_> = runtime
                    .registry
                    .read()
                    .unwrap()
                    .skills
                    .values()
                    .cloned()
                    .collect();
                let now = now_ms();
                for entry in entries {
                    let Some(every) = entry.current().tick_every() else {
                        continue;
                    };
                    if entry.next_tick_ms.load(Ordering::Relaxed) > now
                        || entry.ticking.swap(true, Ordering::AcqRel)
                    {
                        continue;
                    }
                    entry
                        .next_tick_ms
                        .store(now + every.as_millis() as i64, Ordering::Relaxed);
                    let runtime = runtime.clone();
                    tokio::spawn(async move {
                        if entry.unavailable().is_none() {
                            let _ = runtime.tick(&entry, now).await;
                        }
                        entry.ticking.store(false, Ordering::Release);
                    });
                }
            }
        });
    }
}
