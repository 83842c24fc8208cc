//! The one JSON error envelope, `{"error":{"code","message","details","request_id"}}`, and the one
//! place where failures of the layers below become HTTP errors.

use poem::http::StatusCode;
use poem::{IntoResponse, Response};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object};

use crate::brain::BrainError;
use crate::runtime::InvokeError;
use crate::store::StoreError;

/// Every error response has this shape.
#[derive(Debug, Clone, Object)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Clone, Object)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `UNAUTHORIZED` or `SKILL_TIMEOUT`.
    pub code: String,
    /// What happened and what to do, for people.
    pub message: String,
    /// Extra structured detail, e.g. the invalid fields.
    #[oai(skip_serializing_if_is_none)]
    pub details: Option<serde_json::Value>,
    /// The id of the request, when it has one.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

/// The error responses of the API.
#[derive(Debug, ApiResponse)]
pub enum ApiError {
    /// The request is malformed.
    #[oai(status = 400, content_type = "application/json")]
    BadRequest(Json<ErrorBody>),
    /// No valid bearer token was sent.
    #[oai(status = 401, content_type = "application/json")]
    Unauthorized(Json<ErrorBody>),
    /// The thing asked for does not exist.
    #[oai(status = 404, content_type = "application/json")]
    NotFound(Json<ErrorBody>),
    /// The request is well-formed but its values are not acceptable.
    #[oai(status = 422, content_type = "application/json")]
    Unprocessable(Json<ErrorBody>),
    /// A bug in Bantz.
    #[oai(status = 500, content_type = "application/json")]
    Internal(Json<ErrorBody>),
    /// A skill failed or crashed.
    #[oai(status = 502, content_type = "application/json")]
    BadGateway(Json<ErrorBody>),
    /// Bantz cannot serve this now; try again later.
    #[oai(status = 503, content_type = "application/json")]
    Unavailable(Json<ErrorBody>),
    /// A skill did not answer in time.
    #[oai(status = 504, content_type = "application/json")]
    Timeout(Json<ErrorBody>),
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        let body = Json(body(code, message.into(), None));
        match status.as_u16() {
            400 => ApiError::BadRequest(body),
            401 => ApiError::Unauthorized(body),
            404 => ApiError::NotFound(body),
            422 => ApiError::Unprocessable(body),
            502 => ApiError::BadGateway(body),
            503 => ApiError::Unavailable(body),
            504 => ApiError::Timeout(body),
            _ => ApiError::Internal(body),
        }
    }

    /// Adds structured details.
    pub fn with_details(mut self, details: serde_json::Value) -> ApiError {
        match &mut self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::NotFound(b)
            | ApiError::Unprocessable(b)
            | ApiError::Internal(b)
            | ApiError::BadGateway(b)
            | ApiError::Unavailable(b)
            | ApiError::Timeout(b) => b.0.error.details = Some(details),
        }
        self
    }

    /// The envelope, for surfaces that send errors inside a stream rather than as a response.
    pub fn into_body(self) -> ErrorBody {
        match self {
            ApiError::BadRequest(b)
            | ApiError::Unauthorized(b)
            | ApiError::NotFound(b)
            | ApiError::Unprocessable(b)
            | ApiError::Internal(b)
            | ApiError::BadGateway(b)
            | ApiError::Unavailable(b)
            | ApiError::Timeout(b) => b.0,
        }
    }
}

fn body(code: &str, message: String, details: Option<serde_json::Value>) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code: code.into(),
            message,
            details,
            request_id: None,
        },
    }
}

impl From<InvokeError> for ApiError {
    fn from(e: InvokeError) -> Self {
        let status = match &e {
            InvokeError::UnknownSkill(_) | InvokeError::UnknownCommand { .. } => {
                StatusCode::NOT_FOUND
            }
            InvokeError::InvalidArgs(_) => StatusCode::UNPROCESSABLE_ENTITY,
            InvokeError::Unavailable(_) | InvokeError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            InvokeError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            InvokeError::Upstream(_)
            | InvokeError::Failed(_)
            | InvokeError::ReplyTooLarge(_)
            | InvokeError::Trapped(_)
            | InvokeError::Memory(_) => StatusCode::BAD_GATEWAY,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "store failure");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "STORE_UNAVAILABLE",
            "the database did not answer, so nothing was changed or saved; try again",
        )
    }
}

impl From<BrainError> for ApiError {
    fn from(e: BrainError) -> Self {
        match e {
            BrainError::InvalidRequest(message) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "INVALID_REQUEST", message)
            }
            BrainError::Skill(e) => e.into(),
            BrainError::Store(e) => e.into(),
        }
    }
}

/// Turns every error that is not already one of ours (unknown route, wrong method, bad JSON,
/// missing token…) into the envelope, keeping its status.
pub async fn envelope(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let status = err.status();
    let (code, message) = match status {
        StatusCode::UNAUTHORIZED => (
            "UNAUTHORIZED",
            "missing or invalid token: send `Authorization: Bearer <token>`".to_owned(),
        ),
        StatusCode::NOT_FOUND => (
            "NOT_FOUND",
            "no such route; the API is described at /swagger-ui/".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "METHOD_NOT_ALLOWED",
            "this route does not accept that method".to_owned(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ("PAYLOAD_TOO_LARGE", err.to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "UNSUPPORTED_MEDIA_TYPE",
            format!("{err}; send `Content-Type: application/json`"),
        ),
        s if s.is_client_error() => ("BAD_REQUEST", err.to_string()),
        _ => {
            tracing::error!(error = %err, "unhandled server error");
            ("INTERNAL", "internal error".to_owned())
        }
    };
    let mut response = Json(body(code, message, None)).into_response();
    response.set_status(status);
    response
}
