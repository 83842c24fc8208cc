//! Channels: Telegram and WhatsApp, answered by the same brain as every other surface.
//!
//! Whatever a channel receives (a Telegram update, a WhatsApp message, a notification to pass
//! on) first goes into the store's inbox, keyed by the sender's own id, in the commit that
//! acknowledges it (Telegram's offset; WhatsApp's 200 comes after it). One worker then answers
//! the inbox in order: it decides the reply once (the brain runs once), keeps it, sends its
//! parts, and counts each part sent. A redelivery is dropped by its key, and after a crash the
//! worker sends only what was not sent. The one window left is a reply the messenger accepted
//! in the moment before its part was counted: that part is sent again after a crash there.
//!
//! Not here: HTTP shapes (`api::channels`), the pairing code's rules (`devices`), SQL (`store`).

pub mod telegram;
pub mod whatsapp;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::api::AppState;
use crate::brain::{BrainError, ChatRequest};
use crate::config::ChannelSettings;
use crate::store::{InboxItem, StoreError, StoredLink};

/// Entries the inbox may hold unanswered; past it, polling pauses and webhooks get 503, so
/// that the messenger keeps them until there is room.
pub const MAX_PENDING: u64 = 1000;
/// The longest one message may take to answer, skills and LLM included.
pub const TURN_LIMIT: Duration = Duration::from_secs(60);
/// Longest text sent in one message; Telegram and WhatsApp both take 4096 characters.
const MAX_REPLY_CHARS: usize = 4000;
/// Largest answer read from a messenger's API.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// Inbox entries read at a time.
const BATCH: u32 = 32;
/// Back-off after a network error: from the first to the last, doubling.
const BACKOFF_FIRST: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(60);

/// The configured channels and what they have done; one per host.
pub struct Channels {
    pub telegram: Option<telegram::Telegram>,
    pub whatsapp: Option<whatsapp::WhatsApp>,
    /// Wakes the worker when something enters the inbox.
    wake: Notify,
}

/// Counters of one channel, for health, status and metrics.
#[derive(Default)]
pub struct ChannelStats {
    /// Updates or messages kept in the inbox.
    pub received: AtomicU64,
    /// Redeliveries dropped by their id.
    pub duplicates: AtomicU64,
    /// Messages sent (replies and notifications).
    pub sent: AtomicU64,
    /// Sends the messenger refused for good (e.g. the user blocked the bot).
    pub failed: AtomicU64,
    /// Webhook posts refused: a wrong secret or signature.
    pub refused: AtomicU64,
    /// Whether the last exchange with the messenger's API worked.
    pub reachable: AtomicBool,
    /// The most recent problem, for health.
    pub last_error: std::sync::Mutex<Option<String>>,
}

impl ChannelStats {
    fn ok(&self) {
        self.reachable.store(true, Ordering::Relaxed);
    }

    fn problem(&self, error: impl std::fmt::Display) {
        self.reachable.store(false, Ordering::Relaxed);
        *self.last_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error.to_string());
    }

    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A channel's state, read now.
#[derive(Debug, Clone)]
pub struct ChannelReport {
    pub channel: &'static str,
    /// `polling` or `webhook`.
    pub mode: &'static str,
    /// False after an exchange with the messenger's API failed, until one works.
    pub healthy: bool,
    pub received: u64,
    pub duplicates: u64,
    pub sent: u64,
    pub failed: u64,
    pub refused: u64,
    pub last_error: Option<String>,
}

impl ChannelReport {
    fn of(channel: &'static str, mode: &'static str, stats: &ChannelStats) -> ChannelReport {
        let last_error = stats.last_error();
        ChannelReport {
            channel,
            mode,
            healthy: last_error.is_none() || stats.reachable.load(Ordering::Relaxed),
            received: stats.received.load(Ordering::Relaxed),
            duplicates: stats.duplicates.load(Ordering::Relaxed),
            sent: stats.sent.load(Ordering::Relaxed),
            failed: stats.failed.load(Ordering::Relaxed),
            refused: stats.refused.load(Ordering::Relaxed),
            last_error,
        }
    }
}

/// Why a webhook post was not taken.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("the {0} channel is not configured on this host (see [channels.{0}] in bantz.toml)")]
    NotConfigured(&'static str),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    BadRequest(String),
    #[error("{MAX_PENDING} messages are waiting to be answered already; deliver this one later")]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why sending to a messenger did not work.
#[derive(Debug)]
pub enum SendError {
    /// Rate-limited: try again after this long.
    RetryAfter(Duration),
    /// The network or the messenger failed: try again after a back-off.
    Network(String),
    /// Refused for good (a bad request, a blocked bot): do not try again.
    Refused(String),
}

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SendError::RetryAfter(d) => write!(f, "rate-limited for {} s", d.as_secs()),
            SendError::Network(e) => write!(f, "unreachable: {e}"),
            SendError::Refused(e) => write!(f, "refused: {e}"),
        }
    }
}

/// One part of a reply, as kept in the inbox until it is sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outgoing {
    /// `sendMessage`; `confirm` (a locale) adds yes and no buttons.
    TelegramMessage {
        chat_id: i64,
        text: String,
        reply_to: Option<i64>,
        confirm: Option<String>,
        silent: bool,
    },
    /// `answerCallbackQuery`: stops the button's spinner, with a short notice when given.
    TelegramAnswer {
        callback_id: String,
        text: Option<String>,
    },
    /// A text message through the Graph API.
    WhatsAppMessage {
        to: String,
        text: String,
        reply_to: Option<String>,
    },
}

impl Channels {
    /// The channels bantz.toml configures; none of them talks to anyone until [`start`].
    pub fn new(settings: &ChannelSettings) -> anyhow::Result<Channels> {
        Ok(Channels {
            telegram: settings
                .telegram
                .clone()
                .map(telegram::Telegram::new)
                .transpose()?,
            whatsapp: settings
                .whatsapp
                .clone()
                .map(whatsapp::WhatsApp::new)
                .transpose()?,
            wake: Notify::new(),
        })
    }

    /// Whether any channel is configured.
    pub fn any(&self) -> bool {
        self.telegram.is_some() || self.whatsapp.is_some()
    }

    /// Each configured channel's state and counters.
    pub fn reports(&self) -> Vec<ChannelReport> {
        let mut reports = Vec::new();
        if let Some(tg) = &self.telegram {
            reports.push(ChannelReport::of("telegram", tg.mode().as_str(), &tg.stats));
        }
        if let Some(wa) = &self.whatsapp {
            reports.push(ChannelReport::of("whatsapp", "webhook", &wa.stats));
        }
        reports
    }

    /// Tells the worker that the inbox has something new.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Starts the worker, Telegram's polling and the forwarding of notifications, as configured.
/// They end when the host shuts down.
pub fn start(state: Arc<AppState>) {
    if !state.channels.any() {
        return;
    }
    tokio::spawn(work(state.clone()));
    if let Some(tg) = &state.channels.telegram {
        if tg.polls() {
            tokio::spawn(telegram::poll(state.clone()));
        }
        tokio::spawn(forward_notifications(state.clone()));
    }
}

/// A doubling delay between tries, reset by a success.
pub struct Backoff(Duration);

impl Default for Backoff {
    fn default() -> Self {
        Backoff(BACKOFF_FIRST)
    }
}

impl Backoff {
    /// The delay to wait now; the next one is twice as long, up to a minute.
    pub fn delay(&mut self) -> Duration {
        let now = self.0;
        self.0 = (self.0 * 2).min(BACKOFF_MAX);
        now
    }

    pub fn reset(&mut self) {
        self.0 = BACKOFF_FIRST;
    }
}

/// Sleeps, unless the host shuts down first; `false` then.
async fn pause(state: &AppState, how_long: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(how_long) => true,
        _ = state.shutdown.cancelled() => false,
    }
}

/// Answers the inbox in order, for as long as the host runs.
async fn work(state: Arc<AppState>) {
    let mut backoff = Backoff::default();
    loop {
        let items = match state.store.channel_pending(BATCH).await {
            Ok(items) => items,
            Err(e) => {
                tracing::error!(error = %e, "channels: cannot read the inbox");
                if !pause(&state, backoff.delay()).await {
                    return;
                }
                continue;
            }
        };
        if items.is_empty() {
            tokio::select! {
                _ = state.channels.wake.notified() => {}
                _ = state.shutdown.cancelled() => return,
            }
            continue;
        }
        for item in items {
            match answer(&state, item).await {
                Ok(true) => backoff.reset(),
                Ok(false) => return,
                Err(e) => {
                    tracing::error!(error = %e, "channels: cannot record an answer; trying again");
                    if !pause(&state, backoff.delay()).await {
                        return;
                    }
                    break;
                }
            }
        }
    }
}

/// Answers one inbox entry: decides the reply unless it was decided before a restart, then
/// sends the parts not sent yet. `Ok(false)` when the host shuts down meanwhile.
async fn answer(state: &AppState, item: InboxItem) -> Result<bool, StoreError> {
    let parts: Vec<Outgoing> = match &item.reply {
        Some(reply) => serde_json::from_str(reply).unwrap_or_default(),
        None => {
            let parts = match item.channel.as_str() {
                "telegram" => telegram::decide(state, &item.payload).await?,
                "whatsapp" => whatsapp::decide(state, &item.payload).await?,
                "notification" => notification_parts(state, &item.payload).await?,
                other => {
                    tracing::warn!(channel = other, "channels: an inbox entry of no channel");
                    Vec::new()
                }
            };
            let reply = serde_json::to_string(&parts).unwrap_or_else(|_| "[]".into());
            state.store.channel_set_reply(item.id, &reply).await?;
            parts
        }
    };
    for (i, part) in parts.iter().enumerate().skip(item.sent.max(0) as usize) {
        if !deliver(state, part).await {
            return Ok(false);
        }
        state.store.channel_set_sent(item.id, i as i64 + 1).await?;
    }
    state.store.channel_done(item.id).await?;
    Ok(true)
}

/// Sends one part, trying again after rate limits and network errors until it is sent or
/// refused for good; `false` when the host shuts down first.
async fn deliver(state: &AppState, part: &Outgoing) -> bool {
    let mut backoff = Backoff::default();
    loop {
        let (result, stats) = match part {
            Outgoing::TelegramMessage { .. } | Outgoing::TelegramAnswer { .. } => {
                let Some(tg) = &state.channels.telegram else {
                    return true;
                };
                (tg.send(part).await, &tg.stats)
            }
            Outgoing::WhatsAppMessage { .. } => {
                let Some(wa) = &state.channels.whatsapp else {
                    return true;
                };
                (wa.send(part).await, &wa.stats)
            }
        };
        let wait = match result {
            Ok(()) => {
                stats.ok();
                if !matches!(part, Outgoing::TelegramAnswer { .. }) {
                    stats.sent.fetch_add(1, Ordering::Relaxed);
                }
                return true;
            }
            Err(SendError::Refused(e)) => {
                tracing::warn!(error = %e, "channels: a message was refused and is dropped");
                stats.failed.fetch_add(1, Ordering::Relaxed);
                stats.problem(format!("a message was refused: {e}"));
                return true;
            }
            Err(SendError::RetryAfter(d)) => {
                tracing::info!(seconds = d.as_secs(), "channels: rate-limited; waiting");
                d
            }
            Err(e @ SendError::Network(_)) => {
                tracing::warn!(error = %e, "channels: cannot send; trying again");
                stats.problem(&e);
                backoff.delay()
            }
        };
        if !pause(state, wait).await {
            return false;
        }
    }
}

/// What a chat's message gets from the brain: the text, and the question when a command
/// waits for a yes or no.
pub struct Said {
    pub text: String,
    pub confirmation: Option<String>,
    pub locale: &'static str,
}

/// Sends a linked chat's message through the brain, in the chat's conversation, bounded by
/// [`TURN_LIMIT`]. Failures become the sentence the chat gets. `Err` only for the store, so
/// that the entry is tried again.
pub async fn converse(
    state: &AppState,
    link: &StoredLink,
    message: &str,
    confirm: Option<bool>,
) -> Result<Said, StoreError> {
    let request = ChatRequest {
        message: message.to_owned(),
        session_id: Some(link.conversation_id.clone()),
        confirm,
        overrides: Default::default(),
    };
    let locale = locale_of(&link.locale);
    let said = match tokio::time::timeout(TURN_LIMIT, state.brain.chat(request, None)).await {
        Ok(Ok(outcome)) => Said {
            text: outcome.response,
            confirmation: outcome.confirmation_prompt,
            locale: outcome.locale,
        },
        Ok(Err(BrainError::Store(e))) => return Err(e),
        Ok(Err(e)) => Said {
            text: words(locale).failed.replace("{}", &e.to_string()),
            confirmation: None,
            locale,
        },
        Err(_) => Said {
            text: words(locale).too_slow.into(),
            confirmation: None,
            locale,
        },
    };
    if said.locale != link.locale {
        state
            .store
            .set_channel_link_locale(&link.id, said.locale)
            .await?;
    }
    Ok(said)
}

/// `tr` or `en`.
pub fn locale_of(code: &str) -> &'static str {
    if code.to_ascii_lowercase().starts_with("tr") {
        "tr"
    } else {
        "en"
    }
}

/// The fixed sentences the channels say, in one language.
pub struct Words {
    pub not_linked: &'static str,
    pub linked: &'static str,
    pub already_linked: &'static str,
    pub text_only: &'static str,
    /// `{}` is the error.
    pub failed: &'static str,
    pub too_slow: &'static str,
    pub nothing_waiting: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    /// `{}` is the number of tries left.
    pub wrong_code: &'static str,
    pub no_code: &'static str,
    pub too_many_codes: &'static str,
}

pub fn words(locale: &str) -> &'static Words {
    if locale == "tr" { &TURKISH } else { &ENGLISH }
}

static ENGLISH: Words = Words {
    not_linked: "This chat is not linked to Bantz yet; please send the six-digit pairing code that `bantz pair` shows.",
    linked: "Linked: this chat now talks to Bantz, so ask away.",
    already_linked: "This chat is already linked to Bantz; ask away.",
    text_only: "I can read only text messages.",
    failed: "Sorry, that did not work: {}",
    too_slow: "Sorry, that took too long; please try again.",
    nothing_waiting: "Nothing is waiting for an answer.",
    yes: "Yes",
    no: "No",
    wrong_code: "That pairing code is wrong; {} more wrong tries burn it.",
    no_code: "No pairing code is valid now; ask for a new one with `bantz pair`.",
    too_many_codes: "Too many wrong codes from this chat; please try again later.",
};

static TURKISH: Words = Words {
    not_linked: "Bu sohbet henüz Bantz'a bağlı değil; lütfen `bantz pair` komutunun gösterdiği altı haneli eşleştirme kodunu gönderin.",
    linked: "Bağlandı: bu sohbet artık Bantz ile konuşuyor, buyurun sorun.",
    already_linked: "Bu sohbet zaten Bantz'a bağlı; buyurun sorun.",
    text_only: "Yalnızca metin mesajlarını okuyabiliyorum.",
    failed: "Üzgünüm, olmadı: {}",
    too_slow: "Üzgünüm, bu çok uzun sürdü; lütfen tekrar deneyin.",
    nothing_waiting: "Yanıt bekleyen bir şey yok.",
    yes: "Evet",
    no: "Hayır",
    wrong_code: "Eşleştirme kodu yanlış; {} yanlış deneme daha kodu geçersiz kılar.",
    no_code: "Şu an geçerli bir eşleştirme kodu yok; `bantz pair` ile yenisini isteyin.",
    too_many_codes: "Bu sohbetten çok fazla yanlış kod geldi; lütfen daha sonra tekrar deneyin.",
};

/// What a chat says when it tries a pairing code: linked, or why not. `Err` for the store.
pub async fn try_code(
    state: &AppState,
    channel: &str,
    chat_id: &str,
    name: &str,
    code: &str,
    locale: &'static str,
) -> Result<String, StoreError> {
    use crate::devices::PairError;
    let w = words(locale);
    match state
        .devices
        .redeem_for_chat(&format!("{channel}:{chat_id}"), code)
    {
        Ok(()) => {
            link(state, channel, chat_id, name, locale).await?;
            tracing::info!(channel, chat = chat_id, "a chat was linked");
            Ok(w.linked.into())
        }
        Err(PairError::Wrong { left }) => Ok(w.wrong_code.replace("{}", &left.to_string())),
        Err(PairError::Burned | PairError::NoCode(_)) => Ok(w.no_code.into()),
        Err(PairError::TooManyTries { .. }) => Ok(w.too_many_codes.into()),
        Err(PairError::Store(e)) => Err(e),
    }
}

/// Links a chat (or finds its link): one new conversation for it.
pub async fn link(
    state: &AppState,
    channel: &str,
    chat_id: &str,
    name: &str,
    locale: &str,
) -> Result<StoredLink, StoreError> {
    let name: String = name.trim().chars().take(64).collect();
    state
        .store
        .insert_channel_link(&StoredLink {
            id: uuid::Uuid::new_v4().to_string(),
            channel: channel.to_owned(),
            chat_id: chat_id.to_owned(),
            name: if name.is_empty() {
                chat_id.to_owned()
            } else {
                name
            },
            conversation_id: uuid::Uuid::now_v7().to_string(),
            locale: locale_of(locale).to_owned(),
            created_at_ms: crate::store::now_ms(),
        })
        .await
}

/// A reply cut to what one message may carry.
pub fn bounded(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "…".into();
    }
    if text.chars().count() <= MAX_REPLY_CHARS {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(MAX_REPLY_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Reads a messenger API's answer, at most [`MAX_RESPONSE_BYTES`].
pub async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, SendError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| SendError::Network(e.without_url().to_string()))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(SendError::Network(format!(
                "the answer is larger than {MAX_RESPONSE_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A notification as kept in the inbox until it is passed on.
#[derive(Debug, Serialize, Deserialize)]
struct ForwardedNotification {
    title: String,
    body: String,
    silent: bool,
}

/// Whether a notification goes to the linked chats: the skills' and the morning briefing;
/// not the host's own events (a skill loaded, a pairing code).
fn forwarded(n: &crate::store::StoredNotification) -> bool {
    n.source.starts_with("skill.") || (n.source == "system" && n.kind == "briefing")
}

/// Passes every notification stored from now on to the inbox, once, surviving restarts by a
/// cursor kept with the entries.
async fn forward_notifications(state: Arc<AppState>) {
    const CURSOR: &str = "notifications";
    let mut events = state.bus.subscribe();
    let mut backoff = Backoff::default();
    let mut cursor = loop {
        let known = state.store.channel_cursor(CURSOR).await;
        let start = match known {
            Ok(Some(c)) => Ok(c),
            // The first start with a channel: what was stored before is not news.
            Ok(None) => match state.store.last_notification_id().await {
                Ok(last) => state
                    .store
                    .channel_receive("notification", &[], Some((CURSOR, last)))
                    .await
                    .map(|_| last),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match start {
            Ok(c) => break c,
            Err(e) => {
                tracing::error!(error = %e, "channels: cannot read the notification cursor");
                if !pause(&state, backoff.delay()).await {
                    return;
                }
            }
        }
    };
    loop {
        match state.store.notifications_after(cursor, 100).await {
            Ok(batch) if !batch.is_empty() => {
                let last = batch.last().map_or(cursor, |n| n.id);
                let entries: Vec<(String, String)> = batch
                    .iter()
                    .filter(|n| forwarded(n))
                    .map(|n| {
                        let kept = ForwardedNotification {
                            title: n.title.clone(),
                            body: n.body.clone(),
                            silent: n.silent,
                        };
                        (
                            n.id.to_string(),
                            serde_json::to_string(&kept).unwrap_or_default(),
                        )
                    })
                    .collect();
                match state
                    .store
                    .channel_receive("notification", &entries, Some((CURSOR, last)))
                    .await
                {
                    Ok(_) => {
                        cursor = last;
                        backoff.reset();
                        state.channels.wake();
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "channels: cannot keep a notification");
                        if !pause(&state, backoff.delay()).await {
                            return;
                        }
                    }
                }
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(error = %e, "channels: cannot read the notifications");
                if !pause(&state, backoff.delay()).await {
                    return;
                }
                continue;
            }
        }
        tokio::select! {
            // Lagging is fine: the store, not the bus, says what is new.
            _ = events.recv() => {}
            _ = state.shutdown.cancelled() => return,
        }
    }
}

/// The messages that pass a notification on to every linked Telegram chat; silent during
/// quiet hours, as the notification is.
async fn notification_parts(state: &AppState, payload: &str) -> Result<Vec<Outgoing>, StoreError> {
    let Ok(n) = serde_json::from_str::<ForwardedNotification>(payload) else {
        return Ok(Vec::new());
    };
    let text = if n.title.is_empty() || n.body.starts_with(&n.title) {
        n.body.clone()
    } else {
        format!("{}\n{}", n.title, n.body)
    };
    let links = state.store.channel_links(Some("telegram")).await?;
    Ok(links
        .iter()
        .filter_map(|link| link.chat_id.parse().ok())
        .map(|chat_id| Outgoing::TelegramMessage {
            chat_id,
            text: bounded(&text),
            reply_to: None,
            confirm: None,
            silent: n.silent,
        })
        .collect())
}
