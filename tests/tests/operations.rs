//! Bantz as an operator and a misbehaving client meet it: one error envelope with the request's
//! id on every error, `X-Request-Id`, rate limits with their headers, CORS, size and time
//! limits, `/metrics`, `/api/v1/status` and `/api/v1/ready`.

use std::time::Duration;

use bantz_tests::{Bantz, Options, POLL_LIMIT, TOKEN, Value, json, json_error, json_ok};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn header<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).map(|v| v.to_str().unwrap())
}

fn config(toml: &str) -> Options {
    Options {
        config: Some(toml.into()),
        ..Default::default()
    }
}

/// Sends `request` (raw HTTP/1.1, `Connection: close`) and returns the response as text, head
/// and body, after the server closed the connection.
async fn raw(bantz: &Bantz, request: &[u8], then: Option<&[u8]>) -> String {
    let address = bantz.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(request).await.unwrap();
    if let Some(more) = then {
        let _ = stream.write_all(more).await;
    }
    let mut response = Vec::new();
    tokio::time::timeout(POLL_LIMIT, stream.read_to_end(&mut response))
        .await
        .expect("the server answers and closes")
        .unwrap();
    String::from_utf8_lossy(&response).into_owned()
}

/// The status, headers (lowercased names) and body of a raw response.
fn parse_raw(response: &str) -> (u16, Vec<(String, String)>, Value) {
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let body = serde_json::from_str(body.trim()).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn every_error_is_the_envelope_with_the_request_id() {
    let bantz = Bantz::start().await;
    // json_error checks the status, the code and that `request_id` is the X-Request-Id header.
    let error = json_error(bantz.get("/api/v1/no-such-thing").await, 404, "NOT_FOUND").await;
    assert!(error["request_id"].as_str().unwrap().len() >= 16);
    json_error(bantz.get("/no/such/page").await, 404, "NOT_FOUND").await;
    let response = bantz
        .http
        .delete(bantz.url("/api/v1/health"))
        .send()
        .await
        .unwrap();
    json_error(response, 405, "METHOD_NOT_ALLOWED").await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;

    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .header("content-type", "text/plain")
        .body("saat kaç?")
        .send()
        .await
        .unwrap();
    json_error(response, 415, "UNSUPPORTED_MEDIA_TYPE").await;

    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    json_error(response, 400, "BAD_REQUEST").await;

    // Well-formed JSON that does not fit: 422, naming the field when the validator does.
    let error = json_error(
        bantz
            .post("/api/v1/chat", &json!({"message": "hi", "temperature": 5}))
            .await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(
        error["details"]["fields"],
        json!(["temperature"]),
        "{error}"
    );
    json_error(
        bantz.post("/api/v1/chat", &json!({"text": "hi"})).await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    let error = json_error(
        bantz.get("/api/v1/notifications/history?limit=many").await,
        422,
        "VALIDATION_FAILED",
    )
    .await;
    assert_eq!(error["details"]["fields"], json!(["limit"]), "{error}");

    // Errors of the layers below keep their own codes and get the id too.
    json_error(
        bantz.command("nosuchskill.run", json!({})).await,
        404,
        "SKILL_NOT_FOUND",
    )
    .await;
}

#[tokio::test]
async fn bodies_headers_and_slow_clients_are_limited() {
    let bantz = Bantz::start_with(config(
        "[http]\nmax_body_bytes = 1024\nmax_headers = 20\nrequest_timeout_ms = 500\n",
    ))
    .await;
    let big = json!({ "message": "x".repeat(4096) });
    let error = json_error(
        bantz.post("/api/v1/chat", &big).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    assert_eq!(error["details"]["max_body_bytes"], 1024);

    // Without Content-Length the body is counted while it is read.
    let chunk = "x".repeat(2000);
    let request = format!(
        "POST /api/v1/chat HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n\
         {len:x}\r\n{chunk}\r\n0\r\n\r\n",
        host = bantz.base.trim_start_matches("http://"),
        len = chunk.len(),
    );
    let (status, headers, body) = parse_raw(&raw(&bantz, request.as_bytes(), None).await);
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "PAYLOAD_TOO_LARGE");
    let id = headers.iter().find(|(n, _)| n == "x-request-id").unwrap();
    assert_eq!(body["error"]["request_id"], id.1.as_str());

    // A body within the limit still works.
    assert_eq!(
        bantz.chat("saat kaç?").await["tools_used"],
        json!(["clock.now"])
    );

    let mut request = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .bearer_auth(TOKEN);
    for i in 0..30 {
        request = request.header(format!("x-extra-{i}"), "1");
    }
    json_error(request.send().await.unwrap(), 431, "HEADERS_TOO_LARGE").await;

    // A client that promises a body and sends only part of it is cut off.
    let request = format!(
        "POST /api/v1/chat HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n\
         {{\"message\":",
        host = bantz.base.trim_start_matches("http://"),
    );
    let (status, _, body) = parse_raw(&raw(&bantz, request.as_bytes(), None).await);
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["error"]["code"], "REQUEST_TIMEOUT");
}

#[tokio::test]
async fn a_sane_incoming_request_id_is_honoured_and_logged() {
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/health"))
        .header("x-request-id", "phone-7.req_42")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "x-request-id"), Some("phone-7.req_42"));
    let response = bantz
        .http
        .get(bantz.url("/api/v1/nothing"))
        .header("x-request-id", "phone-7.req_43")
        .send()
        .await
        .unwrap();
    let error = json_error(response, 404, "NOT_FOUND").await;
    assert_eq!(error["request_id"], "phone-7.req_43");
    assert!(bantz.log().contains("phone-7.req_43"), "{}", bantz.log());

    for insane in ["has spaces", &"x".repeat(129), "semi;colon"] {
        let response = bantz
            .http
            .get(bantz.url("/api/v1/health"))
            .header("x-request-id", insane)
            .send()
            .await
            .unwrap();
        let id = header(&response, "x-request-id").unwrap();
        assert_ne!(id, insane);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    }
    // Every response has one, and they differ.
    let a = bantz.get("/api/v1/skills").await;
    let b = bantz.get("/api/v1/skills").await;
    assert_ne!(header(&a, "x-request-id"), header(&b, "x-request-id"));
}

#[tokio::test]
async fn a_burst_over_a_token_s_chat_limit_gets_429_and_other_classes_and_tokens_are_unaffected() {
    let bantz =
        Bantz::start_with(config("[rate_limits]\nchat = 3\nper_ip_multiplier = 10\n")).await;
    for remaining in ["2", "1", "0"] {
        let response = bantz
            .post("/api/v1/chat", &json!({"message": "saat kaç"}))
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(header(&response, "x-ratelimit-limit"), Some("3"));
        assert_eq!(header(&response, "x-ratelimit-remaining"), Some(remaining));
        let reset: u64 = header(&response, "x-ratelimit-reset")
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
    }
    let response = bantz
        .post("/api/v1/chat", &json!({"message": "saat kaç"}))
        .await;
    let retry_after: u64 = header(&response, "retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry_after), "{retry_after}");
    assert_eq!(header(&response, "x-ratelimit-limit"), Some("3"));
    assert_eq!(header(&response, "x-ratelimit-remaining"), Some("0"));
    let reset: u64 = header(&response, "x-ratelimit-reset")
        .unwrap()
        .parse()
        .unwrap();
    assert!(reset >= retry_after && reset <= 60, "{reset}");
    let error = json_error(response, 429, "RATE_LIMITED").await;
    assert_eq!(error["details"]["class"], "chat");
    // The WebSocket chat is the same class.
    let response = bantz.get("/ws/chat").await;
    assert_eq!(response.status(), 429);

    // Reads have their own budget.
    let response = bantz.get("/api/v1/skills").await;
    assert_eq!(response.status(), 200);
    assert_eq!(header(&response, "x-ratelimit-limit"), Some("1200"));
    // Another token has its own (this one is refused, but not for its rate).
    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth("another-token")
        .json(&json!({"message": "saat kaç"}))
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "x-ratelimit-remaining"), Some("2"));
    json_error(response, 401, "UNAUTHORIZED").await;
    // Health, readiness and the docs are never limited.
    for path in ["/api/v1/health", "/api/v1/ready", "/api-docs/openapi.json"] {
        let response = bantz.http.get(bantz.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(header(&response, "x-ratelimit-limit").is_none(), "{path}");
    }
}

#[tokio::test]
async fn an_address_is_limited_over_all_its_clients_and_other_addresses_are_not() {
    let bantz =
        Bantz::start_with(config("[rate_limits]\nreads = 2\nper_ip_multiplier = 1\n")).await;
    for _ in 0..2 {
        let response = bantz
            .http
            .get(bantz.url("/api/v1/skills"))
            .send()
            .await
            .unwrap();
        json_error(response, 401, "UNAUTHORIZED").await;
    }
    let response = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .send()
        .await
        .unwrap();
    assert!(header(&response, "retry-after").is_some());
    json_error(response, 429, "RATE_LIMITED").await;
    // The right token from the same address: the address has used its share.
    json_error(bantz.get("/api/v1/skills").await, 429, "RATE_LIMITED").await;

    // Another address (the whole of 127/8 is loopback) has its own.
    let other = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .build()
        .unwrap();
    let response = other
        .get(bantz.url("/api/v1/skills"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(header(&response, "x-ratelimit-remaining"), Some("1"));
    json_ok(response).await;
}

#[tokio::test]
async fn cross_origin_access_is_only_for_the_configured_origin() {
    let preflight = |bantz: &Bantz, origin: &str| {
        bantz
            .http
            .request(reqwest::Method::OPTIONS, bantz.url("/api/v1/chat"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .send()
    };

    let bantz =
        Bantz::start_with(config("[http]\ncors_origins = [\"https://app.example\"]\n")).await;
    let response = preflight(&bantz, "https://app.example").await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some("https://app.example")
    );
    assert!(header(&response, "x-request-id").is_some());
    let response = preflight(&bantz, "https://evil.example").await.unwrap();
    assert!(header(&response, "access-control-allow-origin").is_none());
    json_error(response, 403, "FORBIDDEN").await;

    let response = bantz
        .http
        .get(bantz.url("/api/v1/skills"))
        .bearer_auth(TOKEN)
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some("https://app.example")
    );
    let exposed = header(&response, "access-control-expose-headers")
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("x-request-id") && exposed.contains("x-ratelimit-remaining"));
    // The host's own pages (the docs) are not cross-origin.
    let response = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .header("origin", &bantz.base)
        .json(&json!({"message": "saat kaç"}))
        .send()
        .await
        .unwrap();
    json_ok(response).await;

    // By default, no origin is allowed.
    let plain = Bantz::start().await;
    let response = preflight(&plain, "https://app.example").await.unwrap();
    assert!(!response.status().is_success());
    assert!(header(&response, "access-control-allow-origin").is_none());
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("application/json")
    );
}

/// The value of the sample `series` (name and labels exactly as printed), 0 when absent.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |v| v.parse().unwrap())
}

async fn metrics(bantz: &Bantz) -> String {
    let response = bantz.get("/metrics").await;
    assert_eq!(response.status(), 200);
    assert!(
        header(&response, "content-type")
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_move_after_a_chat() {
    let bantz = Bantz::start().await;
    let response = bantz.http.get(bantz.url("/metrics")).send().await.unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;

    let chats = r#"bantz_http_requests_total{method="POST",route="/api/v1/chat",status="200"}"#;
    let latency =
        r#"bantz_http_request_duration_seconds_count{method="POST",route="/api/v1/chat"}"#;
    let calls = r#"bantz_skill_calls_total{skill="clock"}"#;
    let before = metrics(&bantz).await;
    assert!(before.contains("# TYPE bantz_http_request_duration_seconds histogram"));
    assert_eq!(sample(&before, r#"bantz_skills{status="active"}"#), 1.0);
    assert_eq!(sample(&before, "bantz_websocket_connections"), 0.0);
    assert_eq!(
        sample(&before, r#"bantz_sse_connections{stream="notifications"}"#),
        0.0
    );

    bantz.chat("saat kaç?").await;
    json_error(
        bantz.get("/api/v1/skills/nope").await,
        404,
        "SKILL_NOT_FOUND",
    )
    .await;

    let after = metrics(&bantz).await;
    assert_eq!(sample(&after, chats), sample(&before, chats) + 1.0);
    assert_eq!(sample(&after, latency), sample(&before, latency) + 1.0);
    assert_eq!(sample(&after, calls), sample(&before, calls) + 1.0);
    // Routes are counted by their template, not by the path asked for.
    assert_eq!(
        sample(
            &after,
            r#"bantz_http_requests_total{method="GET",route="/api/v1/skills/{name}",status="404"}"#
        ),
        1.0,
        "{after}"
    );
    assert!(sample(&after, "process_resident_memory_bytes") > 0.0);
    assert_eq!(sample(&after, "bantz_conversations"), 1.0);
}

#[tokio::test]
async fn status_tells_version_uptime_memory_counts_and_latency() {
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/status"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
    bantz.chat("saat kaç?").await;
    let status = json_ok(bantz.get("/api/v1/status").await).await;
    assert_eq!(status["version"], env!("CARGO_PKG_VERSION"));
    assert!(status["uptime_seconds"].is_u64());
    assert!(status["memory"]["rss_bytes"].as_u64().unwrap() > 1024 * 1024);
    assert_eq!(status["skills"], json!({"active": 1, "failed": 0}));
    assert_eq!(status["conversations"], 1);
    assert!(status["notifications"].is_u64());
    assert_eq!(
        status["connections"],
        json!({"event_streams": 0, "websockets": 0})
    );
    assert!(
        status["http"]["requests"].as_u64().unwrap() >= 2,
        "{status}"
    );
    let latency = &status["http"]["latency"];
    let (p50, p90, p99) = (
        latency["p50_ms"].as_f64().unwrap(),
        latency["p90_ms"].as_f64().unwrap(),
        latency["p99_ms"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p90 && p90 <= p99, "{latency}");
}

#[tokio::test]
async fn ready_answers_200_after_start_without_a_token() {
    let bantz = Bantz::start().await;
    let response = bantz
        .http
        .get(bantz.url("/api/v1/ready"))
        .send()
        .await
        .unwrap();
    assert!(header(&response, "x-request-id").is_some());
    assert_eq!(json_ok(response).await, json!({"status": "ready"}));
}

#[tokio::test]
async fn the_operational_endpoints_are_in_the_spec() {
    let bantz = Bantz::start().await;
    let spec = json_ok(
        bantz
            .http
            .get(bantz.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    for (path, id, secured) in [
        ("/api/v1/status", "getStatus", true),
        ("/api/v1/ready", "getReady", false),
        ("/metrics", "getMetrics", true),
    ] {
        let op = &spec["paths"][path]["get"];
        assert_eq!(op["operationId"], id, "{path}");
        assert_eq!(op["tags"], json!(["System"]), "{path}");
        assert_eq!(op["security"].is_array(), secured, "{path}");
        assert!(op["responses"]["503"].is_object(), "{path}: {op}");
    }
    let chat = &spec["paths"]["/api/v1/chat"]["post"]["responses"];
    for status in ["400", "401", "413", "415", "422", "429", "500"] {
        assert!(chat[status].is_object(), "chat does not document {status}");
    }
    assert!(
        spec["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
            ["text/plain; version=0.0.4; charset=utf-8"]
            .is_object()
    );
}

/// The request timeout bounds a stream only until it starts.
#[tokio::test]
async fn event_streams_outlive_the_request_timeout() {
    let bantz = Bantz::start_with(config("[http]\nrequest_timeout_ms = 300\n")).await;
    let mut stream = bantz_tests::SseStream::open(&bantz, "/api/v1/notifications", None).await;
    assert_eq!(stream.next().await.event, "connected");
    let status = json_ok(bantz.get("/api/v1/status").await).await;
    assert_eq!(status["connections"]["event_streams"], 1);
    // Time is what is tested here: the stream must still be open past the timeout.
    tokio::time::sleep(Duration::from_millis(500)).await;
    json_ok(bantz.post("/api/v1/skills/clock/disable", &json!({})).await).await;
    let event = stream.next_named("notification").await;
    assert_eq!(event.data["type"], "system.skill.disabled");
    let status = json_ok(bantz.get("/api/v1/status").await).await;
    assert_eq!(status["connections"]["event_streams"], 1);
    drop(stream);
}
