//! `/api/v1/conversations`: the saved conversations and their messages, to read back and to
//! delete. Every chat exchange is saved by the brain; nothing here writes one.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::chat::Tier;
use super::health::LlmTier;
use super::{ApiError, ApiTags, AppState};
use crate::store::{ConversationSummary, StoredMessage};

/// Conversations listed when `limit` is not given, and the most that may be asked for.
const DEFAULT_LIMIT: i64 = 50;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MessageRole {
    /// The person talking to the assistant.
    User,
    /// The assistant.
    Assistant,
}

/// The newest message of a conversation, as the list shows it.
#[derive(Debug, Object)]
pub struct MessagePreview {
    pub role: MessageRole,
    pub text: String,
    /// When it was saved, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// A saved conversation.
#[derive(Debug, Object)]
pub struct Conversation {
    /// The conversation's id: the `session_id` of its chat replies.
    pub id: String,
    /// When its first exchange was saved, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When its latest exchange was saved, in milliseconds since the Unix epoch.
    pub updated_at_ms: i64,
    /// Messages so far, the user's and the assistant's.
    pub message_count: u64,
    pub last_message: MessagePreview,
}

/// One message of a conversation.
#[derive(Debug, Object)]
pub struct Message {
    pub role: MessageRole,
    pub text: String,
    /// Skill commands that ran for this reply, as `skill.command`; empty for the user's messages.
    pub tools_used: Vec<String>,
    // Which part of the brain answered; only on the assistant's messages.
    #[oai(skip_serializing_if_is_none)]
    pub tier: Option<Tier>,
    // Which LLM tier answered, when `tier` is `llm`.
    #[oai(skip_serializing_if_is_none)]
    pub llm_tier: Option<LlmTier>,
    /// When it was saved, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}

/// What a bulk delete removed.
#[derive(Debug, Object)]
pub struct DeletedConversations {
    /// How many conversations were deleted (their messages went with them).
    pub deleted: u64,
}

#[derive(ApiResponse)]
enum ConversationsResponse {
    /// The conversations, most recently updated first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<Conversation>>),
}

#[derive(ApiResponse)]
enum MessagesResponse {
    /// The messages, oldest first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<Message>>),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// The conversation and its messages are deleted.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
enum DeleteAllResponse {
    /// Every conversation and its messages are deleted.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<DeletedConversations>),
}

pub struct ConversationsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Conversations")]
impl ConversationsApi {
    /// Lists the saved conversations, most recently updated first, each with its newest message.
    ///
    /// For the next page, send the `updated_at_ms` of the last conversation as `before_ms`.
    /// A `limit` outside 1-200 answers 422 `VALIDATION_FAILED`.
    #[oai(
        path = "/conversations",
        method = "get",
        operation_id = "listConversations"
    )]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// How many conversations to return at most: 1-200, 50 when left out.
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<i64>>,
        /// Only conversations last updated before this time, in milliseconds since the Unix epoch.
        before_ms: Query<Option<i64>>,
    ) -> Result<ConversationsResponse, ApiError> {
        let limit = limit.0.unwrap_or(DEFAULT_LIMIT);
        let conversations = app.store.conversations(before_ms.0, limit as u32).await?;
        Ok(ConversationsResponse::Ok(Json(
            conversations.into_iter().map(conversation).collect(),
        )))
    }

    /// The messages of one conversation, oldest first.
    ///
    /// 404 `CONVERSATION_NOT_FOUND` when there is no conversation with this id (or it was
    /// deleted).
    #[oai(
        path = "/conversations/:id/messages",
        method = "get",
        operation_id = "listConversationMessages"
    )]
    async fn messages(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The conversation's id, the `session_id` of its chat replies.
        id: Path<String>,
    ) -> Result<MessagesResponse, ApiError> {
        let messages = app
            .store
            .conversation_messages(&id)
            .await?
            .ok_or_else(|| not_found(&id))?;
        Ok(MessagesResponse::Ok(Json(
            messages.into_iter().map(message).collect(),
        )))
    }

    /// Deletes one conversation and its messages.
    ///
    /// A chat that sends its id again afterwards starts it afresh.
    #[oai(
        path = "/conversations/:id",
        method = "delete",
        operation_id = "deleteConversation"
    )]
    async fn delete(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The conversation's id, the `session_id` of its chat replies.
        id: Path<String>,
    ) -> Result<DeleteResponse, ApiError> {
        if app.store.delete_conversation(&id).await? {
            Ok(DeleteResponse::Deleted)
        } else {
            Err(not_found(&id))
        }
    }

    /// Deletes every conversation and its messages.
    ///
    /// Answers how many conversations there were. Chats that send one of their ids again start
    /// it afresh.
    #[oai(
        path = "/conversations",
        method = "delete",
        operation_id = "deleteAllConversations"
    )]
    async fn delete_all(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<DeleteAllResponse, ApiError> {
        let deleted = app.store.delete_all_conversations().await?;
        Ok(DeleteAllResponse::Ok(Json(DeletedConversations {
            deleted,
        })))
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "CONVERSATION_NOT_FOUND",
        format!("no conversation with id {id:?}; GET /api/v1/conversations lists them"),
    )
}

fn conversation(c: ConversationSummary) -> Conversation {
    Conversation {
        id: c.id,
        created_at_ms: c.created_at_ms,
        updated_at_ms: c.updated_at_ms,
        message_count: c.message_count,
        last_message: MessagePreview {
            role: role(&c.last_message.role),
            text: c.last_message.text,
            created_at_ms: c.last_message.created_at_ms,
        },
    }
}

fn message(m: StoredMessage) -> Message {
    let role = role(&m.role);
    let (tier, llm_tier) = match role {
        MessageRole::User => (None, None),
        MessageRole::Assistant => m.tier.as_deref().and_then(tier).unzip(),
    };
    Message {
        tier,
        llm_tier: llm_tier.flatten(),
        role,
        text: m.text,
        tools_used: m.tools_used,
        created_at_ms: m.created_at_ms,
    }
}

/// The schema allows only `user` and `assistant`.
fn role(stored: &str) -> MessageRole {
    if stored == "user" {
        MessageRole::User
    } else {
        MessageRole::Assistant
    }
}

/// A stored tier, and which LLM tier it is if it is one; a tier this version does not know is
/// left out rather than guessed.
fn tier(stored: &str) -> Option<(Tier, Option<LlmTier>)> {
    match stored {
        "rules" => Some((Tier::Rules, None)),
        "classifier" => Some((Tier::Classifier, None)),
        "fast" => Some((Tier::Llm, Some(LlmTier::Fast))),
        "quality" => Some((Tier::Llm, Some(LlmTier::Quality))),
        _ => None,
    }
}
