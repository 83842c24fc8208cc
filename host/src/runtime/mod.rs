//! The wasm runtime: one wasmtime `Engine`, the skills loaded from the skills folder, and calls
//! into them. Every call gets a fresh `Store` and instance from a prepared `InstancePre`, a
//! deadline (epoch interruption), a memory cap and size caps, so a call shares no guest state
//! with another and a misbehaving skill cannot take the host down.
//!
//! This module knows nothing of HTTP; it answers in [`Invocation`]s, [`SkillReply`]s and
//! [`InvokeError`]s. Loading and hot reload are in `sync`, ticks in `scheduler`, per-skill
//! state in `registry`, and every permission decision in `capabilities`.

mod bindings;
mod capabilities;
#[cfg(feature = "bench-native-clock")]
mod native;
mod registry;
mod scheduler;
mod sync;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use wasmtime::component::{ComponentExportIndex, HasSelf, Linker};
use wasmtime::{Engine, Trap};

pub use bindings::types::{
    Command, DescriptionKind, Intent, Manifest, Permissions, Slot, SlotKind,
};
use bindings::{Skill, SkillPre};
use capabilities::{Grants, SkillState};
pub use capabilities::{allow_hosts_line, ungranted_hosts};
pub use registry::{LastError, SkillEntry, SkillReport, SkillStatus};
pub use sync::{Inspection, Scan};

use crate::config::Config;
use crate::events::Bus;
use crate::store::Store;

/// How often the epoch ticks; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Largest linear memory the pooling allocator reserves per instance.
const POOL_MAX_MEMORY_BYTES: usize = 1024 * 1024 * 1024;
/// How much of a pooled memory or table stays resident between calls (a small skill's whole
/// working set).
const KEEP_RESIDENT_BYTES: usize = 2 * 1024 * 1024;

/// The longest description, in characters, the host takes from `describe`.
const MAX_DESCRIPTION_CHARS: usize = 300;

/// A skill that loaded: its manifest and what it takes to call it.
pub struct LoadedSkill {
    pub manifest: Manifest,
    pub source: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub loaded_at_ms: i64,
    grants: Grants,
    pre: SkillPre<SkillState>,
    /// The component's `describe` export (WIT 0.1.1), when it has one: skills built for the
    /// 0.1.0 `skill` world do not.
    describe: Option<ComponentExportIndex>,
    /// What each command does, in the skill's own words, by command name: asked once, when
    /// the skill loads.
    summaries: BTreeMap<String, Summary>,
}

/// What one command does, as the skill's `describe` put it in each language it answered in.
#[derive(Debug, Clone, Default)]
struct Summary {
    tr: Option<String>,
    en: Option<String>,
}

impl LoadedSkill {
    /// The command of this name, if the manifest declares one.
    pub fn command(&self, name: &str) -> Option<&Command> {
        self.manifest.commands.iter().find(|c| c.name == name)
    }

    /// The slots the intents of command `name` declare, each name once, in manifest order.
    pub fn command_slots(&self, name: &str) -> Vec<(String, SlotKind)> {
        let mut slots: Vec<(String, SlotKind)> = Vec::new();
        for intent in self.manifest.intents.iter().filter(|i| i.command == name) {
            for slot in &intent.slots {
                if !slots.iter().any(|(n, _)| *n == slot.name) {
                    slots.push((slot.name.clone(), slot.kind));
                }
            }
        }
        slots
    }

    /// What command `name` does, in the skill's own words in `locale` (`tr` or `en`), when its
    /// `describe` gave them at load.
    pub fn summary(&self, command: &str, locale: &str) -> Option<&str> {
        let summary = self.summaries.get(command)?;
        match locale {
            "tr" => summary.tr.as_deref(),
            _ => summary.en.as_deref(),
        }
    }

    /// Whether the skill exports `describe`.
    pub fn describes(&self) -> bool {
        self.describe.is_some()
    }
}

/// One request to run a command of a skill.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub skill: String,
    pub command: String,
    /// A JSON object.
    pub args: serde_json::Value,
    pub locale: String,
    pub conversation_id: String,
}

/// A skill's answer.
#[derive(Debug, Clone)]
pub struct SkillReply {
    pub text: String,
    pub data: Option<serde_json::Value>,
}

/// Why a call did not produce a reply.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("no skill named {0:?} is loaded")]
    UnknownSkill(String),
    #[error("skill {skill:?} has no command {command:?}")]
    UnknownCommand { skill: String, command: String },
    /// The operator switched the skill off.
    #[error("{0}")]
    Disabled(String),
    /// Quarantined: it failed too often and is resting.
    #[error("{0}")]
    Unavailable(String),
    #[error("all {0} call slots of the skill stayed busy until the deadline")]
    Busy(u32),
    #[error("invalid arguments: {0}")]
    InvalidArgs(String),
    #[error("{0}")]
    Upstream(String),
    #[error("the skill failed: {0}")]
    Failed(String),
    #[error("the skill did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the skill ran out of its {0} MiB of memory")]
    Memory(u64),
    #[error("the skill crashed: {0}")]
    Trapped(String),
    #[error("the skill's reply is larger than {0} bytes")]
    ReplyTooLarge(u64),
}

impl InvokeError {
    /// The stable code the API reports for this error.
    pub fn code(&self) -> &'static str {
        match self {
            InvokeError::UnknownSkill(_) | InvokeError::UnknownCommand { .. } => "SKILL_NOT_FOUND",
            InvokeError::Disabled(_) => "SKILL_DISABLED",
            InvokeError::Unavailable(_) => "SKILL_UNAVAILABLE",
            InvokeError::Busy(_) => "SKILL_BUSY",
            InvokeError::InvalidArgs(_) => "SKILL_INVALID_ARGS",
            InvokeError::Upstream(_) => "SKILL_UPSTREAM",
            InvokeError::Failed(_) => "SKILL_FAILED",
            InvokeError::Timeout(_) => "SKILL_TIMEOUT",
            InvokeError::Memory(_) => "SKILL_MEMORY",
            InvokeError::Trapped(_) => "SKILL_TRAPPED",
            InvokeError::ReplyTooLarge(_) => "SKILL_REPLY_TOO_LARGE",
        }
    }

    /// Misbehaviour of the skill itself, as opposed to an error it chose to return.
    fn is_misbehaviour(&self) -> bool {
        matches!(
            self,
            InvokeError::Timeout(_)
                | InvokeError::Memory(_)
                | InvokeError::Trapped(_)
                | InvokeError::ReplyTooLarge(_)
        )
    }
}

/// Which export a call runs.
enum Export {
    Invoke(bindings::types::Call),
    Tick(i64),
}

/// The loaded skills and the engine that runs them.
pub struct Runtime {
    engine: Engine,
    linker: Linker<SkillState>,
    registry: RwLock<Registry>,
    config: Arc<Config>,
    store: Store,
    bus: Bus,
    /// What the folder scans know (start-up, the watcher, the reload endpoint, loads that
    /// end); the lock serialises them.
    folder: tokio::sync::Mutex<sync::Folder>,
    /// Load slots: how many files are compiled and checked at once.
    load_slots: tokio::sync::Semaphore,
    /// Files written to and not yet closed, as the watcher saw: a load of one of them that
    /// fails is taken to be early, not broken.
    writing: Arc<Mutex<std::collections::HashSet<PathBuf>>>,
    watcher: Mutex<Option<sync::Watcher>>,
    /// Set when the first scan of the skills folder has finished: every skill there at start-up
    /// is loaded or has failed.
    scanned: std::sync::atomic::AtomicBool,
}

/// The skills by name, and the files that provide none.
#[derive(Default)]
struct Registry {
    skills: BTreeMap<String, Arc<SkillEntry>>,
    files: BTreeMap<PathBuf, (SkillStatus, Option<String>)>,
    generation: u64,
}

impl Runtime {
    /// Builds the engine (pooling allocator where the machine allows it) and its linker, and
    /// starts the epoch ticker.
    pub fn new(config: Arc<Config>, store: Store, bus: Bus) -> anyhow::Result<Runtime> {
        let engine = build_engine(Some(&config.cache_dir))?;
        Runtime::with_engine(engine, config, store, bus)
    }

    fn with_engine(
        engine: Engine,
        config: Arc<Config>,
        store: Store,
        bus: Bus,
    ) -> anyhow::Result<Runtime> {
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(wasm_err)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker).map_err(wasm_err)?;
        bindings::bantz::skill::host::add_to_linker::<_, HasSelf<_>>(&mut linker, |s| s)
            .map_err(wasm_err)?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("bantz-epoch".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;
        let load_slots = tokio::sync::Semaphore::new(config.limits.max_concurrent_loads as usize);
        Ok(Runtime {
            engine,
            linker,
            registry: RwLock::default(),
            config,
            store,
            bus,
            folder: tokio::sync::Mutex::default(),
            load_slots,
            writing: Arc::default(),
            watcher: Mutex::default(),
            scanned: Default::default(),
        })
    }

    /// Runs one command in a fresh instance.
    pub async fn invoke(&self, invocation: &Invocation) -> Result<SkillReply, InvokeError> {
        let entry = self
            .entry(&invocation.skill)
            .ok_or_else(|| InvokeError::UnknownSkill(invocation.skill.clone()))?;
        let skill = entry.current();
        if skill.command(&invocation.command).is_none() {
            return Err(InvokeError::UnknownCommand {
                skill: invocation.skill.clone(),
                command: invocation.command.clone(),
            });
        }
        let call = bindings::types::Call {
            command: invocation.command.clone(),
            args: invocation.args.to_string(),
            locale: invocation.locale.clone(),
            conversation_id: invocation.conversation_id.clone(),
        };
        self.run(&entry, skill, Export::Invoke(call)).await
    }

    /// What running `invocation` would do, in the skill's own words in its locale: the
    /// skill's `describe` export (see wit/skill.wit), run in a fresh instance with the skill's
    /// grants, deadline and memory cap. None when the skill is not available, has no
    /// `describe`, answers none, or fails; the caller then phrases it itself. Not counted as an
    /// invocation.
    pub async fn describe(&self, invocation: &Invocation, kind: DescriptionKind) -> Option<String> {
        let entry = self.entry(&invocation.skill)?;
        if entry.unavailable().is_some() {
            return None;
        }
        let skill = entry.current();
        let index = skill.describe?;
        skill.command(&invocation.command)?;
        let call = bindings::types::Call {
            command: invocation.command.clone(),
            args: invocation.args.to_string(),
            locale: invocation.locale.clone(),
            conversation_id: invocation.conversation_id.clone(),
        };
        let ends =
            tokio::time::Instant::now() + Duration::from_millis(skill.grants.limits.timeout_ms);
        match self
            .call_describe(&skill.pre, &skill.grants, index, call, kind, ends)
            .await
        {
            Ok(text) => text,
            Err(e) => {
                tracing::warn!(skill = %skill.manifest.name, error = %e, "describe failed; the host phrases it instead");
                None
            }
        }
    }

    /// Asks a skill that is loading for a summary of each of its commands in Turkish and in
    /// English, all within one call deadline; a summary not given by then is left to the host.
    /// Fails only when `describe` has a type other than the WIT's.
    async fn summaries(
        &self,
        pre: &SkillPre<SkillState>,
        grants: &Grants,
        index: ComponentExportIndex,
        manifest: &Manifest,
    ) -> Result<BTreeMap<String, Summary>, String> {
        let ends = tokio::time::Instant::now() + Duration::from_millis(grants.limits.timeout_ms);
        let mut summaries = BTreeMap::new();
        for command in &manifest.commands {
            let mut summary = Summary::default();
            for locale in ["tr", "en"] {
                if tokio::time::Instant::now() >= ends {
                    break;
                }
                let call = bindings::types::Call {
                    command: command.name.clone(),
                    args: "{}".into(),
                    locale: locale.into(),
                    conversation_id: String::new(),
                };
                let text = match self
                    .call_describe(pre, grants, index, call, DescriptionKind::Summary, ends)
                    .await
                {
                    Ok(text) => text,
                    Err(InvokeError::Failed(e)) => return Err(e),
                    Err(e) => {
                        tracing::warn!(skill = %manifest.name, command = %command.name, error = %e, "describe failed at load");
                        None
                    }
                };
                match locale {
                    "tr" => summary.tr = text,
                    _ => summary.en = text,
                }
            }
            summaries.insert(command.name.clone(), summary);
        }
        Ok(summaries)
    }

    /// Runs `describe` once in a fresh instance, until `ends`. A `describe` of the wrong type
    /// is [`InvokeError::Failed`]; a description that is empty, spans lines or is too long
    /// counts as none.
    async fn call_describe(
        &self,
        pre: &SkillPre<SkillState>,
        grants: &Grants,
        index: ComponentExportIndex,
        call: bindings::types::Call,
        kind: DescriptionKind,
        ends: tokio::time::Instant,
    ) -> Result<Option<String>, InvokeError> {
        let limits = grants.limits.clone();
        let timeout = || InvokeError::Timeout(Duration::from_millis(limits.timeout_ms));
        let mut store = self.new_store(grants.clone());
        let instance =
            match tokio::time::timeout_at(ends, pre.instance_pre().instantiate_async(&mut store))
                .await
            {
                Ok(result) => result.map_err(|e| classify(&store, e, &limits))?,
                Err(_) => return Err(timeout()),
            };
        let describe = instance
            .get_typed_func::<(bindings::types::Call, DescriptionKind), (Option<String>,)>(
                &mut store, index,
            )
            .map_err(|e| {
                InvokeError::Failed(format!(
                    "the component exports a `describe` whose type is not the one in wit/skill.wit: {e:#}"
                ))
            })?;
        let (text,) = match tokio::time::timeout_at(
            ends,
            describe.call_async(&mut store, (call, kind)),
        )
        .await
        {
            Ok(result) => result.map_err(|e| classify(&store, e, &limits))?,
            Err(_) => return Err(timeout()),
        };
        Ok(text.map(|t| t.trim().to_owned()).filter(|t| {
            !t.is_empty() && !t.contains('\n') && t.chars().count() <= MAX_DESCRIPTION_CHARS
        }))
    }

    /// Calls `on-tick` of one skill (the scheduler's entry point).
    async fn tick(&self, entry: &SkillEntry, now_ms: i64) -> Result<SkillReply, InvokeError> {
        self.run(entry, entry.current(), Export::Tick(now_ms)).await
    }

    /// Runs an export with the skill's limits, and records the outcome.
    async fn run(
        &self,
        entry: &SkillEntry,
        skill: Arc<LoadedSkill>,
        export: Export,
    ) -> Result<SkillReply, InvokeError> {
        if let Some(reason) = entry.unavailable() {
            return Err(if entry.is_disabled() {
                InvokeError::Disabled(reason)
            } else {
                InvokeError::Unavailable(reason)
            });
        }
        let limits = &skill.grants.limits;
        let deadline = Duration::from_millis(limits.timeout_ms);
        let started = Instant::now();
        let tick = matches!(export, Export::Tick(_));
        let _permit = tokio::time::timeout(deadline, entry.slots.clone().acquire_owned())
            .await
            .map_err(|_| InvokeError::Busy(limits.max_concurrency))?
            .expect("call slots are never closed");
        let result = self
            .call(&skill, export, deadline.saturating_sub(started.elapsed()))
            .await;
        let outcome = match &result {
            Ok(_) => registry::Outcome::Ok,
            Err(e) if e.is_misbehaviour() => registry::Outcome::Misbehaved(
                e.code(),
                &e.to_string(),
                matches!(e, InvokeError::Timeout(_)),
            ),
            Err(e) => registry::Outcome::SkillError(e.code(), &e.to_string()),
        };
        let name = &skill.manifest.name;
        if let Err(e) = &result {
            tracing::warn!(skill = %name, code = e.code(), error = %e, "skill call failed");
        }
        if let Some(period) = entry.record(outcome, started.elapsed(), tick) {
            tracing::warn!(skill = %name, ?period, "skill quarantined after repeated failures");
            self.skill_event(
                name.clone(),
                "quarantined",
                Some(format!(
                    "for {} s after repeated failures",
                    period.as_secs_f32()
                )),
            );
        }
        result
    }

    async fn call(
        &self,
        skill: &LoadedSkill,
        export: Export,
        deadline: Duration,
    ) -> Result<SkillReply, InvokeError> {
        #[cfg(feature = "bench-native-clock")]
        if let Export::Invoke(call) = &export
            && skill.manifest.name == "clock"
            && call.command == "now"
        {
            return native::clock_now(&skill.grants, &call.locale);
        }
        let limits = &skill.grants.limits;
        let ends = tokio::time::Instant::now() + deadline;
        let (mut store, instance) = self
            .instantiate(&skill.pre, skill.grants.clone(), deadline)
            .await?;
        let call = async {
            match &export {
                Export::Invoke(call) => instance.call_invoke(&mut store, call).await,
                Export::Tick(now) => instance.call_on_tick(&mut store, *now).await.map(|r| {
                    r.map(|()| bindings::types::Reply {
                        text: String::new(),
                        data: None,
                    })
                }),
            }
        };
        let outcome = tokio::time::timeout_at(ends, call).await;
        let reply = match outcome {
            Err(_) => {
                return Err(InvokeError::Timeout(Duration::from_millis(
                    limits.timeout_ms,
                )));
            }
            Ok(Err(e)) => return Err(classify(&store, e, limits)),
            Ok(Ok(Err(skill_error))) => return Err(skill_error.into()),
            Ok(Ok(Ok(reply))) => reply,
        };
        if (reply.text.len() + reply.data.as_ref().map_or(0, String::len)) as u64
            > limits.max_reply_bytes
        {
            return Err(InvokeError::ReplyTooLarge(limits.max_reply_bytes));
        }
        let data = match reply.data {
            None => None,
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| {
                InvokeError::Failed(format!("the reply's data is not valid JSON: {e}"))
            })?),
        };
        Ok(SkillReply {
            text: reply.text,
            data,
        })
    }

    async fn instantiate(
        &self,
        pre: &SkillPre<SkillState>,
        grants: Grants,
        deadline: Duration,
    ) -> Result<(wasmtime::Store<SkillState>, Skill), InvokeError> {
        let limits = grants.limits.clone();
        let mut store = self.new_store(grants);
        let skill = match tokio::time::timeout(deadline, pre.instantiate_async(&mut store)).await {
            Ok(result) => result.map_err(|e| classify(&store, e, &limits))?,
            Err(_) => {
                return Err(InvokeError::Timeout(Duration::from_millis(
                    limits.timeout_ms,
                )));
            }
        };
        Ok((store, skill))
    }

    /// A store for one call, with the memory cap of `grants`.
    fn new_store(&self, grants: Grants) -> wasmtime::Store<SkillState> {
        let state = SkillState::new(grants, self.store.clone(), self.bus.clone());
        let mut store = wasmtime::Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        // Running wasm hands its thread back to tokio at every epoch tick, so a skill stuck in a
        // loop never holds a worker; the deadline itself is the `tokio::time::timeout` around
        // each call into the instance, which drops the instance when it fires.
        store.set_epoch_deadline(1);
        store.epoch_deadline_async_yield_and_update(1);
        store
    }

    /// The registry entry of the skill `name`.
    pub fn entry(&self, name: &str) -> Option<Arc<SkillEntry>> {
        self.registry.read().unwrap().skills.get(name).cloned()
    }

    /// The version of skill `name` serving now.
    pub fn skill(&self, name: &str) -> Option<Arc<LoadedSkill>> {
        self.entry(name).map(|e| e.current())
    }

    /// All loaded skills, by name (disabled and quarantined ones included).
    pub fn skills(&self) -> Vec<Arc<LoadedSkill>> {
        self.registry
            .read()
            .unwrap()
            .skills
            .values()
            .map(|e| e.current())
            .collect()
    }

    /// The skills that can take calls now.
    pub fn available_skills(&self) -> Vec<Arc<LoadedSkill>> {
        let registry = self.registry.read().unwrap();
        registry
            .skills
            .values()
            .filter(|e| e.unavailable().is_none())
            .map(|e| e.current())
            .collect()
    }

    /// Reports of every skill by name, then of the files that provide none.
    pub fn reports(&self) -> Vec<SkillReport> {
        let registry = self.registry.read().unwrap();
        let mut reports: Vec<SkillReport> = registry
            .skills
            .iter()
            .map(|(name, e)| e.report(name))
            .collect();
        reports.extend(registry.files.iter().map(|(path, (status, error))| {
            SkillReport::file(path.clone(), *status, error.clone())
        }));
        reports
    }

    /// The report of skill `name`.
    pub fn report(&self, name: &str) -> Option<SkillReport> {
        self.entry(name).map(|e| e.report(name))
    }

    /// How many skills are active, and how many files failed to load.
    pub fn counts(&self) -> (usize, usize) {
        let registry = self.registry.read().unwrap();
        let failed = registry
            .files
            .values()
            .filter(|(s, _)| *s == SkillStatus::Failed)
            .count();
        (registry.skills.len(), failed)
    }

    /// Whether the skills folder has been scanned once: until then, the skills list is not
    /// complete (what `GET /api/v1/ready` waits for).
    pub fn scanned(&self) -> bool {
        self.scanned.load(std::sync::atomic::Ordering::Acquire)
    }

    /// What skill `name` keeps in its kv store, and its quota: `(usage, max_bytes, max_keys)`.
    pub async fn kv_usage(
        &self,
        name: &str,
    ) -> Result<(crate::store::KvUsage, u64, u64), crate::store::StoreError> {
        let limits = self.config.limits_for(name);
        let usage = self.store.kv_usage(name).await?;
        Ok((usage, limits.kv_max_bytes, limits.kv_max_keys))
    }

    /// Changes whenever the set of loaded skills changes; lets callers cache what they derive.
    pub fn generation(&self) -> u64 {
        self.registry.read().unwrap().generation
    }

    /// Records a `system.skill.<what>` event about skill `name`.
    fn skill_event(&self, name: String, what: &str, detail: Option<String>) {
        let body = match detail {
            Some(detail) => format!("{name}: {detail}"),
            None => name.clone(),
        };
        self.bus.system(
            &format!("skill.{what}"),
            format!("skill {name} {what}"),
            body,
            Some(serde_json::json!({ "skill": name }).to_string()),
        );
    }

    /// Turns a skill off or on; the choice is kept across restarts.
    pub async fn set_disabled(
        &self,
        name: &str,
        disabled: bool,
    ) -> Result<SkillReport, InvokeError> {
        let entry = self
            .entry(name)
            .ok_or_else(|| InvokeError::UnknownSkill(name.to_owned()))?;
        self.store
            .set_skill_disabled(name, disabled)
            .await
            .map_err(|e| InvokeError::Failed(format!("could not save the change: {e}")))?;
        entry.set_disabled(disabled);
        self.registry.write().unwrap().generation += 1;
        self.skill_event(
            name.to_owned(),
            if disabled { "disabled" } else { "enabled" },
            None,
        );
        Ok(entry.report(name))
    }
}

impl From<bindings::types::SkillError> for InvokeError {
    fn from(e: bindings::types::SkillError) -> Self {
        use bindings::types::SkillError as E;
        match e {
            E::InvalidArgs(m) => InvokeError::InvalidArgs(m),
            E::UnknownCommand(m) => {
                InvokeError::Failed(format!("the skill does not know the command {m:?}"))
            }
            E::Upstream(m) => InvokeError::Upstream(m),
            E::Internal(m) => InvokeError::Failed(m),
        }
    }
}

fn build_engine(cache_dir: Option<&Path>) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(true);
    if let Some(cache_dir) = cache_dir {
        std::fs::create_dir_all(cache_dir).with_context(|| {
            format!(
                "cannot create the compile cache dir {}",
                cache_dir.display()
            )
        })?;
        let mut cache = wasmtime::CacheConfig::new();
        cache.with_directory(cache_dir);
        config.cache(Some(wasmtime::Cache::new(cache).map_err(wasm_err)?));
    }
    let mut pooling = wasmtime::PoolingAllocationConfig::default();
    pooling
        .total_component_instances(256)
        .total_memories(256)
        .total_tables(256)
        .max_memory_size(POOL_MAX_MEMORY_BYTES)
        // Every call instantiates afresh, so slots are reused all the time: reset what a call
        // touched with memset (only its dirty pages, where the kernel can tell) instead of
        // madvise, and so skip the page faults of the next call.
        .linear_memory_keep_resident(KEEP_RESIDENT_BYTES)
        .table_keep_resident(KEEP_RESIDENT_BYTES)
        .pagemap_scan(wasmtime::Enabled::Auto);
    let mut pooled = config.clone();
    pooled.allocation_strategy(wasmtime::InstanceAllocationStrategy::Pooling(pooling));
    match Engine::new(&pooled) {
        Ok(engine) => Ok(engine),
        Err(e) => {
            tracing::warn!(error = %e, "pooling allocator unavailable here; using on-demand allocation");
            Engine::new(&config).map_err(wasm_err)
        }
    }
}

/// Names the reason a call trapped, from the trap code and what the store saw.
fn classify(
    store: &wasmtime::Store<SkillState>,
    e: wasmtime::Error,
    limits: &crate::config::Limits,
) -> InvokeError {
    if store.data().limits.exceeded {
        return InvokeError::Memory(limits.memory_mb);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => InvokeError::Timeout(Duration::from_millis(limits.timeout_ms)),
        Some(Trap::StackOverflow) => {
            InvokeError::Trapped("stack overflow (recursion too deep)".into())
        }
        Some(trap) => InvokeError::Trapped(trap.to_string()),
        None => InvokeError::Trapped(format!("{e:#}")),
    }
}

fn wasm_err(e: wasmtime::Error) -> anyhow::Error {
    anyhow!("{e:#}")
}
