//! `POST /api/v1/chat` and `POST /api/v1/chat/stream`: one message through the brain, answered
//! as one JSON object or as the server-sent events of [`stream`](super::stream).

use std::sync::Arc;

use poem::http::header::{self, HeaderValue};
use poem::web::Data;
use poem::{IntoResponse, Response};
use poem_openapi::payload::{Json, Payload};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Example;
use poem_openapi::{ApiRequest, ApiResponse, Enum, Object, OpenApi};

use super::auth::BearerAuth;
use super::health::LlmTier;
use super::stream::{self, ChatEventStream};
use super::text::{NonBlank, Omittable, Text};
use super::{ApiError, ApiTags, AppState};
use crate::brain::{self, ChatOutcome, ChatRequest as BrainRequest};

/// A message to the assistant.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ChatRequest {
    /// What the user says, in Turkish or English: 1 to 4000 characters, not all blank.
    #[oai(validator(min_length = 1, max_length = 4000, custom = "super::text::NotBlank"))]
    pub message: NonBlank,
    /// The conversation to continue; leave it out to start a new one, and send back the
    /// `session_id` of the reply to continue it. 1 to 128 letters, digits, `-`, `_` or `.`.
    #[oai(
        skip_serializing_if_is_none,
        validator(min_length = 1, max_length = 128, pattern = r"^[A-Za-z0-9._-]+$")
    )]
    pub session_id: Omittable<Text>,
    /// Answers a pending confirmation without words: `true` runs the waiting command, `false`
    /// cancels it. Needs the `session_id` of the conversation that asked; where nothing is
    /// waiting, the answer is 409 `NOTHING_TO_CONFIRM`.
    #[oai(skip_serializing_if_is_none)]
    pub confirm: Omittable<bool>,
    /// LLM tiers only: a system prompt for this request instead of the configured one.
    #[oai(skip_serializing_if_is_none)]
    pub system_prompt: Omittable<Text>,
    /// LLM tiers only: the model to ask instead of the tier's configured one.
    #[oai(skip_serializing_if_is_none)]
    pub model: Omittable<Text>,
    /// LLM tiers only: sampling temperature, 0 to 2.
    #[oai(
        skip_serializing_if_is_none,
        validator(minimum(value = "0"), maximum(value = "2"))
    )]
    pub temperature: Omittable<f32>,
    /// LLM tiers only: the most tokens the answer may use.
    #[oai(
        skip_serializing_if_is_none,
        validator(minimum(value = "1"), maximum(value = "32768"))
    )]
    pub max_tokens: Omittable<u32>,
    /// `true` answers with the server-sent events of `POST /api/v1/chat/stream`
    /// (`text/event-stream`) instead of one JSON object. Ignored by `/api/v1/chat/stream` and
    /// the WebSocket, which always stream.
    #[oai(skip_serializing_if_is_none)]
    pub stream: Omittable<bool>,
}

impl Example for ChatRequest {
    fn example() -> Self {
        ChatRequest {
            message: "saat kaç?".into(),
            session_id: Default::default(),
            confirm: Default::default(),
            system_prompt: Default::default(),
            model: Default::default(),
            temperature: Default::default(),
            max_tokens: Default::default(),
            stream: Default::default(),
        }
    }
}

impl ChatRequest {
    /// The request as the brain takes it.
    pub fn into_brain(self) -> BrainRequest {
        BrainRequest {
            message: self.message.into_string(),
            session_id: self.session_id.0.map(Text::into_string),
            confirm: self.confirm.0,
            overrides: brain::Overrides {
                system_prompt: self.system_prompt.0.map(Text::into_string),
                model: self.model.0.map(Text::into_string),
                temperature: self.temperature.0,
                max_tokens: self.max_tokens.0,
            },
        }
    }
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
    /// The local classifier trained from the skills' templates and examples and the user's
    /// corrections.
    Classifier,
    /// An LLM tier (`llm_tier` says which).
    Llm,
}

/// A language Bantz speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
// Named `Language` in the spec: `Locale` is a reserved word in Swift.
#[oai(rename = "Language", rename_all = "lowercase")]
pub enum Locale {
    /// Turkish.
    Tr,
    /// English.
    En,
}

impl Locale {
    /// The brain's language code.
    pub fn code(self) -> &'static str {
        match self {
            Locale::Tr => "tr",
            Locale::En => "en",
        }
    }
}

impl From<&str> for Locale {
    /// `tr` is Turkish; anything else is English, the brain's other language.
    fn from(code: &str) -> Locale {
        if code == "tr" { Locale::Tr } else { Locale::En }
    }
}

/// The assistant's answer.
#[derive(Debug, Object)]
#[oai(example)]
pub struct ChatResponse {
    /// What the assistant says.
    pub response: String,
    /// The conversation this exchange belongs to.
    pub session_id: String,
    /// Skill commands that ran, as `skill.command`, e.g. `clock.now`.
    pub tools_used: Vec<String>,
    // Which part of the brain answered.
    pub tier: Tier,
    // Which LLM tier answered, when `tier` is `llm`.
    #[oai(skip_serializing_if_is_none)]
    pub llm_tier: Option<LlmTier>,
    /// Time spent answering, in milliseconds.
    pub latency_ms: u64,
    // The language of the answer.
    pub locale: Locale,
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

impl Example for ChatResponse {
    fn example() -> Self {
        ChatResponse {
            response: "Saat 18:00.".into(),
            session_id: "9a9a6c1e2f3b4d5e8f7a6b5c4d3e2f1a".into(),
            tools_used: vec!["clock.now".into()],
            tier: Tier::Rules,
            llm_tier: None,
            latency_ms: 4,
            locale: Locale::Tr,
            requires_confirmation: false,
            confirmation_prompt: None,
            tokens: None,
            data: Some(serde_json::json!({ "time": "18:00", "timezone": "Europe/Istanbul" })),
        }
    }
}

impl From<brain::Tier> for Tier {
    fn from(tier: brain::Tier) -> Tier {
        match tier {
            brain::Tier::Rules => Tier::Rules,
            brain::Tier::Classifier => Tier::Classifier,
            brain::Tier::Fast | brain::Tier::Quality => Tier::Llm,
        }
    }
}

impl LlmTier {
    /// Which LLM tier `tier` is, if it is one.
    pub fn of(tier: brain::Tier) -> Option<LlmTier> {
        match tier {
            brain::Tier::Fast => Some(LlmTier::Fast),
            brain::Tier::Quality => Some(LlmTier::Quality),
            brain::Tier::Rules | brain::Tier::Classifier => None,
        }
    }
}

impl From<ChatOutcome> for ChatResponse {
    fn from(outcome: ChatOutcome) -> ChatResponse {
        ChatResponse {
            response: outcome.response,
            session_id: outcome.session_id,
            tools_used: outcome.tools_used,
            tier: outcome.tier.into(),
            llm_tier: LlmTier::of(outcome.tier),
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
        }
    }
}

/// The answer of `POST /api/v1/chat`: JSON, or the event stream when the request says
/// `stream: true`.
///
/// Written by hand because the derive gives each variant its own response, and two
/// responses with status 200 would be two `"200"` keys in the spec; this is one 200 response
/// with two media types.
enum ChatAnswer {
    Json(ChatResponse),
    Stream(ChatEventStream),
}

impl ApiResponse for ChatAnswer {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "The answer, saved in the conversation before it is sent: one JSON \
                              object, or with `stream: true` the events of `/api/v1/chat/stream`.",
                status: Some(200),
                status_range: None,
                content: vec![
                    MetaMediaType {
                        content_type: "application/json",
                        schema: <Json<ChatResponse> as Payload>::schema_ref(),
                    },
                    MetaMediaType {
                        content_type: <ChatEventStream as Payload>::CONTENT_TYPE,
                        schema: <ChatEventStream as Payload>::schema_ref(),
                    },
                ],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        <Json<ChatResponse> as Payload>::register(registry);
        <ChatEventStream as Payload>::register(registry);
    }
}

impl IntoResponse for ChatAnswer {
    fn into_response(self) -> Response {
        match self {
            ChatAnswer::Json(answer) => {
                let mut response = Json(answer).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                response
            }
            ChatAnswer::Stream(events) => events.into_response(),
        }
    }
}

#[derive(ApiResponse)]
enum ChatStreamResult {
    /// The events of the answer, as they happen; the stream ends after `done` or `error`.
    #[oai(status = 200)]
    Events(ChatEventStream),
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
    /// The message is routed by the intent templates of the loaded skills, then by the classifier
    /// trained from them (`tier` says which); the answer names the skill commands that ran in
    /// `tools_used`. A message no skill understands gets a reply that lists what the skills can
    /// do. With `stream: true` the answer is the event stream of
    /// `/api/v1/chat/stream` instead.
    #[oai(path = "/chat", method = "post", operation_id = "chat")]
    async fn chat(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: ChatBody,
    ) -> Result<ChatAnswer, ApiError> {
        let ChatBody::Json(Json(request)) = body;
        if request.stream.0 == Some(true) {
            let cut_off = app.devices.cut_off(&auth.0);
            return Ok(ChatAnswer::Stream(stream::sse(
                app,
                request.into_brain(),
                cut_off,
            )?));
        }
        let outcome = app.brain.chat(request.into_brain(), None).await?;
        Ok(ChatAnswer::Json(outcome.into()))
    }

    /// Sends a message to the assistant and streams its answer as server-sent events.
    ///
    /// The same chat as `POST /api/v1/chat`, seen while it is made. Each event has an `event:`
    /// name, an `id:` counting 1, 2, 3… within the stream, and one JSON object as its `data:`:
    ///
    /// - `tool` `{"name":"clock.now"}`: a skill command is about to run;
    /// - `delta` `{"text":…}`: a piece of the response, in order;
    /// - `confirm` `{"prompt":…}`: the command needs the user's yes or no (answer it with
    ///   another message, or `confirm`, in the same `session_id`);
    /// - `done`: the whole answer, exactly what `/api/v1/chat` returns; the last event;
    /// - `error`: the error envelope `{"error":{"code","message",…}}`; the last event.
    ///
    /// A request that is invalid before anything runs (an empty message, a bad `session_id`)
    /// gets a JSON error response, not a stream. Comments (`:`) keep an idle connection alive.
    #[oai(path = "/chat/stream", method = "post", operation_id = "chatStream")]
    async fn chat_stream(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
        body: ChatBody,
    ) -> Result<ChatStreamResult, ApiError> {
        let ChatBody::Json(Json(request)) = body;
        Ok(ChatStreamResult::Events(stream::sse(
            app,
            request.into_brain(),
            app.devices.cut_off(&auth.0),
        )?))
    }
}
