//! What a running skill can reach: the `bantz:skill/host` functions, WASI (with nothing granted)
//! and outbound HTTP. Every permission decision about a skill is made in this file.

use std::collections::BTreeSet;
use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::bindings::bantz::skill::host;
use super::bindings::types::{HostError, LogLevel, Notification};
use crate::config::SkillSettings;
use crate::events::{Bus, Event};
use crate::store::Store;

/// Largest kv key and value a skill may store.
const MAX_KV_KEY_BYTES: usize = 512;
const MAX_KV_VALUE_BYTES: usize = 1024 * 1024;
/// Log bytes a single call may write before further lines are dropped.
const MAX_LOG_BYTES_PER_CALL: usize = 64 * 1024;

/// What the host grants one skill, fixed when the skill loads.
#[derive(Debug, Clone)]
pub struct Grants {
    pub skill: Arc<str>,
    pub notify: bool,
    /// Hosts (`name` or `name:port`) the manifest declares and the operator allows.
    pub outbound_hosts: Arc<BTreeSet<String>>,
    pub settings: Arc<SkillSettings>,
}

impl Grants {
    /// Grants for a manifest: notify as declared; outbound hosts that the manifest declares and
    /// the operator's `allow_hosts` (a list in `[skills.<name>]`) also names.
    pub fn new(
        skill: &str,
        declared_hosts: &[String],
        notify: bool,
        settings: SkillSettings,
    ) -> Self {
        let allowed: BTreeSet<String> = match settings.values.get("allow_hosts") {
            Some(toml::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                .collect(),
            _ => BTreeSet::new(),
        };
        let outbound_hosts = declared_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .filter(|h| allowed.contains(h))
            .collect();
        Grants {
            skill: skill.into(),
            notify,
            outbound_hosts: Arc::new(outbound_hosts),
            settings: Arc::new(settings),
        }
    }
}

/// The state of one store: one call of one skill.
pub struct SkillState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    outbound: Outbound,
    pub(super) limits: MemoryLimit,
    grants: Grants,
    store: Store,
    bus: Bus,
    log_bytes: usize,
}

impl SkillState {
    pub fn new(grants: Grants, store: Store, bus: Bus, max_memory_bytes: usize) -> Self {
        // No preopened dirs, env, args or sockets: a skill reaches the world only through
        // the host interface and the outbound-HTTP allowlist.
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        SkillState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            outbound: Outbound {
                allowed: grants.outbound_hosts.clone(),
            },
            limits: MemoryLimit {
                max_bytes: max_memory_bytes,
                exceeded: false,
            },
            grants,
            store,
            bus,
            log_bytes: 0,
        }
    }
}

impl WasiView for SkillState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for SkillState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outbound,
        }
    }
}

/// The outbound-HTTP allowlist: the one place a skill's request is let out or denied.
struct Outbound {
    allowed: Arc<BTreeSet<String>>,
}

impl Outbound {
    fn allows(&self, uri: &http::Uri) -> bool {
        let Some(host) = uri.host() else { return false };
        let host = host.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        self.allowed.contains(&host) || self.allowed.contains(&format!("{host}:{port}"))
    }
}

impl WasiHttpHooks for Outbound {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = wasmtime_wasi_http::Result<(
                    http::Response<wasmtime_wasi_http::WasiBody>,
                    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                )>,
            > + Send,
    > {
        if !self.allows(request.uri()) {
            tracing::warn!(uri = %request.uri(), "denied outbound request: host not granted");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

/// A memory cap that remembers whether a skill hit it, so the caller can tell an
/// out-of-memory trap from any other.
pub struct MemoryLimit {
    max_bytes: usize,
    pub(super) exceeded: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimit {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let ok = desired <= self.max_bytes;
        self.exceeded |= !ok;
        Ok(ok)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

impl super::bindings::types::Host for SkillState {}

impl host::Host for SkillState {
    async fn log(&mut self, level: LogLevel, message: String) {
        if self.log_bytes >= MAX_LOG_BYTES_PER_CALL {
            return;
        }
        self.log_bytes += message.len();
        let skill = &*self.grants.skill;
        match level {
            LogLevel::Trace => tracing::trace!(skill, "{message}"),
            LogLevel::Debug => tracing::debug!(skill, "{message}"),
            LogLevel::Info => tracing::info!(skill, "{message}"),
            LogLevel::Warn => tracing::warn!(skill, "{message}"),
            LogLevel::Error => tracing::error!(skill, "{message}"),
        }
        if self.log_bytes >= MAX_LOG_BYTES_PER_CALL {
            tracing::warn!(
                skill,
                "log limit of {MAX_LOG_BYTES_PER_CALL} bytes per call reached; dropping further lines"
            );
        }
    }

    async fn kv_get(&mut self, key: String) -> Result<Option<Vec<u8>>, HostError> {
        check_key(&key)?;
        self.store
            .kv_get(&self.grants.skill, &key)
            .await
            .map_err(unavailable)
    }

    async fn kv_set(&mut self, key: String, value: Vec<u8>) -> Result<(), HostError> {
        check_key(&key)?;
        if value.len() > MAX_KV_VALUE_BYTES {
            return Err(HostError::LimitExceeded(format!(
                "a kv value may hold at most {MAX_KV_VALUE_BYTES} bytes; this one has {}",
                value.len()
            )));
        }
        self.store
            .kv_set(&self.grants.skill, &key, &value)
            .await
            .map_err(unavailable)
    }

    async fn kv_delete(&mut self, key: String) -> Result<(), HostError> {
        check_key(&key)?;
        self.store
            .kv_delete(&self.grants.skill, &key)
            .await
            .map_err(unavailable)
    }

    async fn kv_keys(&mut self, prefix: String) -> Result<Vec<String>, HostError> {
        self.store
            .kv_keys(&self.grants.skill, &prefix)
            .await
            .map_err(unavailable)
    }

    async fn notify(&mut self, n: Notification) -> Result<u64, HostError> {
        if !self.grants.notify {
            return Err(HostError::Denied(
                "notify needs `permissions.notify` in the manifest".into(),
            ));
        }
        let source = format!("skill.{}", self.grants.skill);
        let stored = self
            .store
            .insert_notification(&source, &n.kind, &n.title, &n.body, n.data.as_deref())
            .await
            .map_err(unavailable)?;
        let id = stored.id as u64;
        self.bus.publish(Event::Notification(stored));
        Ok(id)
    }

    async fn config_get(&mut self, key: String) -> Option<String> {
        self.grants.settings.get(&key)
    }
}

fn check_key(key: &str) -> Result<(), HostError> {
    if key.is_empty() || key.len() > MAX_KV_KEY_BYTES {
        return Err(HostError::LimitExceeded(format!(
            "a kv key must have 1 to {MAX_KV_KEY_BYTES} bytes"
        )));
    }
    Ok(())
}

fn unavailable(e: crate::store::StoreError) -> HostError {
    tracing::error!(error = %e, "store failure in a host capability");
    HostError::Unavailable("the host's store failed; try again".into())
}
