//! `GET /api/v1/health`: no auth; is the host up, and how are its parts.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::{ApiTags, AppState, VERSION};
use crate::brain::Tier;
use crate::brain::llm::Circuit;

/// The state of the host or one of its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum HealthState {
    /// Working.
    Ok,
    /// Working, but something needs attention.
    Degraded,
    /// Not working.
    Down,
}

/// One part of the host.
#[derive(Debug, Object)]
pub struct ComponentHealth {
    pub status: HealthState,
    /// What the status means here.
    pub detail: String,
}

/// The parts of the host.
#[derive(Debug, Object)]
pub struct Components {
    /// The SQLite store.
    pub store: ComponentHealth,
    /// The skills: degraded when any skill file failed to load.
    pub skills: ComponentHealth,
    /// The configured LLM tiers, `fast` first; empty when bantz.toml configures none, and the
    /// rules answer alone. Read from each tier's circuit breaker: health never calls a model.
    pub llm: Vec<LlmHealth>,
    /// The configured channels (Telegram, WhatsApp); empty when bantz.toml configures none.
    /// Degraded after an exchange with the messenger's API failed, until one works.
    pub channels: Vec<ChannelHealth>,
}

/// A configured channel.
#[derive(Debug, Object)]
pub struct ChannelHealth {
    /// `telegram` or `whatsapp`.
    pub channel: String,
    // `ok`, or `degraded` while its messenger's API fails.
    pub status: HealthState,
    /// What the status means here.
    pub detail: String,
}

/// An LLM tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum LlmTier {
    /// Asked first.
    Fast,
    /// Asked when `fast` is not configured, its circuit is open, or it fails.
    Quality,
}

/// The state of a tier's circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum CircuitState {
    /// Requests go to the tier.
    Closed,
    /// Three answers in a row failed: the tier is skipped for 30 seconds.
    Open,
    /// The 30 seconds are over: the next request is a trial that closes or reopens the circuit.
    HalfOpen,
}

/// One configured LLM tier.
#[derive(Debug, Object)]
pub struct LlmHealth {
    pub tier: LlmTier,
    /// The model the tier asks, unless a request names another.
    pub model: String,
    /// The OpenAI-compatible API root.
    pub base_url: String,
    // `ok` when its last answer was good (or it has not been asked yet), `degraded` after a
    // failure or while on trial, `down` while its circuit is open.
    pub status: HealthState,
    pub circuit: CircuitState,
    /// The most recent failure, e.g. a timeout or a 5xx.
    #[oai(skip_serializing_if_is_none)]
    pub last_error: Option<String>,
}

/// The host's health.
#[derive(Debug, Object)]
pub struct Health {
    // `ok` when every part is ok.
    pub status: HealthState,
    /// Version of the host.
    pub version: String,
    /// Seconds since start-up.
    pub uptime_seconds: u64,
    pub components: Components,
}

#[derive(ApiResponse)]
enum HealthResponse {
    /// The host answers; see `status` for how it is.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Health>),
}

pub struct HealthApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::System")]
impl HealthApi {
    /// Health of the host and its parts.
    ///
    /// Needs no token and is never rate-limited: for load balancers and monitors. `status` is
    /// the worst of the components' states (skills, store, LLM tiers, channels).
    #[oai(path = "/health", method = "get", operation_id = "getHealth")]
    async fn health(&self, Data(app): Data<&Arc<AppState>>) -> HealthResponse {
        let store = match app.store.ping().await {
            Ok(()) => ComponentHealth {
                status: HealthState::Ok,
                detail: "SQLite answers".into(),
            },
            Err(e) => ComponentHealth {
                status: HealthState::Down,
                detail: e.to_string(),
            },
        };
        let (active, failed) = app.runtime.counts();
        let skills = ComponentHealth {
            status: if failed == 0 {
                HealthState::Ok
            } else {
                HealthState::Degraded
            },
            detail: format!("{active} active, {failed} failed to load"),
        };
        let llm: Vec<LlmHealth> = app
            .brain
            .llm()
            .map(|llm| llm.report())
            .unwrap_or_default()
            .into_iter()
            .map(|t| LlmHealth {
                tier: match t.tier {
                    Tier::Quality => LlmTier::Quality,
                    // The brain reports only its LLM tiers here, never `Rules`.
                    Tier::Fast | Tier::Rules | Tier::Classifier => LlmTier::Fast,
                },
                model: t.model,
                base_url: t.base_url,
                status: match t.circuit {
                    Circuit::Open => HealthState::Down,
                    Circuit::HalfOpen => HealthState::Degraded,
                    Circuit::Closed if t.consecutive_failures > 0 => HealthState::Degraded,
                    Circuit::Closed => HealthState::Ok,
                },
                circuit: match t.circuit {
                    Circuit::Closed => CircuitState::Closed,
                    Circuit::Open => CircuitState::Open,
                    Circuit::HalfOpen => CircuitState::HalfOpen,
                },
                last_error: t.last_error,
            })
            .collect();
        let channels: Vec<ChannelHealth> = app
            .channels
            .reports()
            .into_iter()
            .map(|r| ChannelHealth {
                channel: r.channel.into(),
                status: if r.healthy {
                    HealthState::Ok
                } else {
                    HealthState::Degraded
                },
                detail: match (&r.last_error, r.healthy) {
                    (Some(e), false) => e.clone(),
                    _ => format!("{}: {} received, {} sent", r.mode, r.received, r.sent),
                },
            })
            .collect();
        // An LLM tier is optional, so only a circuit that is not closed makes the host degraded.
        let llm_ok = llm.iter().all(|t| t.circuit == CircuitState::Closed)
            && channels.iter().all(|c| c.status == HealthState::Ok);
        let status = match (store.status, skills.status, llm_ok) {
            (HealthState::Ok, HealthState::Ok, true) => HealthState::Ok,
            (HealthState::Down, _, _) => HealthState::Down,
            _ => HealthState::Degraded,
        };
        HealthResponse::Ok(Json(Health {
            status,
            version: VERSION.into(),
            uptime_seconds: app.started.elapsed().as_secs(),
            components: Components {
                store,
                skills,
                llm,
                channels,
            },
        }))
    }
}
