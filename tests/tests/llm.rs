//! The optional LLM tiers, against a local server that speaks the OpenAI chat-completions wire
//! format: streamed text, streamed tool calls, whole JSON answers, errors and a server that
//! never answers. The host is configured with `[llm.fast]` and `[llm.quality]` as a user would.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bantz_tests::{Bantz, Options, Value, json, json_ok, skill, test_skill};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake server does with one request.
#[derive(Clone)]
enum Script {
    /// `text/event-stream`: these chunks, each as `data: {...}`, then `data: [DONE]`.
    Stream(Vec<Value>),
    /// A whole `application/json` answer, as a server that ignores `stream: true` sends.
    Json(Value),
    /// An error status with an OpenAI-style error body.
    Status(u16),
    /// Reads the request and never answers; the connection ends when the client gives up.
    Hang,
    /// Starts a stream with these chunks, then drops the connection half-way.
    BreakOff(Vec<Value>),
}

/// A local OpenAI-compatible server. It answers requests with its script in order (the last
/// entry again once the script is used up) and records every request body.
struct FakeLlm {
    base_url: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

impl FakeLlm {
    async fn start(script: Vec<Script>) -> FakeLlm {
        assert!(!script.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Value>>> = Arc::default();
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(socket, script.clone(), recorded.clone()));
            }
        });
        FakeLlm { base_url, requests }
    }

    /// The request bodies so far.
    fn requests(&self) -> Vec<Value> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut socket: TcpStream,
    script: Arc<Mutex<VecDeque<Script>>>,
    requests: Arc<Mutex<Vec<Value>>>,
) {
    let mut buf = Vec::new();
    let header_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let request_line = head.lines().next().unwrap_or_default().to_owned();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.trim().parse().unwrap())
        .unwrap_or(0);
    while buf.len() < header_end + length {
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let mut body: Value = serde_json::from_slice(&buf[header_end..header_end + length])
        .unwrap_or_else(|e| json!({"unparsable": e.to_string()}));
    body["_request_line"] = request_line.into();
    let authorization = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.trim().to_owned());
    body["_authorization"] = authorization.into();
    requests.lock().unwrap().push(body);

    let next = {
        let mut script = script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front().unwrap()
        } else {
            script.front().unwrap().clone()
        }
    };
    let _ = match next {
        Script::Stream(chunks) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            let mut result = socket.write_all(head.as_bytes()).await;
            let events = chunks
                .iter()
                .map(|c| format!("data: {c}\n\n"))
                .chain([": a comment line\n\ndata: [DONE]\n\n".to_owned()]);
            for event in events {
                let chunk = format!("{:x}\r\n{event}\r\n", event.len());
                result = result.and(socket.write_all(chunk.as_bytes()).await);
                result = result.and(socket.flush().await);
            }
            result.and(socket.write_all(b"0\r\n\r\n").await)
        }
        Script::BreakOff(chunks) => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            let mut result = socket.write_all(head.as_bytes()).await;
            for chunk in chunks {
                let event = format!("data: {chunk}\n\n");
                let chunk = format!("{:x}\r\n{event}\r\n", event.len());
                result = result.and(socket.write_all(chunk.as_bytes()).await);
            }
            result
        }
        Script::Json(value) => respond(&mut socket, 200, &value).await,
        Script::Status(status) => {
            let error = json!({"error": {"message": "scripted failure", "type": "server_error"}});
            respond(&mut socket, status, &error).await
        }
        Script::Hang => {
            let mut rest = [0u8; 1024];
            while let Ok(n) = socket.read(&mut rest).await {
                if n == 0 {
                    break;
                }
            }
            Ok(())
        }
    };
}

async fn respond(socket: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let response = format!(
        "HTTP/1.1 {status} Scripted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(response.as_bytes()).await
}

/// A streamed text answer in these pieces, with a final usage chunk.
fn text(pieces: &[&str]) -> Script {
    let mut chunks = vec![json!({"id": "c1", "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]})];
    for piece in pieces {
        chunks.push(json!({"id": "c1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": piece}}]}));
    }
    chunks
        .push(json!({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}));
    chunks.push(json!({"id": "c1", "choices": [],
        "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18}}));
    Script::Stream(chunks)
}

/// A streamed call of the tool `name`, its arguments split into these pieces.
fn tool_call(name: &str, arguments: &[&str]) -> Script {
    let mut chunks = vec![json!({"id": "c2", "choices": [{"index": 0, "delta": {
        "role": "assistant", "content": null,
        "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                        "function": {"name": name, "arguments": ""}}]}}]})];
    for piece in arguments {
        chunks.push(json!({"id": "c2", "choices": [{"index": 0, "delta": {
            "tool_calls": [{"index": 0, "function": {"arguments": piece}}]}}]}));
    }
    chunks.push(
        json!({"id": "c2", "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]}),
    );
    chunks.push(json!({"id": "c2", "choices": [],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}}));
    Script::Stream(chunks)
}

/// `[llm.<tier>]` pointing at `server`, with extra lines.
fn tier(name: &str, server: &FakeLlm, extra: &str) -> String {
    format!(
        "[llm.{name}]\nbase_url = \"{}\"\nmodel = \"{name}-model\"\n{extra}\n",
        server.base_url
    )
}

async fn start(config: String) -> Bantz {
    Bantz::start_with(Options {
        config: Some(config),
        ..Default::default()
    })
    .await
}

async fn chat(bantz: &Bantz, body: Value) -> Value {
    json_ok(bantz.post("/api/v1/chat", &body).await).await
}

async fn health(bantz: &Bantz) -> Value {
    json_ok(
        bantz
            .http
            .get(bantz.url("/api/v1/health"))
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The `role` of every message of a recorded request, in order.
fn roles(request: &Value) -> Vec<&str> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn an_unmatched_message_is_answered_by_the_fast_tier_with_the_skills_as_tools() {
    let fast = FakeLlm::start(vec![
        text(&["Why did the ", "owl ", "cross the road?"]),
        text(&["Another one."]),
    ])
    .await;
    let bantz = start(tier("fast", &fast, "")).await;

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "llm", "{answer}");
    assert_eq!(answer["llm_tier"], "fast", "{answer}");
    assert_eq!(answer["response"], "Why did the owl cross the road?");
    assert_eq!(answer["tools_used"], json!([]));
    assert_eq!(
        answer["tokens"],
        json!({"prompt": 11, "completion": 7, "total": 18})
    );

    let requests = fast.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(
        request["_request_line"]
            .as_str()
            .unwrap()
            .starts_with("POST /v1/chat/completions "),
        "{request}"
    );
    assert_eq!(request["_authorization"], Value::Null, "no key configured");
    assert_eq!(request["model"], "fast-model");
    assert_eq!(request["stream"], true);
    assert_eq!(request["stream_options"], json!({"include_usage": true}));
    assert_eq!(roles(request), ["system", "user"]);
    let system = request["messages"][0]["content"].as_str().unwrap();
    assert!(
        system.contains("Turkish") && system.contains("tool"),
        "{system}"
    );
    assert_eq!(request["messages"][1]["content"], "tell me a joke");
    let tools = request["tools"].as_array().unwrap();
    let now = tools
        .iter()
        .find(|t| t["function"]["name"] == "clock__now")
        .unwrap_or_else(|| panic!("no clock__now in {tools:#?}"));
    assert_eq!(now["type"], "function");
    assert_eq!(now["function"]["description"], "The current time");
    assert_eq!(
        now["function"]["parameters"],
        json!({"type": "object", "properties": {}})
    );
    assert!(
        tools
            .iter()
            .any(|t| t["function"]["name"] == "clock__today")
    );
    assert!(request.get("temperature").is_none() && request.get("max_tokens").is_none());

    // The conversation so far goes along with the next message.
    let session = answer["session_id"].as_str().unwrap();
    let again = chat(
        &bantz,
        json!({"message": "one more please", "session_id": session}),
    )
    .await;
    assert_eq!(again["response"], "Another one.");
    let request = &fast.requests()[1];
    assert_eq!(roles(request), ["system", "user", "assistant", "user"]);
    assert_eq!(request["messages"][1]["content"], "tell me a joke");
    assert_eq!(
        request["messages"][2]["content"],
        "Why did the owl cross the road?"
    );
    assert_eq!(request["messages"][3]["content"], "one more please");

    let messages = json_ok(
        bantz
            .get(&format!("/api/v1/conversations/{session}/messages"))
            .await,
    )
    .await;
    assert!(
        messages
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["tier"] == "llm" && m["llm_tier"] == "fast"),
        "{messages}"
    );
}

#[tokio::test]
async fn a_tool_call_runs_the_skill_and_its_reply_goes_back_to_the_model() {
    let fast = FakeLlm::start(vec![
        tool_call("clock__now", &["{", "}"]),
        text(&["Quite late: ", "past your bedtime."]),
    ])
    .await;
    let bantz = start(tier("fast", &fast, "")).await;

    let answer = chat(&bantz, json!({"message": "I wonder how late it has got"})).await;
    assert_eq!(answer["tier"], "llm", "{answer}");
    assert_eq!(answer["llm_tier"], "fast", "{answer}");
    assert_eq!(answer["tools_used"], json!(["clock.now"]));
    assert_eq!(answer["response"], "Quite late: past your bedtime.");
    assert_eq!(
        answer["tokens"],
        json!({"prompt": 31, "completion": 12, "total": 43}),
        "the usage of both requests"
    );
    assert_eq!(bantz.skill_status("clock").await["invocations"], 1);

    let requests = fast.requests();
    assert_eq!(requests.len(), 2);
    let second = &requests[1];
    assert_eq!(roles(second), ["system", "user", "assistant", "tool"]);
    let call = &second["messages"][2]["tool_calls"][0];
    assert_eq!(call["id"], "call_1");
    assert_eq!(call["function"]["name"], "clock__now");
    assert_eq!(call["function"]["arguments"], "{}");
    let result = &second["messages"][3];
    assert_eq!(result["tool_call_id"], "call_1");
    let content = result["content"].as_str().unwrap();
    assert!(
        content.starts_with("It's ") && content.contains("\"timezone\""),
        "the clock's reply and data: {content}"
    );
}

#[tokio::test]
async fn whole_json_answers_work_when_the_server_does_not_stream() {
    let fast = FakeLlm::start(vec![
        Script::Json(json!({
            "id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": null,
                "tool_calls": [{"id": "t1", "type": "function",
                    "function": {"name": "clock__today", "arguments": "{}"}}]}}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}
        })),
        Script::Json(json!({
            "id": "y", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": "stop",
                "message": {"role": "assistant", "content": "A fine day."}}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12}
        })),
    ])
    .await;
    let bantz = start(tier("fast", &fast, "")).await;
    let answer = chat(&bantz, json!({"message": "anything special about today"})).await;
    assert_eq!(answer["response"], "A fine day.", "{answer}");
    assert_eq!(answer["tools_used"], json!(["clock.today"]));
    assert_eq!(answer["tokens"]["total"], 19);
    assert_eq!(fast.requests()[1]["messages"][3]["tool_call_id"], "t1");
}

#[tokio::test]
async fn a_tool_call_to_a_command_that_needs_confirmation_waits_for_a_yes() {
    let fast = FakeLlm::start(vec![tool_call("ticker__reset", &["{}"])]).await;
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        config: Some(tier("fast", &fast, "")),
        ..Default::default()
    })
    .await;

    let asked = chat(&bantz, json!({"message": "please zero the tally"})).await;
    assert_eq!(asked["requires_confirmation"], true, "{asked}");
    assert!(
        asked["confirmation_prompt"]
            .as_str()
            .unwrap()
            .contains("Reset the tick counter"),
        "{asked}"
    );
    assert_eq!(asked["tools_used"], json!([]));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 0);
    assert_eq!(fast.requests().len(), 1, "the model is not asked again");

    let session = asked["session_id"].as_str().unwrap();
    let done = chat(&bantz, json!({"message": "yes", "session_id": session})).await;
    assert_eq!(done["tools_used"], json!(["ticker.reset"]), "{done}");
    assert!(done["response"].as_str().unwrap().starts_with("Reset;"));
    assert_eq!(bantz.skill_status("ticker").await["invocations"], 1);
    assert_eq!(fast.requests().len(), 1);
}

#[tokio::test]
async fn a_failing_fast_tier_falls_back_to_quality_then_to_the_rules() {
    let fast = FakeLlm::start(vec![Script::Status(500)]).await;
    let quality = FakeLlm::start(vec![text(&["From ", "quality."]), Script::Status(503)]).await;
    let bantz = start(
        tier("fast", &fast, "max_retries = 1") + &tier("quality", &quality, "max_retries = 0"),
    )
    .await;

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "llm", "{answer}");
    assert_eq!(answer["llm_tier"], "quality", "{answer}");
    assert_eq!(answer["response"], "From quality.");
    assert_eq!(fast.requests().len(), 2, "one retry after the 500");
    assert_eq!(quality.requests()[0]["model"], "quality-model");

    // Both fail: the rules' help reply, not an error and not an invention.
    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "rules", "{answer}");
    let response = answer["response"].as_str().unwrap();
    assert!(
        response.starts_with("I didn't understand that.")
            && response.contains("- Tells the time, e.g. \"what time is it?\""),
        "{response}"
    );
    assert!(answer.get("tokens").is_none(), "{answer}");
    assert_eq!(fast.requests().len(), 4);
    assert_eq!(quality.requests().len(), 2);
    assert!(
        bantz.log().contains("no LLM tier could answer"),
        "{}",
        bantz.log()
    );

    let health = health(&bantz).await;
    let llm = health["components"]["llm"].as_array().unwrap();
    assert_eq!(llm.len(), 2);
    assert_eq!(llm[0]["tier"], "fast");
    assert_eq!(llm[0]["status"], "degraded", "{llm:?}");
    assert_eq!(llm[0]["circuit"], "closed");
    assert!(
        llm[0]["last_error"].as_str().unwrap().contains("500"),
        "{llm:?}"
    );
    assert_eq!(llm[1]["tier"], "quality");
    assert_eq!(llm[1]["base_url"], quality.base_url);
    assert_eq!(llm[1]["model"], "quality-model");
    assert_eq!(health["status"], "ok", "failures below the breaker's limit");
}

#[tokio::test]
async fn a_tier_that_hangs_is_given_up_after_its_timeout() {
    let fast = FakeLlm::start(vec![Script::Hang]).await;
    let quality = FakeLlm::start(vec![text(&["Patience pays."])]).await;
    let bantz = start(
        tier("fast", &fast, "timeout_ms = 300\nmax_retries = 2") + &tier("quality", &quality, ""),
    )
    .await;

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "llm", "{answer}");
    assert_eq!(answer["llm_tier"], "quality", "{answer}");
    assert_eq!(answer["response"], "Patience pays.");
    let latency = answer["latency_ms"].as_u64().unwrap();
    assert!(
        (300..3000).contains(&latency),
        "gave up after the 300 ms timeout, without retrying it: {latency} ms"
    );
    assert_eq!(fast.requests().len(), 1, "a timeout is not retried");
    let health = health(&bantz).await;
    assert!(
        health["components"]["llm"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("300 ms"),
        "{health}"
    );
}

#[tokio::test]
async fn three_failures_open_the_circuit_and_the_tier_is_skipped() {
    let fast = FakeLlm::start(vec![Script::Status(502)]).await;
    let quality = FakeLlm::start(vec![text(&["Still here."])]).await;
    let bantz =
        start(tier("fast", &fast, "max_retries = 0") + &tier("quality", &quality, "")).await;

    for _ in 0..3 {
        let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
        assert_eq!(answer["tier"], "llm", "{answer}");
        assert_eq!(answer["llm_tier"], "quality", "{answer}");
    }
    assert_eq!(fast.requests().len(), 3);

    let health = health(&bantz).await;
    assert_eq!(health["status"], "degraded", "{health}");
    let fast_health = &health["components"]["llm"][0];
    assert_eq!(fast_health["tier"], "fast");
    assert_eq!(fast_health["circuit"], "open", "{health}");
    assert_eq!(fast_health["status"], "down");
    assert!(
        fast_health["last_error"].as_str().unwrap().contains("502"),
        "{health}"
    );
    assert_eq!(health["components"]["llm"][1]["circuit"], "closed");
    assert_eq!(fast.requests().len(), 3, "health does not call the model");

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "llm");
    assert_eq!(answer["llm_tier"], "quality");
    assert_eq!(fast.requests().len(), 3, "an open circuit skips the tier");
    assert_eq!(quality.requests().len(), 4);
}

#[tokio::test]
async fn per_request_overrides_reach_the_model() {
    let fast = FakeLlm::start(vec![text(&["Terse."])]).await;
    let bantz = start(tier(
        "fast",
        &fast,
        "system_prompt = \"You are the configured prompt.\"",
    ))
    .await;

    chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(
        fast.requests()[0]["messages"][0]["content"],
        "You are the configured prompt."
    );

    let answer = chat(
        &bantz,
        json!({
            "message": "tell me a joke",
            "model": "other-model",
            "temperature": 0.7,
            "max_tokens": 42,
            "system_prompt": "Be terse."
        }),
    )
    .await;
    assert_eq!(answer["tier"], "llm");
    assert_eq!(answer["llm_tier"], "fast");
    let request = &fast.requests()[1];
    assert_eq!(request["model"], "other-model");
    assert_eq!(request["temperature"], json!(0.7));
    assert_eq!(request["max_tokens"], 42);
    assert_eq!(
        request["messages"][0],
        json!({"role": "system", "content": "Be terse."})
    );
}

#[tokio::test]
async fn without_an_llm_the_rules_answer_alone() {
    let bantz = Bantz::start().await;
    let answer = bantz.chat("tell me a joke").await;
    assert_eq!(answer["tier"], "rules");
    assert!(
        answer["response"]
            .as_str()
            .unwrap()
            .starts_with("I didn't understand that."),
        "{answer}"
    );
    assert!(answer.get("tokens").is_none());
    assert_eq!(
        bantz.chat("what time is it").await["tools_used"],
        json!(["clock.now"])
    );
    let health = health(&bantz).await;
    assert_eq!(health["components"]["llm"], json!([]));
    assert_eq!(health["status"], "ok");
}

#[tokio::test]
async fn a_configured_llm_does_not_take_what_the_rules_understand() {
    let fast = FakeLlm::start(vec![text(&["unused"])]).await;
    let bantz = start(tier("fast", &fast, "")).await;
    let answer = bantz.chat("saat kaç?").await;
    assert_eq!(answer["tier"], "rules");
    assert_eq!(answer["tools_used"], json!(["clock.now"]));
    assert!(fast.requests().is_empty());
}

/// Runs `bantz serve` with this bantz.toml and returns what it printed on stderr, asserting
/// that it refused to start.
async fn refused(config: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bantz.toml"), config).unwrap();
    let child = tokio::process::Command::new(bantz_tests::bantz_bin())
        .current_dir(dir.path())
        .args(["serve", "--host", "127.0.0.1", "--port", "0"])
        .args(["--data-dir", "data", "--skills-dir", "skills"])
        .args(["--config", "bantz.toml"])
        .env("BANTZ_API_TOKEN", bantz_tests::TOKEN)
        .env_remove("BANTZ_TEST_UNSET_KEY")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("bantz should have refused the config and exited")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "bantz started with {config:?}");
    stderr
}

#[tokio::test]
async fn an_invalid_llm_config_stops_the_start_with_a_message_naming_the_key() {
    let stderr = refused("[llm.fast]\nmodel = \"m\"\n").await;
    assert!(
        stderr.contains("[llm.fast]") && stderr.contains("base_url"),
        "{stderr}"
    );

    let stderr = refused("[llm.quality]\nbase_url = \"http://127.0.0.1:1/v1\"\n").await;
    assert!(
        stderr.contains("[llm.quality]") && stderr.contains("model"),
        "{stderr}"
    );

    let stderr = refused("[llm.fast]\nbase_url = \"ftp://example.com\"\nmodel = \"m\"\n").await;
    assert!(
        stderr.contains("base_url") && stderr.contains("http"),
        "{stderr}"
    );

    let stderr = refused(
        "[llm.fast]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\napi_key_env = \"BANTZ_TEST_UNSET_KEY\"\n",
    )
    .await;
    assert!(
        stderr.contains("api_key_env") && stderr.contains("BANTZ_TEST_UNSET_KEY"),
        "{stderr}"
    );

    let stderr =
        refused("[llm.fast]\nbase_url = \"https://user:secret@example.com/v1\"\nmodel = \"m\"\n")
            .await;
    assert!(
        stderr.contains("base_url")
            && stderr.contains("api_key_env")
            && !stderr.contains("secret@"),
        "{stderr}"
    );

    let stderr = refused("[llm.medium]\nbase_url = \"http://127.0.0.1:1/v1\"\n").await;
    assert!(stderr.contains("medium"), "{stderr}");

    let stderr = refused(
        "[llm.fast]\nbase_url = \"http://127.0.0.1:1/v1\"\nmodel = \"m\"\napi_key = \"sk-in-the-file\"\n",
    )
    .await;
    assert!(stderr.contains("api_key"), "{stderr}");
}

#[tokio::test]
async fn the_api_key_comes_from_the_named_variable_and_is_never_logged() {
    // PATH is set wherever the tests run, so it stands in for a key without touching the env.
    let key = std::env::var("PATH").unwrap();
    let fast = FakeLlm::start(vec![Script::Status(401), text(&["Authorised."])]).await;
    let bantz = start(tier(
        "fast",
        &fast,
        "api_key_env = \"PATH\"\nmax_retries = 2",
    ))
    .await;

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "rules", "a 401 is not retried: {answer}");
    assert_eq!(fast.requests().len(), 1);
    assert_eq!(
        fast.requests()[0]["_authorization"],
        format!("Bearer {key}")
    );
    let health = health(&bantz).await;
    let error = health["components"]["llm"][0]["last_error"]
        .as_str()
        .unwrap();
    assert!(
        error.contains("401") && error.contains("API key"),
        "{error}"
    );

    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["response"], "Authorised.");
    assert!(!bantz.log().contains(&key), "the key is in the log");
    assert!(!health.to_string().contains(&key));
}

#[tokio::test]
async fn a_streamed_chat_shows_the_model_text_as_it_comes_and_not_the_tool_output() {
    let fast = FakeLlm::start(vec![
        tool_call("clock__now", &["{}"]),
        text(&["It is ", "late."]),
    ])
    .await;
    let bantz = start(tier("fast", &fast, "")).await;
    let response = bantz
        .post(
            "/api/v1/chat/stream",
            &json!({"message": "I wonder how late it has got"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let events: Vec<(String, Value)> = body
        .split("\n\n")
        .filter_map(|event| {
            let name = event.lines().find_map(|l| l.strip_prefix("event: "))?;
            let data = event.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((name.to_owned(), serde_json::from_str(data).unwrap()))
        })
        .collect();
    let names: Vec<&str> = events.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["tool", "delta", "delta", "done"], "{body}");
    assert_eq!(events[0].1, json!({"name": "clock.now"}));
    assert_eq!(events[1].1, json!({"text": "It is "}));
    assert_eq!(events[2].1, json!({"text": "late."}));
    assert_eq!(events[3].1["response"], "It is late.");
    assert_eq!(events[3].1["tier"], "llm");
    assert_eq!(events[3].1["llm_tier"], "fast");
}

#[tokio::test]
async fn text_already_streamed_is_kept_when_the_stream_breaks_off() {
    let Script::Stream(chunks) = text(&["The first half"]) else {
        unreachable!()
    };
    let fast = FakeLlm::start(vec![Script::BreakOff(chunks[..2].to_vec())]).await;
    let quality = FakeLlm::start(vec![text(&["A different answer."])]).await;
    let bantz =
        start(tier("fast", &fast, "max_retries = 2") + &tier("quality", &quality, "")).await;
    let answer = chat(&bantz, json!({"message": "tell me a joke"})).await;
    assert_eq!(answer["tier"], "llm", "{answer}");
    assert_eq!(answer["llm_tier"], "fast", "{answer}");
    assert_eq!(
        answer["response"], "The first half",
        "what the user already saw stays the answer"
    );
    assert_eq!(fast.requests().len(), 1);
    assert!(quality.requests().is_empty());
    let health = health(&bantz).await;
    assert!(
        health["components"]["llm"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("broke off"),
        "{health}"
    );
}

#[tokio::test]
async fn a_failing_tool_call_is_reported_to_the_model_not_to_the_user() {
    let fast = FakeLlm::start(vec![
        tool_call("ticker__hold", &["{\"ms\":", " \"soon\"}"]),
        text(&["The ticker would not hold."]),
    ])
    .await;
    let bantz = Bantz::start_with(Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        config: Some(tier("fast", &fast, "")),
        ..Default::default()
    })
    .await;
    let answer = chat(&bantz, json!({"message": "hold on a moment"})).await;
    assert_eq!(answer["response"], "The ticker would not hold.", "{answer}");
    assert_eq!(answer["tools_used"], json!(["ticker.hold"]));
    let result = &fast.requests()[1]["messages"][3];
    assert_eq!(result["role"], "tool");
    assert!(
        result["content"]
            .as_str()
            .unwrap()
            .starts_with("error: SKILL_INVALID_ARGS"),
        "{result}"
    );
}
