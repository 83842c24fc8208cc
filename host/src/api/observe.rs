//! The outermost layer of every request: its id, its tracing span, its metrics, and the last
//! word on errors.
//!
//! The id is the client's `X-Request-Id` when that is sane (at most 128 characters of
//! `[A-Za-z0-9._-]`), else a new one. It goes back in the `X-Request-Id` header of every
//! response, errors included, into the `request` span that every log line of the request is
//! written in, and into the `request_id` of every error envelope made while answering it (see
//! [`error::REQUEST_ID`]). An error that reaches this layer (a CORS refusal: everything inside
//! answers with responses) becomes the envelope here.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Middleware, PathPattern, Request, Response};
use poem_openapi::OperationId;
use tracing::Instrument;

use super::error;
use super::metrics::Metrics;

/// The header that carries a request's id, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Longest client-chosen request id that is kept.
const MAX_ID_LEN: usize = 128;

/// Gives every request an id and a span, and counts it when it is answered.
pub struct Observe {
    metrics: Arc<Metrics>,
    routes: Arc<HashMap<String, String>>,
}

impl Observe {
    /// `spec` is the OpenAPI document, whose path templates (`/api/v1/skills/{name}`) name the
    /// routes in the metrics; poem's own patterns name parameters `:param0`.
    pub fn new(metrics: Arc<Metrics>, spec: &str) -> Observe {
        let mut routes = HashMap::new();
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        for (path, item) in spec["paths"].as_object().into_iter().flatten() {
            for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
                if let Some(id) = operation["operationId"].as_str() {
                    routes.insert(id.to_owned(), path.clone());
                }
            }
        }
        Observe {
            metrics,
            routes: Arc::new(routes),
        }
    }
}

impl<E: Endpoint> Middleware<E> for Observe {
    type Output = ObserveEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        ObserveEndpoint {
            inner,
            metrics: self.metrics.clone(),
            routes: self.routes.clone(),
        }
    }
}

pub struct ObserveEndpoint<E> {
    inner: E,
    metrics: Arc<Metrics>,
    routes: Arc<HashMap<String, String>>,
}

impl<E> ObserveEndpoint<E> {
    /// The route template a response answered: the operation's path in the OpenAPI document,
    /// else the route poem matched (WebSocket, docs), else `unmatched`.
    fn route<'a>(&'a self, response: &'a Response) -> &'a str {
        response
            .data::<OperationId>()
            .and_then(|id| self.routes.get(id.0))
            .map(String::as_str)
            .or_else(|| response.data::<PathPattern>().map(|p| &*p.0))
            .unwrap_or("unmatched")
    }
}

impl<E: Endpoint> Endpoint for ObserveEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let started = Instant::now();
        let id: Arc<str> = match req.headers().get(REQUEST_ID_HEADER) {
            Some(v) if is_sane(v.as_bytes()) => String::from_utf8_lossy(v.as_bytes()).into(),
            _ => uuid::Uuid::new_v4().simple().to_string().into(),
        };
        let method = req.method().to_string();
        // The path only: a query may carry a token (`?token=`), which must never be logged.
        let span =
            tracing::info_span!("request", id = %id, method = %method, path = %req.uri().path());
        let result = error::REQUEST_ID
            .scope(id.clone(), self.inner.call(req))
            .instrument(span.clone())
            .await;
        let mut response = match result {
            Ok(response) => response.into_response(),
            Err(e) => error::REQUEST_ID.sync_scope(id.clone(), || error::into_response(e)),
        };
        if let Ok(value) = HeaderValue::from_str(&id) {
            response.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
        let elapsed = started.elapsed();
        let status = response.status();
        self.metrics
            .record(&method, self.route(&response), status.as_u16(), elapsed);
        span.in_scope(|| {
            let latency_ms = elapsed.as_millis() as u64;
            if status.is_server_error() {
                tracing::warn!(status = status.as_u16(), latency_ms, "answered");
            } else {
                tracing::info!(status = status.as_u16(), latency_ms, "answered");
            }
        });
        Ok(response)
    }
}

/// Whether a client's request id may be kept: 1 to 128 characters of `[A-Za-z0-9._-]`.
fn is_sane(id: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn only_short_plain_ids_are_kept() {
        assert!(is_sane(b"req-42.a_B"));
        assert!(is_sane(&[b'a'; 128]));
        assert!(!is_sane(&[b'a'; 129]));
        assert!(!is_sane(b""));
        assert!(!is_sane(b"has space"));
        assert!(!is_sane(b"new\nline"));
        assert!(!is_sane("ünï".as_bytes()));
    }
}
