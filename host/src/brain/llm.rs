//! The optional LLM tiers, `fast` and `quality`: any OpenAI-compatible chat-completions endpoint,
//! with the skills' commands as tools. The brain asks them only when the rules place no command.
//!
//! `fast` is asked first, `quality` when `fast` is not configured, its circuit is open, or it
//! fails after its retries. When no tier answers, the answer is the rules' own help reply: a
//! model that is down never fails a chat, and nothing is made up in its place.
//!
//! This is not a second runner: a tool call goes through the brain's `invoke_or_ask`, so limits,
//! confirmation and `tools_used` are the same as for the rules. Only the model's own words are
//! streamed as response text; a skill's reply goes back to the model as a `tool` message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use serde_json::{Value, json};

use super::router::Target;
use super::{Answer, Brain, BrainError, ChatEvent, Tier, TokenUsage, Turn, normalise};
use crate::config::{Config, LlmTier};

/// Failed answers in a row (each after its retries) that open a tier's circuit.
const OPEN_AFTER: u32 = 3;
/// How long an open circuit skips its tier before one trial request may go.
const OPEN_FOR: Duration = Duration::from_secs(30);
/// Rounds of tool calls one answer may take; the request after the last offers no tools, so
/// the model has to answer in words.
const MAX_TOOL_ROUNDS: usize = 4;
/// Earlier messages of the conversation sent along.
const HISTORY: usize = 10;
/// First wait before a retry; it doubles with every retry.
const BACKOFF: Duration = Duration::from_millis(200);
/// Longest wait before a retry, whatever the server's `Retry-After` says.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Largest answer read from a server, streamed or not.
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;
/// OpenAI allows at most this many characters in a tool name.
const MAX_TOOL_NAME: usize = 64;

/// Used when neither bantz.toml nor the request gives a system prompt.
pub const DEFAULT_SYSTEM_PROMPT: &str = "\
You are Bantz, a personal assistant. Answer in the language of the user's last message, \
Turkish or English, briefly and plainly. Kullanıcı Türkçe yazdıysa Türkçe yanıt ver ve ona \
\"siz\" diye hitap et (takviminiz, ister misiniz).
Use a tool for anything a tool can do (the time, the date, and whatever else the tools offer) \
instead of answering from memory. Never invent a tool's result and never claim that something \
was done unless a tool did it. When no tool fits and you do not know, say so.";

/// The configured tiers, `fast` first.
pub struct Llm {
    providers: Vec<Provider>,
    http: reqwest::Client,
}

/// One tier: where it is, and its circuit breaker.
struct Provider {
    tier: Tier,
    config: LlmTier,
    breaker: Mutex<Breaker>,
    usage: Usage,
}

/// What a tier was asked and used since start-up, for the metrics.
#[derive(Debug, Default)]
struct Usage {
    calls: AtomicU64,
    failures: AtomicU64,
    prompt_tokens: AtomicU64,
    completion_tokens: AtomicU64,
}

/// The state of a tier's circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Circuit {
    /// Requests go to the tier.
    Closed,
    /// The tier failed too often: it is skipped until the circuit half-opens.
    Open,
    /// The open period is over: the next request is a trial that closes or reopens it.
    HalfOpen,
}

/// What health shows of a tier, from its breaker alone: reporting never calls the model.
#[derive(Debug, Clone)]
pub struct TierReport {
    pub tier: Tier,
    pub model: String,
    pub base_url: String,
    pub circuit: Circuit,
    /// Failed answers since the last good one.
    pub consecutive_failures: u32,
    /// The most recent failure, if there was one.
    pub last_error: Option<String>,
    /// Completion requests since start-up (retries included), and how many of them failed.
    pub calls: u64,
    pub failures: u64,
    /// Tokens the tier reported using since start-up.
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl Llm {
    /// The tiers bantz.toml configures, or `None` when it configures none.
    pub fn from_config(config: &Config) -> Option<Llm> {
        let providers: Vec<Provider> = [
            (Tier::Fast, &config.llm.fast),
            (Tier::Quality, &config.llm.quality),
        ]
        .into_iter()
        .filter_map(|(tier, c)| {
            c.clone().map(|config| Provider {
                tier,
                config,
                breaker: Mutex::default(),
                usage: Usage::default(),
            })
        })
        .collect();
        if providers.is_empty() {
            return None;
        }
        let http = match reqwest::Client::builder()
            .user_agent(concat!("bantz/", env!("CARGO_PKG_VERSION")))
            .build()
        {
            Ok(http) => http,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the HTTP client: the LLM tiers are off");
                return None;
            }
        };
        for p in &providers {
            tracing::info!(tier = p.tier.as_str(), model = %p.config.model, base_url = %p.config.base_url, "LLM tier configured");
        }
        Some(Llm { providers, http })
    }

    /// The state of every configured tier, `fast` first.
    pub fn report(&self) -> Vec<TierReport> {
        let now = Instant::now();
        self.providers
            .iter()
            .map(|p| {
                let breaker = p.breaker.lock().unwrap();
                TierReport {
                    tier: p.tier,
                    model: p.config.model.clone(),
                    base_url: p.config.base_url.clone(),
                    circuit: breaker.circuit(now),
                    consecutive_failures: breaker.failures,
                    last_error: breaker.last_error.clone(),
                    calls: p.usage.calls.load(Ordering::Relaxed),
                    failures: p.usage.failures.load(Ordering::Relaxed),
                    prompt_tokens: p.usage.prompt_tokens.load(Ordering::Relaxed),
                    completion_tokens: p.usage.completion_tokens.load(Ordering::Relaxed),
                }
            })
            .collect()
    }

    /// Answers a message the rules could not place.
    pub(super) async fn answer(
        &self,
        brain: &Brain,
        turn: &Turn<'_>,
    ) -> Result<Answer, BrainError> {
        let mut talk = Talk::start(brain, turn).await?;
        for provider in &self.providers {
            let Some(attempt) = provider.admit() else {
                tracing::debug!(
                    tier = provider.tier.as_str(),
                    "LLM tier skipped: its circuit is open"
                );
                continue;
            };
            match self.converse(provider, brain, turn, &mut talk).await {
                Ok(answer) => {
                    attempt.succeeded();
                    return Ok(answer);
                }
                Err(Failure::Brain(e)) => return Err(e),
                Err(Failure::Llm(error)) => {
                    tracing::warn!(tier = provider.tier.as_str(), model = %provider.config.model, base_url = %provider.config.base_url, %error, "LLM tier failed");
                    attempt.failed(&error);
                    // Text already streamed cannot be taken back: it is the answer.
                    if !talk.streamed.is_empty() {
                        return Ok(talk.answer(provider.tier));
                    }
                }
            }
        }
        tracing::warn!("no LLM tier could answer; the rules' help reply is the answer");
        Ok(talk.fallback(brain, turn))
    }

    /// Talks with one tier until it answers in words, asks for a confirmation, or fails.
    async fn converse(
        &self,
        provider: &Provider,
        brain: &Brain,
        turn: &Turn<'_>,
        talk: &mut Talk,
    ) -> Result<Answer, Failure> {
        for round in 0..=MAX_TOOL_ROUNDS {
            let offer_tools = round < MAX_TOOL_ROUNDS && !talk.tools.is_empty();
            let body = talk.request(provider, turn, offer_tools);
            let reply = self
                .complete(provider, &body, turn, talk)
                .await
                .map_err(Failure::Llm)?;
            if let Some(u) = &reply.usage {
                let usage = &provider.usage;
                usage
                    .prompt_tokens
                    .fetch_add(u.prompt.into(), Ordering::Relaxed);
                usage
                    .completion_tokens
                    .fetch_add(u.completion.into(), Ordering::Relaxed);
            }
            talk.count(reply.usage);
            if !offer_tools || reply.tool_calls.is_empty() {
                if talk.streamed.trim().is_empty() {
                    return Err(Failure::Llm("the model gave an empty answer".into()));
                }
                return Ok(talk.answer(provider.tier));
            }
            if let Some(asked) = talk.call_tools(brain, turn, reply, round).await? {
                return Ok(Answer {
                    tier: provider.tier,
                    ..asked
                });
            }
        }
        unreachable!("the last round offers no tools, so it returns")
    }

    /// One request to a tier, retried after connection errors, 429s and 5xxs while nothing of
    /// it was streamed.
    async fn complete(
        &self,
        provider: &Provider,
        body: &Value,
        turn: &Turn<'_>,
        talk: &mut Talk,
    ) -> Result<ModelReply, String> {
        let mut retry = 0;
        loop {
            talk.round_spoke = false;
            let result = self.request(provider, body, turn, talk).await;
            provider.usage.calls.fetch_add(1, Ordering::Relaxed);
            if result.is_err() {
                provider.usage.failures.fetch_add(1, Ordering::Relaxed);
            }
            match result {
                Ok(reply) => return Ok(reply),
                Err(e)
                    if e.retriable && retry < provider.config.max_retries && !talk.round_spoke =>
                {
                    let wait = e
                        .retry_after
                        .unwrap_or(BACKOFF * 2u32.pow(retry))
                        .min(MAX_BACKOFF);
                    tracing::debug!(tier = provider.tier.as_str(), error = %e.message, ?wait, "retrying the LLM tier");
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                Err(e) => return Err(e.message),
            }
        }
    }

    /// Sends one request and reads its answer, streamed (SSE) or whole (JSON).
    async fn request(
        &self,
        provider: &Provider,
        body: &Value,
        turn: &Turn<'_>,
        talk: &mut Talk,
    ) -> Result<ModelReply, CallError> {
        let timeout = provider.config.timeout;
        let url = format!("{}/chat/completions", provider.config.base_url);
        let mut request = self
            .http
            .post(&url)
            .header(ACCEPT, "text/event-stream, application/json")
            .json(body);
        if let Some(key) = &provider.config.api_key {
            request = request.bearer_auth(key.expose());
        }
        let mut response = match tokio::time::timeout(timeout, request.send()).await {
            Err(_) => {
                return Err(CallError::fatal(format!(
                    "{url} did not answer within {} ms",
                    timeout.as_millis()
                )));
            }
            Ok(Err(e)) => {
                return Err(CallError {
                    message: format!("cannot reach {url}: {}", error_chain(&e)),
                    retriable: true,
                    retry_after: None,
                });
            }
            Ok(Ok(response)) => response,
        };

        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()?.trim().parse().ok())
                .map(Duration::from_secs);
            let message = match status.as_u16() {
                401 | 403 => format!("{url} answered {status}: it refused the API key"),
                404 => format!(
                    "{url} answered {status}: check base_url (it usually ends in /v1) and model"
                ),
                _ => {
                    let body = read_body(&mut response, timeout, 4096)
                        .await
                        .unwrap_or_default();
                    let body = String::from_utf8_lossy(&body);
                    let body = match &provider.config.api_key {
                        Some(key) => body.replace(key.expose(), "<redacted>"),
                        None => body.into_owned(),
                    };
                    format!("{url} answered {status}: {}", excerpt(&body))
                }
            };
            return Err(CallError {
                message,
                retriable: status.as_u16() == 429 || status.is_server_error(),
                retry_after,
            });
        }

        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let whole_json = content_type.trim_start().starts_with("application/json");
        let mut round = Round {
            talk,
            turn,
            reply: ModelReply::default(),
            events: 0,
        };
        if whole_json {
            // The server ignored `stream: true`.
            let bytes = read_body(&mut response, timeout, MAX_ANSWER_BYTES).await?;
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
                CallError::fatal(format!(
                    "the answer is not JSON ({e}): {}",
                    excerpt(&String::from_utf8_lossy(&bytes))
                ))
            })?;
            round.whole(&value)?;
            return Ok(round.reply);
        }

        let mut pending: Vec<u8> = Vec::new();
        let mut total = 0;
        loop {
            let chunk = match tokio::time::timeout(timeout, response.chunk()).await {
                Err(_) => {
                    return Err(CallError::fatal(format!(
                        "the answer stalled for more than {} ms",
                        timeout.as_millis()
                    )));
                }
                Ok(Err(e)) => {
                    return Err(CallError::fatal(format!(
                        "the answer broke off: {}",
                        error_chain(&e)
                    )));
                }
                Ok(Ok(None)) => break,
                Ok(Ok(Some(chunk))) => chunk,
            };
            total += chunk.len();
            if total > MAX_ANSWER_BYTES {
                return Err(CallError::fatal(format!(
                    "the answer is larger than {MAX_ANSWER_BYTES} bytes"
                )));
            }
            pending.extend_from_slice(&chunk);
            while let Some(end) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=end).collect();
                if round.sse_line(&line)? {
                    return Ok(round.reply);
                }
            }
        }
        // Some servers end the stream without `data: [DONE]`.
        round.sse_line(&pending)?;
        if round.events == 0 {
            return Err(CallError::fatal(format!(
                "{url} sent no `data:` events (content-type {content_type:?}): is base_url the API root, usually ending in /v1?"
            )));
        }
        Ok(round.reply)
    }
}

/// Why a tier gave no answer, or why the chat itself failed.
enum Failure {
    /// The tier failed: the next one may answer.
    Llm(String),
    /// Something outside the model failed (the store): the chat fails, as on the rules path.
    Brain(BrainError),
}

/// Why one request failed.
struct CallError {
    message: String,
    /// Connection errors, 429 and 5xx: worth another try.
    retriable: bool,
    retry_after: Option<Duration>,
}

impl CallError {
    fn fatal(message: String) -> CallError {
        CallError {
            message,
            retriable: false,
            retry_after: None,
        }
    }
}

/// What the model said in one request.
#[derive(Debug, Default)]
struct ModelReply {
    text: String,
    tool_calls: Vec<ToolCall>,
    usage: Option<TokenUsage>,
}

/// A tool call, put together from its streamed pieces.
#[derive(Debug, Default, Clone, PartialEq)]
struct ToolCall {
    id: String,
    name: String,
    arguments: String,
}

/// The exchange with the models while one message is answered. It outlives a tier that fails,
/// so the next tier carries on from it (tool results included) instead of running the
/// commands again.
struct Talk {
    locale: &'static str,
    /// History, the user's message, then the rounds so far; the system prompt is added per request.
    messages: Vec<Value>,
    tools: Vec<Value>,
    /// Tool name → (skill, command).
    commands: HashMap<String, (String, String)>,
    /// Everything streamed as response text so far.
    streamed: String,
    /// Whether the current request has streamed text yet.
    round_spoke: bool,
    tools_used: Vec<String>,
    data: Option<Value>,
    tokens: Option<TokenUsage>,
}

impl Talk {
    async fn start(brain: &Brain, turn: &Turn<'_>) -> Result<Talk, BrainError> {
        let history = brain.store.messages(turn.session_id).await?;
        let mut messages: Vec<Value> = history
            .iter()
            .rev()
            .filter(|m| matches!(m.role.as_str(), "user" | "assistant") && !m.text.is_empty())
            .take(HISTORY)
            .map(|m| json!({"role": m.role, "content": m.text}))
            .collect();
        messages.reverse();
        messages.push(json!({"role": "user", "content": turn.message}));

        let mut tools = Vec::new();
        let mut commands = HashMap::new();
        for skill in brain.runtime.available_skills() {
            for command in &skill.manifest.commands {
                let name = tool_name(&skill.manifest.name, &command.name);
                if name.len() > MAX_TOOL_NAME {
                    tracing::debug!(%name, "not offered as a tool: the name is too long");
                    continue;
                }
                let parameters = serde_json::from_str::<Value>(&command.args_schema)
                    .ok()
                    .filter(Value::is_object)
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
                tools.push(json!({
                    "type": "function",
                    "function": {
                        "name": name,
                        "description": command.description,
                        "parameters": parameters,
                    }
                }));
                commands.insert(name, (skill.manifest.name.clone(), command.name.clone()));
            }
        }
        Ok(Talk {
            locale: normalise::detect_locale(turn.message),
            messages,
            tools,
            commands,
            streamed: String::new(),
            round_spoke: false,
            tools_used: Vec::new(),
            data: None,
            tokens: None,
        })
    }

    /// The body of the next request to `provider`.
    fn request(&self, provider: &Provider, turn: &Turn<'_>, offer_tools: bool) -> Value {
        let overrides = turn.overrides;
        let system = overrides
            .system_prompt
            .as_deref()
            .or(provider.config.system_prompt.as_deref())
            .unwrap_or(DEFAULT_SYSTEM_PROMPT);
        let mut messages = Vec::with_capacity(self.messages.len() + 1);
        messages.push(json!({"role": "system", "content": system}));
        messages.extend(self.messages.iter().cloned());
        let mut body = json!({
            "model": overrides.model.as_deref().unwrap_or(&provider.config.model),
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        if offer_tools {
            body["tools"] = Value::Array(self.tools.clone());
        }
        if let Some(t) = overrides.temperature {
            // Through its decimal form, so 0.7 is sent as 0.7 and not as 0.699999988.
            body["temperature"] = t
                .to_string()
                .parse::<f64>()
                .map_or(Value::Null, Value::from);
        }
        if let Some(max_tokens) = overrides.max_tokens {
            body["max_tokens"] = max_tokens.into();
        }
        body
    }

    /// Streams a piece of the model's text.
    fn say(&mut self, turn: &Turn<'_>, piece: &str) {
        if piece.is_empty() {
            return;
        }
        if !self.round_spoke && !self.streamed.is_empty() {
            // Text of an earlier round, before its tool calls, stays a paragraph of its own.
            turn.emit(ChatEvent::Delta("\n\n".into()));
            self.streamed.push_str("\n\n");
        }
        self.round_spoke = true;
        turn.emit(ChatEvent::Delta(piece.to_owned()));
        self.streamed.push_str(piece);
    }

    fn count(&mut self, usage: Option<TokenUsage>) {
        if let Some(u) = usage {
            let t = self.tokens.get_or_insert_default();
            t.prompt += u.prompt;
            t.completion += u.completion;
            t.total += u.total;
        }
    }

    /// Runs the tool calls of one round through the brain's runner and adds their results to
    /// the exchange; returns the question when a command waits for confirmation.
    async fn call_tools(
        &mut self,
        brain: &Brain,
        turn: &Turn<'_>,
        reply: ModelReply,
        round: usize,
    ) -> Result<Option<Answer>, Failure> {
        let calls: Vec<ToolCall> = reply
            .tool_calls
            .into_iter()
            .enumerate()
            .map(|(i, mut call)| {
                if call.id.is_empty() {
                    call.id = format!("call_{round}_{i}");
                }
                call
            })
            .collect();
        self.messages.push(json!({
            "role": "assistant",
            "content": if reply.text.is_empty() { Value::Null } else { reply.text.into() },
            "tool_calls": calls.iter().map(|c| json!({
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": c.arguments},
            })).collect::<Vec<_>>(),
        }));
        for call in &calls {
            let result = match self.target(call) {
                Err(error) => error,
                Ok(target) => match brain.invoke_or_ask(&target, turn).await {
                    Ok(answer) if answer.confirmation_prompt.is_some() => {
                        return Ok(Some(Answer {
                            tools_used: std::mem::take(&mut self.tools_used),
                            tokens: self.tokens,
                            ..answer
                        }));
                    }
                    Ok(answer) => {
                        self.tools_used.extend(answer.tools_used);
                        let result = match &answer.data {
                            Some(data) => format!("{}\n\ndata: {data}", answer.response),
                            None => answer.response,
                        };
                        self.data = answer.data.or(self.data.take());
                        result
                    }
                    Err(BrainError::Skill(e)) => {
                        self.tools_used
                            .push(format!("{}.{}", target.skill, target.command));
                        format!("error: {} {e}", e.code())
                    }
                    Err(e) => return Err(Failure::Brain(e)),
                },
            };
            self.messages.push(json!({
                "role": "tool",
                "tool_call_id": call.id,
                "content": result,
            }));
        }
        Ok(None)
    }

    /// The command a tool call asks for, or the error the model is told instead.
    fn target(&self, call: &ToolCall) -> Result<Target, String> {
        let Some((skill, command)) = self.commands.get(&call.name) else {
            return Err(format!("error: there is no tool named {:?}", call.name));
        };
        let mut args: Value = if call.arguments.trim().is_empty() {
            json!({})
        } else {
            serde_json::from_str(&call.arguments)
                .map_err(|e| format!("error: the arguments are not valid JSON: {e}"))?
        };
        // Some models send the arguments JSON-encoded twice.
        if let Value::String(inner) = &args {
            args = serde_json::from_str(inner)
                .map_err(|e| format!("error: the arguments are not valid JSON: {e}"))?;
        }
        let Value::Object(args) = args else {
            return Err("error: the arguments must be a JSON object".into());
        };
        Ok(Target {
            skill: skill.clone(),
            command: command.clone(),
            locale: self.locale.to_owned(),
            args,
            confidence: 1.0,
        })
    }

    /// The answer of `tier`: everything it streamed.
    fn answer(&mut self, tier: Tier) -> Answer {
        Answer {
            response: self.streamed.clone(),
            tools_used: std::mem::take(&mut self.tools_used),
            data: self.data.take(),
            tier,
            tokens: self.tokens,
            ..Answer::text(String::new(), self.locale)
        }
    }

    /// The answer when no tier could give one: what the rules say to a message they cannot
    /// place (which one of several commands, or what the skills can do), never a guess.
    fn fallback(mut self, brain: &Brain, turn: &Turn<'_>) -> Answer {
        let parsed = brain.parse(turn.message);
        let text = if parsed.alternatives.is_empty() {
            brain.help(self.locale)
        } else {
            let targets: Vec<Target> = parsed
                .alternatives
                .iter()
                .filter_map(|c| c.split_once('.'))
                .map(|(skill, command)| Target {
                    skill: skill.to_owned(),
                    command: command.to_owned(),
                    locale: self.locale.to_owned(),
                    args: Default::default(),
                    confidence: 0.0,
                })
                .collect();
            brain.which_one(&targets, self.locale)
        };
        turn.emit(ChatEvent::Delta(text.clone()));
        Answer {
            tools_used: std::mem::take(&mut self.tools_used),
            tokens: self.tokens,
            ..Answer::text(text, self.locale)
        }
    }
}

/// The tool name of a command: OpenAI allows only `[a-zA-Z0-9_-]`, and skill and command names
/// never contain `_`, so `__` separates them unambiguously.
fn tool_name(skill: &str, command: &str) -> String {
    format!("{skill}__{command}")
}

/// One request's answer being read.
struct Round<'a, 't> {
    talk: &'a mut Talk,
    turn: &'a Turn<'t>,
    reply: ModelReply,
    /// `data:` lines seen.
    events: usize,
}

impl Round<'_, '_> {
    /// One line of an SSE stream; true at `data: [DONE]`. Every OpenAI-compatible server sends
    /// one JSON chunk per `data:` line; comments, `event:` and `id:` lines are ignored.
    fn sse_line(&mut self, line: &[u8]) -> Result<bool, CallError> {
        let line = String::from_utf8_lossy(line);
        let Some(data) = line.trim_end_matches(['\r', '\n']).strip_prefix("data:") else {
            return Ok(false);
        };
        let data = data.trim();
        self.events += 1;
        if data == "[DONE]" {
            return Ok(true);
        }
        if data.is_empty() {
            return Ok(false);
        }
        let chunk: Value = serde_json::from_str(data).map_err(|e| {
            CallError::fatal(format!(
                "a streamed chunk is not JSON ({e}): {}",
                excerpt(data)
            ))
        })?;
        self.chunk(&chunk)?;
        Ok(false)
    }

    /// One streamed chunk: text pieces are streamed on at once, tool calls put together.
    fn chunk(&mut self, chunk: &Value) -> Result<(), CallError> {
        server_error(chunk)?;
        if let Some(usage) = usage(chunk) {
            self.reply.usage = Some(usage);
        }
        let delta = &chunk["choices"][0]["delta"];
        if let Some(piece) = delta["content"].as_str() {
            self.reply.text.push_str(piece);
            self.talk.say(self.turn, piece);
        }
        if let Some(calls) = delta["tool_calls"].as_array() {
            for call in calls {
                add_tool_delta(&mut self.reply.tool_calls, call)?;
            }
        }
        Ok(())
    }

    /// A whole, unstreamed answer.
    fn whole(&mut self, answer: &Value) -> Result<(), CallError> {
        server_error(answer)?;
        let message = &answer["choices"][0]["message"];
        if !message.is_object() {
            return Err(CallError::fatal(format!(
                "the answer has no choices[0].message: {}",
                excerpt(&answer.to_string())
            )));
        }
        self.reply.usage = usage(answer);
        if let Some(text) = message["content"].as_str() {
            self.reply.text.push_str(text);
            self.talk.say(self.turn, text);
        }
        for call in message["tool_calls"].as_array().into_iter().flatten() {
            let arguments = match &call["function"]["arguments"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            self.reply.tool_calls.push(ToolCall {
                id: call["id"].as_str().unwrap_or_default().to_owned(),
                name: call["function"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                arguments,
            });
        }
        Ok(())
    }
}

/// Adds one streamed piece of a tool call. Pieces are matched by `index`; the `id` and the name
/// come once, the arguments in pieces.
fn add_tool_delta(calls: &mut Vec<ToolCall>, delta: &Value) -> Result<(), CallError> {
    let id = delta["id"].as_str().filter(|id| !id.is_empty());
    let index = match delta["index"].as_u64() {
        Some(i) => i as usize,
        // Without an index, a new id starts a new call.
        None => match (id, calls.last()) {
            (Some(id), Some(last)) if last.id != id => calls.len(),
            (_, Some(_)) => calls.len() - 1,
            (_, None) => 0,
        },
    };
    if index > calls.len() + 16 {
        return Err(CallError::fatal(format!(
            "a tool call has the index {index}, far past the {} calls so far",
            calls.len()
        )));
    }
    if calls.len() <= index {
        calls.resize_with(index + 1, ToolCall::default);
    }
    let call = &mut calls[index];
    if let Some(id) = id {
        call.id = id.to_owned();
    }
    if let Some(name) = delta["function"]["name"].as_str()
        && call.name != name
    {
        call.name.push_str(name);
    }
    if let Some(arguments) = delta["function"]["arguments"].as_str() {
        call.arguments.push_str(arguments);
    }
    Ok(())
}

/// An `{"error": …}` that a server sends in place of an answer.
fn server_error(value: &Value) -> Result<(), CallError> {
    match value.get("error") {
        None | Some(Value::Null) => Ok(()),
        Some(error) => {
            let message = error["message"]
                .as_str()
                .map_or_else(|| error.to_string(), str::to_owned);
            Err(CallError::fatal(format!(
                "the server reported an error: {}",
                excerpt(&message)
            )))
        }
    }
}

fn usage(value: &Value) -> Option<TokenUsage> {
    let usage = value.get("usage").filter(|u| u.is_object())?;
    let n = |key: &str| {
        usage[key]
            .as_u64()
            .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    let (prompt, completion) = (n("prompt_tokens"), n("completion_tokens"));
    let total = match n("total_tokens") {
        0 => prompt.saturating_add(completion),
        total => total,
    };
    Some(TokenUsage {
        prompt,
        completion,
        total,
    })
}

/// Reads a whole body, giving up when a piece takes longer than `timeout` or it grows past `limit`.
async fn read_body(
    response: &mut reqwest::Response,
    timeout: Duration,
    limit: usize,
) -> Result<Vec<u8>, CallError> {
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout(timeout, response.chunk()).await {
            Err(_) => {
                return Err(CallError::fatal(format!(
                    "the answer stalled for more than {} ms",
                    timeout.as_millis()
                )));
            }
            Ok(Err(e)) => {
                return Err(CallError::fatal(format!(
                    "the answer broke off: {}",
                    error_chain(&e)
                )));
            }
            Ok(Ok(None)) => return Ok(body),
            Ok(Ok(Some(chunk))) => {
                if body.len() + chunk.len() > limit {
                    if limit < MAX_ANSWER_BYTES {
                        // Enough of an error body to show.
                        body.extend_from_slice(&chunk[..limit - body.len()]);
                        return Ok(body);
                    }
                    return Err(CallError::fatal(format!(
                        "the answer is larger than {limit} bytes"
                    )));
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}

/// The causes of an HTTP error, e.g. "client error (Connect): tcp connect error: Connection
/// refused"; reqwest's own top line only repeats the URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        causes.push(cause.to_string());
        source = cause.source();
    }
    if causes.is_empty() {
        error.to_string()
    } else {
        causes.join(": ")
    }
}

/// The start of a long text, on one line.
fn excerpt(text: &str) -> String {
    const MAX: usize = 300;
    let text = text.trim().replace(['\n', '\r'], " ");
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// A tier's circuit breaker: [`OPEN_AFTER`] failed answers in a row open it; after [`OPEN_FOR`]
/// one trial request may go, and its outcome closes or reopens it.
#[derive(Debug, Default)]
struct Breaker {
    failures: u32,
    opened_at: Option<Instant>,
    /// A half-open trial is under way; other requests skip the tier meanwhile.
    trial: bool,
    last_error: Option<String>,
}

impl Breaker {
    fn circuit(&self, now: Instant) -> Circuit {
        match self.opened_at {
            None => Circuit::Closed,
            Some(at) if now.duration_since(at) < OPEN_FOR => Circuit::Open,
            Some(_) => Circuit::HalfOpen,
        }
    }

    /// Whether a request may go to the tier now.
    fn admit(&mut self, now: Instant) -> bool {
        match self.circuit(now) {
            Circuit::Closed => true,
            Circuit::Open => false,
            Circuit::HalfOpen if self.trial => false,
            Circuit::HalfOpen => {
                self.trial = true;
                true
            }
        }
    }

    fn succeeded(&mut self) {
        self.failures = 0;
        self.opened_at = None;
        self.trial = false;
    }

    /// Counts a failed answer; true when it opens the circuit.
    fn failed(&mut self, now: Instant, error: &str) -> bool {
        self.failures += 1;
        self.last_error = Some(error.to_owned());
        let was_trial = std::mem::take(&mut self.trial);
        let open = was_trial || self.failures >= OPEN_AFTER;
        if open {
            self.opened_at = Some(now);
        }
        open
    }

    /// A request that ended with neither a good answer nor a failure (it was cancelled).
    fn abandoned(&mut self) {
        self.trial = false;
    }
}

impl Provider {
    /// Leave to send a request, unless the circuit is open.
    fn admit(&self) -> Option<Attempt<'_>> {
        let admitted = self.breaker.lock().unwrap().admit(Instant::now());
        admitted.then_some(Attempt {
            provider: self,
            ended: false,
        })
    }
}

/// One admitted answer of a tier; tells the breaker how it went, also when it is dropped
/// half-way (the client went away).
struct Attempt<'a> {
    provider: &'a Provider,
    ended: bool,
}

impl Attempt<'_> {
    fn succeeded(mut self) {
        self.ended = true;
        self.provider.breaker.lock().unwrap().succeeded();
    }

    fn failed(mut self, error: &str) {
        self.ended = true;
        let opened = self
            .provider
            .breaker
            .lock()
            .unwrap()
            .failed(Instant::now(), error);
        if opened {
            tracing::warn!(
                tier = self.provider.tier.as_str(),
                "LLM tier circuit open for {} s",
                OPEN_FOR.as_secs()
            );
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.provider.breaker.lock().unwrap().abandoned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_three_failures_and_half_opens_for_one_trial() {
        let mut b = Breaker::default();
        let t0 = Instant::now();
        assert!(b.admit(t0));
        assert!(!b.failed(t0, "one"));
        assert!(!b.failed(t0, "two"));
        assert_eq!(b.circuit(t0), Circuit::Closed);
        assert!(b.failed(t0, "three"));
        assert_eq!(b.circuit(t0), Circuit::Open);
        assert!(!b.admit(t0 + OPEN_FOR - Duration::from_millis(1)));

        let later = t0 + OPEN_FOR;
        assert_eq!(b.circuit(later), Circuit::HalfOpen);
        assert!(b.admit(later), "one trial");
        assert!(!b.admit(later), "only one trial at a time");
        assert!(b.failed(later, "trial failed"), "a failed trial reopens");
        assert_eq!(b.circuit(later), Circuit::Open);

        let again = later + OPEN_FOR;
        assert!(b.admit(again));
        b.abandoned();
        assert!(b.admit(again), "a cancelled trial lets another one go");
        b.succeeded();
        assert_eq!(b.circuit(again), Circuit::Closed);
        assert_eq!(b.failures, 0);
        assert_eq!(b.last_error.as_deref(), Some("trial failed"));
    }

    #[test]
    fn streamed_tool_calls_are_put_together_by_index() {
        let mut calls = Vec::new();
        for delta in [
            json!({"index": 0, "id": "a", "type": "function", "function": {"name": "clock__now", "arguments": ""}}),
            json!({"index": 1, "id": "b", "function": {"name": "ticker__hold", "arguments": "{\"ms\""}}),
            json!({"index": 0, "function": {"arguments": "{}"}}),
            json!({"index": 1, "function": {"arguments": ": 5}"}}),
        ] {
            add_tool_delta(&mut calls, &delta)
                .map_err(|e| e.message)
                .unwrap();
        }
        assert_eq!(
            calls,
            [
                ToolCall {
                    id: "a".into(),
                    name: "clock__now".into(),
                    arguments: "{}".into()
                },
                ToolCall {
                    id: "b".into(),
                    name: "ticker__hold".into(),
                    arguments: "{\"ms\": 5}".into()
                },
            ]
        );
        assert!(add_tool_delta(&mut calls, &json!({"index": 1000})).is_err());
    }

    #[test]
    fn tool_calls_without_an_index_are_told_apart_by_id() {
        let mut calls = Vec::new();
        for delta in [
            json!({"id": "a", "function": {"name": "clock__now", "arguments": "{"}}),
            json!({"function": {"arguments": "}"}}),
            json!({"id": "b", "function": {"name": "clock__today", "arguments": "{}"}}),
        ] {
            add_tool_delta(&mut calls, &delta)
                .map_err(|e| e.message)
                .unwrap();
        }
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].arguments, "{}");
        assert_eq!(calls[1].name, "clock__today");
    }

    #[test]
    fn usage_fills_in_a_missing_total() {
        assert_eq!(
            usage(&json!({"usage": {"prompt_tokens": 3, "completion_tokens": 4}})),
            Some(TokenUsage {
                prompt: 3,
                completion: 4,
                total: 7
            })
        );
        assert_eq!(usage(&json!({"usage": null})), None);
    }

    #[test]
    fn excerpts_are_short_and_on_one_line() {
        assert_eq!(excerpt(" a\nb "), "a b");
        let long = "ğ".repeat(400);
        assert_eq!(excerpt(&long).chars().count(), 301);
    }
}
