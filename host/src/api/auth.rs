//! Who a request is: the one checker behind every way a credential arrives.
//!
//! A request is let in with the master token, a paired device's token, or by coming over the
//! Unix socket, whose file permissions are its credential. The token may come as
//! `Authorization: Bearer`, as `?token=` (streams that browsers open) or, on the WebSocket, as a
//! subprotocol; all of them end in [`identify`]. Handlers get the [`Identity`] from the security
//! scheme they take, so a stream knows whose it is and can end when that device is revoked.

use std::sync::Arc;

use poem::web::RemoteAddr;
use poem::{Addr, Request, RequestBody};
use poem_openapi::auth::Bearer;
use poem_openapi::registry::Registry;
use poem_openapi::{ApiExtractor, ApiExtractorType, ExtractParamOptions, SecurityScheme};
use subtle::ConstantTimeEq;

use super::AppState;
pub use crate::devices::Identity;

/// The master token, put into the request data by the app.
#[derive(Clone)]
pub struct ExpectedToken(pub Arc<str>);

/// Who presents `token`: the master, a paired device, or nobody. The master token is compared
/// in constant time; a device token is looked up by its SHA-256.
pub fn identify(req: &Request, token: &str) -> Option<Identity> {
    if req
        .data::<ExpectedToken>()
        .is_some_and(|expected| bool::from(expected.0.as_bytes().ct_eq(token.as_bytes())))
    {
        return Some(Identity::Master);
    }
    req.data::<Arc<AppState>>()?
        .devices
        .identify(token)
        .map(Identity::Device)
}

/// Whether the request came over the Unix socket. The listener decides this, not anything the
/// client sends.
pub fn is_local(req: &Request) -> bool {
    matches!(req.local_addr().0, Addr::Unix(_))
}

/// The client's IP address; `None` on the Unix socket.
pub fn client_ip(addr: &RemoteAddr) -> Option<std::net::IpAddr> {
    addr.as_socket_addr().map(|a| a.ip().to_canonical())
}

/// `Authorization: Bearer <token>`: the master token (`BANTZ_API_TOKEN`, or the one generated
/// into the data dir at first start) or a paired device's token (`POST /api/v1/pair/verify`).
/// Requests over the server's Unix socket need none.
// The doc comment above is the scheme's description in the spec; `BearerAuth` wraps this.
#[derive(SecurityScheme)]
#[oai(rename = "BearerAuth", ty = "bearer", checker = "check_token")]
struct BearerHeader(Identity);

async fn check_token(req: &Request, bearer: Bearer) -> Option<Identity> {
    identify(req, &bearer.token)
}

/// The bearer scheme of the spec, checked after the transport: a request over the Unix socket
/// is [`Identity::Local`] without a header (the derived scheme would refuse it before any
/// checker runs); any other needs the header with a valid token.
pub struct BearerAuth(pub Identity);

impl<'a> ApiExtractor<'a> for BearerAuth {
    const TYPES: &'static [ApiExtractorType] = &[ApiExtractorType::SecurityScheme];
    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        BearerHeader::register(registry);
    }

    fn security_schemes() -> Vec<&'static str> {
        BearerHeader::security_schemes()
    }

    async fn from_request(
        req: &'a Request,
        body: &mut RequestBody,
        options: ExtractParamOptions<()>,
    ) -> poem::Result<Self> {
        // Before the header is looked at: a socket client sends none.
        if is_local(req) {
            return Ok(BearerAuth(Identity::Local));
        }
        BearerHeader::from_request(req, body, options)
            .await
            .map(|BearerHeader(identity)| BearerAuth(identity))
    }
}

/// `?token=<token>`, for clients that cannot send headers, such as browsers' EventSource.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "token",
    key_in = "query",
    checker = "check_query_token"
)]
pub struct QueryTokenAuth(pub Identity);

async fn check_query_token(req: &Request, key: poem_openapi::auth::ApiKey) -> Option<Identity> {
    identify(req, &key.key)
}

/// The bearer header, or the `token` query parameter: for streams that browsers open.
#[derive(SecurityScheme)]
pub enum StreamAuth {
    Bearer(BearerAuth),
    Query(QueryTokenAuth),
}

impl StreamAuth {
    /// Who opened the stream.
    pub fn identity(&self) -> &Identity {
        match self {
            StreamAuth::Bearer(BearerAuth(identity))
            | StreamAuth::Query(QueryTokenAuth(identity)) => identity,
        }
    }
}
