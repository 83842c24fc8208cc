//! The one JSON error envelope, `{"error":{"code","message","details","request_id"}}`, and the one
//! place where failures become HTTP errors: those of the layers below, of poem's extractors and
//! routing (unknown route, wrong method, bad JSON, missing token), of the operational middleware
//! (rate limits, size and time limits, CORS) and panics. No error response is made anywhere else.

use std::sync::Arc;

use poem::Response;
use poem::http::StatusCode;
use poem_openapi::error::{ParseParamError, ParseRequestPayloadError};
use poem_openapi::payload::Json;
use poem_openapi::types::{Example, ToJSON};
use poem_openapi::{ApiResponse, Object};

use crate::brain::BrainError;
use crate::runtime::InvokeError;
use crate::store::StoreError;

/// Every error response has this shape.
#[derive(Debug, Clone, Object)]
#[oai(example)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

impl Example for ErrorBody {
    fn example() -> Self {
        ErrorBody {
            error: ErrorDetail {
                code: "VALIDATION_FAILED".into(),
                message:
                    "the body does not fit the schema: field `temperature` verification failed"
                        .into(),
                details: Some(serde_json::json!({ "fields": ["temperature"] })),
                request_id: Some("6fecbf41abb14426bed7d76484798dac".into()),
            },
        }
    }
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
    /// The id of the request (its `X-Request-Id`). Absent only in errors sent inside a stream.
    #[oai(skip_serializing_if_is_none)]
    pub request_id: Option<String>,
}

tokio::task_local! {
    /// The id of the request being answered, set around each request by the outermost
    /// middleware, so that every envelope made while answering it carries the id.
    pub(super) static REQUEST_ID: Arc<str>;
}

/// The id of the request this task is answering, if it is answering one.
fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.to_string()).ok()
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
    /// Not allowed, e.g. a page from an origin that `[http] cors_origins` does not list.
    #[oai(status = 403, content_type = "application/json")]
    Forbidden(Json<ErrorBody>),
    /// The thing asked for does not exist.
    #[oai(status = 404, content_type = "application/json")]
    NotFound(Json<ErrorBody>),
    /// The body is larger than `[http] max_body_bytes`.
    #[oai(status = 409, content_type = "application/json")]
    Conflict(Json<ErrorBody>),
    #[oai(status = 413, content_type = "application/json")]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/json")]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The request is well-formed but its values are not acceptable; `details.fields` names
    /// the fields when they are known (`VALIDATION_FAILED`, `INVALID_REQUEST`).
    #[oai(status = 422, content_type = "application/json")]
    Unprocessable(Json<ErrorBody>),
    /// `RATE_LIMITED`: over the client's limit for this class of routes; `Retry-After` says
    /// when to try again. Every limited response carries `X-RateLimit-Limit`,
    /// `X-RateLimit-Remaining` and `X-RateLimit-Reset`.
    #[oai(status = 429, content_type = "application/json")]
    TooManyRequests(Json<ErrorBody>),
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
            403 => ApiError::Forbidden(body),
            404 => ApiError::NotFound(body),
            409 => ApiError::Conflict(body),
            413 => ApiError::PayloadTooLarge(body),
            415 => ApiError::UnsupportedMediaType(body),
            422 => ApiError::Unprocessable(body),
            429 => ApiError::TooManyRequests(body),
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
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::PayloadTooLarge(b)
            | ApiError::UnsupportedMediaType(b)
            | ApiError::Unprocessable(b)
            | ApiError::TooManyRequests(b)
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
            | ApiError::Forbidden(b)
            | ApiError::NotFound(b)
            | ApiError::Conflict(b)
            | ApiError::PayloadTooLarge(b)
            | ApiError::UnsupportedMediaType(b)
            | ApiError::Unprocessable(b)
            | ApiError::TooManyRequests(b)
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
            request_id: current_request_id(),
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
            InvokeError::Disabled(_) => StatusCode::CONFLICT,
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
            e @ BrainError::UnknownCommand(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNKNOWN_COMMAND",
                e.to_string(),
            )
            .with_details(serde_json::json!({ "fields": ["command"] })),
            e @ BrainError::TooManyCorrections(_) => {
                ApiError::new(StatusCode::CONFLICT, "TOO_MANY_CORRECTIONS", e.to_string())
            }
            // The state of the conversation, not the request, is what is wrong.
            e @ BrainError::NothingToConfirm => {
                ApiError::new(StatusCode::CONFLICT, "NOTHING_TO_CONFIRM", e.to_string())
            }
        }
    }
}

/// An error response with this status, code and message: for the middleware, whose statuses
/// (405, 429, 431…) are not all operation responses.
pub fn response(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    details: Option<serde_json::Value>,
) -> Response {
    Response::builder()
        .status(status)
        .content_type("application/json")
        .body(body(code, message.into(), details).to_json_string())
}

/// The 500 of a handler that panicked; the panic itself is logged by the panic hook.
pub fn panicked(_: Box<dyn std::any::Any + Send>) -> Response {
    tracing::error!("a request handler panicked; answered 500");
    response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error: a bug in Bantz; the request may not have been carried out",
        None,
    )
}

/// [`into_response`] for `catch_all_error`.
pub async fn envelope(err: poem::Error) -> Response {
    into_response(err)
}

/// Turns every error that is not already one of ours (unknown route, wrong method, bad JSON,
/// missing token, CORS refusal…) into the envelope, keeping its status and the route and
/// operation it matched (for the metrics).
pub fn into_response(err: poem::Error) -> Response {
    if err.is_from_response() {
        return err.into_response();
    }
    let mut response = translate(&err);
    if let Some(pattern) = err.data::<poem::PathPattern>() {
        response.set_data(pattern.clone());
    }
    if let Some(operation) = err.data::<poem_openapi::OperationId>() {
        response.set_data(*operation);
    }
    response
}

fn translate(err: &poem::Error) -> Response {
    if let Some(e) = err.downcast_ref::<ParseRequestPayloadError>() {
        return if is_schema_error(&e.reason) {
            let fields = named_fields(&e.reason);
            response(
                StatusCode::UNPROCESSABLE_ENTITY,
                "VALIDATION_FAILED",
                format!("the body does not fit the schema: {}", e.reason),
                (!fields.is_empty()).then(|| serde_json::json!({ "fields": fields })),
            )
        } else {
            response(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("the body is not valid JSON: {}", e.reason),
                None,
            )
        };
    }
    if let Some(e) = err.downcast_ref::<ParseParamError>() {
        return response(
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            format!("parameter `{}`: {}", e.name, e.reason),
            Some(serde_json::json!({ "fields": [e.name] })),
        );
    }
    let status = err.status();
    let (code, message) = match status {
        StatusCode::UNAUTHORIZED => (
            "UNAUTHORIZED",
            "missing or invalid token: send `Authorization: Bearer <token>`".to_owned(),
        ),
        StatusCode::FORBIDDEN => ("FORBIDDEN", err.to_string()),
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
    response(status, code, message, None)
}

/// Whether a body parse error says the JSON did not fit the schema (poem-openapi's messages),
/// rather than that it was not JSON at all (serde_json's).
fn is_schema_error(reason: &str) -> bool {
    ["failed to parse \"", "Expected input type \"", "Type \""]
        .iter()
        .any(|p| reason.starts_with(p))
}

/// The fields a poem-openapi message names: "field `temperature` verification failed",
/// "unknown field `x`", "properties `id` is read only".
fn named_fields(reason: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut rest = reason;
    while let Some(start) = rest.find('`') {
        let before = &rest[..start];
        let Some(len) = rest[start + 1..].find('`') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        if (before.ends_with("field ") || before.ends_with("properties "))
            && !fields.iter().any(|f| f == name)
        {
            fields.push(name.to_owned());
        }
        rest = &rest[start + len + 2..];
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_errors_are_told_from_syntax_errors_and_name_their_fields() {
        let validator = "failed to parse \"ChatRequest\": field `temperature` verification failed. maximum(2, exclusive: false)";
        assert!(is_schema_error(validator));
        assert_eq!(named_fields(validator), ["temperature"]);
        let missing =
            "Type \"string\" expects an input value. (occurred while parsing \"ChatRequest\")";
        assert!(is_schema_error(missing));
        assert!(named_fields(missing).is_empty());
        assert_eq!(
            named_fields("failed to parse \"X\": unknown field `colour`."),
            ["colour"]
        );
        assert!(!is_schema_error("key must be a string at line 1 column 2"));
        assert!(!is_schema_error(
            "EOF while parsing an object at line 1 column 10"
        ));
    }
}
