//! The chat surfaces as a client meets them: JSON (`POST /api/v1/chat`), server-sent events
//! (`POST /api/v1/chat/stream`, or `stream: true`) and the WebSocket (`/ws/chat`), all one chat.

use std::time::Duration;

use bantz_tests::{
    Bantz, Options, TOKEN, Value, WebSocket, json, json_error, json_ok, skill, test_skill,
    websocket,
};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

async fn start() -> Bantz {
    Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        ..Default::default()
    })
    .await
}

/// One server-sent event.
#[derive(Debug)]
struct Sse {
    id: String,
    event: String,
    data: Value,
}

/// POSTs `body` to `path`, asserts an event stream, and reads it to its end.
async fn sse(bantz: &Bantz, path: &str, body: &Value) -> Vec<Sse> {
    let response = bantz.post(path, body).await;
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(
        content_type.starts_with("text/event-stream"),
        "not a stream ({content_type}): {text}"
    );
    // Events are separated by a blank line; lines starting with `:` are keep-alive comments.
    text.split("\n\n")
        .filter(|block| block.lines().any(|l| !l.starts_with(':')))
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or_else(|| panic!("no {name} in {block:?}"))
                    .trim()
                    .to_owned()
            };
            Sse {
                id: field("id:"),
                event: field("event:"),
                data: serde_json::from_str(&field("data:")).unwrap(),
            }
        })
        .collect()
}

fn names(events: &[Sse]) -> Vec<&str> {
    events.iter().map(|e| e.event.as_str()).collect()
}

/// The parts of an answer that must not depend on the surface: everything but the session,
/// the timing and the skill's timestamps.
fn comparable(answer: &Value) -> Value {
    let mut answer = answer.clone();
    let map = answer.as_object_mut().unwrap();
    for volatile in ["session_id", "latency_ms", "data"] {
        map.remove(volatile);
    }
    answer
}

/// A socket that presents the harness token as a header.
async fn ws(bantz: &Bantz) -> WebSocket {
    websocket(bantz, "", &[("authorization", &format!("Bearer {TOKEN}"))]).await
}

async fn ws_send(socket: &mut WebSocket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

/// The next message from the server, or panics after a while.
async fn ws_next(socket: &mut WebSocket) -> Message {
    tokio::time::timeout(Duration::from_secs(30), socket.next())
        .await
        .expect("no frame from the server in 30s")
        .expect("the server closed the socket")
        .unwrap()
}

/// The next JSON frame.
async fn ws_frame(socket: &mut WebSocket) -> Value {
    match ws_next(socket).await {
        Message::Text(text) => serde_json::from_str(&text).unwrap(),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Sends `frame` and reads the frames it brings, up to `done` or `error`.
async fn ws_chat(socket: &mut WebSocket, frame: Value) -> Vec<Value> {
    ws_send(socket, frame).await;
    let mut frames = Vec::new();
    loop {
        let frame = ws_frame(socket).await;
        let last = frame["type"] == "done" || frame["type"] == "error";
        frames.push(frame);
        if last {
            return frames;
        }
    }
}

fn types(frames: &[Value]) -> Vec<&str> {
    frames.iter().map(|f| f["type"].as_str().unwrap()).collect()
}

/// The code of the close frame the server sends next.
async fn close_code(socket: &mut WebSocket) -> (u16, String) {
    match ws_next(socket).await {
        Message::Close(Some(frame)) => (frame.code.into(), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn the_stream_shows_the_tool_then_the_text_then_the_same_answer_as_json() {
    let bantz = Bantz::start().await;
    let events = sse(
        &bantz,
        "/api/v1/chat/stream",
        &json!({"message": "saat kaç"}),
    )
    .await;
    assert_eq!(names(&events), ["tool", "delta", "done"], "{events:#?}");
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    assert_eq!(events[0].data, json!({"name": "clock.now"}));
    let done = &events[2].data;
    assert_eq!(events[1].data["text"], done["response"]);

    let rest = bantz.chat("saat kaç").await;
    let keys = |v: &Value| {
        let mut keys: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    };
    assert_eq!(keys(done), keys(&rest), "done is the /chat answer: {done}");
    for field in ["tools_used", "tier", "locale", "requires_confirmation"] {
        assert_eq!(done[field], rest[field], "{field}");
    }
    assert_eq!(done["tools_used"], json!(["clock.now"]));
    assert_eq!(done["tier"], "rules");
    assert_eq!(done["locale"], "tr");
}

#[tokio::test]
async fn the_stream_asks_for_confirmation_and_a_yes_in_the_same_session_runs_it() {
    let bantz = start().await;
    let asked = sse(
        &bantz,
        "/api/v1/chat/stream",
        &json!({"message": "reset the ticks"}),
    )
    .await;
    assert_eq!(names(&asked), ["confirm", "done"], "{asked:#?}");
    let prompt = asked[0].data["prompt"].as_str().unwrap();
    assert!(prompt.contains("Reset the tick counter"), "{prompt}");
    let done = &asked[1].data;
    assert_eq!(done["requires_confirmation"], true);
    assert_eq!(done["confirmation_prompt"], prompt);
    assert_eq!(done["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);

    let session = done["session_id"].as_str().unwrap();
    let ran = sse(
        &bantz,
        "/api/v1/chat/stream",
        &json!({"message": "yes", "session_id": session}),
    )
    .await;
    assert_eq!(names(&ran), ["tool", "delta", "done"], "{ran:#?}");
    assert_eq!(ran[0].data["name"], "ticker.reset");
    assert_eq!(ran[2].data["tools_used"], json!(["ticker.reset"]));
    assert_eq!(ran[2].data["session_id"], session);
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);
}

#[tokio::test]
async fn a_failure_while_answering_is_an_error_event_and_a_bad_request_is_no_stream() {
    let bantz = Bantz::start().await;
    json_ok(bantz.post("/api/v1/skills/clock/disable", &json!({})).await).await;
    let events = sse(
        &bantz,
        "/api/v1/chat/stream",
        &json!({"message": "saat kaç"}),
    )
    .await;
    assert_eq!(names(&events), ["tool", "error"], "{events:#?}");
    assert_eq!(events[1].id, "2");
    let error = &events[1].data["error"];
    assert_eq!(error["code"], "SKILL_DISABLED", "{error}");
    assert!(error["message"].as_str().unwrap().contains("disabled"));

    // Refused before anything runs: a plain JSON error, not a stream.
    json_error(
        bantz
            .post("/api/v1/chat/stream", &json!({"message": "   "}))
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    json_error(
        bantz
            .post(
                "/api/v1/chat/stream",
                &json!({"message": "hi", "session_id": "no spaces/allowed"}),
            )
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let anonymous = bantz
        .http
        .post(bantz.url("/api/v1/chat/stream"))
        .json(&json!({"message": "saat kaç"}))
        .send()
        .await
        .unwrap();
    json_error(anonymous, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn stream_true_on_chat_answers_with_the_same_events() {
    let bantz = Bantz::start().await;
    let events = sse(
        &bantz,
        "/api/v1/chat",
        &json!({"message": "what time is it?", "stream": true}),
    )
    .await;
    assert_eq!(names(&events), ["tool", "delta", "done"], "{events:#?}");
    assert_eq!(events[2].data["tools_used"], json!(["clock.now"]));
    assert_eq!(events[2].data["locale"], "en");
    // `stream: false` is the plain JSON answer.
    let answer = json_ok(
        bantz
            .post(
                "/api/v1/chat",
                &json!({"message": "what time is it?", "stream": false}),
            )
            .await,
    )
    .await;
    assert_eq!(answer["tools_used"], json!(["clock.now"]));
}

#[tokio::test]
async fn the_websocket_chats_answers_pings_and_survives_bad_frames() {
    let bantz = Bantz::start().await;
    let mut socket = ws(&bantz).await;
    let frames = ws_chat(&mut socket, json!({"type": "chat", "message": "saat kaç"})).await;
    assert_eq!(types(&frames), ["tool", "delta", "done"], "{frames:#?}");
    assert_eq!(frames[0]["name"], "clock.now");
    let done = &frames[2];
    assert_eq!(frames[1]["text"], done["response"]);
    assert_eq!(done["tools_used"], json!(["clock.now"]));
    assert_eq!(done["tier"], "rules");
    assert_eq!(done["locale"], "tr");
    assert_eq!(done["requires_confirmation"], false);

    ws_send(&mut socket, json!({"type": "ping"})).await;
    assert_eq!(ws_frame(&mut socket).await, json!({"type": "pong"}));

    for bad in [
        Message::text("not json"),
        Message::text(r#"{"type":"shout"}"#),
        Message::text(r#"{"type":"chat"}"#),
        Message::binary(vec![1, 2, 3]),
    ] {
        socket.send(bad.clone()).await.unwrap();
        let error = ws_frame(&mut socket).await;
        assert_eq!(error["type"], "error", "{bad:?}: {error}");
        assert_eq!(error["error"]["code"], "BAD_REQUEST", "{bad:?}: {error}");
    }
    // A chat frame that the schema of `POST /api/v1/chat` refuses (a blank message) is a bad
    // frame, in the envelope too.
    let frames = ws_chat(&mut socket, json!({"type": "chat", "message": " "})).await;
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["error"]["code"], "BAD_REQUEST");

    // Still open, and the conversation continues by session.
    let session = done["session_id"].as_str().unwrap();
    let frames = ws_chat(
        &mut socket,
        json!({"type": "chat", "message": "what time is it?", "session_id": session}),
    )
    .await;
    assert_eq!(frames.last().unwrap()["session_id"], session);

    // Chats sent at once are answered one after another, in order.
    ws_send(&mut socket, json!({"type": "chat", "message": "saat kaç"})).await;
    ws_send(
        &mut socket,
        json!({"type": "chat", "message": "sing me a song"}),
    )
    .await;
    let mut frames = Vec::new();
    while frames
        .iter()
        .filter(|f: &&Value| f["type"] == "done")
        .count()
        < 2
    {
        frames.push(ws_frame(&mut socket).await);
    }
    assert_eq!(
        types(&frames),
        ["tool", "delta", "done", "delta", "done"],
        "{frames:#?}"
    );
    assert_eq!(frames[2]["tools_used"], json!(["clock.now"]));
    assert_eq!(frames[4]["tools_used"], json!([]));
}

#[tokio::test]
async fn the_websocket_asks_for_confirmation_and_a_confirm_frame_answers() {
    let bantz = start().await;
    let mut socket = ws(&bantz).await;
    let frames = ws_chat(
        &mut socket,
        json!({"type": "chat", "message": "reset the ticks"}),
    )
    .await;
    assert_eq!(types(&frames), ["confirm_request", "done"], "{frames:#?}");
    assert!(
        frames[0]["prompt"]
            .as_str()
            .unwrap()
            .contains("Reset the tick counter")
    );
    assert_eq!(frames[1]["requires_confirmation"], true);
    let session = frames[1]["session_id"].as_str().unwrap().to_owned();
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);

    // No cancels it, nothing runs.
    let frames = ws_chat(
        &mut socket,
        json!({"type": "confirm", "session_id": session, "confirm": false}),
    )
    .await;
    assert_eq!(types(&frames), ["delta", "done"], "{frames:#?}");
    assert_eq!(frames[1]["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);

    // Asked again, a yes runs it.
    ws_chat(
        &mut socket,
        json!({"type": "chat", "message": "reset the ticks", "session_id": session}),
    )
    .await;
    let frames = ws_chat(
        &mut socket,
        json!({"type": "confirm", "session_id": session, "confirm": true}),
    )
    .await;
    assert_eq!(types(&frames), ["tool", "delta", "done"], "{frames:#?}");
    assert_eq!(frames[2]["tools_used"], json!(["ticker.reset"]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);

    // A confirm with nothing waiting is the brain's error, and a confirm frame must be whole.
    let frames = ws_chat(
        &mut socket,
        json!({"type": "confirm", "session_id": session, "confirm": true}),
    )
    .await;
    assert_eq!(
        frames[0]["error"]["code"], "NOTHING_TO_CONFIRM",
        "{frames:#?}"
    );
    let frames = ws_chat(&mut socket, json!({"type": "confirm", "confirm": true})).await;
    assert_eq!(frames[0]["error"]["code"], "BAD_REQUEST", "{frames:#?}");
}

#[tokio::test]
async fn the_websocket_takes_the_token_from_a_query_or_a_subprotocol_and_closes_4001_without() {
    let bantz = Bantz::start().await;
    let ping = |mut socket: WebSocket| async move {
        ws_send(&mut socket, json!({"type": "ping"})).await;
        assert_eq!(ws_frame(&mut socket).await["type"], "pong");
    };
    ping(websocket(&bantz, &format!("?token={TOKEN}"), &[]).await).await;

    // The subprotocol way: offered `bearer, <token>`, the server picks `bearer`.
    let url = format!("{}/ws/chat", bantz.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(&format!("bearer, {TOKEN}")).unwrap(),
    );
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.headers()["sec-websocket-protocol"], "bearer");
    ping(socket).await;

    for (query, headers) in [
        ("", vec![]),
        ("?token=wrong", vec![]),
        ("", vec![("authorization", "Bearer wrong")]),
    ] {
        let mut socket = websocket(&bantz, query, &headers).await;
        let (code, reason) = close_code(&mut socket).await;
        assert_eq!(code, 4001, "{query} {headers:?}");
        assert!(reason.contains("unauthorized"), "{reason}");
    }
}

#[tokio::test]
async fn rest_sse_and_the_websocket_give_the_same_answer() {
    let bantz = Bantz::start().await;
    let mut socket = ws(&bantz).await;
    for message in ["saat kaç?", "what's the date today?", "sing me a song"] {
        // The clock's answer changes with the minute: if one turns over between the three
        // asks, ask all three again.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let rest = bantz.chat(message).await;
            let events = sse(&bantz, "/api/v1/chat/stream", &json!({"message": message})).await;
            let frames = ws_chat(&mut socket, json!({"type": "chat", "message": message})).await;
            let streamed = &events.last().unwrap().data;
            let mut socketed = frames.last().unwrap().clone();
            assert_eq!(socketed["type"], "done", "{frames:#?}");
            socketed.as_object_mut().unwrap().remove("type");
            let answers = [
                comparable(&rest),
                comparable(streamed),
                comparable(&socketed),
            ];
            if attempts < 2
                && (answers[0]["response"] != answers[1]["response"]
                    || answers[1]["response"] != answers[2]["response"])
            {
                continue;
            }
            assert_eq!(answers[0], answers[1], "{message}: REST and SSE");
            assert_eq!(answers[0], answers[2], "{message}: REST and WebSocket");
            // Streamed text adds up to the answer.
            let text: String = events
                .iter()
                .filter(|e| e.event == "delta")
                .map(|e| e.data["text"].as_str().unwrap())
                .collect();
            assert_eq!(text, streamed["response"].as_str().unwrap());
            break;
        }
    }
}
