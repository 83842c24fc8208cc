//! `/api/v1/skills`: the skills, their status and counters, and the operator's switches.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::{ApiError, ApiTags, AppState};
use crate::runtime::{Permissions, SkillReport, SkillStatus, allow_hosts_line, ungranted_hosts};

/// Where a skill stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum SkillState {
    /// Loaded and answering.
    Active,
    /// Its file is being compiled and checked.
    Loading,
    /// The file did not load; see `error`.
    Failed,
    /// Failed too often in a row; it comes back by itself at `quarantined_until_ms`.
    Quarantined,
    /// Turned off by the operator.
    Disabled,
}

/// A command a skill offers.
#[derive(Debug, Object)]
pub struct CommandInfo {
    /// Name within the skill; the tool name is `<skill>.<command>`.
    pub name: String,
    pub description: String,
    /// Example utterances.
    pub examples: Vec<String>,
    /// Whether the user must confirm before it runs.
    pub needs_confirmation: bool,
    /// JSON Schema of the arguments, if the command takes any.
    #[oai(skip_serializing_if_is_none)]
    pub args_schema: Option<serde_json::Value>,
}

/// What the host granted a skill.
#[derive(Debug, Object)]
pub struct Granted {
    /// Outbound-HTTP hosts: declared by the manifest and allowed in bantz.toml.
    pub outbound_hosts: Vec<String>,
    /// Whether it may send notifications.
    pub notify: bool,
    /// Seconds between `on-tick` calls, when it asked for a schedule.
    #[oai(skip_serializing_if_is_none)]
    pub schedule_seconds: Option<u32>,
}

/// What a skill's manifest asks for, granted or not, and what is missing.
#[derive(Debug, Object)]
pub struct Requested {
    /// Outbound-HTTP hosts it asks to reach (`permissions.outbound_hosts`).
    pub outbound_hosts: Vec<String>,
    /// Whether it asks to send notifications.
    pub notify: bool,
    /// Seconds between `on-tick` calls it asks for, when it asks for a schedule.
    #[oai(skip_serializing_if_is_none)]
    pub schedule_seconds: Option<u32>,
    /// The hosts it asks for that bantz.toml does not grant: its requests to them are denied.
    pub not_granted_hosts: Vec<String>,
    /// When some hosts are not granted, the bantz.toml line, in its section, that grants
    /// every host it asks for, e.g. `[skills.weather] allow_hosts = ["api.open-meteo.com"]`.
    #[oai(skip_serializing_if_is_none)]
    pub grant_with: Option<String>,
}

/// The most recent failed call.
#[derive(Debug, Object)]
pub struct CallError {
    /// The error code the call got, e.g. `SKILL_TIMEOUT`.
    pub code: String,
    pub message: String,
    /// When, in milliseconds since the Unix epoch.
    pub at_ms: i64,
}

/// What a skill keeps in its kv store, and its quota (`kv_max_bytes`, `kv_max_keys`).
#[derive(Debug, Object)]
pub struct KvUsageInfo {
    /// Bytes of its keys and values together.
    pub bytes: u64,
    pub keys: u64,
    pub max_bytes: u64,
    pub max_keys: u64,
}

/// A skill, or a skill file that provides none (loading or failed).
#[derive(Debug, Object)]
pub struct SkillInfo {
    /// The skill's name; for a file that provides none, the file's stem.
    pub name: String,
    /// Empty for a file that provides no skill.
    pub version: String,
    pub description: String,
    pub status: SkillState,
    pub commands: Vec<CommandInfo>,
    /// File name in the skills dir.
    pub source: String,
    /// SHA-256 of the file, hex; empty for a file that provides no skill.
    pub sha256: String,
    pub size_bytes: u64,
    /// When this version was loaded, in milliseconds since the Unix epoch.
    #[oai(skip_serializing_if_is_none)]
    pub loaded_at_ms: Option<i64>,
    /// Calls so far (ticks not included), failed calls, and those that timed out.
    pub invocations: u64,
    pub errors: u64,
    pub timeouts: u64,
    /// `on-tick` calls so far.
    pub ticks: u64,
    /// Calls running now.
    pub in_flight: u64,
    /// Latency percentiles over recent calls, in milliseconds.
    pub latency_p50_ms: u64,
    pub latency_p99_ms: u64,
    #[oai(skip_serializing_if_is_none)]
    pub last_error: Option<CallError>,
    /// Why the file, or the newest version of it, did not load (an older version may still serve).
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
    /// End of the quarantine, in milliseconds since the Unix epoch.
    #[oai(skip_serializing_if_is_none)]
    pub quarantined_until_ms: Option<i64>,
    /// What the host granted it.
    pub permissions: Granted,
    /// Its kv store's usage and quota; only in `GET /api/v1/skills/{name}`.
    #[oai(skip_serializing_if_is_none)]
    pub kv: Option<KvUsageInfo>,
    /// What its manifest asks for, next to `permissions`.
    pub requested: Requested,
}

#[derive(ApiResponse)]
enum SkillsResponse {
    /// Every skill by name, then the files that provide none.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<SkillInfo>>),
}

/// What `POST /api/v1/skills/reload` started.
#[derive(Debug, Object)]
pub struct ReloadReport {
    /// Files (names in the skills dir) new or changed since they were last loaded, whose load
    /// started; each is `loading` until it is `active` or `failed`.
    pub started: Vec<String>,
    /// Files that are gone, whose skills were unloaded.
    pub unloaded: Vec<String>,
    /// Every skill and file now, as `GET /api/v1/skills` lists them.
    pub skills: Vec<SkillInfo>,
}

#[derive(ApiResponse)]
enum ReloadResponse {
    /// The rescan is done and the loads it started run on; poll `GET /api/v1/skills`.
    #[oai(status = 202, content_type = "application/json")]
    Accepted(Json<ReloadReport>),
}

#[derive(ApiResponse)]
enum SkillResponse {
    /// The skill.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<SkillInfo>),
}

pub struct SkillsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Skills")]
impl SkillsApi {
    /// Lists the skills.
    ///
    /// Every skill file in the folder, loaded or not: status (`active`, `loading`, `failed`,
    /// `quarantined`, `disabled`), commands, source file, sha256, size, call, error and timeout
    /// counters, p50/p99 latency, the last error, the permissions granted (`permissions`) and
    /// what the manifest asks for (`requested`): outbound hosts that bantz.toml does not grant
    /// are in `requested.not_granted_hosts`, and `requested.grant_with` is the line that grants
    /// them.
    #[oai(path = "/skills", method = "get", operation_id = "listSkills")]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<SkillsResponse, ApiError> {
        Ok(SkillsResponse::Ok(Json(
            app.runtime.reports().into_iter().map(skill_info).collect(),
        )))
    }

    /// One skill by name.
    ///
    /// The same entry as in `GET /api/v1/skills`, plus the skill's kv usage and quota; 404
    /// `SKILL_NOT_FOUND` when no skill has this name.
    #[oai(path = "/skills/:name", method = "get", operation_id = "getSkill")]
    async fn get(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The skill's name, e.g. `clock`.
        name: Path<String>,
    ) -> Result<SkillResponse, ApiError> {
        let report = app.runtime.report(&name).ok_or_else(|| not_found(&name))?;
        let mut info = skill_info(report);
        let (usage, max_bytes, max_keys) = app.runtime.kv_usage(&name).await?;
        info.kv = Some(KvUsageInfo {
            bytes: usage.bytes,
            keys: usage.keys,
            max_bytes,
            max_keys,
        });
        Ok(SkillResponse::Ok(Json(info)))
    }

    /// Turns a skill off.
    ///
    /// Its calls answer 409 `SKILL_DISABLED` until it is enabled again. Kept across restarts.
    #[oai(
        path = "/skills/:name/disable",
        method = "post",
        operation_id = "disableSkill"
    )]
    async fn disable(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The skill's name.
        name: Path<String>,
    ) -> Result<SkillResponse, ApiError> {
        let report = app.runtime.set_disabled(&name, true).await?;
        Ok(SkillResponse::Ok(Json(skill_info(report))))
    }

    /// Turns a skill back on.
    ///
    /// Undoes `disable`, and ends the skill's quarantine if it is in one. Kept across restarts.
    #[oai(
        path = "/skills/:name/enable",
        method = "post",
        operation_id = "enableSkill"
    )]
    async fn enable(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The skill's name.
        name: Path<String>,
    ) -> Result<SkillResponse, ApiError> {
        let report = app.runtime.set_disabled(&name, false).await?;
        Ok(SkillResponse::Ok(Json(skill_info(report))))
    }

    /// Rescans the skills folder now.
    ///
    /// The folder is also watched, so this is rarely needed. Answers at once with the files
    /// whose load it started (each loads on its own, under the load deadline, so a slow or
    /// broken file holds up nothing), the files it unloaded, and the list as
    /// `GET /api/v1/skills` gives it.
    #[oai(
        path = "/skills/reload",
        method = "post",
        operation_id = "reloadSkills"
    )]
    async fn reload(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<ReloadResponse, ApiError> {
        let scan = app.runtime.scan().await.map_err(|e| {
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SKILLS_DIR_UNREADABLE",
                format!("{e:#}"),
            )
        })?;
        let file_name = |p: &std::path::PathBuf| {
            p.file_name()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        Ok(ReloadResponse::Accepted(Json(ReloadReport {
            started: scan.started.iter().map(file_name).collect(),
            unloaded: scan.unloaded.iter().map(file_name).collect(),
            skills: app.runtime.reports().into_iter().map(skill_info).collect(),
        })))
    }
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "SKILL_NOT_FOUND",
        format!("no skill named {name:?} is loaded; GET /api/v1/skills lists them"),
    )
}

fn skill_info(r: SkillReport) -> SkillInfo {
    let requested = requested(&r.name, &r.requested, &r.outbound_hosts);
    SkillInfo {
        name: r.name,
        version: r.version,
        description: r.description,
        status: match r.status {
            SkillStatus::Active => SkillState::Active,
            SkillStatus::Loading => SkillState::Loading,
            SkillStatus::Failed => SkillState::Failed,
            SkillStatus::Quarantined => SkillState::Quarantined,
            SkillStatus::Disabled => SkillState::Disabled,
        },
        commands: r
            .commands
            .into_iter()
            .map(|c| CommandInfo {
                args_schema: serde_json::from_str(&c.args_schema).ok(),
                name: c.name,
                description: c.description,
                examples: c.examples,
                needs_confirmation: c.needs_confirmation,
            })
            .collect(),
        source: r
            .source
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sha256: r.sha256,
        size_bytes: r.size_bytes,
        loaded_at_ms: r.loaded_at_ms,
        invocations: r.invocations,
        errors: r.errors,
        timeouts: r.timeouts,
        ticks: r.ticks,
        in_flight: r.in_flight,
        latency_p50_ms: r.latency_p50_ms,
        latency_p99_ms: r.latency_p99_ms,
        last_error: r.last_error.map(|e| CallError {
            code: e.code.into(),
            message: e.message,
            at_ms: e.at_ms,
        }),
        error: r.error,
        quarantined_until_ms: r.quarantined_until_ms,
        requested,
        permissions: Granted {
            outbound_hosts: r.outbound_hosts,
            notify: r.notify,
            schedule_seconds: r.schedule_seconds,
        },
        kv: None,
    }
}

fn requested(name: &str, asked: &Permissions, granted: &[String]) -> Requested {
    let hosts: Vec<String> = asked
        .outbound_hosts
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let not_granted = ungranted_hosts(&hosts, &granted.iter().cloned().collect());
    Requested {
        grant_with: (!not_granted.is_empty()).then(|| allow_hosts_line(name, &hosts)),
        not_granted_hosts: not_granted,
        outbound_hosts: hosts,
        notify: asked.notify,
        schedule_seconds: asked.schedule.as_ref().map(|s| s.every_seconds),
    }
}
