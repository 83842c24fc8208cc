//! The HTTP API: typed endpoints (poem-openapi), their OpenAPI document and docs pages, auth, the
//! error envelope, and the operational layers every request passes (see [`layers`]). Only HTTP
//! shapes live here; decisions are the brain's, wasm the runtime's.
//!
//! Fields whose type is an enum (`tier`, `locale`, `status`) carry plain `//` comments, not doc
//! comments: a description there makes the spec wrap the enum's `$ref` in `allOf`, which some
//! client generators (openapi-python-client) cannot read. The enums document themselves.

mod access;
mod allow;
mod app;
mod auth;
mod channels;
mod chat;
mod commands;
mod conversations;
mod corrections;
mod devices;
mod error;
mod health;
mod limits;
mod metrics;
mod notifications;
mod observe;
mod skill_file;
mod skills;
mod sse;
mod status;
mod stream;
mod text;
mod ws;

use std::sync::Arc;
use std::time::Instant;

use poem::http::{Method, header};
use poem::middleware::{CatchPanic, Cors};
use poem::{Endpoint, EndpointExt, IntoEndpoint, Middleware, Request, Route, get};
use poem_openapi::{LicenseObject, OpenApiService, ServerObject, Tags};
use tokio_util::sync::CancellationToken;

use crate::brain::Brain;
use crate::config::{Config, HttpSettings};
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
    /// The configuration the host runs with.
    pub config: Arc<Config>,
    /// HTTP counters and open streams, for `/metrics` and `/api/v1/status`.
    pub metrics: Arc<metrics::Metrics>,
    /// Cancelled when the server shuts down: SSE streams and WebSockets end on it.
    pub shutdown: CancellationToken,
    /// The paired devices and the pairing code.
    pub devices: Arc<crate::devices::Devices>,
    /// The WebSocket sessions, which outlive their HTTP request: shutdown waits for them to close.
    pub sessions: tokio_util::task::TaskTracker,
    /// Telegram and WhatsApp.
    pub channels: Arc<crate::channels::Channels>,
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
    /// Pairing a new device, and the paired devices.
    Devices,
    /// Teaching the assistant: corrections of what a message means.
    Brain,
    /// Telegram and WhatsApp: their webhooks and the linked chats.
    Channels,
}

/// Every group of operations, in the order the document lists them.
type Operations = (
    health::HealthApi,
    skills::SkillsApi,
    skill_file::SkillFileApi,
    chat::ChatApi,
    commands::CommandsApi,
    corrections::CorrectionsApi,
    conversations::ConversationsApi,
    notifications::NotificationsApi,
    devices::DevicesApi,
    access::AccessApi,
    status::StatusApi,
    metrics::MetricsApi,
    channels::ChannelsApi,
);

fn service() -> OpenApiService<Operations, ()> {
    OpenApiService::new(
        (
            health::HealthApi,
            skills::SkillsApi,
            skill_file::SkillFileApi,
            chat::ChatApi,
            commands::CommandsApi,
            corrections::CorrectionsApi,
            conversations::ConversationsApi,
            notifications::NotificationsApi,
            devices::DevicesApi,
            access::AccessApi,
            status::StatusApi,
            metrics::MetricsApi,
            channels::ChannelsApi,
        ),
        "Bantz",
        VERSION,
    )
    // Relative: the host that serves the document (what an absent `servers` means too).
    .server(ServerObject::new("/").description("the Bantz host serving this document"))
    .license(
        LicenseObject::new("Apache-2.0").url("https://www.apache.org/licenses/LICENSE-2.0"),
    )
    .description(
        "A personal-assistant host whose abilities are sandboxed WebAssembly skills. \
         Every endpoint except health, readiness, `POST /api/v1/pair/verify`, the channels' \
         webhooks (which carry the messengers' own credentials) and the docs needs \
         `Authorization: Bearer <token>`, with the master token or a paired device's token (none \
         on the server's Unix socket); \
         errors always have the shape `{\"error\":{\"code\",\"message\",\"details\",\"request_id\"}}`.\n\n\
         Every response carries `X-Request-Id` (the client's own, when it sends a sane one); rate-limited \
         responses carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds), \
         and a 429 `Retry-After`.\n\n\
         Besides these operations, `GET /ws/chat` is a WebSocket to the same chat: send \
         `{\"type\":\"chat\",\"message\":…}` (the fields of `POST /api/v1/chat`), \
         `{\"type\":\"confirm\",\"session_id\":…,\"confirm\":true}` or `{\"type\":\"ping\"}`; \
         it answers with `delta`, `tool`, `confirm_request`, `done` (the `/api/v1/chat` answer), \
         `error` (the envelope) and `pong` frames, each a JSON object with a `type`. The token goes \
         in `Authorization: Bearer`, a `token` query parameter or the subprotocols `bearer, <token>`; \
         without it, or when its device is revoked, the socket closes with code 4001.\n\n\
         The two event streams, `POST /api/v1/chat/stream` and `GET /api/v1/notifications`, are \
         `text/event-stream`. Their response schema is that of one event as sent \
         (`ChatStreamSse`, `NotificationSse`): its `event` name, its `id` and its `data`, a string \
         holding one JSON object of the stream's event type (`ChatStreamEvent`, `NotificationEvent`), \
         which the `event` name tells apart.",
    )
}

/// The OpenAPI document as JSON, exactly as the server serves it.
pub fn spec_json() -> String {
    with_event_types(&service().spec())
}

/// The document with the event types of the two event streams in its components.
///
/// poem-openapi keeps only the schemas that an operation references, and an event stream's
/// schema names its event type only in the description of `data`, a string (see [`sse`]):
/// without this, clients would not get `ChatStreamEvent` and `NotificationEvent`.
fn with_event_types(spec: &str) -> String {
    use poem_openapi::types::Type;
    let mut doc: serde_json::Value = serde_json::from_str(spec).expect("poem-openapi writes JSON");
    let mut registry = poem_openapi::registry::Registry::new();
    stream::ChatStreamEvent::register(&mut registry);
    notifications::NotificationEvent::register(&mut registry);
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        for (name, schema) in registry.schemas {
            if !schemas.contains_key(&name) {
                let schema = serde_json::to_value(&schema).expect("a schema is JSON");
                schemas.insert(name, schema);
            }
        }
    }
    serde_json::to_string_pretty(&doc).expect("a document is JSON")
}

/// The whole HTTP application: the routes inside the operational [`layers`].
pub fn app(state: Arc<AppState>, token: &str) -> impl Endpoint + use<> {
    let api = service();
    let spec = spec_json();
    let yaml = serde_yaml::to_string(
        &serde_json::from_str::<serde_json::Value>(&spec).expect("the document is JSON"),
    )
    .expect("JSON is YAML");
    let (json, yaml) = (Arc::<str>::from(spec.as_str()), Arc::<str>::from(yaml));
    let docs = Route::new()
        .at(
            "/api-docs/openapi.json",
            get(poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/json")
                    .body(json.to_string())
            })),
        )
        .at(
            "/api-docs/openapi.yaml",
            get(poem::endpoint::make_sync(move |_| {
                poem::Response::builder()
                    .content_type("application/x-yaml")
                    .body(yaml.to_string())
            })),
        )
        .nest("/swagger-ui", api.swagger_ui())
        .nest("/redoc", api.redoc());
    let max_body_bytes = state.config.http.max_body_bytes;
    let routes = Route::new().at("/ws/chat", get(ws::chat)).nest(
        "/",
        docs.nest("/", api.with(LenientJson(max_body_bytes)).into_endpoint()),
    );
    // The app (`/app/`, and `/` redirecting there) before the API's routes.
    let routes = app::WithApp(routes);
    layers(routes, &state.config, state.metrics.clone(), &spec)
        .data(state)
        .data(auth::ExpectedToken(token.into()))
}

/// The layers every request passes, outermost first:
///
/// 1. [`observe::Observe`]: the request id and span, the metrics, `X-Request-Id` on every
///    response, and the envelope for an error that gets this far (a CORS refusal);
/// 2. CORS for the origins `[http] cors_origins` lists, when it lists any (preflights are
///    answered here, unlimited); a page of the host itself (the docs) is not cross-origin;
/// 3. [`limits::RateLimit`]: `X-RateLimit-*`, and 429 over the limit;
/// 4. [`limits::RequestLimits`]: header and body sizes, and the request timeout;
/// 5. `Allow` on every 405 ([`allow::AllowHeader`]), and inside it the envelope for every
///    error of the routes and of poem's extractors, so everything outside sees responses (CORS
///    would turn errors into plain text);
/// 6. `CatchPanic`: a handler that panics is a 500 envelope, and the server goes on.
fn layers<E: Endpoint + 'static>(
    routes: E,
    config: &Config,
    metrics: Arc<metrics::Metrics>,
    spec: &str,
) -> impl Endpoint + use<E> {
    routes
        .with(CatchPanic::new().with_handler(error::panicked))
        .catch_all_error(error::envelope)
        .with(allow::AllowHeader::new(spec))
        .with(limits::RequestLimits::new(&config.http))
        .with(limits::RateLimit::new(&config.rate_limits, &config.http))
        .with_if(!config.http.cors_origins.is_empty(), cors(&config.http))
        .before(|mut req: Request| async move {
            if is_same_origin(&req) {
                req.headers_mut().remove(header::ORIGIN);
            }
            Ok(req)
        })
        .with(observe::Observe::new(metrics, spec))
}

/// Cross-origin access for the configured origins: the bearer token in a header, no cookies.
fn cors(http: &HttpSettings) -> Cors {
    Cors::new()
        .allow_origins(http.cors_origins.iter().map(String::as_str))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
        .allow_headers([
            "authorization",
            "content-type",
            "last-event-id",
            observe::REQUEST_ID_HEADER,
        ])
        .expose_headers([
            observe::REQUEST_ID_HEADER,
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "retry-after",
        ])
        .max_age(600)
}

/// Whether the request's `Origin` is the host it is sent to: browsers send one with a page's
/// own POSTs too, and the docs pages must keep working when CORS is configured.
fn is_same_origin(req: &Request) -> bool {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok());
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// Reads a JSON object body as JSON even when it arrives without `Content-Type:
/// application/json`, as `curl -d '{…}'` sends it (form-encoded). Any other body is left alone.
/// Reads at most the given number of bytes.
struct LenientJson(usize);

impl<E: Endpoint> Middleware<E> for LenientJson {
    type Output = LenientJsonEndpoint<E>;

    fn transform(&self, ep: E) -> Self::Output {
        LenientJsonEndpoint(ep, self.0)
    }
}

struct LenientJsonEndpoint<E>(E, usize);

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
                .into_bytes_limit(self.1)
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

#[cfg(test)]
mod tests {
    use poem::http::StatusCode;
    use poem::test::TestClient;
    use poem::{get, handler};
    use serde_json::Value;

    use super::*;

    #[handler]
    async fn bug() -> &'static str {
        panic!("a bug in a handler")
    }

    #[handler]
    async fn fine() -> &'static str {
        "fine"
    }

    async fn body(response: poem::test::TestResponse) -> Value {
        let text = response.0.into_body().into_string().await.unwrap();
        serde_json::from_str(&text).unwrap()
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_envelope_and_the_server_goes_on() {
        let metrics = Arc::new(metrics::Metrics::default());
        let routes = Route::new().at("/bug", get(bug)).at("/fine/:n", get(fine));
        let client = TestClient::new(layers(routes, &Config::for_tools(), metrics.clone(), "{}"));

        let response = client
            .get("/bug")
            .header("x-request-id", "t-1")
            .send()
            .await;
        response.assert_status(StatusCode::INTERNAL_SERVER_ERROR);
        response.assert_header("x-request-id", "t-1");
        response.assert_content_type("application/json");
        let error = &body(response).await["error"];
        assert_eq!(error["code"], "INTERNAL");
        assert_eq!(error["request_id"], "t-1");

        client.get("/fine/1").send().await.assert_text("fine").await;
        let response = client.get("/nowhere").send().await;
        response.assert_status(StatusCode::NOT_FOUND);
        let id = response.0.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(body(response).await["error"]["request_id"], id.as_str());
        assert_eq!(metrics.requests(), 3);
    }

    #[tokio::test]
    async fn a_same_origin_request_is_not_cross_origin() {
        let mut config = Config::for_tools();
        config.http.cors_origins = vec!["https://app.example".into()];
        let routes = Route::new().at("/fine/:n", get(fine));
        let client = TestClient::new(layers(routes, &config, Default::default(), "{}"));
        client
            .get("/fine/1")
            .header("host", "127.0.0.1:8088")
            .header("origin", "http://127.0.0.1:8088")
            .send()
            .await
            .assert_status_is_ok();
        let response = client
            .get("/fine/1")
            .header("host", "127.0.0.1:8088")
            .header("origin", "https://elsewhere.example")
            .send()
            .await;
        response.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(body(response).await["error"]["code"], "FORBIDDEN");
    }
}
