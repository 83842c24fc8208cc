//! `/api/v1/brain/corrections`: teaching the assistant what a message means. The learning is the
//! brain's ([`crate::brain::classifier`]); this is its HTTP shape.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::types::Example;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};

use super::auth::BearerAuth;
use super::text::{JsonObject, NonBlank, Omittable, Text};
use super::{ApiError, ApiTags, AppState};
use crate::brain::classifier::{Correction, MAX_CORRECTION_ARGS_BYTES};

/// "This message means that command."
#[derive(Debug, Object)]
#[oai(example)]
pub struct CorrectionRequest {
    /// What the user said: 1 to 500 characters, with at least one word.
    #[oai(validator(min_length = 1, max_length = 500, custom = "super::text::NotBlank"))]
    pub utterance: NonBlank,
    /// The command it means, as `skill.command` (see `GET /api/v1/commands`).
    pub command: Text,
    /// Arguments to run the command with when exactly this message comes again, a JSON object
    /// of at most 4 KiB; the typed slots of similar messages are read from those messages.
    #[oai(skip_serializing_if_is_none)]
    pub args: Omittable<JsonObject>,
}

impl Example for CorrectionRequest {
    fn example() -> Self {
        CorrectionRequest {
            utterance: "hatırlatmalarıma bir bak".into(),
            command: "reminders.list".into(),
            args: Default::default(),
        }
    }
}

#[derive(ApiRequest)]
enum CorrectionBody {
    /// The correction.
    #[oai(content_type = "application/json")]
    Json(Json<CorrectionRequest>),
}

/// A stored correction.
#[derive(Debug, Object)]
#[oai(example)]
pub struct CorrectionInfo {
    pub id: i64,
    pub utterance: String,
    /// `skill.command`.
    pub command: String,
    /// A JSON object.
    pub args: serde_json::Value,
    /// When it was made, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// Whether it is in use: false when its command's skill has been removed since (it is kept,
    /// and used again if the command comes back).
    pub applied: bool,
}

impl Example for CorrectionInfo {
    fn example() -> Self {
        CorrectionInfo {
            id: 1,
            utterance: "hatırlatmalarıma bir bak".into(),
            command: "reminders.list".into(),
            args: serde_json::json!({}),
            created_at_ms: 1_795_000_000_000,
            applied: true,
        }
    }
}

impl From<Correction> for CorrectionInfo {
    fn from(c: Correction) -> Self {
        CorrectionInfo {
            id: c.stored.id,
            utterance: c.stored.utterance,
            command: c.stored.command,
            args: c.stored.args,
            created_at_ms: c.stored.created_at_ms,
            applied: c.applied,
        }
    }
}

#[derive(ApiResponse)]
enum CreatedResponse {
    /// Stored and learned: the next message routes it.
    #[oai(status = 201, content_type = "application/json")]
    Created(Json<CorrectionInfo>),
}

#[derive(ApiResponse)]
enum ListResponse {
    /// Oldest first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<CorrectionInfo>>),
}

#[derive(ApiResponse)]
enum DeletedResponse {
    /// Forgotten: the model without it is in place.
    #[oai(status = 204)]
    Deleted,
}

pub struct CorrectionsApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Brain")]
impl CorrectionsApi {
    /// Teaches the assistant what a message means.
    ///
    /// The correction is stored and becomes a training example of the classifier. The answer
    /// comes once the retrained model is in place: from then on, this exact message (after
    /// normalisation: case, punctuation, Turkish letters) runs the command with `args`, before
    /// the intent templates, and messages like it reach the command through the classifier. A
    /// new correction of the same message replaces the old one. Refused: a command that no
    /// loaded skill has (422 `UNKNOWN_COMMAND`); an utterance over 500 characters, args that are
    /// not a JSON object of at most 4 KiB, or args without the arguments the command requires
    /// (422 `INVALID_REQUEST`); and more than 1,000 corrections (409 `TOO_MANY_CORRECTIONS`).
    #[oai(
        path = "/brain/corrections",
        method = "post",
        operation_id = "addCorrection"
    )]
    async fn add(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        body: CorrectionBody,
    ) -> Result<CreatedResponse, ApiError> {
        let CorrectionBody::Json(Json(request)) = body;
        let args = request
            .args
            .0
            .map(|args| serde_json::Value::Object(args.into_iter().collect()));
        if let Some(args) = &args
            && args.to_string().len() > MAX_CORRECTION_ARGS_BYTES
        {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "INVALID_REQUEST",
                format!("args must be a JSON object of at most {MAX_CORRECTION_ARGS_BYTES} bytes"),
            )
            .with_details(serde_json::json!({ "fields": ["args"] })));
        }
        let correction = app
            .brain
            .add_correction(&request.utterance, &request.command, args)
            .await?;
        Ok(CreatedResponse::Created(Json(correction.into())))
    }

    /// Lists the corrections.
    ///
    /// Oldest first, at most 1,000. A correction whose command no longer exists is listed with
    /// `applied: false`.
    #[oai(
        path = "/brain/corrections",
        method = "get",
        operation_id = "listCorrections"
    )]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<ListResponse, ApiError> {
        let corrections = app.brain.corrections().await?;
        Ok(ListResponse::Ok(Json(
            corrections.into_iter().map(Into::into).collect(),
        )))
    }

    /// Forgets a correction.
    ///
    /// The answer comes once the model without it is in place. 404 `CORRECTION_NOT_FOUND` when
    /// there is no correction with this id.
    #[oai(
        path = "/brain/corrections/:id",
        method = "delete",
        operation_id = "deleteCorrection"
    )]
    async fn delete(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The correction's id.
        id: Path<i64>,
    ) -> Result<DeletedResponse, ApiError> {
        if app.brain.delete_correction(id.0).await? {
            Ok(DeletedResponse::Deleted)
        } else {
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "CORRECTION_NOT_FOUND",
                format!("there is no correction {}", id.0),
            ))
        }
    }
}
