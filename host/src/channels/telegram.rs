//! Telegram through the Bot API: updates by long polling (`getUpdates`) or by webhook, replies
//! with `sendMessage` as plain text (no `parse_mode`, so nothing in a reply is markup), and a
//! command's yes-or-no question as inline buttons answered through `callback_query`.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::{
    Backoff, ChannelStats, Outgoing, SendError, WebhookError, bounded, converse, locale_of, pause,
    read_bounded, try_code, words,
};
use crate::api::AppState;
use crate::config::{TelegramMode, TelegramSettings};
use crate::store::StoreError;

/// Seconds a `getUpdates` long poll waits for an update.
const POLL_SECONDS: u64 = 25;
/// Updates asked for at a time (Telegram's own maximum).
const POLL_LIMIT: u32 = 100;
/// The most time a call other than the long poll may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// The cursor that keeps the next `getUpdates` offset.
const OFFSET: &str = "telegram.offset";

/// The configured bot.
pub struct Telegram {
    settings: TelegramSettings,
    http: reqwest::Client,
    pub stats: ChannelStats,
}

/// The parts of an `Update` that Bantz reads.
#[derive(Debug, Deserialize)]
struct Update {
    message: Option<Message>,
    callback_query: Option<CallbackQuery>,
}

#[derive(Debug, Deserialize)]
struct Message {
    message_id: i64,
    chat: Chat,
    from: Option<User>,
    text: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Chat {
    id: i64,
    title: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct User {
    language_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CallbackQuery {
    id: String,
    message: Option<Message>,
    data: Option<String>,
}

/// What the Bot API answers to every method.
#[derive(Debug, Deserialize)]
struct Reply {
    ok: bool,
    result: Option<Value>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<ReplyParameters>,
}

#[derive(Debug, Deserialize)]
struct ReplyParameters {
    retry_after: Option<u64>,
}

impl Telegram {
    pub fn new(settings: TelegramSettings) -> anyhow::Result<Telegram> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Telegram {
            settings,
            http,
            stats: ChannelStats::default(),
        })
    }

    /// Whether Bantz asks for updates (rather than Telegram posting them).
    pub fn polls(&self) -> bool {
        self.settings.mode == TelegramMode::Polling
    }

    pub fn mode(&self) -> TelegramMode {
        self.settings.mode
    }

    /// Calls a Bot API method. The URL holds the token, so no error mentions it.
    async fn call(
        &self,
        method: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<Value, SendError> {
        let url = format!(
            "{}/bot{}/{method}",
            self.settings.api_base,
            self.settings.bot_token.expose()
        );
        let response = self
            .http
            .post(url)
            .json(body)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| SendError::Network(format!("{method}: {}", e.without_url())))?;
        let status = response.status();
        let bytes = read_bounded(response).await?;
        let reply: Reply = match serde_json::from_slice(&bytes) {
            Ok(reply) => reply,
            Err(_) if status.is_server_error() || status.as_u16() == 429 => {
                return Err(SendError::Network(format!("{method}: HTTP {status}")));
            }
            Err(_) => {
                return Err(SendError::Refused(format!(
                    "{method}: HTTP {status} with an answer that is not the Bot API's"
                )));
            }
        };
        if reply.ok {
            return Ok(reply.result.unwrap_or(Value::Null));
        }
        let description = format!(
            "{method}: {} {}",
            reply.error_code.unwrap_or(status.as_u16()),
            reply.description.unwrap_or_default()
        );
        if reply.error_code == Some(429) || status.as_u16() == 429 {
            let seconds = reply
                .parameters
                .and_then(|p| p.retry_after)
                .unwrap_or(5)
                .clamp(1, 3600);
            return Err(SendError::RetryAfter(Duration::from_secs(seconds)));
        }
        if status.is_server_error() {
            return Err(SendError::Network(description));
        }
        Err(SendError::Refused(description))
    }

    /// Sends one part of a reply.
    pub async fn send(&self, part: &Outgoing) -> Result<(), SendError> {
        match part {
            Outgoing::TelegramMessage {
                chat_id,
                text,
                reply_to,
                confirm,
                silent,
            } => {
                let mut body = json!({
                    "chat_id": chat_id,
                    "text": text,
                    "disable_notification": silent,
                });
                if let Some(id) = reply_to {
                    body["reply_parameters"] =
                        json!({"message_id": id, "allow_sending_without_reply": true});
                }
                if let Some(locale) = confirm {
                    let w = words(locale);
                    body["reply_markup"] = json!({"inline_keyboard": [[
                        {"text": w.yes, "callback_data": "yes"},
                        {"text": w.no, "callback_data": "no"},
                    ]]});
                }
                self.call("sendMessage", &body, CALL_TIMEOUT).await?;
            }
            Outgoing::TelegramAnswer { callback_id, text } => {
                let mut body = json!({"callback_query_id": callback_id});
                if let Some(text) = text {
                    body["text"] = json!(text);
                }
                match self.call("answerCallbackQuery", &body, CALL_TIMEOUT).await {
                    // A query answered late is too old to answer: nothing is lost.
                    Err(SendError::Refused(e)) => {
                        tracing::debug!(error = %e, "telegram: a button press was not acknowledged")
                    }
                    other => {
                        other?;
                    }
                }
            }
            Outgoing::WhatsAppMessage { .. } => {}
        }
        Ok(())
    }

    /// Takes an update that Telegram posted to the webhook: checks the secret (in constant
    /// time), keeps the update once by its `update_id`, and wakes the worker.
    pub async fn receive(
        &self,
        state: &AppState,
        secret: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let Some(expected) = &self.settings.webhook_secret else {
            return Err(WebhookError::NotConfigured("telegram"));
        };
        if self.settings.mode != TelegramMode::Webhook {
            return Err(WebhookError::Forbidden(
                "the telegram channel polls for updates (mode = \"polling\"); set mode = \"webhook\" to take them here",
            ));
        }
        let matches =
            secret.is_some_and(|s| bool::from(s.as_bytes().ct_eq(expected.expose().as_bytes())));
        if !matches {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!("telegram: a webhook post without the right secret token was refused");
            return Err(WebhookError::Unauthorized(
                "X-Telegram-Bot-Api-Secret-Token is missing or wrong",
            ));
        }
        let update: Value = serde_json::from_slice(body).map_err(|e| {
            WebhookError::BadRequest(format!("the body is not a Telegram Update: {e}"))
        })?;
        let Some(id) = update.get("update_id").and_then(Value::as_i64) else {
            return Err(WebhookError::BadRequest(
                "the body is not a Telegram Update: it has no integer update_id".into(),
            ));
        };
        if state.store.channel_pending_count().await? >= super::MAX_PENDING {
            return Err(WebhookError::Full);
        }
        let fresh = state
            .store
            .channel_receive("telegram", &[(id.to_string(), update.to_string())], None)
            .await?;
        self.count(fresh, 1);
        state.channels.wake();
        Ok(())
    }

    fn count(&self, fresh: usize, total: usize) {
        self.stats
            .received
            .fetch_add(fresh as u64, Ordering::Relaxed);
        self.stats
            .duplicates
            .fetch_add((total - fresh) as u64, Ordering::Relaxed);
    }
}

/// Asks Telegram for updates for as long as the host runs, and keeps each batch in the inbox
/// in the commit that moves the offset past it. Pauses while the inbox is full; backs off after
/// errors and waits as long as a 429 says.
pub async fn poll(state: Arc<AppState>) {
    let Some(tg) = &state.channels.telegram else {
        return;
    };
    let mut backoff = Backoff::default();
    let mut offset = loop {
        match state.store.channel_cursor(OFFSET).await {
            Ok(offset) => break offset,
            Err(e) => {
                tracing::error!(error = %e, "telegram: cannot read the offset");
                if !pause(&state, backoff.delay()).await {
                    return;
                }
            }
        }
    };
    loop {
        match state.store.channel_pending_count().await {
            Ok(n) if n < super::MAX_PENDING => {}
            Ok(_) => {
                if !pause(&state, Duration::from_secs(1)).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "telegram: cannot read the inbox");
                if !pause(&state, backoff.delay()).await {
                    return;
                }
                continue;
            }
        }
        let mut body = json!({
            "timeout": POLL_SECONDS,
            "limit": POLL_LIMIT,
            "allowed_updates": ["message", "callback_query"],
        });
        if let Some(offset) = offset {
            body["offset"] = json!(offset);
        }
        let asked = tg.call(
            "getUpdates",
            &body,
            Duration::from_secs(POLL_SECONDS) + CALL_TIMEOUT,
        );
        let answer = tokio::select! {
            answer = asked => answer,
            _ = state.shutdown.cancelled() => return,
        };
        let wait = match answer {
            Ok(Value::Array(updates)) => {
                tg.stats.ok();
                backoff.reset();
                let entries: Vec<(String, String)> = updates
                    .iter()
                    .filter_map(|u| {
                        Some((u.get("update_id")?.as_i64()?.to_string(), u.to_string()))
                    })
                    .collect();
                let Some(next) = updates
                    .iter()
                    .filter_map(|u| u.get("update_id")?.as_i64())
                    .max()
                    .map(|id| id + 1)
                else {
                    continue;
                };
                match state
                    .store
                    .channel_receive("telegram", &entries, Some((OFFSET, next)))
                    .await
                {
                    Ok(fresh) => {
                        tg.count(fresh, entries.len());
                        offset = Some(next);
                        state.channels.wake();
                        continue;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "telegram: cannot keep updates; asking again");
                        backoff.delay()
                    }
                }
            }
            Ok(other) => {
                let e = format!("getUpdates answered {other} instead of a list of updates");
                tracing::warn!(error = %e, "telegram: polling failed");
                tg.stats.problem(&e);
                backoff.delay()
            }
            Err(SendError::RetryAfter(d)) => d,
            Err(e) => {
                tracing::warn!(error = %e, "telegram: polling failed; backing off");
                tg.stats.problem(&e);
                backoff.delay()
            }
        };
        if !pause(&state, wait).await {
            return;
        }
    }
}

/// The pairing code in a message, when the message is one: `/start 123456` (what a
/// `t.me/<bot>?start=123456` link sends) or the six digits alone.
fn pairing_code(text: &str) -> Option<&str> {
    let text = text.trim();
    let code = match text.strip_prefix("/start") {
        Some(rest) => rest.trim(),
        None => text,
    };
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// A chat's name for the list of links.
fn chat_name(chat: &Chat) -> String {
    if let Some(title) = &chat.title {
        return title.clone();
    }
    let name = [chat.first_name.as_deref(), chat.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        return name;
    }
    chat.username
        .as_ref()
        .map(|u| format!("@{u}"))
        .unwrap_or_else(|| chat.id.to_string())
}

/// What an update gets back. `Err` only for the store.
pub async fn decide(state: &AppState, payload: &str) -> Result<Vec<Outgoing>, StoreError> {
    let update: Update = match serde_json::from_str(payload) {
        Ok(update) => update,
        Err(e) => {
            tracing::warn!(error = %e, "telegram: an update of an unknown shape is ignored");
            return Ok(Vec::new());
        }
    };
    if let Some(message) = update.message {
        return answer_message(state, message).await;
    }
    if let Some(query) = update.callback_query {
        return answer_button(state, query).await;
    }
    Ok(Vec::new())
}

async fn answer_message(state: &AppState, m: Message) -> Result<Vec<Outgoing>, StoreError> {
    let chat_id = m.chat.id;
    let language = m
        .from
        .as_ref()
        .and_then(|u| u.language_code.as_deref())
        .map_or("en", locale_of);
    let reply = |text: String, confirm: Option<&str>| Outgoing::TelegramMessage {
        chat_id,
        text: bounded(&text),
        reply_to: Some(m.message_id),
        confirm: confirm.map(str::to_owned),
        silent: false,
    };
    let link = state
        .store
        .channel_link("telegram", &chat_id.to_string())
        .await?;
    let Some(link) = link else {
        let text = match m.text.as_deref().and_then(pairing_code) {
            Some(code) => {
                try_code(
                    state,
                    "telegram",
                    &chat_id.to_string(),
                    &chat_name(&m.chat),
                    code,
                    language,
                )
                .await?
            }
            None => words(language).not_linked.into(),
        };
        return Ok(vec![reply(text, None)]);
    };
    let locale = locale_of(&link.locale);
    let Some(text) = m.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec![reply(words(locale).text_only.into(), None)]);
    };
    if text == "/start" || text.starts_with("/start ") {
        return Ok(vec![reply(words(locale).already_linked.into(), None)]);
    }
    let said = converse(state, &link, text, None).await?;
    Ok(vec![match said.confirmation {
        Some(question) => reply(question, Some(said.locale)),
        None => reply(said.text, None),
    }])
}

async fn answer_button(state: &AppState, q: CallbackQuery) -> Result<Vec<Outgoing>, StoreError> {
    let acknowledge = |text: Option<&str>| Outgoing::TelegramAnswer {
        callback_id: q.id.clone(),
        text: text.map(str::to_owned),
    };
    let Some(message) = &q.message else {
        return Ok(vec![acknowledge(None)]);
    };
    let link = state
        .store
        .channel_link("telegram", &message.chat.id.to_string())
        .await?;
    let (Some(link), Some(data)) = (link, q.data.as_deref()) else {
        return Ok(vec![acknowledge(None)]);
    };
    let confirm = match data {
        "yes" => true,
        "no" => false,
        _ => return Ok(vec![acknowledge(None)]),
    };
    let locale = locale_of(&link.locale);
    let w = words(locale);
    if !state
        .store
        .has_pending_confirmation(&link.conversation_id)
        .await?
    {
        return Ok(vec![acknowledge(Some(w.nothing_waiting))]);
    }
    let word = if confirm { w.yes } else { w.no };
    let said = converse(state, &link, &word.to_lowercase(), Some(confirm)).await?;
    let confirm = said.confirmation.is_some().then(|| said.locale.to_owned());
    Ok(vec![
        acknowledge(None),
        Outgoing::TelegramMessage {
            chat_id: message.chat.id,
            text: bounded(&said.confirmation.unwrap_or(said.text)),
            reply_to: Some(message.message_id),
            confirm,
            silent: false,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pairing_code_is_six_digits_alone_or_after_start() {
        assert_eq!(pairing_code("/start 482913"), Some("482913"));
        assert_eq!(pairing_code(" 482913 "), Some("482913"));
        assert_eq!(pairing_code("/start"), None);
        assert_eq!(pairing_code("48291"), None);
        assert_eq!(pairing_code("/start 48291a"), None);
        assert_eq!(pairing_code("what time is it"), None);
    }

    #[test]
    fn a_chat_is_named_by_its_title_or_its_user() {
        let chat = |title: Option<&str>, first: Option<&str>, username: Option<&str>| Chat {
            id: 7,
            title: title.map(Into::into),
            first_name: first.map(Into::into),
            last_name: None,
            username: username.map(Into::into),
        };
        assert_eq!(chat_name(&chat(Some("Aile"), Some("Ayşe"), None)), "Aile");
        assert_eq!(chat_name(&chat(None, Some("Ayşe"), None)), "Ayşe");
        assert_eq!(chat_name(&chat(None, None, Some("ayse"))), "@ayse");
        assert_eq!(chat_name(&chat(None, None, None)), "7");
    }
}
