//! `GET /api/v1/health`: no auth; is the host up, and how are its parts.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::{ApiTags, AppState, VERSION};

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
}

/// The host's health.
#[derive(Debug, Object)]
pub struct Health {
    /// `ok` when every part is ok.
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
    /// Health of the host and its parts. Needs no token.
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
        let status = match (store.status, skills.status) {
            (HealthState::Ok, HealthState::Ok) => HealthState::Ok,
            (HealthState::Down, _) => HealthState::Down,
            _ => HealthState::Degraded,
        };
        HealthResponse::Ok(Json(Health {
            status,
            version: VERSION.into(),
            uptime_seconds: app.started.elapsed().as_secs(),
            components: Components { store, skills },
        }))
    }
}
