//! `GET /api/v1/status` (the host's numbers, for people and dashboards) and `GET /api/v1/ready`
//! (whether to send it traffic, for probes and scripts).
//!
//! Ready means the store answers and the skills folder has been scanned once, so the skills
//! list is complete. `bantz serve` scans the folder before it listens, so over TCP ready is 200
//! from the first request on; it is read from the real state all the same, for listeners that
//! start earlier and for a store that stops answering.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::auth::BearerAuth;
use super::metrics::Stream;
use super::{ApiError, ApiTags, AppState, VERSION};

/// The process's memory.
#[derive(Debug, Object)]
pub struct Memory {
    /// Resident set size (`VmRSS` of /proc/self/status); absent where there is no /proc.
    #[oai(skip_serializing_if_is_none)]
    pub rss_bytes: Option<u64>,
}

/// The skills.
#[derive(Debug, Object)]
pub struct SkillCounts {
    /// Loaded and answering.
    pub active: u64,
    /// Skill files that did not load.
    pub failed: u64,
}

/// Open long-lived connections.
#[derive(Debug, Object)]
pub struct Connections {
    /// Server-sent-event streams: chats and notifications.
    pub event_streams: u64,
    pub websockets: u64,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Object)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
}

/// HTTP traffic since start-up.
#[derive(Debug, Object)]
pub struct HttpStatus {
    /// Requests answered.
    pub requests: u64,
    /// Time to answer, over the last 1024 requests (a stream: until it started).
    pub latency: Latency,
}

/// A configured channel (Telegram, WhatsApp) since start-up.
#[derive(Debug, Object)]
pub struct ChannelStatus {
    /// `telegram` or `whatsapp`.
    pub channel: String,
    /// `polling` or `webhook`.
    pub mode: String,
    /// Updates and messages received and kept.
    pub received: u64,
    /// Redeliveries dropped by their id.
    pub duplicates: u64,
    /// Messages sent: replies and notifications.
    pub sent: u64,
    /// Messages the messenger refused for good.
    pub failed: u64,
    /// Webhook posts refused for a wrong secret or signature.
    pub refused: u64,
}

/// The host's numbers.
#[derive(Debug, Object)]
pub struct Status {
    /// Version of the host.
    pub version: String,
    /// Seconds since start-up.
    pub uptime_seconds: u64,
    pub memory: Memory,
    pub skills: SkillCounts,
    /// Saved conversations.
    pub conversations: u64,
    /// Notifications stored, skills' and system events together.
    pub notifications: u64,
    pub connections: Connections,
    pub http: HttpStatus,
    /// The configured channels; empty when bantz.toml configures none.
    pub channels: Vec<ChannelStatus>,
    /// Channel messages received and not answered yet.
    pub channel_backlog: u64,
}

#[derive(ApiResponse)]
enum StatusResponse {
    /// The numbers, read now.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Status>),
}

/// The host is ready.
#[derive(Debug, Object)]
pub struct Ready {
    /// Always `ready`.
    pub status: String,
}

#[derive(ApiResponse)]
enum ReadyResponse {
    /// The store is open and the skills are loaded: send traffic. Until then the answer is
    /// 503 `NOT_READY`, with `details` saying what is missing.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Ready>),
}

pub struct StatusApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::System")]
impl StatusApi {
    /// The host's operational status.
    ///
    /// Version, uptime, memory, counts of skills, conversations, notifications and open
    /// streams, HTTP latency percentiles, and the channels' counters and backlog.
    #[oai(path = "/status", method = "get", operation_id = "getStatus")]
    async fn status(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<StatusResponse, ApiError> {
        let (conversations, notifications) = app.store.counts().await?;
        let (active, failed) = app.runtime.counts();
        let p = app.metrics.percentiles();
        let ms = |d: std::time::Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
        Ok(StatusResponse::Ok(Json(Status {
            version: VERSION.into(),
            uptime_seconds: app.started.elapsed().as_secs(),
            memory: Memory {
                rss_bytes: resident_bytes(),
            },
            skills: SkillCounts {
                active: active as u64,
                failed: failed as u64,
            },
            conversations,
            notifications: notifications.iter().map(|(_, n)| n).sum(),
            connections: Connections {
                event_streams: app.metrics.open_streams(Stream::ChatEvents)
                    + app.metrics.open_streams(Stream::Notifications),
                websockets: app.metrics.open_streams(Stream::WebSocket),
            },
            http: HttpStatus {
                requests: app.metrics.requests(),
                latency: Latency {
                    p50_ms: ms(p.p50),
                    p90_ms: ms(p.p90),
                    p99_ms: ms(p.p99),
                },
            },
            channels: app
                .channels
                .reports()
                .into_iter()
                .map(|r| ChannelStatus {
                    channel: r.channel.into(),
                    mode: r.mode.into(),
                    received: r.received,
                    duplicates: r.duplicates,
                    sent: r.sent,
                    failed: r.failed,
                    refused: r.refused,
                })
                .collect(),
            channel_backlog: app.store.channel_pending_count().await?,
        })))
    }

    /// Whether the host is ready for traffic.
    ///
    /// Needs no token and is never rate-limited: for orchestrators' readiness probes.
    #[oai(path = "/ready", method = "get", operation_id = "getReady")]
    async fn ready(&self, Data(app): Data<&Arc<AppState>>) -> Result<ReadyResponse, ApiError> {
        let store = app.store.ping().await.is_ok();
        let skills = app.runtime.scanned();
        if store && skills {
            return Ok(ReadyResponse::Ok(Json(Ready {
                status: "ready".into(),
            })));
        }
        let mut missing = Vec::new();
        if !store {
            missing.push("the store does not answer");
        }
        if !skills {
            missing.push("the skills are still loading");
        }
        Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "NOT_READY",
            format!("not ready: {}; try again shortly", missing.join(", ")),
        )
        .with_details(serde_json::json!({ "store": store, "skills_loaded": skills })))
    }
}

/// The process's resident memory, from /proc/self/status.
pub fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line
        .trim_start_matches("VmRSS:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}
