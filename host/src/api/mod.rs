//! The HTTP API: typed endpoints (poem-openapi), their OpenAPI document and docs pages, auth and
//! the error envelope. Only HTTP shapes live here; decisions are the brain's, wasm the runtime's.

mod auth;
mod chat;
mod commands;
mod conversations;
mod error;
mod health;
mod notifications;
mod skills;
mod stream;
mod ws;

use std::sync::Arc;
use std::time::Instant;

use poem::http::header;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Middleware, Request, Route, get};
use poem_openapi::{OpenApiService, Tags};
use tokio_util::sync::CancellationToken;

use crate::brain::Brain;
use crate::runtime::Runtime;
use crate::store::Store;

pub use error::{ApiError, ErrorBody};

/// Version of the API and of the host.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every handler can reach.
pub struct AppState {
    pub brain: Brain,
    pub runtime: Arc<Runtime>,
    pub store: Store,
    /// The event bus: notifications and system events.
    pub bus: crate::events::Bus,
    pub started: Instant,
    /// Cancelled when the server shuts down: SSE streams and WebSockets end on it.
    pub shutdown: CancellationToken,
}

#[derive(Tags)]
enum ApiTags {
    /// Proactive messages: the live stream and the inbox.
    Notifications,
    /// Liveness and the state of the host's parts.
    System,
    /// The loaded skills and what they can do.
    Skills,
    /// Talking to the assistant.
    Chat,
    /// The saved conversations: read them back, delete them.
    Conversations,
}

fn service() -> OpenApiService<
    (
        health::HealthApi,
        skills::SkillsApi,
        chat::ChatApi,
        commands::CommandsApi,
        conversations::ConversationsApi,
        notifications::NotificationsApi,
    ),
    (),
> {
    OpenApiService::new(
        (
            health::HealthApi,
            skills::SkillsApi,
            chat::ChatApi,
            commands::CommandsApi,
                        conversations::ConversationsApi,
            notifications::NotificationsApi,
        ),
        "Bantz",
        VERSION,
    )
    .description(
        "A personal-assistant host whose abilities are sandboxed WebAssembly skills. \
         Every endpoint except health and the docs needs `Authorization: Bearer <token>`; \
         errors always have the shape `{\"error\":{\"code\",\"message\",\"details\",\"request_id\"}}`.\n\n\
         Besides these operations, `GET /ws/chat` is a WebSocket to the same chat: send \
         `{\"type\":\"chat\",\"message\":…}` (the fields of `POST /api/v1/chat`), \
         `{\"type\":\"confirm\",\"session_id\":…,\"confirm\":true}` or `{\"type\":\"ping\"}`; \
         it answers with `delta`, `tool`, `confirm_request`, `done` (the `/api/v1/chat` answer), \
         `error` (the envelope) and `pong` frames, each a JSON object with a `type`. The token goes \
         in `Authorization: Bearer`, a `token` query parameter or the subprotocols `bearer, <token>`; \
         without it the socket closes with code 4001.",
    )
}

/// The OpenAPI document as JSON, exactly as the server serves it.
pub fn spec_json() -> String {
    service().spec()
}

/// The whole HTTP application.
pub fn app(state: Arc<AppState>, token: &str) -> impl Endpoint + use<> {
    let api = service();
    let docs = Route::new()
        .at("/api-docs/openapi.json", api.spec_endpoint())
        .at("/api-docs/openapi.yaml", api.spec_endpoint_yaml())
        .nest("/swagger-ui", api.swagger_ui())
        .nest("/redoc", api.redoc());
    Route::new()
        .at("/ws/chat", get(ws::chat))
        .nest("/", docs.nest("/", api.with(LenientJson).into_endpoint()))
        .data(state)
        .data(auth::ExpectedToken(token.into()))
        .catch_all_error(error::envelope)
}

/// Reads a JSON object body as JSON even when it arrives without `Content-Type:
/// application/json`, as `curl -d '{…}'` sends it (form-encoded). Any other body is left alone.
struct LenientJson;

/// Largest body read to look at.
const MAX_BODY_BYTES: usize = 1024 * 1024;

impl<E: Endpoint> Middleware<E> for LenientJson {
    type Output = LenientJsonEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        LenientJsonEndpoint(ep)
    }
}

struct LenientJsonEndpoint<E>(E);

impl<E: Endpoint> Endpoint for LenientJsonEndpoint<E> {
    type Output = E::Output;

    async fn call(&self, mut req: Request) -> poem::Result<Self::Output> {
        let form_or_missing = match req.headers().get(header::CONTENT_TYPE) {
            None => true,
            Some(v) => v
                .as_bytes()
                .starts_with(b"application/x-www-form-urlencoded"),
        };
        if form_or_missing && req.method() == poem::http::Method::POST {
            let bytes = req
                .take_body()
                .into_bytes_limit(MAX_BODY_BYTES)
                .await
                .map_err(|e| {
                    poem::Error::from_string(
                        e.to_string(),
                        poem::http::StatusCode::PAYLOAD_TOO_LARGE,
                    )
                })?;
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                req.headers_mut().insert(
                    header::CONTENT_TYPE,
                    header::HeaderValue::from_static("application/json"),
                );
            }
            req.set_body(bytes);
        }
        self.0.call(req).await
    }
}
