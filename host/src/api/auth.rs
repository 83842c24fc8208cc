//! Bearer-token authentication of the API.

use poem::Request;
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use subtle::ConstantTimeEq;

/// The token a request must present, put into the request data by the app.
#[derive(Clone)]
pub struct ExpectedToken(pub std::sync::Arc<str>);

/// A request that presented the right token.
pub struct Authorized;

/// `Authorization: Bearer <token>`. The token is the one in `BANTZ_API_TOKEN`, or the one
/// generated into the data dir at first start.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", checker = "check_token")]
pub struct BearerAuth(#[allow(dead_code)] Authorized);

async fn check_token(req: &Request, bearer: Bearer) -> Option<Authorized> {
    is_expected(req, &bearer.token).then_some(Authorized)
}

/// Whether `token` is the one the app expects, compared in constant time. Every way a token
/// arrives (the header here, the WebSocket's query parameter or subprotocol) is checked here.
pub fn is_expected(req: &Request, token: &str) -> bool {
    req.data::<ExpectedToken>()
        .is_some_and(|expected| bool::from(expected.0.as_bytes().ct_eq(token.as_bytes())))
}

/// `?token=<token>`, for clients that cannot send headers, such as browsers' EventSource.
#[derive(SecurityScheme)]
#[oai(
    ty = "api_key",
    key_name = "token",
    key_in = "query",
    checker = "check_query_token"
)]
pub struct QueryTokenAuth(#[allow(dead_code)] Authorized);

async fn check_query_token(req: &Request, key: poem_openapi::auth::ApiKey) -> Option<Authorized> {
    is_expected(req, &key.key).then_some(Authorized)
}

/// The bearer header, or the `token` query parameter: for streams that browsers open.
#[derive(SecurityScheme)]
#[allow(dead_code)]
pub enum StreamAuth {
    Bearer(BearerAuth),
    Query(QueryTokenAuth),
}
