//! `/api/v1/notifications`: the live notification stream (SSE, resumable with `Last-Event-ID`)
//! and the inbox.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{EventStream, Json};
use poem_openapi::{ApiResponse, Object, OpenApi, Union};
use tokio::sync::broadcast::error::RecvError;

use super::auth::BearerAuth;
use super::auth::StreamAuth;
use super::metrics::Stream;
use super::sse::{Events, Sse};
use super::{ApiError, ApiTags, AppState};
use crate::store::StoredNotification;

/// Comment lines that keep idle connections (and proxies) open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Notifications read from the store at a time while catching up.
const PAGE: u32 = 500;

/// A notification.
#[derive(Debug, Clone, Object)]
pub struct Notification {
    /// Increasing, persisted id; also the SSE event id.
    pub id: i64,
    /// `skill.<name>.<kind>` (e.g. `skill.reminders.reminder`) or `system.<kind>` (e.g.
    /// `system.skill.loaded`).
    #[oai(rename = "type")]
    pub event_type: String,
    pub title: String,
    pub body: String,
    /// Structured payload from the sender, if any.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<serde_json::Value>,
    /// When it was sent, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Whether the user has read it (`POST /api/v1/notifications/{id}/read`).
    pub read: bool,
    /// Sent during quiet hours, or a system event: show it without a sound.
    pub silent: bool,
}

impl From<StoredNotification> for Notification {
    fn from(n: StoredNotification) -> Self {
        Notification {
            id: n.id,
            event_type: n.event_type(),
            data: n.data.as_deref().and_then(|d| serde_json::from_str(d).ok()),
            title: n.title,
            body: n.body,
            created_at_ms: n.created_at_ms,
            read: n.read_at_ms.is_some(),
            silent: n.silent,
        }
    }
}

/// The first event of every stream.
#[derive(Debug, Clone, Object)]
pub struct Connected {
    /// The id the stream resumes after (0 for a fresh start).
    pub resumed_after: i64,
}

/// An event of the notification stream.
#[derive(Debug, Clone, Union)]
pub enum NotificationEvent {
    Connected(Connected),
    Notification(Notification),
}

impl Events for NotificationEvent {
    const SCHEMA: &'static str = "NotificationSse";
    const DESCRIPTION: &'static str = "One event of the notification stream: `connected` first, \
        without an id, then a `notification` for each notification, its id as the event's id.";
    const NAMES: &'static [&'static str] = &["connected", "notification"];
    const ALWAYS_ID: bool = false;
    const DATA: &'static str = "One JSON object, a `NotificationEvent`: `Connected` for \
        `connected`, `Notification` for `notification`.";
}

#[derive(ApiResponse)]
enum HistoryResponse {
    /// Newest first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<Notification>>),
}

#[derive(ApiResponse)]
enum ReadResponse {
    /// The notification, now read.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Notification>),
}

/// How many notifications were marked read.
#[derive(Debug, Object)]
pub struct Marked {
    pub marked: u64,
}

#[derive(ApiResponse)]
enum ReadAllResponse {
    /// Every notification is read now.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Marked>),
}

pub struct NotificationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Notifications")]
impl NotificationsApi {
    /// The live notification stream (server-sent events).
    ///
    /// The first event is `connected`. Then every notification is an event named `notification`
    /// whose `id:` is the notification's persisted, increasing id and whose data is a
    /// `Notification` (its `type` is `skill.<name>.<kind>` or `system.<kind>`). Reconnect with
    /// `Last-Event-ID` (browsers' EventSource does this by itself) or `?last_event_id=` and
    /// everything after that id is replayed first, so nothing is lost across a reconnect or a
    /// host restart; without either, the stream starts with what happens next
    /// (`?last_event_id=0` replays everything). Idle streams get a keep-alive comment every 15 s. Browsers' EventSource
    /// cannot send headers: pass the token as `?token=`. The stream ends when the server shuts
    /// down, and at once when the device whose token opened it is revoked.
    #[oai(
        path = "/notifications",
        method = "get",
        operation_id = "streamNotifications"
    )]
    async fn stream(
        &self,
        request: &poem::Request,
        Data(app): Data<&Arc<AppState>>,
        auth: StreamAuth,
        /// Only these types: a comma-separated list of types or prefixes, e.g.
        /// `skill.reminders,system`.
        types: Query<Option<String>>,
        /// Resume after this id (the `Last-Event-ID` header wins when both are given).
        last_event_id: Query<Option<i64>>,
        /// The id of the last event received, as browsers send it when they reconnect; empty
        /// is the same as none.
        #[oai(
            name = "Last-Event-ID",
            validator(max_length = 18, pattern = "^[0-9]*$")
        )]
        last_event_id_header: Header<Option<String>>,
    ) -> Result<Sse<NotificationEvent>, ApiError> {
        // poem passes over a header that is not visible ASCII as if it were absent.
        if request
            .headers()
            .get("last-event-id")
            .is_some_and(|v| v.to_str().is_err())
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
                "parameter `Last-Event-ID`: not a notification id",
            )
            .with_details(serde_json::json!({ "fields": ["Last-Event-ID"] })));
        }
        // The schema has made sure that a non-empty header is a number that fits.
        let from_header = last_event_id_header
            .0
            .as_deref()
            .filter(|text| !text.is_empty())
            .and_then(|text| text.parse::<i64>().ok());
        let resume = match from_header {
            Some(id) => id,
            None => match last_event_id.0 {
                Some(id) => id,
                // A fresh start: only what happens from now on.
                None => app.store.last_notification_id().await?,
            },
        };
        let types = parse_types(types.0.as_deref());
        // Ends when the server shuts down or the device that opened it is revoked.
        let (shutdown, cut_off) = (app.shutdown.clone(), app.devices.cut_off(auth.identity()));
        // Counted as open until the stream is dropped.
        let open = app.metrics.open(Stream::Notifications);
        let events = live(app.clone(), resume, types)
            .map(move |event| {
                let _open = &open;
                event
            })
            .take_until(async move {
                tokio::select! {
                    _ = shutdown.cancelled() => {}
                    _ = cut_off.cancelled() => {}
                }
            })
            .boxed();
        Ok(Sse(EventStream::new(events)
            .keep_alive(KEEP_ALIVE)
            .to_event(|event| match event {
                NotificationEvent::Connected(c) => poem::web::sse::Event::message(
                    serde_json::json!({ "resumed_after": c.resumed_after }).to_string(),
                )
                .event_type("connected"),
                NotificationEvent::Notification(n) => {
                    let id = n.id.to_string();
                    poem::web::sse::Event::message(
                        serde_json::to_string(&NotificationJson::from(&n)).unwrap_or_default(),
                    )
                    .event_type("notification")
                    .id(id)
                }
            })))
    }

    /// The inbox, newest first.
    ///
    /// Filter by `unread` and `types`; page with `before_id` (the id of the last notification
    /// of the previous page). A `limit` outside 1-500 answers 422 `VALIDATION_FAILED`.
    #[oai(
        path = "/notifications/history",
        method = "get",
        operation_id = "listNotifications"
    )]
    async fn history(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// Only unread ones.
        #[oai(default)]
        unread: Query<bool>,
        /// Only these types or prefixes, comma-separated (e.g. `skill.reminders`).
        types: Query<Option<String>>,
        /// Only notifications older than this id (for paging).
        before_id: Query<Option<i64>>,
        /// At most this many, 1 to 500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u32>>,
    ) -> Result<HistoryResponse, ApiError> {
        let limit = limit.0.unwrap_or(50);
        let types = parse_types(types.0.as_deref());
        let list = app
            .store
            .notification_history(unread.0, &types, before_id.0, limit)
            .await?;
        Ok(HistoryResponse::Ok(Json(
            list.into_iter().map(Into::into).collect(),
        )))
    }

    /// Marks one notification read.
    ///
    /// Answers the notification; 404 `NOTIFICATION_NOT_FOUND` when there is none with this id.
    #[oai(
        path = "/notifications/:id/read",
        method = "post",
        operation_id = "readNotification"
    )]
    async fn read(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The notification's id.
        id: Path<i64>,
    ) -> Result<ReadResponse, ApiError> {
        let n = app
            .store
            .mark_notification_read(id.0)
            .await?
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    "NOTIFICATION_NOT_FOUND",
                    format!("there is no notification {}", id.0),
                )
            })?;
        Ok(ReadResponse::Ok(Json(n.into())))
    }

    /// Marks every notification read.
    ///
    /// Answers how many were unread and are read now.
    #[oai(
        path = "/notifications/read-all",
        method = "post",
        operation_id = "readAllNotifications"
    )]
    async fn read_all(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<ReadAllResponse, ApiError> {
        let marked = app.store.mark_all_notifications_read().await?;
        Ok(ReadAllResponse::Ok(Json(Marked { marked })))
    }
}

/// The JSON of a notification event, as `Notification` serialises.
#[derive(serde::Serialize)]
struct NotificationJson<'a> {
    id: i64,
    #[serde(rename = "type")]
    event_type: &'a str,
    title: &'a str,
    body: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a serde_json::Value>,
    created_at_ms: i64,
    read: bool,
    silent: bool,
}

impl<'a> From<&'a Notification> for NotificationJson<'a> {
    fn from(n: &'a Notification) -> Self {
        NotificationJson {
            id: n.id,
            event_type: &n.event_type,
            title: &n.title,
            body: &n.body,
            data: n.data.as_ref(),
            created_at_ms: n.created_at_ms,
            read: n.read,
            silent: n.silent,
        }
    }
}

fn parse_types(types: Option<&str>) -> Vec<String> {
    types
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

fn wanted(types: &[String], n: &StoredNotification) -> bool {
    let t = n.event_type();
    types.is_empty()
        || types.iter().any(|w| {
            t == *w
                || t.strip_prefix(w.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
}

/// `connected`, then everything stored after `resume`, then live events; a listener that falls
/// behind the bus catches up from the store, so the ids it sends only ever increase.
fn live(
    app: Arc<AppState>,
    resume: i64,
    types: Vec<String>,
) -> BoxStream<'static, NotificationEvent> {
    struct State {
        app: Arc<AppState>,
        receiver: tokio::sync::broadcast::Receiver<StoredNotification>,
        queue: VecDeque<StoredNotification>,
        last: i64,
        catching_up: bool,
        types: Vec<String>,
        connected: bool,
    }
    // Subscribe before reading the store, so nothing falls between the two.
    let state = State {
        receiver: app.bus.subscribe(),
        app,
        queue: VecDeque::new(),
        last: resume,
        catching_up: true,
        types,
        connected: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if !s.connected {
            s.connected = true;
            return Some((
                NotificationEvent::Connected(Connected {
                    resumed_after: s.last,
                }),
                s,
            ));
        }
        loop {
            if let Some(n) = s.queue.pop_front() {
                s.last = n.id;
                if wanted(&s.types, &n) {
                    return Some((NotificationEvent::Notification(n.into()), s));
                }
                continue;
            }
            if s.catching_up {
                match s.app.store.notifications_after(s.last, PAGE).await {
                    Ok(page) if !page.is_empty() => {
                        s.queue.extend(page);
                        continue;
                    }
                    Ok(_) => s.catching_up = false,
                    Err(e) => {
                        tracing::error!(error = %e, "notification stream could not read the store");
                        return None;
                    }
                }
            }
            match s.receiver.recv().await {
                Ok(n) if n.id > s.last => s.queue.push_back(n),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => s.catching_up = true,
                Err(RecvError::Closed) => return None,
            }
        }
    })
    .boxed()
}
