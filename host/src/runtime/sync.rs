//! Keeping the loaded skills in step with the skills folder: the scan at start-up, the
//! watcher (`notify`) that rescans on every change, and the reload endpoint.
//!
//! The watcher rescans at once when a file is finished: closed after writing, renamed into
//! place or removed; otherwise when the folder has been quiet for [`QUIET`]. A file that is
//! still open for writing is tried too (a writer may never close it), but if it does not load,
//! that counts as "still being written", not as a failure, until the writer closes it.
//!
//! A file is compiled and checked before it replaces anything, so a broken or half-copied file
//! leaves the old version serving; calls already running finish on the version they started with.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use anyhow::{Context, anyhow};
use sha2::{Digest, Sha256};
use wasmtime::component::{Component, ComponentExportIndex};

use super::bindings::SkillPre;
use super::capabilities::Grants;
use super::registry::{SkillEntry, SkillStatus};
use super::{LoadedSkill, Manifest, Runtime, build_engine};
use crate::store::now_ms;

/// How long the folder must be quiet before a change without a finishing event is rescanned.
const QUIET: Duration = Duration::from_millis(150);

/// What the last scan saw of each file: size and modification time.
pub(super) type Seen = BTreeMap<PathBuf, (u64, SystemTime)>;

/// The live folder watcher; dropping it stops watching.
pub(super) type Watcher = notify::RecommendedWatcher;

/// What a folder event says about the files it names.
enum Change {
    /// Finished: closed after writing, renamed into place, renamed away or removed.
    Finished,
    /// Data written into it by a writer that still has it open; its close will follow.
    Written,
    /// Changed in a way no close follows (created, e.g. by a hard link; metadata; or an event
    /// a backend does not detail): rescanned once the folder is quiet.
    Changed,
    /// Nothing that a rescan would see (e.g. a file read and closed, such as our own reads).
    Nothing,
}

fn change(kind: &notify::EventKind) -> Change {
    use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write))
        | EventKind::Modify(ModifyKind::Name(_))
        | EventKind::Remove(_) => Change::Finished,
        EventKind::Modify(ModifyKind::Data(_)) => Change::Written,
        EventKind::Create(_) | EventKind::Modify(_) | EventKind::Any | EventKind::Other => {
            Change::Changed
        }
        EventKind::Access(_) => Change::Nothing,
    }
}

/// What `bantz skills inspect` shows of a component file.
#[derive(Debug)]
pub struct Inspection {
    pub size: u64,
    pub sha256: String,
    /// The component's imports, e.g. `bantz:skill/host@0.1.0`.
    pub imports: Vec<String>,
    /// The manifest, or why it could not be read.
    pub manifest: Result<Manifest, String>,
}

impl Runtime {
    /// Brings the loaded skills in line with the folder: loads new and changed `.wasm` files,
    /// unloads the skills of removed ones. Files whose name starts with `.` are ignored, so a
    /// copy can be written under a hidden name and renamed into place.
    pub async fn sync_dir(&self) -> anyhow::Result<()> {
        self.sync_dir_with(&HashSet::new()).await
    }

    /// [`Runtime::sync_dir`], where a file in `writing` (still open for writing) that does not
    /// load is taken to be unfinished rather than broken.
    async fn sync_dir_with(&self, writing: &HashSet<PathBuf>) -> anyhow::Result<()> {
        let mut seen = self.sync_lock.lock().await;
        let dir = &self.config.skills_dir;
        let now = list_components(dir)?;
        let removed: Vec<PathBuf> = seen
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect();
        for path in removed {
            seen.remove(&path);
            self.unload_file(&path);
        }
        let mut compiled = false;
        for (path, stamp) in now {
            if seen.get(&path) == Some(&stamp) {
                continue;
            }
            compiled = true;
            self.mark_loading(&path);
            match self.load_file(&path, stamp).await {
                Ok(()) => {
                    seen.insert(path, stamp);
                }
                Err(LoadError::Invalid(error)) if !writing.contains(&path) => {
                    seen.insert(path.clone(), stamp);
                    self.record_failure(&path, error);
                }
                Err(_) => {
                    // Still being written: its next change (or its close) brings it back here.
                    seen.remove(&path);
                    self.clear_loading(&path);
                }
            }
        }
        self.scanned
            .store(true, std::sync::atomic::Ordering::Release);
        if compiled {
            release_freed_memory();
        }
        Ok(())
    }

    /// Starts watching the skills folder (creating it if needed); changes are applied within
    /// a moment, without a restart.
    pub fn watch(self: &Arc<Self>) -> anyhow::Result<()> {
        let dir = self.config.skills_dir.clone();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the skills dir {}", dir.display()))?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = tx.send(event);
        })
        .context("cannot start watching the skills dir")?;
        notify::Watcher::watch(&mut watcher, &dir, notify::RecursiveMode::NonRecursive)
            .with_context(|| format!("cannot watch {}", dir.display()))?;
        *self.watcher.lock().unwrap() = Some(watcher);
        let runtime = Arc::downgrade(self);
        tokio::spawn(async move {
            // Files written to and not yet finished, and when the folder counts as quiet.
            let mut writing = HashSet::new();
            let mut quiet_at = None;
            loop {
                let event = match quiet_at {
                    Some(at) => tokio::select! {
                        event = rx.recv() => event,
                        () = tokio::time::sleep_until(at) => {
                            quiet_at = None;
                            if !rescan(&runtime, &writing).await {
                                break;
                            }
                            continue;
                        }
                    },
                    None => rx.recv().await,
                };
                let Some(event) = event else { break };
                let mut finished = false;
                let queued = std::iter::from_fn(|| rx.try_recv().ok());
                for event in std::iter::once(event).chain(queued) {
                    let event: notify::Event = match event {
                        Ok(event) => event,
                        Err(error) => {
                            tracing::warn!(%error, "skills dir watcher reported an error; rescanning");
                            quiet_at = Some(tokio::time::Instant::now() + QUIET);
                            continue;
                        }
                    };
                    match change(&event.kind) {
                        Change::Finished => {
                            for path in &event.paths {
                                writing.remove(path);
                            }
                            finished = true;
                        }
                        Change::Written => {
                            writing.extend(event.paths);
                            quiet_at = Some(tokio::time::Instant::now() + QUIET);
                        }
                        Change::Changed => {
                            quiet_at = Some(tokio::time::Instant::now() + QUIET);
                        }
                        Change::Nothing => {}
                    }
                }
                if finished {
                    quiet_at = None;
                    if !rescan(&runtime, &writing).await {
                        break;
                    }
                }
            }
        });
        Ok(())
    }

    async fn load_file(&self, path: &Path, stamp: (u64, SystemTime)) -> Result<(), LoadError> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| LoadError::Invalid(format!("cannot read the file: {e}")))?;
        if stamp_of(path).ok() != Some(stamp) || bytes.len() as u64 != stamp.0 {
            return Err(LoadError::Changing);
        }
        let (pre, manifest, describe) = match self.compile(bytes.clone()).await {
            Ok(loaded) => loaded,
            // A file that is still being copied is not a component yet: wait for its next change.
            Err(_) if stamp_of(path).ok() != Some(stamp) => return Err(LoadError::Changing),
            Err(e) => return Err(LoadError::Invalid(format!("{e:#}"))),
        };
        let name = manifest.name.clone();
        let settings = self.config.skills.get(&name).cloned().unwrap_or_default();
        let grants = Grants::new(
            &name,
            &manifest.permissions,
            settings,
            self.config.limits_for(&name),
            &self.config.sandbox,
            self.config.timezone.name(),
        );
        let asked = std::time::Instant::now();
        let summaries = match describe {
            Some(index) => self
                .summaries(&pre, &grants, index, &manifest)
                .await
                .map_err(LoadError::Invalid)?,
            None => Default::default(),
        };
        let summaries_ms = asked.elapsed().as_millis() as u64;
        let skill = Arc::new(LoadedSkill {
            manifest,
            source: path.to_owned(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            loaded_at_ms: now_ms(),
            grants,
            pre,
            describe,
            summaries,
        });
        let disabled = self.store.skill_disabled(&name).await.unwrap_or(false);

        let mut registry = self.registry.write().unwrap();
        if let Some(entry) = registry.skills.get(&name) {
            let existing = entry.current();
            if existing.source != path && existing.source.exists() {
                return Err(LoadError::Invalid(format!(
                    "skill name {name:?} is already taken by {}; rename one of the skills",
                    existing.source.display()
                )));
            }
        }
        // The file may have provided a skill of another name before: that one is gone now.
        let renamed: Vec<String> = registry
            .skills
            .iter()
            .filter(|(n, e)| **n != name && e.current().source == path)
            .map(|(n, _)| n.clone())
            .collect();
        for old in renamed {
            registry.skills.remove(&old);
            self.skill_event(old, "unloaded", Some("replaced by another skill".into()));
        }
        registry.files.remove(path);
        let what = match registry.skills.get(&name) {
            Some(entry) => {
                entry.replace(skill.clone());
                "reloaded"
            }
            None => {
                registry.skills.insert(
                    name.clone(),
                    Arc::new(SkillEntry::new(skill.clone(), disabled)),
                );
                "loaded"
            }
        };
        registry.generation += 1;
        drop(registry);
        tracing::info!(
            skill = %name,
            version = %skill.manifest.version,
            file = %path.display(),
            describes = skill.describe.is_some(),
            summaries_ms,
            "skill {what}"
        );
        self.skill_event(
            name,
            "loaded",
            Some(format!(
                "{} from {}",
                skill.manifest.version,
                path.display()
            )),
        );
        Ok(())
    }

    /// Compiles a component, instantiates it once with no grants, and reads its manifest; also
    /// finds its `describe` export, which skills built for WIT 0.1.0 do not have.
    async fn compile(
        &self,
        bytes: Vec<u8>,
    ) -> anyhow::Result<(
        SkillPre<super::SkillState>,
        Manifest,
        Option<ComponentExportIndex>,
    )> {
        let engine = self.engine.clone();
        let component = tokio::task::spawn_blocking(move || Component::new(&engine, &bytes))
            .await?
            .map_err(|e| anyhow!("not a valid skill component: {e:#}"))?;
        let describe = component.get_export_index(None, "describe");
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(|e| anyhow!("the component needs imports Bantz does not provide: {e:#}"))?;
        let pre = SkillPre::new(pre)
            .map_err(|e| anyhow!("the component is not a bantz:skill world: {e:#}"))?;
        let (mut store, skill) = self
            .instantiate(&pre, Grants::none(), Duration::from_secs(10))
            .await
            .map_err(|e| anyhow!("instantiating failed: {e}"))?;
        let manifest = skill
            .call_manifest(&mut store)
            .await
            .map_err(|e| anyhow!("manifest() failed: {e:#}"))?;
        validate_manifest(&manifest)?;
        Ok((pre, manifest, describe))
    }

    fn unload_file(&self, path: &Path) {
        let mut registry = self.registry.write().unwrap();
        registry.files.remove(path);
        let names: Vec<String> = registry
            .skills
            .iter()
            .filter(|(_, e)| e.current().source == path)
            .map(|(n, _)| n.clone())
            .collect();
        for name in names {
            registry.skills.remove(&name);
            registry.generation += 1;
            tracing::info!(skill = %name, file = %path.display(), "skill unloaded: its file was removed");
            self.skill_event(
                name,
                "unloaded",
                Some(format!("{} was removed", path.display())),
            );
        }
    }

    fn serving(&self, path: &Path) -> Option<(String, Arc<SkillEntry>)> {
        let registry = self.registry.read().unwrap();
        registry
            .skills
            .iter()
            .find(|(_, e)| e.current().source == path)
            .map(|(n, e)| (n.clone(), e.clone()))
    }

    fn mark_loading(&self, path: &Path) {
        if self.serving(path).is_none() {
            self.registry
                .write()
                .unwrap()
                .files
                .insert(path.to_owned(), (SkillStatus::Loading, None));
        }
    }

    fn clear_loading(&self, path: &Path) {
        let mut registry = self.registry.write().unwrap();
        if registry
            .files
            .get(path)
            .is_some_and(|(s, _)| *s == SkillStatus::Loading)
        {
            registry.files.remove(path);
        }
    }

    /// A file that did not load: when it is the file of a serving skill, that version keeps
    /// serving and shows the error; otherwise the file is listed as failed.
    fn record_failure(&self, path: &Path, error: String) {
        tracing::error!(file = %path.display(), %error, "skill failed to load");
        let name = match self.serving(path) {
            Some((name, entry)) => {
                entry.set_reload_error(Some(error.clone()));
                name
            }
            None => {
                self.registry
                    .write()
                    .unwrap()
                    .files
                    .insert(path.to_owned(), (SkillStatus::Failed, Some(error.clone())));
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            }
        };
        self.skill_event(name, "failed", Some(error));
    }

    /// Reads a component file without a server: its size, hash, imports and manifest.
    pub async fn inspect(path: &Path) -> anyhow::Result<Inspection> {
        let bytes =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let engine = build_engine(None)?;
        let component = Component::new(&engine, &bytes)
            .map_err(|e| anyhow!("not a valid skill component: {e:#}"))?;
        let imports = component
            .component_type()
            .imports(&engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let store = crate::store::Store::open_in_memory().await?;
        let config = Arc::new(crate::config::Config::for_tools());
        let bus = crate::events::Bus::new(
            store.clone(),
            Default::default(),
            crate::config::DEFAULT_TIMEZONE,
        );
        let runtime = Runtime::with_engine(engine, config, store, bus)?;
        let manifest = runtime
            .compile(bytes.clone())
            .await
            .map(|(_, m, _)| m)
            .map_err(|e| format!("{e:#}"));
        Ok(Inspection {
            size: bytes.len() as u64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            imports,
            manifest,
        })
    }
}

/// Gives the memory a compile freed back to the system. Cranelift's working memory is freed
/// when a compile ends, but glibc keeps it in its arenas: without this an idle host that
/// compiled its skills holds some 20 MiB more than one that found them in the cache.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory; it is safe to call at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Rescans for the watcher; `false` once the runtime is gone.
async fn rescan(runtime: &std::sync::Weak<Runtime>, writing: &HashSet<PathBuf>) -> bool {
    let Some(runtime) = runtime.upgrade() else {
        return false;
    };
    if let Err(e) = runtime.sync_dir_with(writing).await {
        tracing::error!(error = %format!("{e:#}"), "rescanning the skills dir failed");
    }
    true
}

enum LoadError {
    /// The file changed while it was read.
    Changing,
    /// The file is not a usable skill.
    Invalid(String),
}

fn stamp_of(path: &Path) -> std::io::Result<(u64, SystemTime)> {
    let meta = std::fs::metadata(path)?;
    Ok((meta.len(), meta.modified()?))
}

/// The `.wasm` files in `dir` that are not hidden, with their stamps. A missing dir has none.
fn list_components(dir: &Path) -> anyhow::Result<BTreeMap<PathBuf, (u64, SystemTime)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    let mut files = BTreeMap::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if hidden || path.extension().is_none_or(|x| x != "wasm") {
            continue;
        }
        if let Ok(stamp) = stamp_of(&path) {
            files.insert(path, stamp);
        }
    }
    Ok(files)
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
    crate::intent_template::check_skill(m.intents.iter().flat_map(|i| {
        i.templates
            .iter()
            .map(|t| (i.command.as_str(), i.locale.as_str(), t.as_str()))
    }))
    .map_err(|e| anyhow!(e))
}
