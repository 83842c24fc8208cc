//! What a running skill can reach: the `bantz:skill/host` functions, WASI (with nothing granted)
//! and outbound HTTP. Every permission decision about a skill is made in this file.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

use super::bindings::bantz::skill::host;
use super::bindings::types::{HostError, LogLevel, Notification, Permissions};
use crate::config::{Limits, Sandbox, SkillSettings};
use crate::events::{Bus, NotifyError};
use crate::store::{KvQuota, KvRefusal, NewNotification, Store};

/// Largest kv key and value a skill may store.
const MAX_KV_KEY_BYTES: usize = 512;
const MAX_KV_VALUE_BYTES: usize = 1024 * 1024;
/// Largest outbound-HTTP response body a skill may receive.
const MAX_HTTP_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// Outbound-HTTP timeouts, unless the skill asks for shorter ones. They are well inside the
/// default call deadline (10 s), so a skill hears that a service hangs and can say so, instead
/// of being cut off itself.
const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
const HTTP_FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(5);
const HTTP_BETWEEN_BYTES_TIMEOUT: Duration = Duration::from_secs(5);

/// What the host grants one skill, fixed when the skill loads.
#[derive(Debug, Clone)]
pub struct Grants {
    pub skill: Arc<str>,
    pub notify: bool,
    /// Hosts (`name` or `name:port`) the manifest declares and the operator allows.
    pub outbound_hosts: Arc<BTreeSet<String>>,
    /// Hosts the manifest declares, lowercased, in its order: granted or not.
    pub requested_hosts: Arc<Vec<String>>,
    /// Loopback/private destinations the operator allows (`[sandbox] allow_private_hosts`).
    pub private_hosts: Arc<BTreeSet<String>>,
    pub settings: Arc<SkillSettings>,
    pub limits: Limits,
    /// The user's timezone, which `config-get("timezone")` answers when the skill's own section
    /// sets none.
    pub timezone: Arc<str>,
}

impl Grants {
    /// Grants for a manifest: notify as declared; outbound hosts that the manifest declares and
    /// the operator's `allow_hosts` (a list in `[skills.<name>]`) also names.
    pub fn new(
        skill: &str,
        permissions: &Permissions,
        settings: SkillSettings,
        limits: Limits,
        sandbox: &Sandbox,
        timezone: &str,
    ) -> Self {
        let allowed = settings.allow_hosts();
        let requested_hosts: Vec<String> = permissions
            .outbound_hosts
            .iter()
            .map(|h| h.to_ascii_lowercase())
            .collect();
        let outbound_hosts: BTreeSet<String> = requested_hosts
            .iter()
            .filter(|h| allowed.contains(h))
            .cloned()
            .collect();
        let ungranted = ungranted_hosts(&requested_hosts, &outbound_hosts);
        if !skill.is_empty() && !ungranted.is_empty() {
            tracing::info!(
                skill,
                hosts = ?ungranted,
                "the skill asks for outbound hosts that bantz.toml does not grant, so its requests \
                 to them will be denied; to grant them: {}",
                allow_hosts_line(skill, &requested_hosts)
            );
        }
        Grants {
            skill: skill.into(),
            notify: permissions.notify,
            outbound_hosts: Arc::new(outbound_hosts),
            requested_hosts: Arc::new(requested_hosts),
            private_hosts: Arc::new(
                sandbox
                    .allow_private_hosts
                    .iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect(),
            ),
            settings: Arc::new(settings),
            limits,
            timezone: timezone.into(),
        }
    }

    /// No grants at all, for calling `manifest()` before the skill's name is known, with the
    /// default `limits`.
    pub fn none(limits: Limits) -> Self {
        Grants::new(
            "",
            &Permissions {
                outbound_hosts: Vec::new(),
                notify: false,
                schedule: None,
            },
            SkillSettings::default(),
            limits,
            &Sandbox::default(),
            crate::config::DEFAULT_TIMEZONE.name(),
        )
    }
}

/// The hosts of `requested` that are not in `granted`, in the manifest's order.
pub fn ungranted_hosts(requested: &[String], granted: &BTreeSet<String>) -> Vec<String> {
    requested
        .iter()
        .filter(|h| !granted.contains(*h))
        .cloned()
        .collect()
}

/// The bantz.toml line, in its section, that grants skill `skill` the outbound `hosts`, e.g.
/// `[skills.weather] allow_hosts = ["api.open-meteo.com"]`.
pub fn allow_hosts_line(skill: &str, hosts: &[String]) -> String {
    let list: Vec<String> = hosts
        .iter()
        .map(|h| toml::Value::String(h.clone()).to_string())
        .collect();
    format!("[skills.{skill}] allow_hosts = [{}]", list.join(", "))
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
    log: LogBudget,
}

impl SkillState {
    pub fn new(grants: Grants, store: Store, bus: Bus) -> Self {
        let log = LogBudget {
            skill: grants.skill.clone(),
            used: Arc::new(AtomicUsize::new(0)),
            max: grants.limits.max_log_bytes as usize,
        };
        // No preopened dirs, env, args or sockets: a skill reaches the world only through
        // the host interface and the outbound-HTTP allowlist. Its stdout and stderr go to the
        // log, within the same budget as `host.log`.
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .stdout(LogStream {
                budget: log.clone(),
                stream: "stdout",
            })
            .stderr(LogStream {
                budget: log.clone(),
                stream: "stderr",
            })
            .build();
        SkillState {
            wasi,
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            outbound: Outbound {
                skill: grants.skill.clone(),
                allowed: grants.outbound_hosts.clone(),
                requested: grants.requested_hosts.clone(),
                private_allowed: grants.private_hosts.clone(),
            },
            limits: MemoryLimit {
                max_bytes: (grants.limits.memory_mb as usize).saturating_mul(1024 * 1024),
                exceeded: false,
            },
            grants,
            store,
            bus,
            log,
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

/// The log bytes one call may still write, shared by `host.log`, stdout and stderr.
#[derive(Clone)]
struct LogBudget {
    skill: Arc<str>,
    used: Arc<AtomicUsize>,
    max: usize,
}

impl LogBudget {
    /// Takes `bytes` from the budget; false once it is spent (the first time, says so in the log).
    fn take(&self, bytes: usize) -> bool {
        let before = self.used.fetch_add(bytes, Ordering::Relaxed);
        if before + bytes <= self.max {
            return true;
        }
        if before <= self.max {
            tracing::warn!(skill = %self.skill, "log limit of {} bytes per call reached; dropping the rest", self.max);
        }
        false
    }
}

/// A skill's stdout or stderr: lines go to the log, tagged with the skill; writes never fail,
/// so a chatty skill is trimmed, not crashed.
struct LogStream {
    budget: LogBudget,
    stream: &'static str,
}

impl wasmtime_wasi::cli::IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl wasmtime_wasi::cli::StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(LogWriter {
            budget: self.budget.clone(),
            stream: self.stream,
        })
    }
}

struct LogWriter {
    budget: LogBudget,
    stream: &'static str,
}

impl tokio::io::AsyncWrite for LogWriter {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.budget.take(buf.len()) {
            let text = String::from_utf8_lossy(buf);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                tracing::info!(skill = %self.budget.skill, stream = self.stream, "{line}");
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The outbound-HTTP policy: the one place a skill's request is let out or denied.
struct Outbound {
    skill: Arc<str>,
    allowed: Arc<BTreeSet<String>>,
    requested: Arc<Vec<String>>,
    private_allowed: Arc<BTreeSet<String>>,
}

impl Outbound {
    /// Logs a request to a host that is not granted, and says what would grant it: the
    /// operator's `allow_hosts` line when the manifest asks for the host, else nothing can.
    fn deny(&self, uri: &http::Uri) {
        let host = uri.host().unwrap_or_default().to_ascii_lowercase();
        let with_port = uri.port_u16().map(|p| format!("{host}:{p}"));
        let skill = &*self.skill;
        if self
            .requested
            .iter()
            .any(|h| *h == host || Some(h) == with_port.as_ref())
        {
            tracing::warn!(
                skill,
                %uri,
                "denied outbound request: bantz.toml does not grant the host; to grant it: {}",
                allow_hosts_line(skill, &self.requested)
            );
        } else {
            tracing::warn!(
                skill,
                %uri,
                "denied outbound request: the skill's manifest does not declare the host in \
                 permissions.outbound_hosts, so no configuration can grant it"
            );
        }
    }

    /// The request's host and port, if the host is granted to the skill.
    fn granted(&self, uri: &http::Uri) -> Option<(String, u16)> {
        let host = uri
            .host()?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        let granted =
            self.allowed.contains(&host) || self.allowed.contains(&format!("{host}:{port}"));
        granted.then_some((host, port))
    }
}

/// Loopback, private, shared, link-local and unspecified addresses: what a skill may not reach
/// unless the operator lists it in `[sandbox] allow_private_hosts`.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || (a == 100 && (b & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
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
        let Some((host, port)) = self.granted(request.uri()) else {
            self.deny(request.uri());
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        };
        let private_allowed = self.private_allowed.clone();
        let _ = fut;
        Box::new(async move {
            use http_body_util::BodyExt;
            // Where the name points now. A name that also resolves to a private address is
            // refused as a whole, so DNS cannot be used to reach the operator's network.
            let addresses: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|_| wasmtime_wasi_http::Error::DnsError {
                    rcode: None,
                    info_code: None,
                })?
                .map(|a| a.ip())
                .collect();
            if let Some(ip) = addresses.iter().find(|ip| is_private(**ip))
                && !private_allowed.contains(&host)
                && !private_allowed.contains(&ip.to_string())
            {
                tracing::warn!(%host, %ip, "denied outbound request to a private address");
                return Err(wasmtime_wasi_http::Error::DestinationIpProhibited);
            }
            let mut options = options.unwrap_or_default();
            options.connect_timeout.get_or_insert(HTTP_CONNECT_TIMEOUT);
            options
                .first_byte_timeout
                .get_or_insert(HTTP_FIRST_BYTE_TIMEOUT);
            options
                .between_bytes_timeout
                .get_or_insert(HTTP_BETWEEN_BYTES_TIMEOUT);
            let (response, io) =
                wasmtime_wasi_http::default_send_request(request, Some(options)).await?;
            let response = response.map(|body| {
                http_body_util::Limited::new(body, MAX_HTTP_RESPONSE_BYTES)
                    .map_err(|_| {
                        wasmtime_wasi_http::Error::HttpResponseBodySize(Some(
                            MAX_HTTP_RESPONSE_BYTES as u64,
                        ))
                    })
                    .boxed_unsync()
            });
            Ok((response, Box::new(io) as Box<dyn Future<Output = _> + Send>))
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

impl SkillState {
    /// Stores and publishes a notification (once per key, when there is one).
    async fn send(&mut self, key: Option<&str>, n: Notification) -> Result<u64, HostError> {
        if !self.grants.notify {
            return Err(HostError::Denied(
                "notify needs `permissions.notify` in the manifest".into(),
            ));
        }
        let source = format!("skill.{}", self.grants.skill);
        let new = NewNotification {
            source: &source,
            kind: &n.kind,
            title: &n.title,
            body: &n.body,
            data: n.data.as_deref(),
        };
        match self.bus.notify(&new, key).await {
            Ok((stored, _)) => Ok(stored.id as u64),
            Err(NotifyError::RateLimited(limit)) => Err(HostError::LimitExceeded(format!(
                "this skill may send {limit} notifications an hour; try again later"
            ))),
            Err(NotifyError::Store(e)) => Err(unavailable(e)),
        }
    }
}

impl host::Host for SkillState {
    async fn log(&mut self, level: LogLevel, message: String) {
        if !self.log.take(message.len()) {
            return;
        }
        let skill = &*self.grants.skill;
        match level {
            LogLevel::Trace => tracing::trace!(skill, "{message}"),
            LogLevel::Debug => tracing::debug!(skill, "{message}"),
            LogLevel::Info => tracing::info!(skill, "{message}"),
            LogLevel::Warn => tracing::warn!(skill, "{message}"),
            LogLevel::Error => tracing::error!(skill, "{message}"),
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
        let limits = &self.grants.limits;
        let quota = KvQuota {
            max_bytes: limits.kv_max_bytes,
            max_keys: limits.kv_max_keys,
            min_free_bytes: limits.min_free_disk_mb.saturating_mul(1024 * 1024),
        };
        match self
            .store
            .kv_set(&self.grants.skill, &key, &value, &quota)
            .await
        {
            Ok(()) => Ok(()),
            Err(KvRefusal::Limit(message)) => {
                tracing::warn!(skill = %self.grants.skill, %message, "kv write refused");
                Err(HostError::LimitExceeded(message))
            }
            Err(KvRefusal::Store(e)) => Err(unavailable(e)),
        }
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
        self.send(None, n).await
    }

    async fn notify_once(&mut self, key: String, n: Notification) -> Result<u64, HostError> {
        if key.is_empty() || key.len() > MAX_KV_KEY_BYTES {
            return Err(HostError::LimitExceeded(format!(
                "a notification key must have 1 to {MAX_KV_KEY_BYTES} bytes"
            )));
        }
        self.send(Some(&key), n).await
    }

    async fn config_get(&mut self, key: String) -> Option<String> {
        self.grants
            .settings
            .get(&key)
            .or_else(|| (key == "timezone").then(|| self.grants.timezone.to_string()))
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

#[cfg(test)]
mod tests {
    use super::is_private;

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["1.1.1.1", "93.184.216.34", "2606:4700::1111"] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
}
