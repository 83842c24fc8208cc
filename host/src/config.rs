//! The one configuration of a running host: command-line flags, environment and `bantz.toml`,
//! resolved once at start-up into [`Config`]. Nothing else reads flags, env or the config file.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};

mod document;
mod effective;

pub use document::ConfigErrors;
use document::Document;

/// Default TCP port.
pub const DEFAULT_PORT: u16 = 8088;
/// Environment variable that carries the API token.
pub const TOKEN_ENV: &str = "BANTZ_API_TOKEN";
/// The timezone when bantz.toml names none.
pub const DEFAULT_TIMEZONE: chrono_tz::Tz = chrono_tz::Europe::Istanbul;
/// Name of the generated token file inside the data dir.
pub const TOKEN_FILE: &str = "api-token";

/// Everything a running host needs to know.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    /// A Unix socket to serve the same API on, besides TCP (`--socket`); its file mode (0600)
    /// is its only lock, so requests on it need no token.
    pub socket: Option<PathBuf>,
    /// Folder of `.wasm` skills.
    pub skills_dir: PathBuf,
    /// Folder of the SQLite database and the generated token.
    pub data_dir: PathBuf,
    /// Folder of compiled skills, keyed by content hash.
    pub cache_dir: PathBuf,
    /// The bearer token every protected endpoint requires.
    pub token: ApiToken,
    /// Per-skill settings from `[skills.<name>]`.
    pub skills: BTreeMap<String, SkillSettings>,
    /// Default limits for every skill, from `[limits]`.
    pub limits: Limits,
    /// Sandbox-wide settings, from `[sandbox]`.
    pub sandbox: Sandbox,
    /// The optional LLM tiers, from `[llm.fast]` and `[llm.quality]`.
    pub llm: LlmTiers,
    /// `[notifications]`: quiet hours and the per-skill rate limit.
    pub notifications: NotificationSettings,
    /// `[briefing]`: when the morning briefing is sent, and in which language.
    pub briefing: BriefingSettings,
    /// `[http]`: cross-origin access, request size and time limits, client addresses.
    pub http: HttpSettings,
    /// `[rate_limits]`: requests per minute by class of route.
    pub rate_limits: RateLimits,
    /// `[server]`: the shutdown grace period.
    pub server: ServerSettings,
    /// The user's timezone (`timezone = "Europe/Istanbul"` at the top of bantz.toml): what
    /// "today" and "at 5" mean when the brain reads dates and times.
    pub timezone: chrono_tz::Tz,
    /// `[channels.telegram]` and `[channels.whatsapp]`: the messengers Bantz answers on.
    pub channels: ChannelSettings,
}

/// `[llm]`: the optional LLM tiers. Neither is required; the rules answer alone without them.
#[derive(Debug, Clone, Default)]
pub struct LlmTiers {
    /// `[llm.fast]`, asked first.
    pub fast: Option<LlmTier>,
    /// `[llm.quality]`, asked when `fast` is absent or fails.
    pub quality: Option<LlmTier>,
}

/// One LLM tier: an OpenAI-compatible chat-completions endpoint and a model on it.
#[derive(Debug, Clone)]
pub struct LlmTier {
    /// The API root, without a trailing slash; requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    pub model: String,
    /// Read at start-up from the environment variable `api_key_env` names.
    pub api_key: Option<LlmApiKey>,
    /// How long to wait for the answer to start, and then for each next piece of it.
    pub timeout: Duration,
    /// Retries after a connection error, a 429 or a 5xx.
    pub max_retries: u32,
    /// Replaces the built-in system prompt.
    pub system_prompt: Option<String>,
}

/// An LLM provider's API key; never printed.
#[derive(Clone)]
pub struct LlmApiKey(String);

impl LlmApiKey {
    /// The key itself, for the `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for LlmApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LlmApiKey(<redacted>)")
    }
}

/// The limits one skill runs under. `[limits]` sets the defaults; the same keys in
/// `[skills.<name>]` override them for one skill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock deadline of one call.
    pub timeout_ms: u64,
    /// Linear-memory cap of one instance.
    pub memory_mb: u64,
    /// Calls of one skill that may run at once; more wait for a slot until their deadline.
    pub max_concurrency: u32,
    /// Largest reply (text plus data).
    pub max_reply_bytes: u64,
    /// Log bytes (host log, stdout and stderr together) one call may write; the rest is dropped.
    pub max_log_bytes: u64,
    /// Failures in a row (traps, timeouts, memory) that put a skill in quarantine.
    pub quarantine_after: u32,
    /// First quarantine period; it doubles with every quarantine in a row, up to an hour.
    pub quarantine_ms: u64,
    /// Largest manifest, counting the bytes of all its text (names, descriptions, examples,
    /// schemas, templates).
    pub max_manifest_bytes: u64,
    /// Most commands a manifest may declare.
    pub max_commands: u32,
    /// Most intents a manifest may declare.
    pub max_intents: u32,
    /// Most intent templates a manifest may declare, over all its intents.
    pub max_templates: u32,
    /// Most bytes (keys plus values) a skill may keep in its kv store.
    pub kv_max_bytes: u64,
    /// Most keys a skill may keep in its kv store.
    pub kv_max_keys: u64,
    /// `[limits]` only: largest skill file read; a larger one is `failed` without being read.
    pub max_skill_bytes: u64,
    /// `[limits]` only: deadline of instantiating a skill and calling its `manifest()` at load.
    pub manifest_timeout_ms: u64,
    /// `[limits]` only: skill files compiled and checked at once; more wait for a turn.
    pub max_concurrent_loads: u32,
    /// `[limits]` only: below this many MiB free on the data dir's filesystem, skills' kv
    /// writes are refused, so that the host's own writes (chat turns) still fit.
    pub min_free_disk_mb: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout_ms: 10_000,
            memory_mb: 64,
            max_concurrency: 16,
            max_reply_bytes: 256 * 1024,
            max_log_bytes: 64 * 1024,
            quarantine_after: 5,
            quarantine_ms: 30_000,
            max_manifest_bytes: 1024 * 1024,
            max_commands: 256,
            max_intents: 1024,
            max_templates: crate::intent_template::MAX_SKILL_TEMPLATES as u32,
            kv_max_bytes: 64 * 1024 * 1024,
            kv_max_keys: 100_000,
            max_skill_bytes: 64 * 1024 * 1024,
            manifest_timeout_ms: 3_000,
            max_concurrent_loads: 4,
            min_free_disk_mb: 256,
        }
    }
}

/// Keys of `[skills.<name>]` that the host reads as limits or grants rather than passing on.
const LIMIT_KEYS: &[&str] = &[
    "timeout_ms",
    "memory_mb",
    "max_concurrency",
    "max_reply_bytes",
    "max_log_bytes",
    "quarantine_after",
    "quarantine_ms",
    "max_manifest_bytes",
    "max_commands",
    "max_intents",
    "max_templates",
    "kv_max_bytes",
    "kv_max_keys",
];

/// Keys of `[limits]` that apply to the host as a whole, not to one skill: a skill's file is
/// read, and its `manifest()` called, before its name (and so its section) is known.
const HOST_LIMIT_KEYS: &[&str] = &[
    "max_skill_bytes",
    "manifest_timeout_ms",
    "max_concurrent_loads",
    "min_free_disk_mb",
];

/// `[briefing]` as written in bantz.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BriefingFile {
    time: Option<String>,
    locale: Option<String>,
}

/// The morning briefing: sent as a notification every day at `time` (local), when set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BriefingSettings {
    pub time: Option<chrono::NaiveTime>,
    /// `tr` (default) or `en`.
    pub locale: &'static str,
}

impl BriefingFile {
    fn resolve(&self) -> anyhow::Result<BriefingSettings> {
        let time = match &self.time {
            None => None,
            Some(t) => Some(
                chrono::NaiveTime::parse_from_str(t, "%H:%M")
                    .or_else(|_| chrono::NaiveTime::parse_from_str(t, "%H:%M:%S"))
                    .map_err(|_| anyhow::anyhow!("time = {t:?} must look like \"07:30\""))?,
            ),
        };
        let locale = match self.locale.as_deref() {
            None | Some("tr") => "tr",
            Some("en") => "en",
            Some(other) => anyhow::bail!("locale = {other:?} must be \"tr\" or \"en\""),
        };
        Ok(BriefingSettings { time, locale })
    }
}

/// `[notifications]` as written in bantz.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct NotificationFile {
    quiet_hours: Option<String>,
    max_per_skill_per_hour: Option<u32>,
}

/// How notifications are delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationSettings {
    /// Local minutes of the day `[start, end)` (may wrap past midnight) during which
    /// notifications are delivered silently; from `quiet_hours = "22:00-07:00"`.
    pub quiet_hours: Option<(u32, u32)>,
    /// Notifications one skill may send per hour; 0 means no limit. Default 60.
    pub max_per_skill_per_hour: u32,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        NotificationSettings {
            quiet_hours: None,
            max_per_skill_per_hour: 60,
        }
    }
}

impl NotificationFile {
    fn resolve(&self) -> anyhow::Result<NotificationSettings> {
        let quiet_hours = match &self.quiet_hours {
            None => None,
            Some(text) => {
                let minutes = |hm: &str| -> Option<u32> {
                    let (h, m) = hm.trim().split_once(':')?;
                    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
                    (h < 24 && m < 60).then_some(h * 60 + m)
                };
                let parsed = text
                    .split_once('-')
                    .and_then(|(a, b)| Some((minutes(a)?, minutes(b)?)));
                Some(parsed.ok_or_else(|| {
                    anyhow::anyhow!("quiet_hours = {text:?} must look like \"22:00-07:00\"")
                })?)
            }
        };
        Ok(NotificationSettings {
            quiet_hours,
            max_per_skill_per_hour: self.max_per_skill_per_hour.unwrap_or(60),
        })
    }
}

/// `[server]`: how the server runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// After SIGTERM or SIGINT, the process ends within this many seconds whatever is still
    /// running (requests, skill calls, loads, ticks); a second signal ends it at once.
    pub shutdown_grace_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            shutdown_grace_secs: 10,
        }
    }
}

/// `[sandbox]`: what every skill's sandbox allows.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Sandbox {
    /// Loopback, private and link-local destinations are blocked for outbound HTTP unless their
    /// host name or address is listed here (e.g. `"127.0.0.1"` in tests).
    pub allow_private_hosts: Vec<String>,
}

/// `[http]`: what the HTTP server lets through.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Origins whose web pages may call the API, e.g. `["https://app.example"]`. None by
    /// default: browsers get no cross-origin access.
    pub cors_origins: Vec<String>,
    /// Largest request body; a larger one gets 413, whether or not it says its length.
    pub max_body_bytes: usize,
    /// Most headers a request may have (431 beyond).
    pub max_headers: usize,
    /// Largest total size of a request's header names and values (431 beyond).
    pub max_header_bytes: usize,
    /// Longest time from a request's arrival to its response: a slow client or a stuck answer
    /// gets 504. Event streams and WebSockets are bound only until they start.
    pub request_timeout_ms: u64,
    /// Take the client's address from `X-Forwarded-For` (its last entry, the one the proxy
    /// added) instead of the connection. Only behind a reverse proxy that sets it.
    pub trust_forwarded: bool,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            cors_origins: Vec::new(),
            max_body_bytes: 1024 * 1024,
            max_headers: 64,
            max_header_bytes: 16 * 1024,
            request_timeout_ms: 60_000,
            trust_forwarded: false,
        }
    }
}

impl HttpSettings {
    fn check(&self) -> anyhow::Result<()> {
        for origin in &self.cors_origins {
            let url = reqwest::Url::parse(origin).ok();
            let is_origin = url.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.path() == "/"
                    && !origin.ends_with('/')
                    && u.query().is_none()
                    && u.username().is_empty()
            });
            anyhow::ensure!(
                is_origin,
                "cors_origins: {origin:?} is not an origin; write scheme, host and port only, \
                 e.g. \"https://app.example\" or \"http://localhost:5173\""
            );
        }
        anyhow::ensure!(self.max_body_bytes > 0, "max_body_bytes must be positive");
        // hyper itself refuses more than 100 headers, without our error envelope.
        anyhow::ensure!(
            (1..=100).contains(&self.max_headers),
            "max_headers must be from 1 to 100"
        );
        anyhow::ensure!(
            self.max_header_bytes >= 1024,
            "max_header_bytes must be at least 1024"
        );
        anyhow::ensure!(
            (1..=3_600_000).contains(&self.request_timeout_ms),
            "request_timeout_ms must be from 1 to 3600000"
        );
        Ok(())
    }
}

/// `[rate_limits]`: requests per minute in each class of routes, counted per client (its token,
/// or its address when it sends none) and per address. `0` turns a class's limit off.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    /// `/api/v1/chat*` and `/ws/chat`.
    pub chat: u32,
    /// `/api/v1/commands*`.
    pub commands: u32,
    /// Every other API request (the reads, and small writes such as marking a notification
    /// read). Health, readiness, metrics and the docs are never limited.
    pub reads: u32,
    /// `/api/v1/pair/*`.
    pub pairing: u32,
    /// One address may send this many times a class's limit, over all its clients; `0` turns
    /// the per-address limit off.
    pub per_ip_multiplier: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            chat: 300,
            commands: 600,
            reads: 1200,
            pairing: 20,
            per_ip_multiplier: 4,
        }
    }
}

impl Config {
    /// The limits of the skill `name`: `[limits]` overridden by `[skills.<name>]`.
    pub fn limits_for(&self, name: &str) -> Limits {
        self.skills
            .get(name)
            .and_then(|s| s.limits.clone())
            .unwrap_or_else(|| self.limits.clone())
    }
}

/// The API token and where it came from (never the token itself in logs).
#[derive(Clone)]
pub struct ApiToken {
    pub secret: String,
    pub source: TokenSource,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Where the API token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    Env,
    File(PathBuf),
    Generated(PathBuf),
    /// None yet, and `bantz config check` generates none: `bantz serve` will, into this file.
    Missing(PathBuf),
}

/// A skill's section of `bantz.toml`: values the skill reads with `config-get`, plus the keys
/// the host itself reads (`allow_hosts` and the limit keys of [`Limits`]).
#[derive(Debug, Clone, Default)]
pub struct SkillSettings {
    pub values: BTreeMap<String, toml::Value>,
    /// The limits with this section's overrides applied; set by [`Config::load`].
    pub limits: Option<Limits>,
}

impl SkillSettings {
    /// The operator's outbound-HTTP allowlist for this skill (`allow_hosts`), lowercased.
    pub fn allow_hosts(&self) -> Vec<String> {
        match self.values.get("allow_hosts") {
            Some(toml::Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                .collect(),
            _ => Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for SkillSettings {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let values = BTreeMap::<String, toml::Value>::deserialize(d)?;
        Ok(SkillSettings {
            values,
            limits: None,
        })
    }
}

impl SkillSettings {
    /// The value of `key` as the string a skill sees: strings as they are, other scalars
    /// printed as TOML.
    pub fn get(&self, key: &str) -> Option<String> {
        self.values.get(key).map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }
}

/// The shape of `bantz.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    skills: BTreeMap<String, SkillSettings>,
    #[serde(default)]
    limits: Limits,
    #[serde(default)]
    sandbox: Sandbox,
    #[serde(default)]
    llm: LlmFile,
    timezone: Option<String>,
    #[serde(default)]
    notifications: NotificationFile,
    #[serde(default)]
    briefing: BriefingFile,
    #[serde(default)]
    http: HttpSettings,
    #[serde(default)]
    rate_limits: RateLimits,
    #[serde(default)]
    server: ServerSettings,
    #[serde(default)]
    channels: ChannelsFile,
}

/// The shape of `[llm]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmFile {
    fast: Option<LlmTierFile>,
    quality: Option<LlmTierFile>,
}

/// The shape of `[llm.fast]` and `[llm.quality]`; checked by [`llm_tier`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LlmTierFile {
    base_url: Option<String>,
    model: Option<String>,
    api_key_env: Option<String>,
    timeout_ms: Option<u64>,
    max_retries: Option<u32>,
    system_prompt: Option<String>,
}

/// What the command line says; `None` means "use the default".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub host: Option<IpAddr>,
    pub port: Option<u16>,
    pub skills_dir: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub cache_dir: Option<PathBuf>,
    pub config_file: Option<PathBuf>,
    pub socket: Option<PathBuf>,
}

impl Config {
    /// Resolves the configuration and makes sure the data dir exists. When no token is set
    /// anywhere, one is generated and stored in the data dir with mode 0600. The error lists
    /// every problem found, each with its line in bantz.toml or the variable that caused it.
    pub fn load(o: Overrides) -> anyhow::Result<Config> {
        Config::resolve(o, std::env::vars(), true)
    }

    /// What [`load`](Config::load) would make of the configuration, touching nothing on disk:
    /// for `bantz config check`. Also returns the config file's path.
    pub fn check(o: Overrides) -> anyhow::Result<(Config, PathBuf)> {
        let config_file = config_file_path(&o)?;
        Ok((Config::resolve(o, std::env::vars(), false)?, config_file))
    }

    fn resolve(
        o: Overrides,
        env: impl Iterator<Item = (String, String)>,
        write: bool,
    ) -> anyhow::Result<Config> {
        let config_file = config_file_path(&o)?;
        let data_dir = absolute(o.data_dir.unwrap_or_else(default_data_dir))?;
        if write {
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("cannot create the data dir {}", data_dir.display()))?;
        }
        let skills_dir = absolute(o.skills_dir.unwrap_or_else(|| data_dir.join("skills")))?;
        let cache_dir = absolute(o.cache_dir.unwrap_or_else(|| data_dir.join("cache")))?;
        let socket = o.socket.map(absolute).transpose()?;
        if write {
            write_first_start_file(&config_file);
        }
        let mut doc = Document::read(&config_file, env)?;
        let mut file = std::mem::take(&mut doc.values);
        if let Err(e) = skill_limits(&file.limits, &SkillSettings::default())
            .and_then(|_| host_limits(&file.limits))
        {
            doc.problem(&["limits"], e);
        }
        if !(1..=3600).contains(&file.server.shutdown_grace_secs) {
            doc.problem(
                &["server", "shutdown_grace_secs"],
                "shutdown_grace_secs must be from 1 to 3600",
            );
        }
        for (name, settings) in &mut file.skills {
            match skill_limits(&file.limits, settings) {
                Ok(limits) => settings.limits = Some(limits),
                Err(e) => doc.problem(&["skills", name], e),
            }
            if let Some(key) = HOST_LIMIT_KEYS
                .iter()
                .copied()
                .find(|k| settings.values.contains_key(*k))
            {
                doc.problem(
                    &["skills", name, key],
                    format!("{key} applies to every skill: set it in [limits]"),
                );
            }
            if let Some(v) = settings.values.get("allow_hosts")
                && !v.as_array().is_some_and(|a| a.iter().all(|h| h.is_str()))
            {
                doc.problem(
                    &["skills", name, "allow_hosts"],
                    "allow_hosts must be a list of host names",
                );
            }
        }
        let llm = LlmTiers {
            fast: file
                .llm
                .fast
                .take()
                .and_then(|t| doc.ok(&["llm", "fast"], llm_tier("fast", t))),
            quality: file
                .llm
                .quality
                .take()
                .and_then(|t| doc.ok(&["llm", "quality"], llm_tier("quality", t))),
        };
        doc.ok(&["http"], file.http.check());
        let briefing = doc
            .ok(&["briefing"], file.briefing.resolve())
            .unwrap_or_default();
        let notifications = doc
            .ok(&["notifications"], file.notifications.resolve())
            .unwrap_or_default();
        let timezone = match &file.timezone {
            None => DEFAULT_TIMEZONE,
            Some(name) => doc
                .ok(
                    &["timezone"],
                    name.parse().map_err(|_| {
                        anyhow::anyhow!(
                            "{name:?} is not an IANA timezone name such as \"Europe/Istanbul\""
                        )
                    }),
                )
                .unwrap_or(DEFAULT_TIMEZONE),
        };
        let channels = ChannelSettings {
            telegram: file
                .channels
                .telegram
                .take()
                .and_then(|t| doc.ok(&["channels", "telegram"], t.resolve())),
            whatsapp: file
                .channels
                .whatsapp
                .take()
                .and_then(|w| doc.ok(&["channels", "whatsapp"], w.resolve())),
        };
        doc.finish()?;
        let token = resolve_token(&data_dir, write)?;
        Ok(Config {
            host: o.host.unwrap_or(IpAddr::from([127, 0, 0, 1])),
            port: o.port.unwrap_or(DEFAULT_PORT),
            socket,
            skills_dir,
            data_dir,
            cache_dir,
            token,
            skills: file.skills,
            limits: file.limits,
            sandbox: file.sandbox,
            llm,
            http: file.http,
            rate_limits: file.rate_limits,
            server: file.server,
            briefing,
            notifications,
            timezone,
            channels,
        })
    }

    /// A configuration for tools that run a skill without a server: defaults, nothing on disk.
    pub fn for_tools() -> Config {
        Config {
            host: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            socket: None,
            skills_dir: PathBuf::new(),
            data_dir: PathBuf::new(),
            cache_dir: PathBuf::new(),
            token: ApiToken {
                secret: String::new(),
                source: TokenSource::Env,
            },
            skills: BTreeMap::new(),
            limits: Limits::default(),
            sandbox: Sandbox::default(),
            llm: LlmTiers::default(),
            timezone: DEFAULT_TIMEZONE,
            notifications: NotificationSettings::default(),
            briefing: BriefingSettings::default(),
            http: HttpSettings::default(),
            rate_limits: RateLimits::default(),
            server: ServerSettings::default(),
            channels: ChannelSettings::default(),
        }
    }

    /// Path of the SQLite database.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join("bantz.db")
    }
}

/// What a first start writes to bantz.toml: comments on how grants work, and the grants of
/// the first-party weather skill. Every other skill stays without any.
pub const FIRST_START_FILE: &str = include_str!("config/first-start.toml");

/// Writes [`FIRST_START_FILE`] to `path` when there is no file there; never overwrites one.
/// A file that cannot be written is only logged: the host runs on the defaults then.
fn write_first_start_file(path: &Path) {
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .and_then(|mut file| std::io::Write::write_all(&mut file, FIRST_START_FILE.as_bytes()));
    match created {
        Ok(()) => tracing::info!(
            path = %path.display(),
            "first start: wrote a commented bantz.toml that lets the weather skill reach Open-Meteo"
        ),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot write a first bantz.toml; running on the defaults")
        }
    }
}

/// A credential from bantz.toml or the environment; never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(secret: impl Into<String>) -> Secret {
        Secret(secret.into())
    }

    /// The secret itself, for the one place that sends or compares it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// The messengers Bantz answers on; each is off unless its section is present.
#[derive(Debug, Clone, Default)]
pub struct ChannelSettings {
    pub telegram: Option<TelegramSettings>,
    pub whatsapp: Option<WhatsAppSettings>,
}

/// How Telegram's updates reach Bantz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TelegramMode {
    /// Bantz asks with `getUpdates` (long polling): works behind NAT, needs no public URL.
    Polling,
    /// Telegram posts to `POST /api/v1/channels/telegram/webhook`; needs a public HTTPS URL.
    Webhook,
}

impl TelegramMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TelegramMode::Polling => "polling",
            TelegramMode::Webhook => "webhook",
        }
    }
}

/// `[channels.telegram]`, checked.
#[derive(Debug, Clone)]
pub struct TelegramSettings {
    /// The token @BotFather gave.
    pub bot_token: Secret,
    /// The Bot API root without a trailing slash; requests go to `{api_base}/bot{token}/{method}`.
    pub api_base: String,
    pub mode: TelegramMode,
    /// What Telegram sends as `X-Telegram-Bot-Api-Secret-Token`; required in webhook mode.
    pub webhook_secret: Option<Secret>,
}

/// `[channels.whatsapp]`, checked.
#[derive(Debug, Clone)]
pub struct WhatsAppSettings {
    /// The Graph API bearer token that sends messages.
    pub access_token: Secret,
    /// The Meta app's secret, the key of every webhook's `X-Hub-Signature-256`.
    pub app_secret: Secret,
    /// What the verification handshake must present as `hub.verify_token`.
    pub verify_token: Secret,
    /// The business number's id in the Graph API.
    pub phone_number_id: String,
    /// The only senders served, as digits with the country code (`905321234567`).
    pub allowed_numbers: Vec<String>,
    /// The Graph API root without a trailing slash, e.g. `https://graph.facebook.com`.
    pub api_base: String,
}

/// The shape of `[channels]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelsFile {
    telegram: Option<TelegramFile>,
    whatsapp: Option<WhatsAppFile>,
}

/// The shape of `[channels.telegram]`; checked by [`TelegramFile::resolve`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TelegramFile {
    bot_token: Option<String>,
    api_base: Option<String>,
    mode: Option<String>,
    webhook_secret: Option<String>,
}

/// The shape of `[channels.whatsapp]`; checked by [`WhatsAppFile::resolve`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhatsAppFile {
    access_token: Option<String>,
    app_secret: Option<String>,
    verify_token: Option<String>,
    phone_number_id: Option<String>,
    #[serde(default)]
    allowed_numbers: Vec<String>,
    api_base: Option<String>,
}

/// A required secret of a channel section, trimmed.
fn channel_secret(
    value: Option<String>,
    section: &str,
    key: &str,
    hint: &str,
) -> anyhow::Result<Secret> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_owned())),
        _ => bail!("[{section}] needs {key} ({hint})"),
    }
}

/// An API root: an http(s) URL without credentials, query or trailing slash.
fn api_base(value: Option<String>, default: &str, section: &str) -> anyhow::Result<String> {
    let base = value.unwrap_or_else(|| default.to_owned());
    let base = base.trim().trim_end_matches('/').to_owned();
    match reqwest::Url::parse(&base) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host().is_some()
                && url.username().is_empty()
                && url.password().is_none()
                && url.query().is_none() =>
        {
            Ok(base)
        }
        _ => bail!(
            "[{section}] api_base {base:?} must be an http:// or https:// URL without credentials or query, e.g. {default:?}"
        ),
    }
}

impl TelegramFile {
    fn resolve(self) -> anyhow::Result<TelegramSettings> {
        let section = "channels.telegram";
        let bot_token = channel_secret(
            self.bot_token,
            section,
            "bot_token",
            "the token @BotFather gave; or set BANTZ_CHANNELS__TELEGRAM__BOT_TOKEN",
        )?;
        anyhow::ensure!(
            !bot_token.0.contains(['/', '?', '#', ' ']),
            "[{section}] bot_token must look like \"123456:ABC-DEF…\", as @BotFather gives it"
        );
        let api_base = api_base(self.api_base, "https://api.telegram.org", section)?;
        let mode = match self.mode.as_deref().map(str::trim) {
            None | Some("polling") => TelegramMode::Polling,
            Some("webhook") => TelegramMode::Webhook,
            Some(other) => bail!("[{section}] mode = {other:?} must be \"polling\" or \"webhook\""),
        };
        let webhook_secret = match self.webhook_secret {
            Some(s) if !s.trim().is_empty() => {
                let s = s.trim();
                // What Telegram allows as secret_token in setWebhook.
                anyhow::ensure!(
                    s.len() <= 256
                        && s.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                    "[{section}] webhook_secret must be 1 to 256 characters of A-Z, a-z, 0-9, _ and -"
                );
                Some(Secret(s.to_owned()))
            }
            _ => None,
        };
        if mode == TelegramMode::Webhook && webhook_secret.is_none() {
            bail!(
                "[{section}] mode = \"webhook\" needs webhook_secret, the secret_token given to setWebhook, so that only Telegram can post updates"
            );
        }
        Ok(TelegramSettings {
            bot_token,
            api_base,
            mode,
            webhook_secret,
        })
    }
}

impl WhatsAppFile {
    fn resolve(self) -> anyhow::Result<WhatsAppSettings> {
        let section = "channels.whatsapp";
        let access_token = channel_secret(
            self.access_token,
            section,
            "access_token",
            "the Graph API token that sends messages; or set BANTZ_CHANNELS__WHATSAPP__ACCESS_TOKEN",
        )?;
        let app_secret = channel_secret(
            self.app_secret,
            section,
            "app_secret",
            "the Meta app's secret that signs webhooks; or set BANTZ_CHANNELS__WHATSAPP__APP_SECRET",
        )?;
        let verify_token = channel_secret(
            self.verify_token,
            section,
            "verify_token",
            "any string, typed again as the Verify Token in the app's webhook settings",
        )?;
        let phone_number_id = match self.phone_number_id {
            Some(id) if !id.trim().is_empty() && id.trim().bytes().all(|b| b.is_ascii_digit()) => {
                id.trim().to_owned()
            }
            _ => bail!(
                "[{section}] needs phone_number_id, the digits of the business number's id in the Graph API"
            ),
        };
        let mut allowed_numbers = Vec::new();
        for number in &self.allowed_numbers {
            let digits: String = number
                .chars()
                .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
                .collect();
            anyhow::ensure!(
                (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()),
                "[{section}] allowed_numbers: {number:?} is not a phone number with its country code, e.g. \"+90 532 123 45 67\""
            );
            allowed_numbers.push(digits);
        }
        if allowed_numbers.is_empty() {
            bail!(
                "[{section}] needs allowed_numbers, the numbers Bantz answers (with the country code); it serves no one else"
            );
        }
        Ok(WhatsAppSettings {
            access_token,
            app_secret,
            verify_token,
            phone_number_id,
            allowed_numbers,
            api_base: api_base(self.api_base, "https://graph.facebook.com", section)?,
        })
    }
}

/// `defaults` with the limit keys of one skill's section applied.
fn skill_limits(defaults: &Limits, settings: &SkillSettings) -> anyhow::Result<Limits> {
    let mut table = toml::Table::try_from(defaults.clone())?;
    for key in LIMIT_KEYS {
        if let Some(value) = settings.values.get(*key) {
            table.insert((*key).to_owned(), value.clone());
        }
    }
    let limits: Limits = table.try_into()?;
    anyhow::ensure!(limits.timeout_ms > 0, "timeout_ms must be positive");
    anyhow::ensure!(
        (1..=1024).contains(&limits.memory_mb),
        "memory_mb must be from 1 to 1024"
    );
    anyhow::ensure!(
        limits.max_concurrency > 0,
        "max_concurrency must be positive"
    );
    anyhow::ensure!(
        limits.quarantine_after > 0,
        "quarantine_after must be positive"
    );
    anyhow::ensure!(
        limits.max_manifest_bytes >= 1024,
        "max_manifest_bytes must be at least 1024"
    );
    anyhow::ensure!(
        limits.max_commands > 0 && limits.max_intents > 0 && limits.max_templates > 0,
        "max_commands, max_intents and max_templates must be positive"
    );
    anyhow::ensure!(
        limits.kv_max_bytes > 0 && limits.kv_max_keys > 0,
        "kv_max_bytes and kv_max_keys must be positive"
    );
    Ok(limits)
}

/// Checks the `[limits]` keys that apply to the host as a whole.
fn host_limits(limits: &Limits) -> anyhow::Result<()> {
    anyhow::ensure!(
        limits.max_skill_bytes >= 1024,
        "max_skill_bytes must be at least 1024"
    );
    anyhow::ensure!(
        (1..=600_000).contains(&limits.manifest_timeout_ms),
        "manifest_timeout_ms must be from 1 to 600000"
    );
    anyhow::ensure!(
        (1..=64).contains(&limits.max_concurrent_loads),
        "max_concurrent_loads must be from 1 to 64"
    );
    Ok(())
}

/// Checks one `[llm.<tier>]` section and reads its API key from the environment.
fn llm_tier(tier: &str, file: LlmTierFile) -> anyhow::Result<LlmTier> {
    let at = format!("[llm.{tier}]");
    let Some(base_url) = file.base_url else {
        bail!(
            "{at} needs base_url, the root of an OpenAI-compatible API, e.g. \"http://127.0.0.1:8000/v1\""
        );
    };
    let base_url = base_url.trim().trim_end_matches('/').to_owned();
    match reqwest::Url::parse(&base_url) {
        // Health shows base_url to anyone, so no secret may ride in it.
        Ok(url)
            if !url.username().is_empty() || url.password().is_some() || url.query().is_some() =>
        {
            bail!(
                "{at}: base_url must not carry credentials or a query; put the key in the environment variable api_key_env names"
            )
        }
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => bail!(
            "{at}: base_url {base_url:?} must be an http:// or https:// URL, e.g. \"http://127.0.0.1:8000/v1\""
        ),
    }
    let model = match file.model {
        Some(m) if !m.trim().is_empty() => m.trim().to_owned(),
        _ => {
            bail!("{at} needs model, the model's name on that server, e.g. \"qwen2.5-7b-instruct\"")
        }
    };
    let api_key = match file.api_key_env {
        None => None,
        Some(name) if name.trim().is_empty() => {
            bail!("{at}: api_key_env must name an environment variable, e.g. \"OPENAI_API_KEY\"")
        }
        Some(name) => match std::env::var(name.trim()) {
            Ok(key) if !key.trim().is_empty() => Some(LlmApiKey(key.trim().to_owned())),
            _ => bail!(
                "{at}: api_key_env names {name}, which is not set or empty: set it, or remove api_key_env if the server needs no key"
            ),
        },
    };
    let timeout_ms = file.timeout_ms.unwrap_or(20_000);
    if !(1..=600_000).contains(&timeout_ms) {
        bail!("{at}: timeout_ms must be from 1 to 600000, not {timeout_ms}");
    }
    let max_retries = file.max_retries.unwrap_or(2);
    if max_retries > 10 {
        bail!("{at}: max_retries must be at most 10, not {max_retries}");
    }
    if file
        .system_prompt
        .as_ref()
        .is_some_and(|p| p.trim().is_empty())
    {
        bail!("{at}: system_prompt must not be empty; remove it to use the built-in one");
    }
    Ok(LlmTier {
        base_url,
        model,
        api_key,
        timeout: Duration::from_millis(timeout_ms),
        max_retries,
        system_prompt: file.system_prompt,
    })
}

/// Paths are made absolute once, here, so that nothing later depends on the working directory.
fn absolute(path: PathBuf) -> anyhow::Result<PathBuf> {
    std::path::absolute(&path)
        .with_context(|| format!("cannot resolve the path {}", path.display()))
}

/// `$BANTZ_DATA_DIR`, else `$XDG_DATA_HOME/bantz`, else `~/.local/share/bantz`, else `./data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BANTZ_DATA_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(dir).join("bantz");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/bantz"),
        None => PathBuf::from("data"),
    }
}

/// `--config`, else `<data-dir>/bantz.toml`, as given (messages show the path the user typed).
fn config_file_path(o: &Overrides) -> anyhow::Result<PathBuf> {
    Ok(match &o.config_file {
        Some(path) => path.clone(),
        None => absolute(o.data_dir.clone().unwrap_or_else(default_data_dir))?.join("bantz.toml"),
    })
}

/// The token from the environment, else the data dir's token file, else a new one written
/// there (only when `write`; otherwise [`TokenSource::Missing`]).
fn resolve_token(data_dir: &Path, write: bool) -> anyhow::Result<ApiToken> {
    if let Ok(secret) = std::env::var(TOKEN_ENV) {
        if secret.trim().is_empty() {
            bail!("{TOKEN_ENV} is set but empty: set a token, or unset it to use a generated one");
        }
        return Ok(ApiToken {
            secret: secret.trim().to_owned(),
            source: TokenSource::Env,
        });
    }
    let path = data_dir.join(TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(secret) if !secret.trim().is_empty() => {
            return Ok(ApiToken {
                secret: secret.trim().to_owned(),
                source: TokenSource::File(path),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    if !write {
        return Ok(ApiToken {
            secret: String::new(),
            source: TokenSource::Missing(path),
        });
    }
    let secret = generate_token();
    write_private(&path, &secret)?;
    Ok(ApiToken {
        secret,
        source: TokenSource::Generated(path),
    })
}

/// 32 random bytes in hex: the generated master token, and every device token.
pub(crate) fn generate_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Writes a file only its owner can read, created with mode 0600 from the start.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}
