//! WhatsApp through the Cloud API: the webhook's verification handshake, every post checked
//! against `X-Hub-Signature-256` before it is read, only the allowed numbers served, and replies
//! through the Graph API's `messages` endpoint. A message delivered again (WhatsApp retries
//! until it gets a 200) is dropped by its id.
//!
//! Notifications are not passed on here: outside the 24 hours after the user's last message,
//! WhatsApp delivers only pre-approved templates.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{
    ChannelStats, Outgoing, SendError, WebhookError, bounded, converse, read_bounded, words,
};
use crate::api::AppState;
use crate::config::WhatsAppSettings;
use crate::store::StoreError;

/// The Graph API version the messages go to.
pub const GRAPH_VERSION: &str = "v21.0";
/// The most time one send may take.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The configured business number.
pub struct WhatsApp {
    settings: WhatsAppSettings,
    http: reqwest::Client,
    pub stats: ChannelStats,
}

/// The parts of a webhook post that Bantz reads.
#[derive(Debug, Deserialize)]
struct Notification {
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
struct Change {
    value: Option<ChangeValue>,
}

#[derive(Debug, Deserialize)]
struct ChangeValue {
    #[serde(default)]
    contacts: Vec<Contact>,
    #[serde(default)]
    messages: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Contact {
    wa_id: Option<String>,
    profile: Option<Profile>,
}

#[derive(Debug, Deserialize)]
struct Profile {
    name: Option<String>,
}

/// A message as kept in the inbox: WhatsApp's message object and the sender's profile name.
#[derive(Debug, Serialize, Deserialize)]
struct Kept {
    message: Value,
    name: Option<String>,
}

impl WhatsApp {
    pub fn new(settings: WhatsAppSettings) -> anyhow::Result<WhatsApp> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(WhatsApp {
            settings,
            http,
            stats: ChannelStats::default(),
        })
    }

    /// The verification handshake: `hub.challenge` back when `hub.mode` is `subscribe` and
    /// `hub.verify_token` is the configured one (compared in constant time).
    pub fn verify(
        &self,
        mode: Option<&str>,
        token: Option<&str>,
        challenge: Option<&str>,
    ) -> Result<String, WebhookError> {
        let token_ok = token.is_some_and(|t| {
            bool::from(
                t.as_bytes()
                    .ct_eq(self.settings.verify_token.expose().as_bytes()),
            )
        });
        if mode != Some("subscribe") || !token_ok {
            tracing::warn!(
                "whatsapp: a webhook verification with the wrong mode or token was refused"
            );
            return Err(WebhookError::Forbidden(
                "hub.mode must be \"subscribe\" and hub.verify_token the configured verify_token",
            ));
        }
        match challenge {
            Some(c) if !c.is_empty() && c.len() <= 256 => Ok(c.to_owned()),
            _ => Err(WebhookError::BadRequest(
                "hub.challenge must be 1 to 256 characters".into(),
            )),
        }
    }

    /// Whether `header` is `sha256=<hex>` of the HMAC-SHA256 of `body` under the app secret;
    /// compared in constant time.
    fn signed(&self, header: Option<&str>, body: &[u8]) -> bool {
        let Some(signature) = header
            .and_then(|h| h.trim().strip_prefix("sha256="))
            .and_then(|hex_text| hex::decode(hex_text).ok())
        else {
            return false;
        };
        let Ok(mut mac) =
            Hmac::<Sha256>::new_from_slice(self.settings.app_secret.expose().as_bytes())
        else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    }

    /// Takes a webhook post: the signature first (nothing unsigned is read), then each message
    /// from an allowed number, kept once by its id. Returns how many were new.
    pub async fn receive(
        &self,
        state: &AppState,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<usize, WebhookError> {
        if !self.signed(signature, body) {
            self.stats.refused.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                signed = signature.is_some(),
                "whatsapp: a webhook post without a valid X-Hub-Signature-256 was refused"
            );
            return Err(WebhookError::Unauthorized(
                "X-Hub-Signature-256 is missing or is not the HMAC-SHA256 of the body under the app secret",
            ));
        }
        let notification: Notification = serde_json::from_slice(body).map_err(|e| {
            WebhookError::BadRequest(format!(
                "the body is not a WhatsApp webhook notification: {e}"
            ))
        })?;
        let mut entries = Vec::new();
        for value in notification
            .entry
            .into_iter()
            .flat_map(|e| e.changes)
            .filter_map(|c| c.value)
        {
            for message in value.messages {
                let (Some(id), Some(from)) = (
                    message.get("id").and_then(Value::as_str),
                    message.get("from").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if !self.settings.allowed_numbers.iter().any(|n| n == from) {
                    tracing::warn!(
                        from,
                        "whatsapp: a message from a number not in allowed_numbers was dropped"
                    );
                    continue;
                }
                let name = value
                    .contacts
                    .iter()
                    .find(|c| c.wa_id.as_deref() == Some(from))
                    .and_then(|c| c.profile.as_ref()?.name.clone());
                let kept = Kept {
                    message: message.clone(),
                    name,
                };
                entries.push((
                    id.to_owned(),
                    serde_json::to_string(&kept).unwrap_or_default(),
                ));
            }
        }
        if entries.is_empty() {
            // Delivery receipts and the like: nothing to answer.
            return Ok(0);
        }
        if state.store.channel_pending_count().await? >= super::MAX_PENDING {
            return Err(WebhookError::Full);
        }
        let fresh = state
            .store
            .channel_receive("whatsapp", &entries, None)
            .await?;
        self.stats
            .received
            .fetch_add(fresh as u64, Ordering::Relaxed);
        self.stats
            .duplicates
            .fetch_add((entries.len() - fresh) as u64, Ordering::Relaxed);
        state.channels.wake();
        Ok(fresh)
    }

    /// Sends a text message through the Graph API.
    pub async fn send(&self, part: &Outgoing) -> Result<(), SendError> {
        let Outgoing::WhatsAppMessage { to, text, reply_to } = part else {
            return Ok(());
        };
        let mut body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"preview_url": false, "body": text},
        });
        if let Some(id) = reply_to {
            body["context"] = json!({"message_id": id});
        }
        let url = format!(
            "{}/{GRAPH_VERSION}/{}/messages",
            self.settings.api_base, self.settings.phone_number_id
        );
        let response = self
            .http
            .post(url)
            .bearer_auth(self.settings.access_token.expose())
            .json(&body)
            .timeout(CALL_TIMEOUT)
            .send()
            .await
            .map_err(|e| SendError::Network(e.without_url().to_string()))?;
        let status = response.status();
        let answer = read_bounded(response).await?;
        if status.is_success() {
            return Ok(());
        }
        let message = serde_json::from_slice::<Value>(&answer)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let description = format!("messages: HTTP {status} {message}");
        if status.as_u16() == 429 {
            return Err(SendError::RetryAfter(Duration::from_secs(30)));
        }
        if status.is_server_error() {
            return Err(SendError::Network(description));
        }
        Err(SendError::Refused(description))
    }
}

/// What a kept message gets back. Every sender is an allowed number (checked when the message
/// came), linked on its first message. `Err` only for the store.
pub async fn decide(state: &AppState, payload: &str) -> Result<Vec<Outgoing>, StoreError> {
    let Ok(kept) = serde_json::from_str::<Kept>(payload) else {
        return Ok(Vec::new());
    };
    let m = &kept.message;
    let (Some(from), Some(id)) = (m["from"].as_str(), m["id"].as_str()) else {
        return Ok(Vec::new());
    };
    let link = match state.store.channel_link("whatsapp", from).await? {
        Some(link) => link,
        None => {
            let locale = if from.starts_with("90") { "tr" } else { "en" };
            super::link(
                state,
                "whatsapp",
                from,
                kept.name.as_deref().unwrap_or(from),
                locale,
            )
            .await?
        }
    };
    let reply = |text: &str| Outgoing::WhatsAppMessage {
        to: from.to_owned(),
        text: bounded(text),
        reply_to: Some(id.to_owned()),
    };
    let text = match m["type"].as_str() {
        Some("text") => m["text"]["body"].as_str(),
        Some("interactive") => m["interactive"]["button_reply"]["title"].as_str(),
        Some("button") => m["button"]["text"].as_str(),
        _ => None,
    };
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(vec![reply(words(&link.locale).text_only)]);
    };
    let said = converse(state, &link, text, None).await?;
    Ok(vec![match said.confirmation {
        Some(question) => {
            let w = words(said.locale);
            reply(&format!(
                "{question}\n({} / {})",
                w.yes.to_lowercase(),
                w.no.to_lowercase()
            ))
        }
        None => reply(&said.text),
    }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn whatsapp() -> WhatsApp {
        WhatsApp::new(WhatsAppSettings {
            access_token: Secret::new("token"),
            app_secret: Secret::new("It's a Secret to Everybody"),
            verify_token: Secret::new("verify"),
            phone_number_id: "1".into(),
            allowed_numbers: vec!["905320000001".into()],
            api_base: "http://127.0.0.1:9".into(),
        })
        .unwrap()
    }

    #[test]
    fn the_signature_is_the_hmac_sha256_of_the_exact_body() {
        let wa = whatsapp();
        // GitHub's documented example of the same scheme (X-Hub-Signature-256).
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(wa.signed(Some(good), b"Hello, World!"));
        assert!(!wa.signed(Some(good), b"Hello, World?"));
        assert!(!wa.signed(Some(&good.replace("sha256=", "sha1=")), b"Hello, World!"));
        assert!(!wa.signed(Some("sha256=zz"), b"Hello, World!"));
        assert!(!wa.signed(None, b"Hello, World!"));
    }

    #[test]
    fn the_handshake_echoes_the_challenge_only_for_the_verify_token() {
        let wa = whatsapp();
        assert_eq!(
            wa.verify(Some("subscribe"), Some("verify"), Some("1158201444"))
                .unwrap(),
            "1158201444"
        );
        assert!(
            wa.verify(Some("subscribe"), Some("nope"), Some("1"))
                .is_err()
        );
        assert!(
            wa.verify(Some("unsubscribe"), Some("verify"), Some("1"))
                .is_err()
        );
        assert!(wa.verify(Some("subscribe"), Some("verify"), None).is_err());
    }
}
