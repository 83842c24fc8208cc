//! `POST /api/v1/commands`: run one skill command directly, bypassing the router.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};

use super::auth::BearerAuth;
use super::{ApiError, ApiTags, AppState};

/// A command to run.
#[derive(Debug, Object)]
pub struct CommandRequest {
    /// `skill.command`, e.g. `clock.now`.
    pub command: String,
    /// The arguments, a JSON object that fits the command's `args_schema`.
    #[oai(skip_serializing_if_is_none)]
    pub args: Option<serde_json::Value>,
    /// The language of the reply, `tr` or `en` (default `en`).
    #[oai(skip_serializing_if_is_none)]
    pub locale: Option<String>,
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

pub struct CommandsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Chat")]
impl CommandsApi {
    /// Runs one skill command directly, without routing or confirmation.
    ///
    /// Skill failures have their own codes: `SKILL_TIMEOUT` (504), `SKILL_MEMORY`, `SKILL_TRAPPED`,
    /// `SKILL_REPLY_TOO_LARGE`, `SKILL_UPSTREAM`, `SKILL_FAILED` (502), `SKILL_UNAVAILABLE`,
    /// `SKILL_BUSY` (503), `SKILL_INVALID_ARGS` (422) and `SKILL_NOT_FOUND` (404).
    #[oai(path = "/commands", method = "post", operation_id = "runCommand")]
    async fn run(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        body: CommandBody,
    ) -> Result<CommandResult, ApiError> {
        let CommandBody::Json(Json(request)) = body;
        let args = request.args.unwrap_or_else(|| serde_json::json!({}));
        let outcome = app
            .brain
            .run_command(
                &request.command,
                args,
                request.locale.as_deref().unwrap_or("en"),
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
