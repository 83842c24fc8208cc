//! `POST /api/v1/chat`: one message through the brain.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiRequest, ApiResponse, Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::{ApiError, ApiTags, AppState};
use crate::brain::{self, ChatRequest as BrainRequest};

/// A message to the assistant.
#[derive(Debug, Object)]
pub struct ChatRequest {
    /// What the user says, in Turkish or English (at most 4000 characters).
    pub message: String,
    /// The conversation to continue; leave it out to start a new one, and send back the
    /// `session_id` of the reply to continue it.
    #[oai(skip_serializing_if_is_none)]
    pub session_id: Option<String>,
    /// Answers a pending confirmation without words: `true` runs the waiting command, `false`
    /// cancels it. Needs the `session_id` of the conversation that asked.
    #[oai(skip_serializing_if_is_none)]
    pub confirm: Option<bool>,
    /// LLM tiers only: a system prompt for this request instead of the configured one.
    #[oai(skip_serializing_if_is_none)]
    pub system_prompt: Option<String>,
    /// LLM tiers only: the model to ask instead of the tier's configured one.
    #[oai(skip_serializing_if_is_none)]
    pub model: Option<String>,
    /// LLM tiers only: sampling temperature, 0 to 2.
    #[oai(
        skip_serializing_if_is_none,
        validator(minimum(value = "0"), maximum(value = "2"))
    )]
    pub temperature: Option<f32>,
    /// LLM tiers only: the most tokens the answer may use.
    #[oai(
        skip_serializing_if_is_none,
        validator(minimum(value = "1"), maximum(value = "32768"))
    )]
    pub max_tokens: Option<u32>,
}

#[derive(ApiRequest)]
enum ChatBody {
    /// The message.
    #[oai(content_type = "application/json")]
    Json(Json<ChatRequest>),
}

/// Which part of the brain answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Tier {
    /// The intent templates of the skills.
    Rules,
    /// The fast LLM tier.
    Fast,
    /// The quality LLM tier.
    Quality,
}

/// The assistant's answer.
#[derive(Debug, Object)]
pub struct ChatResponse {
    /// What the assistant says.
    pub response: String,
    /// The conversation this exchange belongs to.
    pub session_id: String,
    /// Skill commands that ran, as `skill.command`, e.g. `clock.now`.
    pub tools_used: Vec<String>,
    pub tier: Tier,
    /// Time spent answering, in milliseconds.
    pub latency_ms: u64,
    /// The language of the answer: `tr` or `en`.
    pub locale: String,
    /// True when a command waits for the user's yes or no (`evet`/`yes`, `hayır`/`no`, or
    /// `confirm` in the next request) instead of having run.
    pub requires_confirmation: bool,
    /// The question asked, when `requires_confirmation` is true.
    #[oai(skip_serializing_if_is_none)]
    pub confirmation_prompt: Option<String>,
    /// Tokens used, when an LLM tier answered.
    #[oai(skip_serializing_if_is_none)]
    pub tokens: Option<Tokens>,
    /// Structured data from the skill that answered, if any.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<serde_json::Value>,
}

#[derive(ApiResponse)]
enum ChatResult {
    /// The answer; saved in the conversation before it is sent.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<ChatResponse>),
}

/// Tokens an LLM used for one answer.
#[derive(Debug, Object)]
pub struct Tokens {
    pub prompt: u32,
    pub completion: u32,
    pub total: u32,
}

pub struct ChatApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Chat")]
impl ChatApi {
    /// Sends a message to the assistant and returns its answer.
    ///
    /// The message is routed by the intent templates of the loaded skills; the answer names the
    /// skill commands that ran in `tools_used`. A message no skill understands gets a reply that
    /// lists what the skills can do.
    #[oai(path = "/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        body: ChatBody,
    ) -> Result<ChatResult, ApiError> {
        let ChatBody::Json(Json(request)) = body;
        let outcome = app
            .brain
            .chat(
                BrainRequest {
                    message: request.message,
                    session_id: request.session_id,
                    confirm: request.confirm,
                    overrides: brain::Overrides {
                        system_prompt: request.system_prompt,
                        model: request.model,
                        temperature: request.temperature,
                        max_tokens: request.max_tokens,
                    },
                },
                None,
            )
            .await?;
        Ok(ChatResult::Ok(Json(ChatResponse {
            response: outcome.response,
            session_id: outcome.session_id,
            tools_used: outcome.tools_used,
            tier: match outcome.tier {
                brain::Tier::Rules => Tier::Rules,
                brain::Tier::Fast => Tier::Fast,
                brain::Tier::Quality => Tier::Quality,
            },
            latency_ms: outcome.latency_ms,
            locale: outcome.locale.into(),
            requires_confirmation: outcome.confirmation_prompt.is_some(),
            confirmation_prompt: outcome.confirmation_prompt,
            tokens: outcome.tokens.map(|t| Tokens {
                prompt: t.prompt,
                completion: t.completion,
                total: t.total,
            }),
            data: outcome.data,
        })))
    }
}
