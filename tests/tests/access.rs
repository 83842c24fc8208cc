//! Access and operations as a user meets them: pairing a phone with a six-digit code, its own
//! token everywhere the master token works, revoking it mid-stream; the Unix socket and
//! `bantz chat`; SIGTERM that still answers the chat in flight; `bantz config check` and the
//! `BANTZ_*` overrides; and a `kill -9` in the middle of a burst of writes that loses nothing
//! a client was told was done.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bantz_tests::{
    Bantz, Options, POLL_LIMIT, SseStream, TOKEN, Value, component, json, json_error, json_ok,
    run_cli, skill, test_skill, websocket,
};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

/// The other engineer's rate limits are not what these tests are about.
const UNLIMITED: &str = "[rate_limits]\nchat = 0\ncommands = 0\nreads = 0\npairing = 0\n";

/// "At once": far below any keep-alive or timeout that could end a stream by itself.
const AT_ONCE: Duration = Duration::from_secs(3);

fn unlimited() -> Options {
    Options {
        config: Some(UNLIMITED.into()),
        ..Default::default()
    }
}

/// Asserts the status and a JSON body, and returns the body.
async fn json_status(response: reqwest::Response, status: u16) -> Value {
    let got = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "expected {status}, got {got}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

async fn request_code(bantz: &Bantz, token: &str) -> String {
    let response = bantz
        .http
        .post(bantz.url("/api/v1/pair/request"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let code = json_status(response, 201).await;
    assert_eq!(code["expires_in_seconds"], 300, "{code}");
    let digits = code["code"].as_str().unwrap().to_owned();
    assert!(
        digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );
    digits
}

/// `POST /api/v1/pair/verify`, with no token at all.
async fn verify(bantz: &Bantz, code: &str, name: &str) -> reqwest::Response {
    bantz
        .http
        .post(bantz.url("/api/v1/pair/verify"))
        .json(&json!({ "code": code, "device_name": name }))
        .send()
        .await
        .unwrap()
}

async fn get_as(bantz: &Bantz, token: &str, path: &str) -> reqwest::Response {
    bantz
        .http
        .get(bantz.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// A code that is not `code`.
fn wrong(code: &str) -> String {
    format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000)
}

async fn ws_send(socket: &mut bantz_tests::WebSocket, frame: Value) {
    socket.send(Message::text(frame.to_string())).await.unwrap();
}

async fn ws_next(socket: &mut bantz_tests::WebSocket, within: Duration) -> Message {
    tokio::time::timeout(within, socket.next())
        .await
        .unwrap_or_else(|_| panic!("no frame from the server within {within:?}"))
        .expect("the server dropped the socket without a close frame")
        .unwrap()
}

/// Reads frames until a close frame, which must come within `within`; returns its code.
async fn ws_close_code(socket: &mut bantz_tests::WebSocket, within: Duration) -> u16 {
    let started = Instant::now();
    loop {
        let left = within.saturating_sub(started.elapsed());
        match ws_next(socket, left).await {
            Message::Close(Some(frame)) => return frame.code.into(),
            Message::Close(None) => panic!("a close frame without a code"),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_phone_pairs_without_the_master_token_and_is_cut_off_at_once_when_revoked() {
    let bantz = Bantz::start_with(unlimited()).await;

    // The owner asks for a code; it is in the server log for them to read.
    let code = request_code(&bantz, TOKEN).await;
    let line = bantz.wait_for_log("pairing code ").await;
    let from_log = line.split("pairing code ").nth(1).unwrap()[..6].to_owned();
    assert_eq!(from_log, code, "{line}");

    // The phone trades it for its own token, with no token of its own.
    let paired = json_status(verify(&bantz, &from_log, "Ayşe's phone").await, 201).await;
    let phone = paired["token"].as_str().unwrap().to_owned();
    let phone_id = paired["device"]["id"].as_str().unwrap().to_owned();
    assert_eq!(paired["device"]["name"], "Ayşe's phone");
    assert!(phone.len() >= 32 && phone != TOKEN, "{paired}");
    // A code works once.
    json_error(
        verify(&bantz, &code, "again").await,
        410,
        "PAIRING_CODE_GONE",
    )
    .await;

    // The phone's token works where the master token does: REST…
    json_ok(get_as(&bantz, &phone, "/api/v1/skills").await).await;
    let reply = json_ok(
        bantz
            .http
            .post(bantz.url("/api/v1/chat"))
            .bearer_auth(&phone)
            .json(&json!({"message": "saat kaç"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
    // …a chat as server-sent events…
    let mut chat = SseStream::from_response(
        bantz
            .http
            .post(bantz.url("/api/v1/chat/stream"))
            .bearer_auth(&phone)
            .json(&json!({"message": "saat kaç"}))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        chat.next_named("done").await.data["tools_used"],
        json!(["clock.now"])
    );
    // …the notification stream with ?token=, as a browser opens it…
    let mut notes = SseStream::from_response(
        bantz
            .http
            .get(bantz.url(&format!("/api/v1/notifications?token={phone}")))
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(notes.next().await.event, "connected");
    // …and the WebSocket, with the token as a subprotocol.
    let mut socket = websocket(
        &bantz,
        "",
        &[("sec-websocket-protocol", &format!("bearer, {phone}"))],
    )
    .await;
    ws_send(&mut socket, json!({"type": "ping"})).await;
    match ws_next(&mut socket, POLL_LIMIT).await {
        Message::Text(text) => assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap()["type"],
            "pong"
        ),
        other => panic!("{other:?}"),
    }

    // A second device: the paired phone asks for the code and hears it as a notification.
    let second = request_code(&bantz, &phone).await;
    let heard = notes.next_named("notification").await;
    assert_eq!(heard.data["type"], "system.pairing.code", "{heard:?}");
    assert_eq!(heard.data["data"]["code"], second.as_str());
    let history = json_ok(
        bantz
            .get("/api/v1/notifications/history?types=system.pairing.code")
            .await,
    )
    .await;
    let from_history = history[0]["data"]["code"].as_str().unwrap().to_owned();
    assert_eq!(from_history, second);
    let tablet = json_status(verify(&bantz, &from_history, "tablet").await, 201).await;
    let tablet_token = tablet["token"].as_str().unwrap().to_owned();

    let devices = json_ok(get_as(&bantz, &tablet_token, "/api/v1/devices").await).await;
    let devices = devices.as_array().unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");
    assert_eq!(devices[0]["id"], phone_id.as_str());
    assert_eq!(devices[0]["name"], "Ayşe's phone");
    assert!(devices[0]["created_at_ms"].is_i64());
    assert!(
        devices[0]["last_seen_ms"].as_i64().unwrap()
            >= devices[0]["created_at_ms"].as_i64().unwrap()
    );
    assert_eq!(devices[1]["name"], "tablet");

    // Revoked: the open stream and socket end at once, and the token is refused from now on.
    let mut bearer_notes =
        SseStream::from_response(get_as(&bantz, &phone, "/api/v1/notifications").await);
    assert_eq!(bearer_notes.next().await.event, "connected");
    let response = bantz.delete(&format!("/api/v1/devices/{phone_id}")).await;
    assert_eq!(response.status(), 204);
    let revoked_at = Instant::now();
    notes.assert_ends_within(AT_ONCE).await;
    bearer_notes.assert_ends_within(AT_ONCE).await;
    assert_eq!(ws_close_code(&mut socket, AT_ONCE).await, 4001);
    assert!(revoked_at.elapsed() < AT_ONCE);
    json_error(
        get_as(&bantz, &phone, "/api/v1/skills").await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    let response = bantz
        .http
        .get(bantz.url(&format!("/api/v1/notifications?token={phone}")))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
    let mut refused = websocket(&bantz, &format!("?token={phone}"), &[]).await;
    assert_eq!(ws_close_code(&mut refused, POLL_LIMIT).await, 4001);
    json_error(
        bantz.delete(&format!("/api/v1/devices/{phone_id}")).await,
        404,
        "DEVICE_NOT_FOUND",
    )
    .await;

    // The other device is untouched, also after a restart; the database holds no token.
    json_ok(get_as(&bantz, &tablet_token, "/api/v1/skills").await).await;
    let log = bantz.log();
    for token in [TOKEN, &phone, &tablet_token] {
        assert!(!log.contains(token), "a token is in the log");
    }
    let bantz = bantz.restart(unlimited()).await;
    let devices = json_ok(get_as(&bantz, &tablet_token, "/api/v1/devices").await).await;
    assert_eq!(devices.as_array().unwrap().len(), 1, "{devices}");
    for file in ["bantz.db", "bantz.db-wal"] {
        let bytes = std::fs::read(bantz.data_dir().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&tablet_token), "{file} holds a device token");
    }
}

#[tokio::test]
async fn five_wrong_codes_burn_the_code_and_an_address_with_many_misses_must_wait() {
    let bantz = Bantz::start_with(unlimited()).await;
    json_error(
        verify(&bantz, "123456", "  ").await,
        422,
        "VALIDATION_FAILED",
    )
    .await;

    let code = request_code(&bantz, TOKEN).await;
    for left in (1..=4).rev() {
        let error = json_error(
            verify(&bantz, &wrong(&code), "phone").await,
            401,
            "PAIRING_CODE_WRONG",
        )
        .await;
        assert_eq!(error["details"]["tries_left"], left, "{error}");
    }
    let error = json_error(
        verify(&bantz, &wrong(&code), "phone").await,
        410,
        "PAIRING_CODE_BURNED",
    )
    .await;
    assert!(
        error["message"].as_str().unwrap().contains("burned"),
        "{error}"
    );
    // Even the right code is no good now; the message says what to do.
    let error = json_error(
        verify(&bantz, &code, "phone").await,
        410,
        "PAIRING_CODE_GONE",
    )
    .await;
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("burned") && message.contains("bantz pair"),
        "{message}"
    );

    // A new code works.
    let code = request_code(&bantz, TOKEN).await;
    json_status(verify(&bantz, &code, "phone").await, 201).await;

    // Six misses so far from this address; four more, and it must wait, right code or not.
    let code = request_code(&bantz, TOKEN).await;
    for _ in 0..4 {
        json_error(
            verify(&bantz, &wrong(&code), "tablet").await,
            401,
            "PAIRING_CODE_WRONG",
        )
        .await;
    }
    let response = verify(&bantz, &code, "tablet").await;
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    json_error(response, 429, "TOO_MANY_PAIRING_TRIES").await;
}

#[tokio::test]
async fn the_unix_socket_serves_the_api_without_a_token_and_only_to_its_owner() {
    let bantz = Bantz::start_with(Options {
        socket: true,
        ..unlimited()
    })
    .await;
    let path = bantz.socket.clone().unwrap();
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    let meta = std::fs::metadata(&path).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        bantz
            .stdout
            .last()
            .unwrap()
            .contains(&format!("unix:{}", path.display())),
        "{:?}",
        bantz.stdout
    );

    let local = bantz.socket_client();
    let reply = json_ok(
        local
            .post("http://bantz/api/v1/chat")
            .json(&json!({"message": "saat kaç"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(reply["tools_used"], json!(["clock.now"]));
    json_ok(
        local
            .get("http://bantz/api/v1/devices")
            .send()
            .await
            .unwrap(),
    )
    .await;
    // Over TCP the token is still needed.
    let response = bantz
        .http
        .get(bantz.url("/api/v1/devices"))
        .send()
        .await
        .unwrap();
    json_error(response, 401, "UNAUTHORIZED").await;
}

#[tokio::test]
async fn bantz_chat_and_bantz_pair_use_the_socket_or_http_with_the_token() {
    let bantz = Bantz::start_with(Options {
        socket: true,
        ..unlimited()
    })
    .await;
    let socket = bantz.socket.clone().unwrap();
    let socket = socket.to_str().unwrap();
    let text = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout.clone()).unwrap()
    };

    let over_socket = text(&bantz.cli(&["chat", "--socket", socket, "saat kaç"], &[]));
    assert!(
        over_socket.starts_with("Saat ") && over_socket.trim_end().ends_with('.'),
        "{over_socket}"
    );
    let from_env = text(&bantz.cli(&["chat", "saat", "kaç"], &[("BANTZ_SOCKET", socket)]));
    assert!(from_env.starts_with("Saat "), "{from_env}");
    let over_http = text(&bantz.cli(
        &["chat", "--url", &bantz.base, "--token", TOKEN, "saat kaç"],
        &[],
    ));
    assert!(over_http.starts_with("Saat "), "{over_http}");
    let with_env_token = text(&bantz.cli(
        &["chat", "--json", "what time is it"],
        &[("BANTZ_URL", &bantz.base), ("BANTZ_API_TOKEN", TOKEN)],
    ));
    let answer: Value = serde_json::from_str(&with_env_token).unwrap();
    assert_eq!(answer["tools_used"], json!(["clock.now"]));
    assert!(answer["session_id"].is_string());

    let refused = bantz.cli(
        &["chat", "--url", &bantz.base, "--token", "wrong", "saat kaç"],
        &[],
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("401"));

    let shown = text(&bantz.cli(&["pair", "--socket", socket], &[]));
    let code = shown
        .lines()
        .find_map(|l| l.strip_prefix("Pairing code: "))
        .unwrap_or_else(|| panic!("{shown}"));
    json_status(verify(&bantz, code, "phone").await, 201).await;
}

/// A chat ("hold for N ms") that reaches `ticker.hold` and takes `ms`, sent on its own task so
/// the test can do other things while it runs.
fn hold(bantz: &Bantz, ms: u64) -> tokio::task::JoinHandle<reqwest::Result<reqwest::Response>> {
    let request = bantz
        .http
        .post(bantz.url("/api/v1/chat"))
        .bearer_auth(TOKEN)
        .json(&json!({ "message": format!("hold for {ms} ms") }));
    tokio::spawn(request.send())
}

/// Waits until a `ticker` call is running.
async fn wait_for_a_call(bantz: &Bantz) {
    bantz
        .wait_for_skills("ticker.hold to be running", |skills| {
            skills
                .iter()
                .any(|s| s["name"] == "ticker" && s["in_flight"].as_u64().unwrap_or(0) >= 1)
        })
        .await;
}

fn with_ticker(socket: bool) -> Options {
    Options {
        skills: vec![skill("clock"), test_skill("ticker")],
        socket,
        ..unlimited()
    }
}

#[tokio::test]
async fn sigterm_during_a_slow_chat_still_answers_it_closes_streams_and_exits_0() {
    let mut bantz = Bantz::start_with(with_ticker(true)).await;
    let mut notes = SseStream::open(&bantz, "/api/v1/notifications", None).await;
    assert_eq!(notes.next().await.event, "connected");
    let mut socket = websocket(&bantz, &format!("?token={TOKEN}"), &[]).await;
    let held = hold(&bantz, 1500);
    wait_for_a_call(&bantz).await;

    bantz.signal("TERM");
    // It stops accepting…
    let address = bantz.base.trim_start_matches("http://").to_owned();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(&address).await.is_ok() {
        assert!(
            started.elapsed() < POLL_LIMIT,
            "still accepting after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // …ends the streams politely…
    notes.assert_ends_within(AT_ONCE).await;
    assert_eq!(ws_close_code(&mut socket, AT_ONCE).await, 1001);
    while let Ok(Some(Ok(_))) = tokio::time::timeout(AT_ONCE, socket.next()).await {}
    // …answers the call in flight…
    let answer = json_ok(
        held.await
            .unwrap()
            .expect("the call in flight was answered"),
    )
    .await;
    assert_eq!(answer["response"], "held for 1500 ms", "{answer}");
    // …and exits 0, its store closed and its socket gone.
    let status = bantz.wait_exit().await;
    assert!(status.success(), "{status:?}\n{}", bantz.log());
    let wal = bantz.data_dir().join("bantz.db-wal");
    assert!(
        std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
        "the write-ahead log was not folded into the database"
    );
    assert!(
        !bantz.socket.as_ref().unwrap().exists(),
        "the socket file is left behind"
    );
}

#[tokio::test]
async fn a_second_signal_stops_at_once_with_a_failure_status() {
    let mut bantz = Bantz::start_with(with_ticker(false)).await;
    let _held = hold(&bantz, 8000);
    wait_for_a_call(&bantz).await;
    bantz.signal("TERM");
    bantz.wait_for_log("shutting down").await;
    let started = Instant::now();
    bantz.signal("TERM");
    let status = bantz.wait_exit().await;
    assert_eq!(status.code(), Some(128 + 15), "{status:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it waited for the call"
    );
}

#[tokio::test]
async fn config_check_prints_the_effective_config_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bantz.toml"),
        "[llm.fast]\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\napi_key_env = \"MY_LLM_KEY\"\n\n\
         [skills.weather]\nhome = \"İstanbul\"\napi_token = \"weather-secret-123\"\n",
    )
    .unwrap();
    let out = run_cli(
        dir.path(),
        &[
            "config",
            "check",
            "--config",
            "bantz.toml",
            "--data-dir",
            "data",
        ],
        &[
            ("BANTZ_API_TOKEN", "master-secret-456"),
            ("MY_LLM_KEY", "sk-llm-secret-789"),
            ("BANTZ_TIMEZONE", "Asia/Tokyo"),
            ("BANTZ_LIMITS__TIMEOUT_MS", "4321"),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    for secret in [
        "master-secret-456",
        "sk-llm-secret-789",
        "weather-secret-123",
    ] {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} shown:\n{stdout}"
        );
    }
    for expected in [
        "timezone = \"Asia/Tokyo\"",
        "timeout_ms = 4321",
        "api_token = \"********\"",
        "api_key = \"********\"",
        "home = \"İstanbul\"",
        "model = \"m\"",
    ] {
        assert!(stdout.contains(expected), "{expected} missing:\n{stdout}");
    }
    assert!(
        !dir.path().join("data").exists(),
        "a check must not create the data dir"
    );
}

#[tokio::test]
async fn config_check_and_serve_report_every_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bantz.toml"),
        "timezone = \"Mars/Olympus\"\n\n[limits]\ntimeout_ms = \"soon\"\ncolour = \"blue\"\n\n\
         [briefing]\ntime = \"breakfast\"\n",
    )
    .unwrap();
    let env = [("BANTZ_NOTIFICATIONS__MAX_PER_SKILL_PER_HOUR", "many")];
    let out = run_cli(
        dir.path(),
        &[
            "config",
            "check",
            "--config",
            "bantz.toml",
            "--data-dir",
            "data",
        ],
        &env,
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 5, "{stdout}");
    for (error, (at, about)) in errors.iter().zip([
        (
            "bantz.toml:1: ",
            "timezone: \"Mars/Olympus\" is not an IANA timezone",
        ),
        ("bantz.toml:4: ", "limits.timeout_ms: "),
        ("bantz.toml:5: ", "limits.colour: unknown field `colour`"),
        ("bantz.toml:7: ", "[briefing] time = \"breakfast\""),
        (
            "BANTZ_NOTIFICATIONS__MAX_PER_SKILL_PER_HOUR: ",
            "notifications.max_per_skill_per_hour: ",
        ),
    ]) {
        let rest = error.strip_prefix("error: ").unwrap();
        assert!(
            rest.starts_with(at) && rest[at.len()..].starts_with(about),
            "{error}\n{stdout}"
        );
    }
    assert!(stderr.contains("5 errors"), "{stderr}");

    // `bantz serve` refuses the same file with the same list.
    let out = run_cli(
        dir.path(),
        &[
            "serve",
            "--config",
            "bantz.toml",
            "--data-dir",
            "data",
            "--port",
            "0",
        ],
        &env,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("bantz.toml:4: limits.timeout_ms")
            && stderr.contains("bantz.toml:5: limits.colour"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_environment_override_beats_bantz_toml() {
    let bantz = Bantz::start_with(Options {
        config: Some("[skills.clock]\ntimezone = \"Asia/Tokyo\"\n".into()),
        env: vec![(
            "BANTZ_SKILLS__CLOCK__TIMEZONE".into(),
            "America/New_York".into(),
        )],
        ..Default::default()
    })
    .await;
    let reply = bantz.chat("saat kaç").await;
    assert_eq!(reply["data"]["timezone"], "America/New_York", "{reply}");
}

/// What the clients of the burst were told was done.
#[derive(Default)]
struct Acknowledged {
    /// Conversations whose chat got a 200, with the message sent.
    chats: Vec<(String, String)>,
    /// The counter values `counter.count` answered.
    counts: Vec<u64>,
    /// Reminders whose `add` got a 200.
    reminders: Vec<String>,
    /// Pairing codes whose request got a 201 (and so a stored notification).
    codes: Vec<String>,
}

impl Acknowledged {
    fn total(&self) -> usize {
        self.chats.len() + self.counts.len() + self.reminders.len() + self.codes.len()
    }
}

#[tokio::test]
async fn kill_9_during_a_burst_of_writes_loses_nothing_that_was_acknowledged() {
    let options = || Options {
        skills: vec![skill("clock"), skill("reminders"), component("counter")],
        socket: true,
        ..unlimited()
    };
    let mut bantz = Bantz::start_with(options()).await;
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut writers = Vec::new();
    for writer in 0..4 {
        let (http, base, acked) = (bantz.http.clone(), bantz.base.clone(), acked.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..100_000u32 {
                let (path, body) = match writer {
                    0 => ("/api/v1/chat", json!({"message": format!("saat kaç {i}")})),
                    1 => ("/api/v1/commands", json!({"command": "counter.count"})),
                    2 => (
                        "/api/v1/chat",
                        json!({"message": format!("remind me tomorrow at 9 to water plant {}", word(i))}),
                    ),
                    _ => ("/api/v1/pair/request", json!({})),
                };
                let sent = http
                    .post(format!("{base}{path}"))
                    .bearer_auth(TOKEN)
                    .json(&body)
                    .send()
                    .await;
                // The server is gone: what was not answered was never acknowledged.
                let Ok(response) = sent else { return };
                if !response.status().is_success() {
                    return;
                }
                let Ok(answer) = response.json::<Value>().await else { return };
                let mut acked = acked.lock().unwrap();
                match writer {
                    0 => acked.chats.push((
                        answer["session_id"].as_str().unwrap().to_owned(),
                        body["message"].as_str().unwrap().to_owned(),
                    )),
                    1 => {
                        let text = answer["response"].as_str().unwrap();
                        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
                        acked.counts.push(digits.parse().unwrap());
                    }
                    2 => {
                        assert_eq!(answer["tools_used"], json!(["reminders.add"]), "{answer}");
                        acked.reminders.push(word(i));
                    }
                    _ => acked.codes.push(answer["code"].as_str().unwrap().to_owned()),
                }
            }
        }));
    }
    // Mid-burst: once a good number of writes were acknowledged, while more are on the way.
    let started = Instant::now();
    while acked.lock().unwrap().total() < 40 {
        assert!(started.elapsed() < POLL_LIMIT, "the burst is too slow");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bantz.signal("KILL");
    let status = bantz.wait_exit().await;
    assert_eq!(status.code(), None, "killed by a signal: {status:?}");
    for writer in writers {
        writer.await.unwrap();
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.chats.len() + acked.reminders.len() > 0
            && !acked.counts.is_empty()
            && !acked.codes.is_empty()
    );

    // The socket file of the killed server is stale now; the new one replaces it.
    let bantz = bantz.restart(options()).await;
    for (session, message) in &acked.chats {
        let messages = json_ok(
            bantz
                .get(&format!("/api/v1/conversations/{session}/messages"))
                .await,
        )
        .await;
        let messages = messages.as_array().unwrap();
        assert_eq!(messages.len(), 2, "{session}: {messages:?}");
        assert_eq!(messages[0]["text"], message.as_str());
    }
    let next = json_ok(bantz.command("counter.count", json!({})).await).await;
    let next: u64 = next["response"]
        .as_str()
        .unwrap()
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    let highest = acked.counts.iter().max().unwrap();
    assert!(
        next > *highest,
        "the counter went back from {highest} to {next}"
    );
    let list = bantz.chat("list my reminders").await;
    let text = list["response"].as_str().unwrap();
    for reminder in &acked.reminders {
        assert!(
            text.contains(reminder.as_str()),
            "{reminder} is lost: {text}"
        );
    }
    let history = json_ok(
        bantz
            .get("/api/v1/notifications/history?types=system.pairing.code&limit=500")
            .await,
    )
    .await;
    let stored: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["data"]["code"].as_str().unwrap())
        .collect();
    for code in &acked.codes {
        assert!(
            stored.contains(&code.as_str()),
            "the notification of code {code} is lost"
        );
    }
}

/// A word for reminder `i` that no other reminder's text contains.
fn word(i: u32) -> String {
    let letters: String = i
        .to_string()
        .bytes()
        .map(|d| (b'a' + (d - b'0')) as char)
        .collect();
    format!("q{letters}z")
}

/// The app's side of access: a new phone asks for a code with no token and is not shown it (the
/// owner's devices are), a skill is installed by uploading its `.wasm` (bigger than
/// `[http] max_body_bytes`) with the master token only, and `/` leads to the app under a strict
/// content security policy.
#[tokio::test]
async fn a_phone_asks_for_a_code_and_the_owner_uploads_a_skill() {
    let bantz = Bantz::start_with(unlimited()).await;
    let phone = verify(&bantz, &request_code(&bantz, TOKEN).await, "phone").await;
    let phone_token = json_status(phone, 201).await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let asked = bantz
        .http
        .post(bantz.url("/api/v1/pair/ask"))
        .send()
        .await
        .unwrap();
    let asked = json_status(asked, 202).await;
    assert_eq!(asked, json!({ "expires_in_seconds": 300 }));
    let sent = bantz
        .wait_for_notifications("system.pairing", 2, POLL_LIMIT)
        .await;
    // Newest first: "Pairing code 123456 (valid for 5 minutes)".
    let body = sent[0]["body"].as_str().unwrap();
    let code = body.split_whitespace().nth(2).unwrap().to_owned();
    let whoami = json_status(get_as(&bantz, &phone_token, "/api/v1/whoami").await, 200).await;
    assert_eq!(whoami["kind"], "device", "{whoami}");
    let second = json_status(verify(&bantz, &code, "second phone").await, 201).await;
    assert_eq!(second["device"]["name"], "second phone");

    let wasm = std::fs::read(skill("reminders")).unwrap();
    assert!(
        wasm.len() > 1024 * 1024,
        "the upload must pass the 1 MiB body cap"
    );
    let upload = |token: String, body: Vec<u8>| {
        bantz
            .http
            .put(bantz.url("/api/v1/skills/reminders/file"))
            .bearer_auth(token)
            .header("content-type", "application/octet-stream")
            .body(body)
            .send()
    };
    let refused = json_status(
        upload(phone_token.clone(), wasm.clone()).await.unwrap(),
        403,
    )
    .await;
    assert_eq!(refused["error"]["code"], "FORBIDDEN");
    let not_wasm = json_status(upload(TOKEN.into(), b"hello".to_vec()).await.unwrap(), 422).await;
    assert_eq!(not_wasm["error"]["code"], "NOT_WASM");
    let written = json_status(upload(TOKEN.into(), wasm).await.unwrap(), 202).await;
    assert_eq!(written["source"], "reminders.wasm");
    assert_eq!(written["replaced"], false);
    bantz
        .wait_for_skills("the uploaded reminders to be active", |list| {
            list.iter()
                .any(|s| s["source"] == "reminders.wasm" && s["status"] == "active")
        })
        .await;
    let leftovers: Vec<_> = std::fs::read_dir(bantz.skills_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let root = client.get(bantz.url("/")).send().await.unwrap();
    assert_eq!(root.status(), 302);
    assert_eq!(root.headers()["location"], "/app/");
    let app = client.get(bantz.url("/app/")).send().await.unwrap();
    let csp = app.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(app.headers()["x-content-type-options"], "nosniff");
}
