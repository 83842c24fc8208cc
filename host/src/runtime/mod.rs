//! The wasm runtime: one wasmtime `Engine`, the skills loaded from the skills folder, and calls
//! into them. Every call gets a fresh `Store` and instance from a prepared `InstancePre`, a
//! deadline (epoch interruption) and a memory cap, so a call shares no guest state with another
//! and a misbehaving skill cannot take the host down.
//!
//! This module knows nothing of HTTP; it answers in [`Invocation`]s, [`SkillReply`]s and
//! [`InvokeError`]s.

mod bindings;
mod capabilities;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Engine, Trap};

pub use bindings::types::{Command, Intent, Manifest, Permissions, Slot, SlotKind};
use bindings::{Skill, SkillPre};
use capabilities::{Grants, SkillState};

use crate::config::Config;
use crate::events::{Bus, Event};
use crate::store::{Store, now_ms};

/// How often the epoch ticks; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Wall-clock budget of one call.
const CALL_DEADLINE: Duration = Duration::from_secs(10);
/// Linear-memory cap of one instance.
const MAX_MEMORY_BYTES: usize = 64 * 1024 * 1024;
/// Largest reply text plus data a skill may return.
const MAX_REPLY_BYTES: usize = 256 * 1024;

/// Where a skill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkillStatus {
    Active,
    Failed,
}

/// A skill that loaded: its manifest and what it takes to call it.
pub struct LoadedSkill {
    pub manifest: Manifest,
    pub source: PathBuf,
    pub sha256: String,
    pub size: u64,
    pub loaded_at_ms: i64,
    pub invocations: AtomicU64,
    pub errors: AtomicU64,
    grants: Grants,
    pre: SkillPre<SkillState>,
}

impl LoadedSkill {
    /// The command of this name, if the manifest declares one.
    pub fn command(&self, name: &str) -> Option<&Command> {
        self.manifest.commands.iter().find(|c| c.name == name)
    }
}

/// A `.wasm` file that did not load, and why.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    pub source: PathBuf,
    pub error: String,
    pub at_ms: i64,
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
    #[error("invalid arguments: {0}")]
    InvalidArgs(String),
    #[error("{0}")]
    Upstream(String),
    #[error("the skill failed: {0}")]
    Failed(String),
    #[error("the skill did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the skill ran out of its {0} bytes of memory")]
    Memory(usize),
    #[error("the skill crashed: {0}")]
    Trapped(String),
    #[error("the skill's reply is larger than {0} bytes")]
    ReplyTooLarge(usize),
}

/// The loaded skills and the engine that runs them.
pub struct Runtime {
    engine: Engine,
    linker: Linker<SkillState>,
    skills: RwLock<BTreeMap<String, Arc<LoadedSkill>>>,
    failures: RwLock<Vec<LoadFailure>>,
    generation: AtomicU64,
    config: Arc<Config>,
    store: Store,
    bus: Bus,
}

impl Runtime {
    /// Builds the engine (pooling allocator where the machine allows it) and its linker, and
    /// starts the epoch ticker.
    pub fn new(config: Arc<Config>, store: Store, bus: Bus) -> anyhow::Result<Runtime> {
        let engine = build_engine(&config.cache_dir)?;
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
        Ok(Runtime {
            engine,
            linker,
            skills: RwLock::default(),
            failures: RwLock::default(),
            generation: AtomicU64::new(0),
            config,
            store,
            bus,
        })
    }

    /// Loads every `.wasm` file in the skills dir. A file that fails is recorded, not fatal.
    pub async fn load_dir(&self) -> anyhow::Result<()> {
        let dir = &self.config.skills_dir;
        let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(dir = %dir.display(), "the skills dir does not exist; no skills are loaded");
                Vec::new()
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
        };
        files.sort();
        for file in files {
            match self.load_file(&file).await {
                Ok(skill) => {
                    tracing::info!(skill = %skill.manifest.name, version = %skill.manifest.version, file = %file.display(), "skill loaded");
                    self.bus.publish(Event::Skill {
                        name: skill.manifest.name.clone(),
                        what: "loaded",
                        detail: None,
                    });
                }
                Err(e) => {
                    let error = format!("{e:#}");
                    tracing::error!(file = %file.display(), %error, "skill failed to load");
                    self.failures.write().unwrap().push(LoadFailure {
                        source: file.clone(),
                        error,
                        at_ms: now_ms(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Compiles, instantiates once for the manifest, checks it, and registers the skill.
    async fn load_file(&self, path: &Path) -> anyhow::Result<Arc<LoadedSkill>> {
        let bytes = tokio::fs::read(path)
            .await
            .with_context(|| format!("cannot read {}", path.display()))?;
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let engine = self.engine.clone();
        let size = bytes.len() as u64;
        let component = tokio::task::spawn_blocking(move || Component::new(&engine, &bytes))
            .await?
            .map_err(|e| anyhow!("not a valid skill component: {e:#}"))?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| anyhow!("the component needs imports Bantz does not provide: {e:#}"))?;
        let pre = SkillPre::new(pre)
            .map_err(|e| anyhow!("the component is not a bantz:skill world: {e:#}"))?;

        // The manifest call runs with no grants at all.
        let probe = Grants::new("", &[], false, Default::default());
        let (mut store, skill) = self
            .instantiate(&pre, probe)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        let manifest = skill
            .call_manifest(&mut store)
            .await
            .map_err(|e| anyhow!("manifest() failed: {e:#}"))?;
        validate_manifest(&manifest)?;

        let name = manifest.name.clone();
        let settings = self.config.skills.get(&name).cloned().unwrap_or_default();
        let grants = Grants::new(
            &name,
            &manifest.permissions.outbound_hosts,
            manifest.permissions.notify,
            settings,
        );
        let loaded = Arc::new(LoadedSkill {
            manifest,
            source: path.to_owned(),
            sha256,
            size,
            loaded_at_ms: now_ms(),
            invocations: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            grants,
            pre,
        });
        let mut skills = self.skills.write().unwrap();
        if let Some(existing) = skills.get(&name)
            && existing.source != path
        {
            anyhow::bail!(
                "skill name {name:?} is already taken by {}; rename one of the skills",
                existing.source.display()
            );
        }
        skills.insert(name, loaded.clone());
        self.generation.fetch_add(1, Ordering::Release);
        Ok(loaded)
    }

    async fn instantiate(
        &self,
        pre: &SkillPre<SkillState>,
        grants: Grants,
    ) -> Result<(wasmtime::Store<SkillState>, Skill), InvokeError> {
        let state = SkillState::new(
            grants,
            self.store.clone(),
            self.bus.clone(),
            MAX_MEMORY_BYTES,
        );
        let mut store = wasmtime::Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limits);
        store.set_epoch_deadline(deadline_ticks());
        store.epoch_deadline_trap();
        let skill = pre
            .instantiate_async(&mut store)
            .await
            .map_err(|e| classify(&store, e))?;
        Ok((store, skill))
    }

    /// Runs one command in a fresh instance.
    pub async fn invoke(&self, invocation: &Invocation) -> Result<SkillReply, InvokeError> {
        let skill = self
            .skill(&invocation.skill)
            .ok_or_else(|| InvokeError::UnknownSkill(invocation.skill.clone()))?;
        if skill.command(&invocation.command).is_none() {
            return Err(InvokeError::UnknownCommand {
                skill: invocation.skill.clone(),
                command: invocation.command.clone(),
            });
        }
        skill.invocations.fetch_add(1, Ordering::Relaxed);
        let result = self.call(&skill, invocation).await;
        if result.is_err() {
            skill.errors.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    async fn call(
        &self,
        skill: &LoadedSkill,
        invocation: &Invocation,
    ) -> Result<SkillReply, InvokeError> {
        let started = Instant::now();
        let (mut store, instance) = self.instantiate(&skill.pre, skill.grants.clone()).await?;
        let call = bindings::types::Call {
            command: invocation.command.clone(),
            args: invocation.args.to_string(),
            locale: invocation.locale.clone(),
            conversation_id: invocation.conversation_id.clone(),
        };
        let outcome =
            tokio::time::timeout(CALL_DEADLINE, instance.call_invoke(&mut store, &call)).await;
        tracing::debug!(skill = %skill.manifest.name, command = %invocation.command, elapsed_ms = started.elapsed().as_millis() as u64, "skill call finished");
        let reply = match outcome {
            Err(_) => return Err(InvokeError::Timeout(CALL_DEADLINE)),
            Ok(Err(e)) => return Err(classify(&store, e)),
            Ok(Ok(Err(skill_error))) => return Err(skill_error.into()),
            Ok(Ok(Ok(reply))) => reply,
        };
        if reply.text.len() + reply.data.as_ref().map_or(0, String::len) > MAX_REPLY_BYTES {
            return Err(InvokeError::ReplyTooLarge(MAX_REPLY_BYTES));
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

    /// The loaded skill of this name.
    pub fn skill(&self, name: &str) -> Option<Arc<LoadedSkill>> {
        self.skills.read().unwrap().get(name).cloned()
    }

    /// All loaded skills, by name.
    pub fn skills(&self) -> Vec<Arc<LoadedSkill>> {
        self.skills.read().unwrap().values().cloned().collect()
    }

    /// Files that failed to load.
    pub fn failures(&self) -> Vec<LoadFailure> {
        self.failures.read().unwrap().clone()
    }

    /// Changes whenever the set of loaded skills changes; lets callers cache what they derive.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
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

fn build_engine(cache_dir: &Path) -> anyhow::Result<Engine> {
    let mut config = wasmtime::Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .memory_init_cow(true);
    std::fs::create_dir_all(cache_dir).with_context(|| {
        format!(
            "cannot create the compile cache dir {}",
            cache_dir.display()
        )
    })?;
    let mut cache = wasmtime::CacheConfig::new();
    cache.with_directory(cache_dir);
    config.cache(Some(wasmtime::Cache::new(cache).map_err(wasm_err)?));

    let mut pooling = wasmtime::PoolingAllocationConfig::default();
    pooling
        .total_component_instances(64)
        .total_memories(64)
        .total_tables(64)
        .max_memory_size(MAX_MEMORY_BYTES);
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

fn deadline_ticks() -> u64 {
    (CALL_DEADLINE.as_millis() / EPOCH_TICK.as_millis()) as u64
}

/// Names the reason a call trapped, from the trap code and what the store saw.
fn classify(store: &wasmtime::Store<SkillState>, e: wasmtime::Error) -> InvokeError {
    if store.data().limits.exceeded {
        return InvokeError::Memory(MAX_MEMORY_BYTES);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => InvokeError::Timeout(CALL_DEADLINE),
        Some(trap) => InvokeError::Trapped(trap.to_string()),
        None => InvokeError::Trapped(format!("{e:#}")),
    }
}

fn validate_manifest(m: &Manifest) -> anyhow::Result<()> {
    let valid_name = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    anyhow::ensure!(
        valid_name(&m.name),
        "skill name {:?} must be 1-64 lowercase letters, digits or '-'",
        m.name
    );
    for c in &m.commands {
        anyhow::ensure!(
            valid_name(&c.name),
            "command name {:?} must be 1-64 lowercase letters, digits or '-'",
            c.name
        );
        if !c.args_schema.is_empty() {
            serde_json::from_str::<serde_json::Value>(&c.args_schema).with_context(|| {
                format!("command {:?} has an args-schema that is not JSON", c.name)
            })?;
        }
    }
    for i in &m.intents {
        anyhow::ensure!(
            m.commands.iter().any(|c| c.name == i.command),
            "an intent names the command {:?}, which the manifest does not declare",
            i.command
        );
    }
    Ok(())
}

fn wasm_err(e: wasmtime::Error) -> anyhow::Error {
    anyhow!("{e:#}")
}
