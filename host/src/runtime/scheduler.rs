//! Ticks: every skill whose manifest asks for a schedule gets `on-tick` at its interval, at
//! least [`MIN_TICK_SECONDS`] apart. Ticks of one skill never overlap, and their failures count
//! like any call (quarantine included).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::{LoadedSkill, Runtime};
use crate::store::now_ms;

/// How often the scheduler looks for due ticks.
const RESOLUTION: Duration = Duration::from_millis(200);

/// The shortest period between two ticks of one skill. A manifest that asks for less is ticked
/// this often (and the log says so once per load): every tick instantiates the skill afresh,
/// and a skill ticked every second spends the host's CPU on instances that mostly find nothing
/// to do, for what a few seconds' delay would also do.
const MIN_TICK_SECONDS: u32 = 5;

impl LoadedSkill {
    /// How often the skill is ticked: the period its manifest asks for, at least
    /// [`MIN_TICK_SECONDS`]; `None` when it asks for no ticks.
    pub(super) fn tick_every(&self) -> Option<Duration> {
        let asked = self.manifest.permissions.schedule.as_ref()?.every_seconds;
        Some(Duration::from_secs(asked.max(MIN_TICK_SECONDS).into()))
    }

    /// When this version's first tick is due (in ms since the epoch): at once, so a skill
    /// catches up on what fell due while it was not running (a restart, a replacement) without
    /// waiting a whole period; never when it asks for no ticks. Logs a clamped period.
    pub(super) fn first_tick_ms(&self) -> i64 {
        let Some(schedule) = &self.manifest.permissions.schedule else {
            return i64::MAX;
        };
        if schedule.every_seconds < MIN_TICK_SECONDS {
            tracing::warn!(
                skill = %self.manifest.name,
                asked_seconds = schedule.every_seconds,
                ticked_seconds = MIN_TICK_SECONDS,
                "the skill asks to be ticked more often than the host allows; it is ticked every {MIN_TICK_SECONDS} s"
            );
        }
        now_ms()
    }
}

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
