//! `/api/v1/pair/*` and `/api/v1/devices`: pairing a phone without typing the master token, and
//! the list of paired devices. The rules live in [`crate::devices`]; this is their HTTP shape.

use std::sync::Arc;

use poem::http::StatusCode;
use poem::web::{Data, RemoteAddr};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiRequest, ApiResponse, Object, OpenApi};

use super::auth::{self, BearerAuth};
use super::text::{NonBlank, Text};
use super::{ApiError, ApiTags, AppState, ErrorBody};
use crate::devices::{Device, PairError};

/// A pairing code, valid for five minutes.
#[derive(Debug, Object)]
pub struct PairingCode {
    /// Six digits, to type (or scan) on the new device and send to `POST /api/v1/pair/verify`.
    pub code: String,
    /// When it stops being valid, in milliseconds since the Unix epoch.
    pub expires_at_ms: i64,
    /// Seconds it is valid for, from now.
    pub expires_in_seconds: u64,
}

/// A new device's code and name.
#[derive(Debug, Object)]
pub struct PairVerifyRequest {
    /// The six digits of the current pairing code.
    pub code: Text,
    /// What to call the device in the list, e.g. "Ayşe's phone": 1 to 64 characters, not all
    /// blank.
    #[oai(validator(min_length = 1, max_length = 64, custom = "super::text::NotBlank"))]
    pub device_name: NonBlank,
}

/// A paired device.
#[derive(Debug, Object)]
pub struct DeviceInfo {
    pub id: String,
    pub name: String,
    /// When it was paired, in milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// When it last used its token, to the minute; absent until it does.
    #[oai(skip_serializing_if_is_none)]
    pub last_seen_ms: Option<i64>,
}

impl From<Device> for DeviceInfo {
    fn from(d: Device) -> Self {
        DeviceInfo {
            id: d.id,
            name: d.name,
            created_at_ms: d.created_at_ms,
            last_seen_ms: d.last_seen_ms,
        }
    }
}

/// A device just paired, with its token.
#[derive(Debug, Object)]
pub struct PairedDevice {
    pub device: DeviceInfo,
    /// The device's own token: send it as `Authorization: Bearer`, `?token=` or the WebSocket
    /// subprotocol, like the master token. It is shown only this once; Bantz keeps only a hash.
    pub token: String,
}

#[derive(ApiResponse)]
enum PairRequestResponse {
    /// The code; it is also in the server log and sent to paired devices as a
    /// `system.pairing.code` notification.
    #[oai(status = 201, content_type = "application/json")]
    Created(Json<PairingCode>),
}

#[derive(ApiResponse)]
enum PairVerifyResponse {
    /// Paired: the device's token.
    #[oai(status = 201, content_type = "application/json")]
    Created(Json<PairedDevice>),
}

/// Why a code was refused.
#[derive(ApiResponse)]
enum PairVerifyError {
    /// The code is wrong (`PAIRING_CODE_WRONG`; `details.tries_left` says how many more wrong
    /// tries burn it).
    #[oai(status = 401, content_type = "application/json")]
    Wrong(Json<ErrorBody>),
    /// No code is valid: none was asked for, it expired or was used, or wrong tries burned it
    /// (`PAIRING_CODE_BURNED` for the try that did, `PAIRING_CODE_GONE` after). Ask for a new one.
    #[oai(status = 410, content_type = "application/json")]
    Gone(Json<ErrorBody>),
    /// The body is malformed.
    #[oai(status = 400, content_type = "application/json")]
    BadRequest(Json<ErrorBody>),
    /// The body is larger than `[http] max_body_bytes`.
    #[oai(status = 413, content_type = "application/json")]
    PayloadTooLarge(Json<ErrorBody>),
    /// The body is not `application/json`.
    #[oai(status = 415, content_type = "application/json")]
    UnsupportedMediaType(Json<ErrorBody>),
    /// The device name is empty or too long.
    #[oai(status = 422, content_type = "application/json")]
    Unprocessable(Json<ErrorBody>),
    /// Too many wrong codes from this address; wait `Retry-After` seconds.
    #[oai(status = 429, content_type = "application/json")]
    TooMany(Json<ErrorBody>, #[oai(header = "Retry-After")] u64),
    /// The database did not answer.
    #[oai(status = 503, content_type = "application/json")]
    Unavailable(Json<ErrorBody>),
}

impl From<ApiError> for PairVerifyError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadRequest(body) => PairVerifyError::BadRequest(body),
            ApiError::Unprocessable(body) => PairVerifyError::Unprocessable(body),
            ApiError::PayloadTooLarge(body) => PairVerifyError::PayloadTooLarge(body),
            ApiError::UnsupportedMediaType(body) => PairVerifyError::UnsupportedMediaType(body),
            other => PairVerifyError::Unavailable(Json(other.into_body())),
        }
    }
}

fn error_body(code: &str, message: String, details: Option<serde_json::Value>) -> Json<ErrorBody> {
    let mut error = ApiError::new(StatusCode::BAD_REQUEST, code, message);
    if let Some(details) = details {
        error = error.with_details(details);
    }
    Json(error.into_body())
}

impl From<PairError> for PairVerifyError {
    fn from(e: PairError) -> Self {
        let message = e.to_string();
        match e {
            PairError::Wrong { left } => PairVerifyError::Wrong(error_body(
                "PAIRING_CODE_WRONG",
                message,
                Some(serde_json::json!({ "tries_left": left })),
            )),
            PairError::Burned => {
                PairVerifyError::Gone(error_body("PAIRING_CODE_BURNED", message, None))
            }
            PairError::NoCode(_) => {
                PairVerifyError::Gone(error_body("PAIRING_CODE_GONE", message, None))
            }
            PairError::TooManyTries { retry_after } => PairVerifyError::TooMany(
                error_body("TOO_MANY_PAIRING_TRIES", message, None),
                retry_after.as_secs().max(1),
            ),
            PairError::Store(e) => ApiError::from(e).into(),
        }
    }
}

/// Makes a new pairing code and sends it the ways it reaches the owner: the server log and a
/// `system.pairing.code` notification to the paired devices.
pub(super) async fn announce_code(
    app: &AppState,
    asked_by: &str,
) -> Result<crate::devices::Code, ApiError> {
    let code = app.devices.new_code();
    // The log is one of the ways the code reaches the user (the token never is).
    tracing::info!(
        asked_by = %asked_by,
        "pairing code {} is valid for {} minutes",
        code.code,
        crate::devices::CODE_TTL.as_secs() / 60
    );
    let data = serde_json::json!({ "code": code.code, "expires_at_ms": code.expires_at_ms });
    app.bus
        .system_now(
            "pairing.code",
            "Pairing code",
            &format!(
                "Pairing code {} (valid for {} minutes)",
                code.code,
                crate::devices::CODE_TTL.as_secs() / 60
            ),
            Some(&data.to_string()),
        )
        .await?;
    Ok(code)
}

#[derive(ApiResponse)]
enum DeviceListResponse {
    /// Oldest first.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<Vec<DeviceInfo>>),
}

#[derive(ApiResponse)]
enum RevokeResponse {
    /// Revoked: its token no longer works, and its open streams and WebSockets have ended.
    #[oai(status = 204)]
    Revoked,
}

pub struct DevicesApi;

#[derive(ApiRequest)]
enum PairVerifyBody {
    /// The code and a name for the device.
    #[oai(content_type = "application/json")]
    Json(Json<PairVerifyRequest>),
}

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Devices")]
impl DevicesApi {
    /// Makes a pairing code for a new device.
    ///
    /// Six digits, valid for five minutes; a new code replaces the previous one. The code is
    /// returned, printed in the server log, shown by `bantz pair`, and sent to the devices
    /// already paired as a `system.pairing.code` notification. The new device sends it to
    /// `POST /api/v1/pair/verify`.
    #[oai(
        path = "/pair/request",
        method = "post",
        operation_id = "requestPairingCode"
    )]
    async fn request(
        &self,
        Data(app): Data<&Arc<AppState>>,
        auth: BearerAuth,
    ) -> Result<PairRequestResponse, ApiError> {
        let asked_by = match &auth.0 {
            auth::Identity::Master => "the master token".to_owned(),
            auth::Identity::Local => "the Unix socket".to_owned(),
            auth::Identity::Device(id) => format!("device {id}"),
        };
        let code = announce_code(app, &asked_by).await?;
        Ok(PairRequestResponse::Created(Json(PairingCode {
            code: code.code,
            expires_at_ms: code.expires_at_ms,
            expires_in_seconds: crate::devices::CODE_TTL.as_secs(),
        })))
    }

    /// Trades a pairing code for a device token.
    ///
    /// Needs no token: the code is the credential. A wrong code is a 401 that says how many
    /// tries are left; five wrong codes burn the code (410), and too many wrong codes from one
    /// address are refused for a while (429 with `Retry-After`). The token in the answer is
    /// shown only once.
    #[oai(
        path = "/pair/verify",
        method = "post",
        operation_id = "verifyPairingCode"
    )]
    async fn verify(
        &self,
        Data(app): Data<&Arc<AppState>>,
        remote: &RemoteAddr,
        body: PairVerifyBody,
    ) -> Result<PairVerifyResponse, PairVerifyError> {
        let PairVerifyBody::Json(Json(body)) = body;
        // The schema has made sure that something is left.
        let name = body.device_name.trim();
        let paired = app
            .devices
            .pair(auth::client_ip(remote), &body.code, name)
            .await?;
        Ok(PairVerifyResponse::Created(Json(PairedDevice {
            device: paired.device.into(),
            token: paired.token,
        })))
    }

    /// Lists the paired devices.
    ///
    /// Name, id, when each was paired and last seen; never their tokens.
    #[oai(path = "/devices", method = "get", operation_id = "listDevices")]
    async fn list(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<DeviceListResponse, ApiError> {
        let devices = app.devices.list().await?;
        Ok(DeviceListResponse::Ok(Json(
            devices.into_iter().map(Into::into).collect(),
        )))
    }

    /// Revokes a device.
    ///
    /// At once: its token stops working, and its open event streams and WebSockets end (a
    /// WebSocket with close code 4001).
    #[oai(
        path = "/devices/:id",
        method = "delete",
        operation_id = "revokeDevice"
    )]
    async fn revoke(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
        /// The device's id.
        id: Path<String>,
    ) -> Result<RevokeResponse, ApiError> {
        if app.devices.revoke(&id.0).await? {
            Ok(RevokeResponse::Revoked)
        } else {
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "DEVICE_NOT_FOUND",
                format!("there is no device {}", id.0),
            ))
        }
    }
}
