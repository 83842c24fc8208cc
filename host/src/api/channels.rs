//! `/api/v1/channels/*`: the messengers' webhooks (Telegram's and WhatsApp's, which bring their
//! own credentials instead of the bearer token) and the list of linked chats. The channels
//! themselves live in [`crate::channels`]; this is their HTTP shape.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem::{FromRequest, Request, RequestBody};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::{Json, ParsePayload, Payload, PlainText};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef};
use poem_openapi::{ApiRequest, ApiResponse, Enum, Object, OpenApi};

use super::auth::{BearerAuth, Identity};
use super::{ApiError, ApiTags, AppState};
use crate::channels::WebhookError;
use crate::store::StoredLink;

/// A webhook's body exactly as it came: WhatsApp's signature covers these bytes, so the body is
/// read raw and parsed only after the check. Documented as a JSON object.
pub struct RawJson(pub Vec<u8>);

impl Payload for RawJson {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"))
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema::new("object")))
    }
}

impl ParsePayload for RawJson {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        Ok(RawJson(Vec::<u8>::from_request(request, body).await?))
    }
}

#[derive(ApiRequest)]
enum TelegramUpdateBody {
    /// A Telegram `Update` object (https://core.telegram.org/bots/api#update).
    Json(RawJson),
}

#[derive(ApiRequest)]
enum WhatsAppNotificationBody {
    /// A WhatsApp Cloud API webhook notification (`{"object":"whatsapp_business_account",
    /// "entry":[…]}`).
    Json(RawJson),
}

#[derive(ApiResponse)]
enum WebhookTaken {
    /// Kept (or recognised as a redelivery): it will be answered once.
    #[oai(status = 200)]
    Taken,
}

#[derive(ApiResponse)]
enum Challenge {
    /// The verification succeeded: `hub.challenge`, echoed.
    #[oai(status = 200)]
    Ok(PlainText<String>),
}

/// A messenger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Channel {
    /// Telegram, linked by the pairing code.
    Telegram,
    /// WhatsApp, for the numbers `allowed_numbers` lists.
    Whatsapp,
}

/// A chat that talks to Bantz.
#[derive(Debug, Object)]
pub struct ChannelLink {
    pub id: String,
    // The messenger.
    pub channel: Channel,
    /// The chat on the messenger: a Telegram chat id, a WhatsApp number.
    pub chat_id: String,
    /// The chat's name (a Telegram chat's title or user's name, a WhatsApp profile name).
    pub name: String,
    /// The conversation the chat talks in (`GET /api/v1/conversations/{id}`).
    pub conversation_id: String,
    /// When it was linked, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

impl From<StoredLink> for ChannelLink {
    fn from(l: StoredLink) -> Self {
        ChannelLink {
            id: l.id,
            channel: if l.channel == "whatsapp" {
                Channel::Whatsapp
            } else {
                Channel::Telegram
            },
            chat_id: l.chat_id,
            name: l.name,
            conversation_id: l.conversation_id,
            created_at_ms: l.created_at_ms,
        }
    }
}

#[derive(ApiResponse)]
enum LinkList {
    /// Oldest first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<ChannelLink>>),
}

#[derive(ApiResponse)]
enum Unlinked {
    /// Unlinked: the chat gets the sentence of an unlinked chat until it is linked again.
    #[oai(status = 204)]
    Unlinked,
}

impl From<WebhookError> for ApiError {
    fn from(e: WebhookError) -> Self {
        let message = e.to_string();
        match e {
            WebhookError::NotConfigured(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "CHANNEL_NOT_CONFIGURED", message)
            }
            WebhookError::Unauthorized(_) => {
                ApiError::new(StatusCode::UNAUTHORIZED, "WEBHOOK_UNAUTHORIZED", message)
            }
            WebhookError::Forbidden(_) => {
                ApiError::new(StatusCode::FORBIDDEN, "WEBHOOK_FORBIDDEN", message)
            }
            WebhookError::BadRequest(_) => {
                ApiError::new(StatusCode::BAD_REQUEST, "INVALID_WEBHOOK_BODY", message)
            }
            WebhookError::Full => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "CHANNEL_INBOX_FULL",
                message,
            ),
            WebhookError::Store(e) => e.into(),
        }
    }
}

/// Only the owner (the master token, or the Unix socket) manages the linked chats.
fn owner_only(auth: &BearerAuth) -> Result<(), ApiError> {
    match auth.0 {
        Identity::Master | Identity::Local => Ok(()),
        Identity::Device(_) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "OWNER_ONLY",
            "only the master token (or the Unix socket) may manage linked chats, not a paired device's token",
        )),
    }
}

pub struct ChannelsApi;

#[OpenApi(prefix_path = "/api/v1/channels", tag = "ApiTags::Channels")]
impl ChannelsApi {
    /// Takes an update from Telegram (webhook mode).
    ///
    /// Set it with the Bot API's `setWebhook`, with `secret_token` the configured
    /// `webhook_secret`: Telegram then sends that as `X-Telegram-Bot-Api-Secret-Token`, compared
    /// in constant time; without it the answer is 401. Needs no bearer token. The update is kept
    /// before the 200, answered once in order, and dropped if Telegram delivers it again. 404
    /// when `[channels.telegram]` is not configured, 403 when it polls instead.
    #[oai(
        path = "/telegram/webhook",
        method = "post",
        operation_id = "telegramWebhook"
    )]
    async fn telegram_webhook(
        &self,
        Data(app): Data<&Arc<AppState>>,
        /// The `secret_token` given to `setWebhook`.
        #[oai(name = "X-Telegram-Bot-Api-Secret-Token")]
        secret: Header<Option<String>>,
        body: TelegramUpdateBody,
    ) -> Result<WebhookTaken, ApiError> {
        let TelegramUpdateBody::Json(RawJson(bytes)) = body;
        let Some(tg) = &app.channels.telegram else {
            return Err(WebhookError::NotConfigured("telegram").into());
        };
        tg.receive(app, secret.0.as_deref(), &bytes).await?;
        Ok(WebhookTaken::Taken)
    }

    /// WhatsApp's webhook verification handshake.
    ///
    /// Meta calls it when the webhook is set up in the app's settings: with `hub.mode=subscribe`
    /// and `hub.verify_token` the configured `verify_token`, the answer is `hub.challenge` as
    /// plain text; otherwise 403. Needs no bearer token.
    #[oai(
        path = "/whatsapp/webhook",
        method = "get",
        operation_id = "whatsappWebhookVerify"
    )]
    async fn whatsapp_verify(
        &self,
        Data(app): Data<&Arc<AppState>>,
        /// `subscribe`.
        #[oai(name = "hub.mode")]
        mode: Query<Option<String>>,
        /// The configured `verify_token`.
        #[oai(name = "hub.verify_token")]
        verify_token: Query<Option<String>>,
        /// What to echo.
        #[oai(name = "hub.challenge")]
        challenge: Query<Option<String>>,
    ) -> Result<Challenge, ApiError> {
        let Some(wa) = &app.channels.whatsapp else {
            return Err(WebhookError::NotConfigured("whatsapp").into());
        };
        let echo = wa.verify(
            mode.0.as_deref(),
            verify_token.0.as_deref(),
            challenge.0.as_deref(),
        )?;
        Ok(Challenge::Ok(PlainText(echo)))
    }

    /// Takes a notification from WhatsApp.
    ///
    /// Every post must carry `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the exact
    /// body under the app secret; it is checked (in constant time) before the body is read, and
    /// anything unsigned or wrongly signed gets 401 and is logged. Messages from numbers that
    /// `allowed_numbers` does not list are dropped; the rest are kept before the 200, answered
    /// once in order, and dropped by their id when WhatsApp delivers them again. Needs no bearer
    /// token.
    #[oai(
        path = "/whatsapp/webhook",
        method = "post",
        operation_id = "whatsappWebhook"
    )]
    async fn whatsapp_webhook(
        &self,
        Data(app): Data<&Arc<AppState>>,
        /// `sha256=` and the hex HMAC-SHA256 of the body under the app secret.
        #[oai(name = "X-Hub-Signature-256")]
        signature: Header<Option<String>>,
        body: WhatsAppNotificationBody,
    ) -> Result<WebhookTaken, ApiError> {
        let WhatsAppNotificationBody::Json(RawJson(bytes)) = body;
        let Some(wa) = &app.channels.whatsapp else {
            return Err(WebhookError::NotConfigured("whatsapp").into());
        };
        wa.receive(app, signature.0.as_deref(), &bytes).await?;
        Ok(WebhookTaken::Taken)
    }

    /// Lists the chats linked to Bantz.
    ///
    /// Telegram chats linked with a pairing code, and WhatsApp numbers that have written. Only
    /// the master token (or the Unix socket) may list them.
    #[oai(path = "/links", method = "get", operation_id = "listChannelLinks")]
    async fn links(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<LinkList, ApiError> {
        owner_only(&auth)?;
        let links = app.store.channel_links(None).await?;
        Ok(LinkList::Ok(Json(
            links.into_iter().map(Into::into).collect(),
        )))
    }

    /// Unlinks a chat.
    ///
    /// At once: its next message gets only the sentence of an unlinked chat, and it receives no
    /// more notifications. A Telegram chat can be linked again with a new pairing code; a
    /// WhatsApp number in `allowed_numbers` starts a new conversation with its next message.
    #[oai(
        path = "/links/:id",
        method = "delete",
        operation_id = "deleteChannelLink"
    )]
    async fn unlink(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
        /// The link's id.
        id: Path<String>,
    ) -> Result<Unlinked, ApiError> {
        owner_only(&auth)?;
        if app.store.delete_channel_link(&id.0).await? {
            tracing::info!(link = %id.0, "a chat was unlinked");
            Ok(Unlinked::Unlinked)
        } else {
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "LINK_NOT_FOUND",
                format!("there is no linked chat {}", id.0),
            ))
        }
    }
}
