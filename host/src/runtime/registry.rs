//! The loaded skills by name, with what is kept across reloads of the same skill: its status,
//! counters, latencies, last error and quarantine.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use super::LoadedSkill;
use super::bindings::types::{Command, Permissions};
use crate::store::now_ms;

/// How many recent latencies the percentiles are computed over.
const LATENCY_WINDOW: usize = 512;
/// The longest quarantine.
const MAX_QUARANTINE: Duration = Duration::from_secs(3600);

/// Where a skill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillStatus {
    /// Loaded and answering.
    Active,
    /// A file is being compiled and checked.
    Loading,
    /// The file did not load and no earlier version serves.
    Failed,
    /// Failed too often in a row; it comes back by itself when its back-off ends.
    Quarantined,
    /// Turned off by the operator.
    Disabled,
}

/// The most recent failure of a call.
#[derive(Debug, Clone)]
pub struct LastError {
    /// The error code, as the API reports it (e.g. `SKILL_TIMEOUT`).
    pub code: &'static str,
    pub message: String,
    pub at_ms: i64,
}

/// A skill name's place in the registry.
pub struct SkillEntry {
    current: RwLock<Arc<LoadedSkill>>,
    state: Mutex<EntryState>,
    invocations: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    ticks: AtomicU64,
    latencies_ms: Mutex<VecDeque<u64>>,
    /// Call slots (`max_concurrency`).
    pub(super) slots: Arc<Semaphore>,
    /// Whether an `on-tick` is running now, and when the next is due.
    pub(super) ticking: AtomicBool,
    pub(super) next_tick_ms: AtomicI64,
}

#[derive(Default)]
struct EntryState {
    disabled: bool,
    failures_in_a_row: u32,
    quarantines_in_a_row: u32,
    quarantined_until_ms: Option<i64>,
    last_error: Option<LastError>,
    /// Why the newest file for this skill did not load (the older version still serves).
    reload_error: Option<String>,
}

/// What a call did, for the counters.
pub(super) enum Outcome<'a> {
    Ok,
    /// The skill returned its own error: counted, but it is not misbehaviour.
    SkillError(&'static str, &'a str),
    /// A trap, timeout, memory or size violation: counts toward quarantine.
    Misbehaved(&'static str, &'a str, bool),
}

impl SkillEntry {
    pub(super) fn new(skill: Arc<LoadedSkill>, disabled: bool) -> SkillEntry {
        let slots = Arc::new(Semaphore::new(skill.grants.limits.max_concurrency as usize));
        let next_tick = skill.first_tick_ms();
        SkillEntry {
            current: RwLock::new(skill),
            state: Mutex::new(EntryState {
                disabled,
                ..Default::default()
            }),
            invocations: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            latencies_ms: Mutex::new(VecDeque::with_capacity(LATENCY_WINDOW)),
            slots,
            ticking: AtomicBool::new(false),
            next_tick_ms: AtomicI64::new(next_tick),
        }
    }

    /// The version that serves new calls. Calls keep the `Arc` they started with, so a swap
    /// never cuts one short.
    pub fn current(&self) -> Arc<LoadedSkill> {
        self.current.read().unwrap().clone()
    }

    /// Serves `skill` from now on.
    pub(super) fn replace(&self, skill: Arc<LoadedSkill>) {
        self.next_tick_ms
            .store(skill.first_tick_ms(), Ordering::Relaxed);
        *self.current.write().unwrap() = skill;
        self.state.lock().unwrap().reload_error = None;
    }

    pub(super) fn set_reload_error(&self, error: Option<String>) {
        self.state.lock().unwrap().reload_error = error;
    }

    pub(super) fn set_disabled(&self, disabled: bool) {
        let mut state = self.state.lock().unwrap();
        state.disabled = disabled;
        if !disabled {
            state.quarantined_until_ms = None;
            state.failures_in_a_row = 0;
        }
    }

    /// The status now.
    pub fn status(&self) -> SkillStatus {
        let state = self.state.lock().unwrap();
        if state.disabled {
            SkillStatus::Disabled
        } else if state
            .quarantined_until_ms
            .is_some_and(|until| until > now_ms())
        {
            SkillStatus::Quarantined
        } else {
            SkillStatus::Active
        }
    }

    /// Whether the operator switched the skill off.
    pub(super) fn is_disabled(&self) -> bool {
        self.state.lock().unwrap().disabled
    }

    /// Why a call may not run now, if it may not.
    pub(super) fn unavailable(&self) -> Option<String> {
        let state = self.state.lock().unwrap();
        if state.disabled {
            return Some(
                "the skill is disabled; enable it with POST /api/v1/skills/{name}/enable".into(),
            );
        }
        match state.quarantined_until_ms {
            Some(until) if until > now_ms() => Some(format!(
                "the skill is quarantined after {} failures in a row; it is tried again in {} s",
                state.failures_in_a_row,
                (until - now_ms() + 999) / 1000
            )),
            _ => None,
        }
    }

    /// Records a finished call. Returns the quarantine period when this call started one.
    pub(super) fn record(
        &self,
        outcome: Outcome<'_>,
        elapsed: Duration,
        tick: bool,
    ) -> Option<Duration> {
        if tick {
            self.ticks.fetch_add(1, Ordering::Relaxed);
        } else {
            // Latency is what a caller waits for; ticks have no caller.
            self.invocations.fetch_add(1, Ordering::Relaxed);
            let mut latencies = self.latencies_ms.lock().unwrap();
            if latencies.len() == LATENCY_WINDOW {
                latencies.pop_front();
            }
            latencies.push_back(elapsed.as_millis() as u64);
        }
        let mut state = self.state.lock().unwrap();
        match outcome {
            Outcome::Ok => {
                state.failures_in_a_row = 0;
                state.quarantines_in_a_row = 0;
                None
            }
            Outcome::SkillError(code, message) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                state.last_error = Some(LastError {
                    code,
                    message: message.to_owned(),
                    at_ms: now_ms(),
                });
                None
            }
            Outcome::Misbehaved(code, message, timeout) => {
                self.errors.fetch_add(1, Ordering::Relaxed);
                if timeout {
                    self.timeouts.fetch_add(1, Ordering::Relaxed);
                }
                state.last_error = Some(LastError {
                    code,
                    message: message.to_owned(),
                    at_ms: now_ms(),
                });
                state.failures_in_a_row += 1;
                let limits = &self.current().grants.limits;
                if state.failures_in_a_row < limits.quarantine_after {
                    return None;
                }
                let factor = 2u32.saturating_pow(state.quarantines_in_a_row.min(20));
                let period = Duration::from_millis(limits.quarantine_ms)
                    .saturating_mul(factor)
                    .min(MAX_QUARANTINE);
                state.quarantines_in_a_row += 1;
                state.quarantined_until_ms = Some(now_ms() + period.as_millis() as i64);
                Some(period)
            }
        }
    }

    /// A snapshot for status reports.
    pub fn report(&self, name: &str) -> SkillReport {
        let skill = self.current();
        let (p50, p99) = {
            let mut sorted: Vec<u64> = self.latencies_ms.lock().unwrap().iter().copied().collect();
            sorted.sort_unstable();
            (percentile(&sorted, 50), percentile(&sorted, 99))
        };
        let status = self.status();
        let state = self.state.lock().unwrap();
        SkillReport {
            name: name.to_owned(),
            version: skill.manifest.version.clone(),
            description: skill.manifest.description.clone(),
            status,
            commands: skill.manifest.commands.clone(),
            source: skill.source.clone(),
            sha256: skill.sha256.clone(),
            size_bytes: skill.size,
            loaded_at_ms: Some(skill.loaded_at_ms),
            invocations: self.invocations.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            ticks: self.ticks.load(Ordering::Relaxed),
            in_flight: (skill.grants.limits.max_concurrency as usize)
                .saturating_sub(self.slots.available_permits()) as u64,
            latency_p50_ms: p50,
            latency_p99_ms: p99,
            last_error: state.last_error.clone(),
            error: state.reload_error.clone(),
            quarantined_until_ms: state
                .quarantined_until_ms
                .filter(|_| status == SkillStatus::Quarantined),
            outbound_hosts: skill.grants.outbound_hosts.iter().cloned().collect(),
            requested: skill.manifest.permissions.clone(),
            notify: skill.grants.notify,
            schedule_seconds: skill.tick_every().map(|every| every.as_secs() as u32),
        }
    }
}

fn percentile(sorted: &[u64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted[rank.min(sorted.len()) - 1]
}

/// Everything the API shows about one skill, or one file that provides none.
#[derive(Debug, Clone)]
pub struct SkillReport {
    pub name: String,
    pub version: String,
    pub description: String,
    pub status: SkillStatus,
    pub commands: Vec<Command>,
    pub source: PathBuf,
    pub sha256: String,
    pub size_bytes: u64,
    pub loaded_at_ms: Option<i64>,
    pub invocations: u64,
    pub errors: u64,
    pub timeouts: u64,
    pub ticks: u64,
    /// Calls running now.
    pub in_flight: u64,
    pub latency_p50_ms: u64,
    pub latency_p99_ms: u64,
    pub last_error: Option<LastError>,
    /// Why the file (or its newest version) did not load.
    pub error: Option<String>,
    pub quarantined_until_ms: Option<i64>,
    /// Outbound hosts granted: declared by the manifest and allowed by the operator.
    pub outbound_hosts: Vec<String>,
    /// What the manifest asks for, granted or not.
    pub requested: Permissions,
    pub notify: bool,
    pub schedule_seconds: Option<u32>,
}

impl SkillReport {
    /// The report of a file that provides no skill (yet): loading, or failed.
    pub(super) fn file(source: PathBuf, status: SkillStatus, error: Option<String>) -> SkillReport {
        SkillReport {
            name: source
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            version: String::new(),
            description: String::new(),
            status,
            commands: Vec::new(),
            source,
            sha256: String::new(),
            size_bytes: 0,
            loaded_at_ms: None,
            invocations: 0,
            errors: 0,
            timeouts: 0,
            ticks: 0,
            in_flight: 0,
            latency_p50_ms: 0,
            latency_p99_ms: 0,
            last_error: None,
            error,
            quarantined_until_ms: None,
            outbound_hosts: Vec::new(),
            requested: Permissions {
                outbound_hosts: Vec::new(),
                notify: false,
                schedule: None,
            },
            notify: false,
            schedule_seconds: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50), 50);
        assert_eq!(percentile(&v, 99), 99);
        assert_eq!(percentile(&[7], 99), 7);
        assert_eq!(percentile(&[], 50), 0);
    }
}
