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
    let expected = req.data::<ExpectedToken>()?;
    bool::from(expected.0.as_bytes().ct_eq(bearer.token.as_bytes())).then_some(Authorized)
}
