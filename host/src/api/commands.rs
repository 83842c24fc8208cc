//! `POST /api/v1/commands`: run one skill command directly, bypassing the router.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};

use super::auth::BearerAuth;
use super::chat::{Locale, Tier};
use super::text::{JsonObject, Omittable, Text};
use super::{ApiError, ApiTags, AppState};

/// A command to run.
#[derive(Debug, Object)]
pub struct CommandRequest {
    /// `skill.command`, e.g. `clock.now`.
    #[oai(validator(pattern = r"\."))]
    pub command: Text,
    /// The arguments, a JSON object that fits the command's `args_schema`.
    #[oai(skip_serializing_if_is_none)]
    pub args: Omittable<JsonObject>,
    // The language of the reply (default `en`).
    #[oai(skip_serializing_if_is_none)]
    pub locale: Omittable<Locale>,
}

#[derive(ApiRequest)]
enum CommandBody {
    /// The command.
    #[oai(content_type = "application/json")]
    Json(Json<CommandRequest>),
}

/// What the command answered.
#[derive(Debug, Object)]
pub struct CommandResponse {
    /// The skill's text.
    pub response: String,
    /// The command that ran, as `skill.command`.
    pub tools_used: Vec<String>,
    /// Time spent, in milliseconds.
    pub latency_ms: u64,
    /// The skill's structured output, if any.
    #[oai(skip_serializing_if_is_none)]
    pub data: Option<serde_json::Value>,
}

#[derive(ApiResponse)]
enum CommandResult {
    /// The command ran.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<CommandResponse>),
}

/// A command in the catalogue.
#[derive(Debug, Object)]
pub struct CatalogueEntry {
    /// `skill.command`: what `POST /api/v1/commands` takes.
    pub command: String,
    pub skill: String,
    pub description: String,
    pub examples: Vec<String>,
    pub needs_confirmation: bool,
    /// JSON Schema of the arguments, if the command takes any.
    #[oai(skip_serializing_if_is_none)]
    pub args_schema: Option<serde_json::Value>,
}

#[derive(ApiResponse)]
enum CatalogueResponse {
    /// Every command of every loaded skill, by skill.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<CatalogueEntry>>),
}

/// A message to route without running anything.
#[derive(Debug, Object)]
pub struct ParseRequest {
    /// What the user would say.
    pub input: Text,
}

#[derive(ApiRequest)]
enum ParseBody {
    /// The message.
    #[oai(content_type = "application/json")]
    Json(Json<ParseRequest>),
}

/// What routing makes of a message.
#[derive(Debug, Object)]
pub struct ParseResponse {
    /// `skill.command` that would run, when one command matched.
    #[oai(skip_serializing_if_is_none)]
    pub command: Option<String>,
    // The language the message was taken to be in.
    pub locale: Locale,
    /// The slot values, as the command's arguments.
    pub slots: serde_json::Value,
    /// How sure the tier that chose is, 0 to 1: for `rules`, the share of the message's words
    /// the template explained; for `classifier`, the probability of the command (1 for a
    /// correction). 0 when nothing was chosen.
    pub confidence: f64,
    /// Whether the command would wait for a yes before running.
    pub requires_confirmation: bool,
    /// Commands that matched equally well, when the message is ambiguous.
    pub alternatives: Vec<String>,
    // Which tier chose the command (`rules` or `classifier`); absent when none did.
    #[oai(skip_serializing_if_is_none)]
    pub tier: Option<Tier>,
    /// When the classifier chose the command, its second choice; when it was asked and chose
    /// nothing, the command it came closest to choosing (under its thresholds).
    #[oai(skip_serializing_if_is_none)]
    pub runner_up: Option<RunnerUp>,
}

/// Another class the classifier weighed.
#[derive(Debug, Object)]
pub struct RunnerUp {
    /// `skill.command`; absent for "none of the commands" (out of domain).
    #[oai(skip_serializing_if_is_none)]
    pub command: Option<String>,
    /// Its probability, 0 to 1.
    pub confidence: f64,
    /// When the classifier chose nothing, the threshold this command missed: why it was not
    /// chosen.
    #[oai(skip_serializing_if_is_none)]
    pub declined: Option<String>,
}

#[derive(ApiResponse)]
enum ParseResult {
    /// The routing decision.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<ParseResponse>),
}

pub struct CommandsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Chat")]
impl CommandsApi {
    /// The catalogue: every command of every loaded skill.
    ///
    /// Each entry names the command as `skill.command`, with its description, example
    /// utterances, whether it asks for confirmation in chat, and the JSON Schema of its
    /// arguments (what `POST /api/v1/commands` takes as `args`).
    #[oai(path = "/commands", method = "get", operation_id = "listCommands")]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<CatalogueResponse, ApiError> {
        let mut entries = Vec::new();
        for skill in app.runtime.skills() {
            for c in &skill.manifest.commands {
                entries.push(CatalogueEntry {
                    command: format!("{}.{}", skill.manifest.name, c.name),
                    skill: skill.manifest.name.clone(),
                    description: c.description.clone(),
                    examples: c.examples.clone(),
                    needs_confirmation: c.needs_confirmation,
                    args_schema: serde_json::from_str(&c.args_schema).ok(),
                });
            }
        }
        Ok(CatalogueResponse::Ok(Json(entries)))
    }

    /// Routes a message as chat would and says what would run, without running anything.
    ///
    /// The answer names the command chosen (or none) and the tier that chose it (`rules`: the
    /// intent templates; `classifier`: the local model, or a correction), the slots filled, the
    /// confidence, the classifier's runner-up, whether the command would ask for confirmation,
    /// and the alternatives that also matched. Nothing is run and nothing is saved.
    #[oai(
        path = "/commands/parse",
        method = "post",
        operation_id = "parseCommand"
    )]
    async fn parse(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        body: ParseBody,
    ) -> Result<ParseResult, ApiError> {
        let ParseBody::Json(Json(request)) = body;
        let parsed = app.brain.parse_off_workers(&request.input).await;
        Ok(ParseResult::Ok(Json(ParseResponse {
            command: parsed.command,
            locale: parsed.locale.into(),
            slots: serde_json::Value::Object(parsed.slots),
            confidence: parsed.confidence,
            requires_confirmation: parsed.requires_confirmation,
            alternatives: parsed.alternatives,
            tier: parsed.tier.map(Into::into),
            runner_up: parsed.runner_up.map(|r| RunnerUp {
                command: r.command,
                confidence: r.confidence,
                declined: r.declined,
            }),
        })))
    }

    /// Runs one skill command directly, without routing or confirmation.
    ///
    /// Skill failures have their own codes: `SKILL_TIMEOUT` (504), `SKILL_MEMORY`, `SKILL_TRAPPED`,
    /// `SKILL_REPLY_TOO_LARGE`, `SKILL_UPSTREAM`, `SKILL_FAILED` (502), `SKILL_DISABLED` (409), `SKILL_UNAVAILABLE`,
    /// `SKILL_BUSY` (503), `SKILL_INVALID_ARGS` (422) and `SKILL_NOT_FOUND` (404).
    #[oai(path = "/commands", method = "post", operation_id = "runCommand")]
    async fn run(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        body: CommandBody,
    ) -> Result<CommandResult, ApiError> {
        let CommandBody::Json(Json(request)) = body;
        let args =
            serde_json::Value::Object(request.args.0.unwrap_or_default().into_iter().collect());
        let outcome = app
            .brain
            .run_command(
                &request.command,
                args,
                request.locale.0.unwrap_or(Locale::En).code(),
            )
            .await?;
        Ok(CommandResult::Ok(Json(CommandResponse {
            response: outcome.response,
            tools_used: outcome.tools_used,
            latency_ms: outcome.latency_ms,
            data: outcome.data,
        })))
    }
}
