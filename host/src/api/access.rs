//! What the app needs around pairing: a new phone asking for a code without any token (the code
//! goes to the owner, never to the phone), and a client learning who its token makes it.

use std::sync::Arc;

use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};

use super::auth::{BearerAuth, Identity};
use super::{ApiError, ApiTags, AppState};

/// A code was made and sent to the owner.
#[derive(Debug, Object)]
pub struct PairingAsked {
    /// Seconds the code is valid for, from now.
    pub expires_in_seconds: u64,
}

/// What kind of credential a request was let in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum CredentialKind {
    /// The master token: the owner.
    Master,
    /// A paired device's token.
    Device,
    /// The server's Unix socket.
    Local,
}

/// Who the caller is.
#[derive(Debug, Object)]
pub struct WhoAmI {
    // `master`, `device` or `local`.
    pub kind: CredentialKind,
    /// The device's id, for a device token.
    #[oai(skip_serializing_if_is_none)]
    pub device_id: Option<String>,
}

#[derive(ApiResponse)]
enum AskResponse {
    /// A new code was made and sent to the owner (the server log, and a `system.pairing.code`
    /// notification to the paired devices); this answer does not hold it.
    #[oai(status = 202, content_type = "application/json")]
    Accepted(Json<PairingAsked>),
}

#[derive(ApiResponse)]
enum WhoAmIResponse {
    /// The caller.
    #[oai(status = 200, content_type = "application/json")]
    Ok(Json<WhoAmI>),
}

pub struct AccessApi;

#[OpenApi(prefix_path = "/api/v1", tag = "ApiTags::Devices")]
impl AccessApi {
    /// Asks for a pairing code from a new device.
    ///
    /// Needs no token, and the answer has no code: the code is made as by
    /// `POST /api/v1/pair/request` and reaches the owner only, in the server log and as a
    /// `system.pairing.code` notification on the devices already paired; the owner then types it
    /// on the new device, which sends it to `POST /api/v1/pair/verify`. A new code replaces the
    /// previous one. Limited like every `/api/v1/pair/*` route (`[rate_limits] pairing`).
    #[oai(
        path = "/pair/ask",
        method = "post",
        operation_id = "askForPairingCode"
    )]
    async fn ask(&self, Data(app): Data<&Arc<AppState>>) -> Result<AskResponse, ApiError> {
        super::devices::announce_code(app, "a new device, without a token").await?;
        Ok(AskResponse::Accepted(Json(PairingAsked {
            expires_in_seconds: crate::devices::CODE_TTL.as_secs(),
        })))
    }

    /// Says who the token is: the master token, a paired device (with its id), or the socket.
    #[oai(path = "/whoami", method = "get", operation_id = "whoAmI")]
    async fn whoami(&self, auth: BearerAuth) -> Result<WhoAmIResponse, ApiError> {
        let (kind, device_id) = match auth.0 {
            Identity::Master => (CredentialKind::Master, None),
            Identity::Local => (CredentialKind::Local, None),
            Identity::Device(id) => (CredentialKind::Device, Some(id)),
        };
        Ok(WhoAmIResponse::Ok(Json(WhoAmI { kind, device_id })))
    }
}
