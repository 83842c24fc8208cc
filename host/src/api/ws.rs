//! `GET /ws/chat`: the chat over a WebSocket, for browsers and long-lived clients.
//!
//! Every frame is a JSON text message with a `type`. The client sends `chat` (the fields of
//! `POST /api/v1/chat`), `confirm` (`session_id`, `confirm`) and `ping`; the server answers a
//! chat with the events of [`stream::chat`] as `delta`, `tool`, `confirm_request`, then `done`
//! (the `/api/v1/chat` answer) or `error` (the envelope), and a ping with `pong`. Chats on one
//! socket are answered one after another, in the order they were sent.
//!
//! Browsers cannot set headers on a WebSocket nor read the status of a refused upgrade, so the
//! token may also come as a `token` query parameter or as the subprotocols `bearer, <token>`,
//! and a client without a valid one is let in only to be closed with code 4001. A socket of a
//! device that is revoked is closed with 4001 at once; on shutdown, the chat being answered
//! is finished first, then the socket is closed with 1001 (going away).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::{SinkExt, StreamExt};
use poem::http::{StatusCode, header};
use poem::web::Data;
use poem::web::websocket::{CloseCode, Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::{IntoResponse, Request, handler};
use poem_openapi::types::{ParseFromJSON, ToJSON};
use serde_json::Value;

use super::chat::ChatRequest;
use super::metrics::Stream;
use super::stream::{self, ChatStreamEvent};
use super::{ApiError, AppState, auth};
use crate::brain;
use crate::devices::Identity;

/// The close code for a client without a valid token.
const UNAUTHORIZED: u16 = 4001;

/// The subprotocol that carries a token: the client offers `bearer, <token>`.
const BEARER_PROTOCOL: &str = "bearer";

/// Largest frame read; like the HTTP API's body limit.
const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Most chats a socket may have waiting behind the one being answered.
const MAX_WAITING: usize = 16;

/// How long a socket being closed waits for the client's close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Upgrades to a WebSocket and serves chats on it until the client or the server closes it.
#[handler]
pub async fn chat(
    req: &Request,
    ws: poem::Result<WebSocket>,
    Data(app): Data<&Arc<AppState>>,
) -> poem::Result<impl IntoResponse> {
    let ws = ws.map_err(|e| {
        poem::Error::from_string(
            format!("{e}: /ws/chat is a WebSocket; connect with a WebSocket client"),
            StatusCode::BAD_REQUEST,
        )
    })?;
    let identity = if auth::is_local(req) {
        Some(Identity::Local)
    } else {
        presented_tokens(req)
            .iter()
            .find_map(|token| auth::identify(req, token))
    };
    // Taken now, so a revocation between here and the upgrade still ends the socket.
    let cut_off = identity
        .as_ref()
        .map(|identity| app.devices.cut_off(identity));
    let app = app.clone();
    Ok(ws
        .protocols([BEARER_PROTOCOL])
        .config(WebSocketConfig::default().max_message_size(Some(MAX_FRAME_BYTES)))
        .on_upgrade(move |mut socket| {
            let sessions = app.sessions.clone();
            sessions.track_future(async move {
                if let Some(cut_off) = cut_off {
                    let _open = app.metrics.open(Stream::WebSocket);
                    serve(&mut socket, &app, &cut_off).await;
                } else {
                    let reason = "unauthorized: send the API token or a device token as a \
                                  Bearer header, ?token= or the subprotocols `bearer, <token>`";
                    close(&mut socket, CloseCode::from(UNAUTHORIZED), reason).await;
                }
            })
        }))
}

/// Every token the request offers: in `Authorization: Bearer`, the `token` query parameter,
/// or the subprotocol after `bearer` in `Sec-WebSocket-Protocol`.
pub(super) fn presented_tokens(req: &Request) -> Vec<String> {
    let mut tokens = Vec::new();
    if let Some(value) = req.headers().get(header::AUTHORIZATION)
        && let Ok(value) = value.to_str()
        && let Some((scheme, token)) = value.split_once(' ')
        && scheme.eq_ignore_ascii_case("bearer")
    {
        tokens.push(token.trim().to_owned());
    }
    #[derive(serde::Deserialize)]
    struct TokenQuery {
        token: Option<String>,
    }
    if let Ok(TokenQuery { token: Some(token) }) = req.params::<TokenQuery>() {
        tokens.push(token);
    }
    for value in req.headers().get_all(header::SEC_WEBSOCKET_PROTOCOL) {
        let Ok(value) = value.to_str() else { continue };
        let mut protocols = value.split(',').map(str::trim);
        if protocols.any(|p| p == BEARER_PROTOCOL)
            && let Some(token) = protocols.next()
        {
            tokens.push(token.to_owned());
        }
    }
    tokens
}

/// What a client frame asks for.
enum Frame {
    Chat(brain::ChatRequest),
    Ping,
}

/// Reads a client frame; the error is what to tell the client.
fn parse(text: &str) -> Result<Frame, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("a frame must be a JSON object: {e}"))?;
    match value.get("type").and_then(Value::as_str) {
        Some("chat") => ChatRequest::parse_from_json(Some(value))
            .map(|request| Frame::Chat(request.into_brain()))
            .map_err(|e| format!("bad chat frame: {}", e.into_message())),
        Some("confirm") => {
            let session_id = value.get("session_id").and_then(Value::as_str);
            let confirm = value.get("confirm").and_then(Value::as_bool);
            let (Some(session_id), Some(confirm)) = (session_id, confirm) else {
                return Err(
                    "a confirm frame needs `session_id` (a string) and `confirm` (true or false)"
                        .into(),
                );
            };
            // The brain decides by `confirm`; the words are what the conversation shows.
            Ok(Frame::Chat(brain::ChatRequest {
                message: if confirm { "yes" } else { "no" }.into(),
                session_id: Some(session_id.to_owned()),
                confirm: Some(confirm),
                ..Default::default()
            }))
        }
        Some("ping") => Ok(Frame::Ping),
        _ => Err("a frame needs `type`: \"chat\", \"confirm\" or \"ping\"".into()),
    }
}

/// A server frame: `body` (an object) with its `type`.
fn frame(kind: &str, body: Option<Value>) -> Message {
    let mut body = match body {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    body.insert("type".into(), kind.into());
    Message::Text(Value::Object(body).to_string())
}

fn event_frame(event: &ChatStreamEvent) -> Message {
    let kind = match event {
        ChatStreamEvent::Confirm(_) => "confirm_request",
        other => other.name(),
    };
    frame(kind, event.to_json())
}

fn error_frame(message: String) -> Message {
    let error = ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message).into_body();
    frame("error", error.to_json())
}

/// Serves an authorised socket until the client closes it, its device is revoked (`cut_off`)
/// or the server shuts down.
async fn serve(
    socket: &mut WebSocketStream,
    app: &Arc<AppState>,
    cut_off: &tokio_util::sync::CancellationToken,
) {
    let mut answering: Option<BoxStream<'static, ChatStreamEvent>> = None;
    let mut waiting: VecDeque<brain::ChatRequest> = VecDeque::new();
    let mut stopping = false;
    loop {
        if answering.is_none() {
            if stopping {
                close(socket, CloseCode::Away, "Bantz is shutting down").await;
                return;
            }
            if let Some(request) = waiting.pop_front() {
                answering = Some(stream::chat(app.clone(), request));
            }
        }
        let reply = tokio::select! {
            _ = cut_off.cancelled() => {
                close(socket, CloseCode::from(UNAUTHORIZED), "this device was revoked").await;
                return;
            }
            // The chat being answered still gets its answer; the ones waiting are dropped.
            _ = app.shutdown.cancelled(), if !stopping => {
                stopping = true;
                waiting.clear();
                continue;
            }
            event = async { answering.as_mut()?.next().await }, if answering.is_some() => {
                match event {
                    Some(event) => event_frame(&event),
                    None => {
                        answering = None;
                        continue;
                    }
                }
            }
            message = socket.next(), if !stopping => match message {
                Some(Ok(Message::Text(text))) => match parse(&text) {
                    Ok(Frame::Ping) => frame("pong", None),
                    Ok(Frame::Chat(_)) if waiting.len() >= MAX_WAITING => error_frame(format!(
                        "{MAX_WAITING} chats are already waiting on this socket; wait for their `done`"
                    )),
                    Ok(Frame::Chat(request)) => {
                        waiting.push_back(request);
                        continue;
                    }
                    Err(message) => error_frame(message),
                },
                Some(Ok(Message::Binary(_))) => {
                    error_frame("frames must be JSON text, not binary".into())
                }
                // Protocol pings are answered by the WebSocket layer itself.
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            },
        };
        if socket.send(reply).await.is_err() {
            return;
        }
    }
}

/// Closes the socket with a code and a reason, and waits a little for the client's answer.
async fn close(socket: &mut WebSocketStream, code: CloseCode, reason: &str) {
    if socket
        .send(Message::Close(Some((code, reason.into()))))
        .await
        .is_err()
    {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(_)) = socket.next().await {}
    })
    .await;
}
