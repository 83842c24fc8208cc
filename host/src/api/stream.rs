//! One chat seen while it is made, for the streaming surfaces: what [`Brain::chat`] reports on
//! its way ([`ChatEvent`]s), then its answer or its error, in that order. Server-sent events
//! (`/api/v1/chat/stream`, `stream: true`) and the WebSocket are two renderings of this one
//! stream; neither has its own copy of the pipeline.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, BoxStream};
use futures_util::{FutureExt, StreamExt};
use poem::http::StatusCode;
use poem::web::sse::Event;
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;
use poem_openapi::{Object, Union};
use tokio_util::sync::CancellationToken;

use super::chat::ChatResponse;
use super::metrics::Stream;
use super::sse::{Events, Sse};
use super::{ApiError, AppState, ErrorBody};
use crate::brain::{Brain, ChatEvent, ChatRequest};

/// How often an idle event stream sends a comment, so proxies do not close it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// A piece of the response text.
#[derive(Debug, Object)]
pub struct StreamDelta {
    /// The text; the pieces in order make the whole response.
    pub text: String,
}

/// A skill command about to run.
#[derive(Debug, Object)]
pub struct StreamTool {
    /// The command, as `skill.command`, e.g. `clock.now`.
    pub name: String,
}

/// A command waiting for the user's yes or no.
#[derive(Debug, Object)]
pub struct StreamConfirm {
    /// The question to show the user.
    pub prompt: String,
}

/// One event of a chat stream; which one is in the event's name (`event:` in SSE, `type` on
/// the WebSocket).
#[derive(Debug, Union)]
pub enum ChatStreamEvent {
    /// `delta`
    Delta(StreamDelta),
    /// `tool`
    Tool(StreamTool),
    /// `confirm` (`confirm_request` on the WebSocket)
    Confirm(StreamConfirm),
    /// `done`: the whole answer, as `/api/v1/chat` returns it; nothing follows.
    Done(ChatResponse),
    /// `error`: the error envelope; nothing follows.
    Error(ErrorBody),
}

impl ChatStreamEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            ChatStreamEvent::Delta(_) => "delta",
            ChatStreamEvent::Tool(_) => "tool",
            ChatStreamEvent::Confirm(_) => "confirm",
            ChatStreamEvent::Done(_) => "done",
            ChatStreamEvent::Error(_) => "error",
        }
    }
}

impl From<ChatEvent> for ChatStreamEvent {
    fn from(event: ChatEvent) -> ChatStreamEvent {
        match event {
            ChatEvent::Delta(text) => ChatStreamEvent::Delta(StreamDelta { text }),
            ChatEvent::Tool(name) => ChatStreamEvent::Tool(StreamTool { name }),
            ChatEvent::Confirm(prompt) => ChatStreamEvent::Confirm(StreamConfirm { prompt }),
        }
    }
}

/// Runs one chat through the brain and yields its events as they happen, then `Done` or
/// `Error`, last.
///
/// The chat runs in a task of its own and finishes, and is saved, even if the client goes
/// away: a command may already be running. Its events end when the brain drops the sender,
/// that is when the chat is over, so the answer always comes after every event.
pub fn chat(app: Arc<AppState>, request: ChatRequest) -> BoxStream<'static, ChatStreamEvent> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let answer = tokio::spawn(async move { app.brain.chat(request, Some(sender)).await });
    let events = stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((ChatStreamEvent::from(event), receiver))
    });
    let last = answer
        .map(|answer| match answer {
            Ok(Ok(outcome)) => ChatStreamEvent::Done(outcome.into()),
            Ok(Err(e)) => ChatStreamEvent::Error(ApiError::from(e).into_body()),
            Err(e) => {
                tracing::error!(error = %e, "a streamed chat panicked");
                ChatStreamEvent::Error(
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL",
                        "internal error",
                    )
                    .into_body(),
                )
            }
        })
        .into_stream();
    events.chain(last).boxed()
}

/// The server-sent events of a chat.
pub type ChatEventStream = Sse<ChatStreamEvent>;

impl Events for ChatStreamEvent {
    const SCHEMA: &'static str = "ChatStreamSse";
    const DESCRIPTION: &'static str = "One event of a chat stream: any `tool`, `delta` and \
        `confirm` events as the answer is made, then `done` or `error`, last; ids count 1, 2, 3…";
    const NAMES: &'static [&'static str] = &["tool", "delta", "confirm", "done", "error"];
    const ALWAYS_ID: bool = true;
    const DATA: &'static str = "One JSON object, a `ChatStreamEvent`: `StreamTool` for `tool`, \
        `StreamDelta` for `delta`, `StreamConfirm` for `confirm`, `ChatResponse` for `done`, \
        `ErrorBody` for `error`.";
}

/// A chat as server-sent events, numbered from 1; a request the brain refuses outright is an
/// error response instead, before any stream starts. The stream ends early when `cut_off` is
/// cancelled (its device was revoked). A shutdown does not end it: like any request in flight,
/// the chat is answered first (within the server's grace period).
pub fn sse(
    app: &Arc<AppState>,
    request: ChatRequest,
    cut_off: CancellationToken,
) -> Result<ChatEventStream, ApiError> {
    Brain::validate(&request)?;
    // Counted as open until the stream is dropped: finished, cut off, or the client went away.
    let open = app.metrics.open(Stream::ChatEvents);
    let events = chat(app.clone(), request)
        .take_until(cut_off.cancelled_owned())
        .map(move |event| {
            let _open = &open;
            event
        })
        .boxed();
    let mut id = 0u64;
    Ok(Sse(EventStream::new(events)
        .keep_alive(KEEP_ALIVE)
        .to_event(move |event| {
            id += 1;
            Event::message(event.to_json_string())
                .event_type(event.name())
                .id(id.to_string())
        })))
}
