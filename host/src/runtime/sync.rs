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

use std::collections::BTreeMap;
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

/// A file's stamp: its size, modification time and inode. The inode tells apart two files
/// renamed into place within one tick of the filesystem's clock, whose size and time agree.
pub(super) type Stamp = (u64, SystemTime, u64);

/// What the folder scans know, behind `Runtime::folder`.
#[derive(Default)]
pub(super) struct Folder {
    /// What the last finished load of each file saw (loaded or failed).
    seen: BTreeMap<PathBuf, Stamp>,
    /// The files being loaded now, with the stamp each load started from.
    loading: BTreeMap<PathBuf, Stamp>,
    /// Files a scan saw change while they were being loaded: rescanned when that load ends.
    changed: std::collections::BTreeSet<PathBuf>,
}

/// What one scan of the skills folder did: the loads it started, which run on their own, and
/// the files whose skills it unloaded.
pub struct Scan {
    pub started: Vec<PathBuf>,
    pub unloaded: Vec<PathBuf>,
    loads: Vec<tokio::task::JoinHandle<()>>,
}

impl Scan {
    /// Waits for the loads this scan started.
    pub async fn finished(self) {
        for load in self.loads {
            let _ = load.await;
        }
    }
}

impl Runtime {
    /// Brings the loaded skills in line with the folder, and waits for the loads that takes:
    /// loads new and changed `.wasm` files, unloads the skills of removed ones. Files whose
    /// name starts with `.` are ignored, so a copy can be written under a hidden name and
    /// renamed into place.
    pub async fn sync_dir(self: &Arc<Self>) -> anyhow::Result<()> {
        self.scan().await?.finished().await;
        self.scanned
            .store(true, std::sync::atomic::Ordering::Release);
        Ok(())
    }

    /// Starts bringing the loaded skills in line with the folder, and answers at once: each
    /// new or changed file is loaded by a task of its own, at most `max_concurrent_loads` at
    /// a time, so a slow or broken file never holds up another, nor the scan. A file already
    /// being loaded is not started again; when its load ends, it looks whether the file changed
    /// meanwhile and rescans if so.
    pub async fn scan(self: &Arc<Self>) -> anyhow::Result<Scan> {
        let mut folder = self.folder.lock().await;
        let dir = self.config.skills_dir.clone();
        let now = tokio::task::spawn_blocking(move || list_components(&dir)).await??;
        let mut scan = Scan {
            started: Vec::new(),
            unloaded: Vec::new(),
            loads: Vec::new(),
        };
        let removed: Vec<PathBuf> = folder
            .seen
            .keys()
            .filter(|p| !now.contains_key(*p))
            .cloned()
            .collect();
        for path in removed {
            folder.seen.remove(&path);
            self.unload_file(&path);
            scan.unloaded.push(path);
        }
        for (path, stamp) in now {
            if let Some(loading) = folder.loading.get(&path) {
                if *loading != stamp {
                    folder.changed.insert(path);
                }
                continue;
            }
            if folder.seen.get(&path) == Some(&stamp) {
                continue;
            }
            folder.loading.insert(path.clone(), stamp);
            self.mark_loading(&path);
            scan.loads.push(self.spawn_load(path.clone(), stamp));
            scan.started.push(path);
        }
        Ok(scan)
    }

    /// Loads one file in a task of its own, once a load slot is free.
    fn spawn_load(self: &Arc<Self>, path: PathBuf, stamp: Stamp) -> tokio::task::JoinHandle<()> {
        let runtime = self.clone();
        tokio::spawn(async move {
            let loaded = {
                let _slot = runtime.load_slots.acquire().await;
                tracing::debug!(file = %path.display(), "loading a skill file");
                runtime.load_file(&path, stamp).await
            };
            runtime.finish_load(&path, stamp, loaded).await;
        })
    }

    /// Applies the outcome of a load, unless the file changed (or went) while it ran: then
    /// the folder is scanned again, which loads the newer file.
    async fn finish_load(
        self: &Arc<Self>,
        path: &Path,
        stamp: Stamp,
        loaded: Result<Arc<LoadedSkill>, LoadError>,
    ) {
        let mut folder = self.folder.lock().await;
        folder.loading.remove(path);
        let changed = folder.changed.remove(path);
        let now = {
            let path = path.to_owned();
            tokio::task::spawn_blocking(move || stamp_of(&path).ok())
                .await
                .ok()
                .flatten()
        };
        let writing = self.writing.lock().unwrap().contains(path);
        match loaded {
            _ if now != Some(stamp) => {
                folder.seen.remove(path);
                self.clear_loading(path);
                // Its change came while it loaded, so that scan left it to this load.
                if changed {
                    let runtime = Arc::downgrade(self);
                    tokio::spawn(async move { rescan(&runtime).await });
                }
            }
            Ok(skill) => match self.install(path, skill).await {
                Ok(()) => {
                    folder.seen.insert(path.to_owned(), stamp);
                }
                Err(error) => {
                    folder.seen.insert(path.to_owned(), stamp);
                    self.record_failure(path, error);
                }
            },
            Err(LoadError::Unreadable(error)) => {
                folder.seen.insert(path.to_owned(), stamp);
                self.record_failure(path, error);
            }
            Err(LoadError::Invalid(error)) if !writing => {
                folder.seen.insert(path.to_owned(), stamp);
                self.record_failure(path, error);
            }
            Err(_) => {
                // Still being written: its next change (or its close) brings it back here.
                folder.seen.remove(path);
                self.clear_loading(path);
            }
        }
        if folder.loading.is_empty() {
            release_freed_memory();
        }
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
        let writing = self.writing.clone();
        tokio::spawn(async move {
            // When the folder counts as quiet.
            let mut quiet_at = None;
            loop {
                let event = match quiet_at {
                    Some(at) => tokio::select! {
                        event = rx.recv() => event,
                        () = tokio::time::sleep_until(at) => {
                            quiet_at = None;
                            if !rescan(&runtime).await {
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
                            let mut writing = writing.lock().unwrap();
                            for path in &event.paths {
                                writing.remove(path);
                            }
                            finished = true;
                        }
                        Change::Written => {
                            writing.lock().unwrap().extend(event.paths);
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
                    if !rescan(&runtime).await {
                        break;
                    }
                }
            }
        });
        Ok(())
    }

    /// Reads, compiles and checks one file, and asks its `describe` for summaries: a skill
    /// ready to serve, not yet installed.
    async fn load_file(&self, path: &Path, stamp: Stamp) -> Result<Arc<LoadedSkill>, LoadError> {
        let max = self.config.limits.max_skill_bytes;
        let bytes = {
            let path = path.to_owned();
            tokio::task::spawn_blocking(move || {
                let bytes = read_component(&path, max)?;
                // A file whose size changed is still being written; one that only says another
                // size than it has (a /proc file) is taken as read.
                if bytes.len() as u64 != stamp.0 && stamp_of(&path).ok() != Some(stamp) {
                    return Err(LoadError::Changing);
                }
                Ok(bytes)
            })
            .await
            .map_err(|e| LoadError::Invalid(format!("reading the file failed: {e}")))??
        };
        let (pre, manifest, describe) = match self.compile(bytes.clone()).await {
            Ok(loaded) => loaded,
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
        tracing::debug!(
            skill = %name,
            summaries_ms = asked.elapsed().as_millis() as u64,
            "asked the skill's describe for summaries"
        );
        Ok(Arc::new(LoadedSkill {
            manifest,
            source: path.to_owned(),
            sha256: hex::encode(Sha256::digest(&bytes)),
            size: bytes.len() as u64,
            loaded_at_ms: now_ms(),
            grants,
            pre,
            describe,
            summaries,
        }))
    }

    /// Serves a loaded skill: new, or replacing the version of the same name from the same
    /// file. Fails when another file provides a skill of that name.
    async fn install(&self, path: &Path, skill: Arc<LoadedSkill>) -> Result<(), String> {
        let name = skill.manifest.name.clone();
        let disabled = self.store.skill_disabled(&name).await.unwrap_or(false);

        let mut registry = self.registry.write().unwrap();
        if let Some(entry) = registry.skills.get(&name) {
            let existing = entry.current();
            if existing.source != path && existing.source.exists() {
                return Err(format!(
                    "skill name {name:?} is already taken by {}; rename one of the skills",
                    existing.source.display()
                ));
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
        // Instantiating and `manifest()` run under one deadline and the default memory cap,
        // like any call: a skill whose manifest never comes back fails instead of loading
        // for ever.
        let limits = self.config.limits.clone();
        let deadline = Duration::from_millis(limits.manifest_timeout_ms);
        let missed = || {
            anyhow!(
                "instantiating the component and calling manifest() did not finish within \
                 {deadline:?}, the deadline at load ([limits] manifest_timeout_ms)"
            )
        };
        let ends = tokio::time::Instant::now() + deadline;
        let mut store = self.new_store(Grants::none(limits.clone()));
        let skill = match tokio::time::timeout_at(ends, pre.instantiate_async(&mut store)).await {
            Ok(result) => result
                .map_err(|e| super::classify(&store, e, &limits))
                .map_err(|e| anyhow!("instantiating failed: {e}"))?,
            Err(_) => return Err(missed()),
        };
        let manifest = match tokio::time::timeout_at(ends, skill.call_manifest(&mut store)).await {
            Ok(result) => result
                .map_err(|e| super::classify(&store, e, &limits))
                .map_err(|e| anyhow!("manifest() failed: {e}"))?,
            Err(_) => return Err(missed()),
        };
        drop(store);
        validate_manifest(&manifest, &self.config.limits_for(&manifest.name))?;
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
        let bytes = read_component(path, crate::config::Limits::default().max_skill_bytes)
            .map_err(|e| match e {
                LoadError::Invalid(e) | LoadError::Unreadable(e) => {
                    anyhow!("cannot read {}: {e}", path.display())
                }
                LoadError::Changing => anyhow!("{} changed while it was read", path.display()),
            })?;
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

/// Rescans for the watcher and for loads that saw their file change; `false` once the
/// runtime is gone.
async fn rescan(runtime: &std::sync::Weak<Runtime>) -> bool {
    let Some(runtime) = runtime.upgrade() else {
        return false;
    };
    if let Err(e) = runtime.scan().await {
        tracing::error!(error = %format!("{e:#}"), "rescanning the skills dir failed");
    }
    true
}

enum LoadError {
    /// The file changed while it was read.
    Changing,
    /// The file is not a usable skill.
    Invalid(String),
    /// The file cannot be read as a skill at all (not a regular file, too large): failed at
    /// once, even while a writer has it open.
    Unreadable(String),
}

fn stamp_of(path: &Path) -> std::io::Result<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok((meta.len(), meta.modified()?, meta.ino()))
}

/// What a file that is not a regular file is, for the reason it is not loaded.
fn file_kind(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a named pipe (FIFO)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_char_device() {
        "a character device"
    } else if file_type.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

/// Reads a skill file, which may be anything someone put in the folder. Only a regular file
/// is read (a symlink is followed only to one); one over `max` bytes is refused, and the read
/// itself stops at `max`, whatever the file's size said. Blocking: run it off the async
/// workers.
fn read_component(path: &Path, max: u64) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let not_regular = |kind: &str| {
        LoadError::Unreadable(format!(
            "the file is {kind}, not a regular file; only regular files (or symlinks to one) \
             are loaded"
        ))
    };
    let too_large = |size: &str| {
        LoadError::Unreadable(format!(
            "the file has {size} bytes, over the limit of {max} bytes ([limits] max_skill_bytes)"
        ))
    };
    let meta = std::fs::metadata(path)
        .map_err(|e| LoadError::Invalid(format!("cannot read the file: {e}")))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(file_kind(meta.file_type())));
    }
    if meta.len() > max {
        return Err(too_large(&meta.len().to_string()));
    }
    // Non-blocking, so that a FIFO swapped in since the check above cannot hold the open;
    // what was opened is checked again.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| LoadError::Invalid(format!("cannot read the file: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| LoadError::Invalid(format!("cannot read the file: {e}")))?;
    if !meta.file_type().is_file() {
        return Err(not_regular(file_kind(meta.file_type())));
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Invalid(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(too_large(&format!("more than {max}")));
    }
    Ok(bytes)
}

/// The `.wasm` files in `dir` that are not hidden, with their stamps. A missing dir has none.
/// Only metadata is read here, never a file.
fn list_components(dir: &Path) -> anyhow::Result<BTreeMap<PathBuf, Stamp>> {
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

/// The bytes of all the text a manifest holds: what `[limits] max_manifest_bytes` counts.
fn manifest_bytes(m: &Manifest) -> u64 {
    let commands: usize = m
        .commands
        .iter()
        .map(|c| {
            c.name.len()
                + c.description.len()
                + c.args_schema.len()
                + c.examples.iter().map(String::len).sum::<usize>()
        })
        .sum();
    let intents: usize = m
        .intents
        .iter()
        .map(|i| {
            i.command.len()
                + i.locale.len()
                + i.templates.iter().map(String::len).sum::<usize>()
                + i.slots.iter().map(|s| s.name.len()).sum::<usize>()
        })
        .sum();
    let hosts: usize = m.permissions.outbound_hosts.iter().map(String::len).sum();
    (m.name.len() + m.version.len() + m.description.len() + commands + intents + hosts) as u64
}

/// Checks a manifest against the rules and against `limits` (the skill's own, once its name is
/// known); the error names the limit a manifest breaks.
fn validate_manifest(m: &Manifest, limits: &crate::config::Limits) -> anyhow::Result<()> {
    let bytes = manifest_bytes(m);
    anyhow::ensure!(
        bytes <= limits.max_manifest_bytes,
        "the manifest has {bytes} bytes of text, over the limit of {} (max_manifest_bytes)",
        limits.max_manifest_bytes
    );
    anyhow::ensure!(
        m.commands.len() <= limits.max_commands as usize,
        "the manifest declares {} commands, over the limit of {} (max_commands)",
        m.commands.len(),
        limits.max_commands
    );
    anyhow::ensure!(
        m.intents.len() <= limits.max_intents as usize,
        "the manifest declares {} intents, over the limit of {} (max_intents)",
        m.intents.len(),
        limits.max_intents
    );
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
    crate::intent_template::check_skill(
        m.intents.iter().flat_map(|i| {
            i.templates
                .iter()
                .map(|t| (i.command.as_str(), i.locale.as_str(), t.as_str()))
        }),
        limits.max_templates as usize,
    )
    .map_err(|e| anyhow!(e))
}
