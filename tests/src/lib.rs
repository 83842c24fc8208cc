//! The black-box test harness: starts the real `bantz` binary on a free port with real skill
//! components and a fresh data dir, and talks HTTP to it.
//!
//! The binary is `$BANTZ_BIN` or `target/debug/bantz`; the skills are `$BANTZ_TEST_SKILLS` or
//! `dist/skills`. `cargo xtask test` builds both before it runs the tests.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use serde_json::{Value, json};

/// The token the harness gives the host unless a test asks for none.
pub const TOKEN: &str = "test-token-0123456789";

/// How long a test waits for something the host does on its own, and how often it looks.
pub const POLL_LIMIT: Duration = Duration::from_secs(30);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// How long the host may take to start before a test gives up (compiling skills is the slow part:
/// a skill with an interpreter inside, 13 to 19 MB, takes a debug host one to two minutes on a
/// busy 2-core machine the first time, before the shared compile cache has it).
const START_LIMIT: Duration = Duration::from_secs(300);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Path of the `bantz` binary under test.
pub fn bantz_bin() -> PathBuf {
    let path = match std::env::var_os("BANTZ_BIN") {
        Some(p) => PathBuf::from(p),
        None => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace_root().join("target"));
            target.join("debug/bantz")
        }
    };
    assert!(
        path.exists(),
        "{} does not exist: build it with `cargo build -p bantz` (cargo xtask test does)",
        path.display()
    );
    path
}

/// Path of a built first-party skill component, e.g. `skill("clock")`.
pub fn skill(name: &str) -> PathBuf {
    let dir = std::env::var_os("BANTZ_TEST_SKILLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist/skills"));
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} does not exist: build the skills with `cargo xtask skills`",
        path.display()
    );
    path
}

/// A built skill by name: the first-party one from dist/skills if there is one, else the test
/// skill from dist/test-skills.
pub fn component(name: &str) -> PathBuf {
    let dir = std::env::var_os("BANTZ_TEST_SKILLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("dist/skills"));
    if dir.join(format!("{name}.wasm")).exists() {
        skill(name)
    } else {
        test_skill(name)
    }
}

/// Path of a built test skill from skills/testing, e.g. `test_skill("loop")`.
pub fn test_skill(name: &str) -> PathBuf {
    let dir = std::env::var_os("BANTZ_TEST_SKILLS")
        .map(|d| PathBuf::from(d).with_file_name("test-skills"))
        .unwrap_or_else(|| workspace_root().join("dist/test-skills"));
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "{} does not exist: build the skills with `cargo xtask skills`",
        path.display()
    );
    path
}

/// How to start a host.
pub struct Options {
    /// The bearer token in `BANTZ_API_TOKEN`; `None` lets the host generate one.
    pub token: Option<String>,
    /// Skill components to put in the skills dir.
    pub skills: Vec<PathBuf>,
    /// Extra files to put in the skills dir: (file name, contents).
    pub skill_files: Vec<(String, Vec<u8>)>,
    /// Contents of bantz.toml.
    pub config: Option<String>,
    /// Start with no bantz.toml at all, as on a first start (`config` is then ignored): the host
    /// writes its own, at `bantz.toml` in the test's folder.
    pub no_config_file: bool,
    /// The arguments before the flags the harness adds; `["serve"]` by default.
    pub command: Vec<String>,
    /// Extra environment variables for the host (every other `BANTZ_*` one is removed).
    pub env: Vec<(String, String)>,
    /// Also serve on a Unix socket in the test's folder (`Bantz::socket`).
    pub socket: bool,
}

impl Options {
    /// The first-party skills a user starts with: clock, weather, calendar and reminders.
    pub fn first_party() -> Options {
        Options {
            skills: ["clock", "weather", "calendar", "reminders"]
                .into_iter()
                .map(skill)
                .collect(),
            ..Default::default()
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            token: Some(TOKEN.into()),
            skills: vec![skill("clock")],
            skill_files: Vec::new(),
            config: None,
            no_config_file: false,
            command: vec!["serve".into()],
            env: Vec::new(),
            socket: false,
        }
    }
}

/// A running host; killed when dropped.
pub struct Bantz {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The token to send.
    pub token: String,
    /// What the host printed on stdout up to the listening line.
    pub stdout: Vec<String>,
    /// The data dir (and the skills dir inside it).
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    /// The Unix socket, when `Options::socket` asked for one.
    pub socket: Option<PathBuf>,
}

impl Bantz {
    /// A host with the clock skill and the harness token.
    pub async fn start() -> Bantz {
        Bantz::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Bantz {
        tokio::task::spawn_blocking(move || Bantz::spawn(options, tempfile::tempdir().unwrap()))
            .await
            .unwrap()
    }

    /// Stops this host and starts a new one on the same data and skills dirs, as after a
    /// crash or a reboot. `options.skills` and `skill_files` are added to what is there.
    pub async fn restart(mut self, options: Options) -> Bantz {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        tokio::task::spawn_blocking(move || Bantz::spawn(options, dir))
            .await
            .unwrap()
    }

    fn spawn(options: Options, dir: tempfile::TempDir) -> Bantz {
        let data_dir = dir.path().join("data");
        let skills_dir = dir.path().join("skills");
        std::fs::create_dir_all(&data_dir).unwrap();
        std::fs::create_dir_all(&skills_dir).unwrap();
        for path in &options.skills {
            std::fs::copy(path, skills_dir.join(path.file_name().unwrap())).unwrap();
        }
        for (name, contents) in &options.skill_files {
            std::fs::write(skills_dir.join(name), contents).unwrap();
        }
        if !options.no_config_file {
            std::fs::write(
                dir.path().join("bantz.toml"),
                options.config.as_deref().unwrap_or(""),
            )
            .unwrap();
        }
        let log = std::fs::File::create(dir.path().join("bantz.log")).unwrap();

        // Relative paths, as a user types them, resolved against the test's own folder.
        let mut cmd = Command::new(bantz_bin());
        cmd.current_dir(dir.path())
            .args(&options.command)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args([
                "--data-dir",
                "data",
                "--skills-dir",
                "skills",
                "--config",
                "bantz.toml",
            ])
            // Compiled skills are shared between test hosts so each compiles a skill only once.
            .arg("--cache-dir")
            .arg(workspace_root().join("target/test-compile-cache"))
            .env_remove("BANTZ_API_TOKEN")
            .envs(options.env.iter().map(|(k, v)| (k, v)))
            .env("BANTZ_LOG", "info,bantz=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Some(token) = &options.token {
            cmd.env("BANTZ_API_TOKEN", token);
        }
        // The environment of whoever runs the tests (an exported BANTZ_SOCKET, a
        // BANTZ_LIMITS__… override) must not change the host under test.
        for (name, _) in std::env::vars() {
            if name.starts_with("BANTZ_")
                && name != "BANTZ_LOG"
                && !options.env.iter().any(|(k, _)| *k == name)
            {
                cmd.env_remove(name);
            }
        }
        let socket = options.socket.then(|| dir.path().join("bantz.sock"));
        if let Some(socket) = &socket {
            cmd.arg("--socket").arg(socket);
        }
        let mut child = cmd.spawn().expect("starting bantz");

        // The host prints `bantz listening on http://ADDR` once it accepts connections; read
        // stdout up to that line on a thread, so a host that hangs fails the test instead.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let done = line.starts_with("bantz listening on ");
                lines.push(line);
                if done {
                    let _ = tx.send(Ok(lines));
                    return;
                }
            }
            let _ = tx.send(Err(lines));
        });
        let lines = match rx.recv_timeout(START_LIMIT) {
            Ok(Ok(lines)) => lines,
            other => {
                let _ = child.kill();
                let log = std::fs::read_to_string(dir.path().join("bantz.log")).unwrap_or_default();
                panic!("bantz did not start ({other:?}); its log:\n{log}");
            }
        };
        let base = lines
            .last()
            .unwrap()
            .trim_start_matches("bantz listening on ")
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        let token = match &options.token {
            Some(t) => t.clone(),
            None => std::fs::read_to_string(data_dir.join("api-token")).unwrap_or_default(),
        };
        Bantz {
            child,
            base,
            token,
            stdout: lines,
            dir,
            http: reqwest::Client::new(),
            socket,
        }
    }

    /// The host's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends the host a signal by name (`TERM`, `INT`, `KILL`), as `kill -s` does.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("running kill");
        assert!(status.success(), "kill -s {name} {} failed", self.pid());
    }

    /// Waits for the host to exit, at most `POLL_LIMIT`, and returns how it ended.
    pub async fn wait_exit(&mut self) -> std::process::ExitStatus {
        let started = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < POLL_LIMIT,
                "bantz did not exit within {POLL_LIMIT:?}; its log:\n{}",
                self.log()
            );
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Polls the log until a line contains `needle`, and returns that line (without colours).
    pub async fn wait_for_log(&self, needle: &str) -> String {
        poll(POLL_LIMIT, async || {
            let log = strip_ansi(&self.log());
            match log.lines().find(|l| l.contains(needle)) {
                Some(line) => Ok(line.to_owned()),
                None => Err(format!("for {needle:?} in the log:\n{log}")),
            }
        })
        .await
    }

    /// A client for the host's Unix socket (`Options::socket`); URLs are `http://bantz/…`.
    pub fn socket_client(&self) -> reqwest::Client {
        let socket = self
            .socket
            .as_ref()
            .expect("started without Options::socket");
        reqwest::Client::builder()
            .unix_socket(socket.as_path())
            .build()
            .unwrap()
    }

    /// Runs the `bantz` command as a client (`chat`, `pair`…) in the test's folder; see
    /// [`run_cli`].
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        run_cli(self.dir.path(), args, env)
    }

    /// The host's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("bantz.log")).unwrap_or_default()
    }

    /// The data dir.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The skills dir the host watches.
    pub fn skills_dir(&self) -> PathBuf {
        self.dir.path().join("skills")
    }

    /// DELETE with the token.
    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.http
            .delete(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// Runs `skill.command` directly through `POST /api/v1/commands`.
    pub async fn command(&self, command: &str, args: Value) -> reqwest::Response {
        self.post(
            "/api/v1/commands",
            &json!({ "command": command, "args": args }),
        )
        .await
    }

    /// The inbox (`GET /api/v1/notifications/history?types=…`), newest first.
    pub async fn notifications(&self, types: &str) -> Vec<Value> {
        let list = json_ok(
            self.get(&format!("/api/v1/notifications/history?types={types}"))
                .await,
        )
        .await;
        list.as_array()
            .unwrap_or_else(|| panic!("the history is not a list: {list}"))
            .clone()
    }

    /// Polls the inbox until it holds at least `count` notifications of `types`, or panics after
    /// `limit`. For what skills send on their own schedule.
    pub async fn wait_for_notifications(
        &self,
        types: &str,
        count: usize,
        limit: Duration,
    ) -> Vec<Value> {
        poll(limit, async || {
            let list = self.notifications(types).await;
            if list.len() >= count {
                return Ok(list);
            }
            Err(format!(
                "for {count} {types} notifications; have {list:?}\nlog:\n{}",
                self.log()
            ))
        })
        .await
    }

    /// `GET /api/v1/skills/{name}`, asserting a 200.
    pub async fn skill_status(&self, name: &str) -> Value {
        json_ok(self.get(&format!("/api/v1/skills/{name}")).await).await
    }

    /// Polls `GET /api/v1/skills` until `check` holds for the list, or panics after
    /// `POLL_LIMIT`, naming `what` it waited for. For changes the host makes on its own
    /// (hot reload, ticks), where there is no response to wait on.
    pub async fn wait_for_skills(
        &self,
        what: &str,
        check: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        poll(POLL_LIMIT, async || {
            let list = json_ok(self.get("/api/v1/skills").await).await;
            let list = list.as_array().unwrap().clone();
            if check(&list) {
                return Ok(list);
            }
            Err(format!(
                "for {what}; skills: {list:#?}\nlog:\n{}",
                self.log()
            ))
        })
        .await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET with the token.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// POST JSON with the token.
    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends a chat message; asserts a 200 and returns the body.
    pub async fn chat(&self, message: &str) -> Value {
        let response = self
            .post("/api/v1/chat", &json!({ "message": message }))
            .await;
        json_ok(response).await
    }

    /// Routes `input` with `POST /api/v1/commands/parse`, running nothing; asserts a 200 and
    /// returns the decision.
    pub async fn parse(&self, input: &str) -> Value {
        let body = json!({ "input": input });
        json_ok(self.post("/api/v1/commands/parse", &body).await).await
    }

    /// Sends a chat message in the conversation `session`; asserts a 200 and returns the body.
    pub async fn say(&self, session: &str, message: &str) -> Value {
        let body = json!({ "message": message, "session_id": session });
        json_ok(self.post("/api/v1/chat", &body).await).await
    }
}

impl Drop for Bantz {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the `bantz` command to completion in `dir`, with no `BANTZ_*` variables but `env`.
pub fn run_cli(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(bantz_bin());
    cmd.current_dir(dir).args(args).stdin(Stdio::null());
    for (name, _) in std::env::vars() {
        if name.starts_with("BANTZ_") {
            cmd.env_remove(name);
        }
    }
    cmd.envs(env.iter().copied())
        .output()
        .expect("running bantz")
}

/// A WebSocket to the host.
pub type WebSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens `/ws/chat` with `query` (e.g. `?token=…`) and extra request headers; asserts the 101.
pub async fn websocket(bantz: &Bantz, query: &str, headers: &[(&str, &str)]) -> WebSocket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
    let url = format!("{}/ws/chat{query}", bantz.base.replacen("http", "ws", 1));
    let mut request = url.into_client_request().unwrap();
    for (name, value) in headers {
        request.headers_mut().insert(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    let (socket, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
    socket
}

/// `text` without its terminal colour codes.
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // ESC [ … final byte
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub event: String,
    pub id: Option<String>,
    pub data: Value,
}

/// An open server-sent-events response, read event by event.
pub struct SseStream {
    response: reqwest::Response,
    buffer: String,
}

impl SseStream {
    /// Opens `path` with the token, and `Last-Event-ID` when given; asserts a 200 event stream.
    pub async fn open(bantz: &Bantz, path: &str, last_event_id: Option<&str>) -> SseStream {
        let mut request = bantz.http.get(bantz.url(path)).bearer_auth(&bantz.token);
        if let Some(id) = last_event_id {
            request = request.header("Last-Event-ID", id);
        }
        SseStream::from_response(request.send().await.unwrap())
    }

    /// Reads a response already received (sent with any credentials); asserts a 200 event
    /// stream.
    pub fn from_response(response: reqwest::Response) -> SseStream {
        let path = response.url().path().to_owned();
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            content_type.starts_with("text/event-stream"),
            "{content_type}"
        );
        SseStream {
            response,
            buffer: String::new(),
        }
    }

    /// The next event (comments skipped), or a panic after `POLL_LIMIT`.
    pub async fn next(&mut self) -> SseEvent {
        tokio::time::timeout(POLL_LIMIT, self.read_event())
            .await
            .unwrap_or_else(|_| panic!("no server-sent event within {POLL_LIMIT:?}"))
            .expect("the event stream ended")
    }

    /// Asserts that the stream ends (after any events still buffered) within `limit`.
    pub async fn assert_ends_within(&mut self, limit: Duration) {
        let ended =
            tokio::time::timeout(limit, async { while self.read_event().await.is_some() {} }).await;
        assert!(
            ended.is_ok(),
            "the event stream did not end within {limit:?}"
        );
    }

    /// The next event named `name`, skipping others.
    pub async fn next_named(&mut self, name: &str) -> SseEvent {
        loop {
            let event = self.next().await;
            if event.event == name {
                return event;
            }
        }
    }

    async fn read_event(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = ("message".to_owned(), None, String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = Some(v.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() && id.is_none() {
                    continue; // a keep-alive comment
                }
                let data = serde_json::from_str(&data).unwrap_or(Value::String(data));
                return Some(SseEvent { event, id, data });
            }
            let chunk = self.response.chunk().await.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// Tries `look` every `POLL_INTERVAL` until it gives `Ok`, or panics after `limit` with what its
/// last `Err` said: the one way the harness waits for what the host does on its own.
pub async fn poll<T>(limit: Duration, mut look: impl AsyncFnMut() -> Result<T, String>) -> T {
    let started = std::time::Instant::now();
    loop {
        match look().await {
            Ok(value) => return value,
            Err(problem) => assert!(started.elapsed() < limit, "waited {limit:?} {problem}"),
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
}

/// Asserts a 200 with a JSON body and returns the body.
pub async fn json_ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "expected 200, got {status}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts the status and the error envelope, whose `request_id` is the response's
/// `X-Request-Id`, and returns the `error` object.
pub async fn json_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let got = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "expected {status}, got {got}: {text}");
    assert!(
        content_type.starts_with("application/json"),
        "error is not JSON ({content_type}): {text}"
    );
    let body: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    let error = body["error"].clone();
    assert_eq!(error["code"], code, "{text}");
    let request_id = request_id.unwrap_or_else(|| panic!("no X-Request-Id header: {text}"));
    assert_eq!(error["request_id"], request_id.as_str(), "{text}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{text}"
    );
    error
}
