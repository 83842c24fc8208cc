//! What keeps one client from taking the host: rate limits by class of routes, and the size and
//! time limits of a request. Both answer with the error envelope; neither knows any route's
//! meaning beyond its path.
//!
//! **Rate limits** (`[rate_limits]`, the `governor` crate's GCRA): each class (`chat`,
//! `commands`, `reads`, `pairing`) allows its number of requests a minute, in a burst or spread
//! out, to each client, that is each token presented (valid or not), or each address for
//! requests without one; and `per_ip_multiplier` times that to each address over all its
//! clients, so that trying tokens does not escape the limit. Health, readiness, metrics and the
//! docs are not limited. Every limited response says where its client stands in
//! `X-RateLimit-Limit` (the tighter of the two), `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (seconds until the full limit is back); one over it gets 429
//! `RATE_LIMITED` with `Retry-After`.
//!
//! **Request limits** (`[http]`): header count and size (431), body size (413, counted while it
//! is read when there is no `Content-Length`), and the time from arrival to response (504),
//! which bounds slow uploads and stuck answers alike but not an event stream or WebSocket once
//! it has started.

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use poem::error::ReadBodyError;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};
use sha2::{Digest, Sha256};

use super::{error, ws};
use crate::config::{HttpSettings, RateLimits};

/// Rate-limit checks between two sweeps of the limiters' idle keys.
const SWEEP_EVERY: u64 = 4096;

/// A class of routes with its own rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Chat,
    Commands,
    Reads,
    Pairing,
}

impl Class {
    const ALL: [Class; 4] = [Class::Chat, Class::Commands, Class::Reads, Class::Pairing];

    /// The class of a request path; `None` for what is never limited.
    pub fn of(path: &str) -> Option<Class> {
        let under = |prefix: &str| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        if matches!(path, "/api/v1/health" | "/api/v1/ready" | "/metrics")
            || under("/swagger-ui")
            || under("/redoc")
            || under("/api-docs")
            || under(super::app::PREFIX)
            || path == "/"
        {
            None
        } else if under("/api/v1/chat") || path == "/ws/chat" {
            Some(Class::Chat)
        } else if under("/api/v1/commands") {
            Some(Class::Commands)
        } else if under("/api/v1/pair") {
            Some(Class::Pairing)
        } else {
            Some(Class::Reads)
        }
    }

    fn name(self) -> &'static str {
        match self {
            Class::Chat => "chat",
            Class::Commands => "commands",
            Class::Reads => "reads",
            Class::Pairing => "pairing",
        }
    }

    fn limit(self, limits: &RateLimits) -> u32 {
        match self {
            Class::Chat => limits.chat,
            Class::Commands => limits.commands,
            Class::Reads => limits.reads,
            Class::Pairing => limits.pairing,
        }
    }
}

/// Where a request comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Peer {
    Ip(IpAddr),
    /// Not over IP (a Unix socket): all such clients are one address.
    Local,
}

/// Who a request is counted against: the token it presents, else its address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Client {
    /// A digest of the token, so that no token is kept in memory longer than its request.
    Token([u8; 16]),
    Anonymous(Peer),
}

type Keyed<K> = RateLimiter<K, DefaultKeyedStateStore<K>, DefaultClock, StateInformationMiddleware>;

/// One limit over keys of one kind.
struct Bucket<K: Hash + Eq + Clone> {
    quota: Quota,
    limiter: Keyed<K>,
}

/// Where a client stands against one bucket after a request.
#[derive(Debug, Clone, Copy)]
struct Reading {
    limit: u32,
    remaining: u32,
    /// Until the whole limit is available again.
    reset: Duration,
    /// Set when the request is refused: when the next one will be let through.
    retry_after: Option<Duration>,
}

impl<K: Hash + Eq + Clone> Bucket<K> {
    fn per_minute(limit: u32) -> Option<Bucket<K>> {
        let quota = Quota::per_minute(NonZeroU32::new(limit)?);
        Some(Bucket {
            quota,
            limiter: RateLimiter::dashmap(quota).with_middleware::<StateInformationMiddleware>(),
        })
    }

    fn check(&self, key: &K) -> Reading {
        let limit = self.quota.burst_size().get();
        let interval = self.quota.replenish_interval();
        match self.limiter.check_key(key) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Reading {
                    limit,
                    remaining,
                    reset: interval * (limit - remaining.min(limit)),
                    retry_after: None,
                }
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.limiter.clock().now());
                Reading {
                    limit,
                    remaining: 0,
                    reset: wait + interval * (limit - 1),
                    retry_after: Some(wait),
                }
            }
        }
    }
}

/// The limits of one class.
struct ClassLimits {
    per_client: Bucket<Client>,
    per_address: Option<Bucket<Peer>>,
}

/// The rate limiter of a server.
pub struct RateLimit {
    classes: Arc<Classes>,
}

struct Classes {
    limits: [Option<ClassLimits>; 4],
    trust_forwarded: bool,
    checks: AtomicU64,
}

impl RateLimit {
    pub fn new(config: &RateLimits, http: &HttpSettings) -> RateLimit {
        let limits = Class::ALL.map(|class| {
            let limit = class.limit(config);
            Some(ClassLimits {
                per_client: Bucket::per_minute(limit)?,
                per_address: Bucket::per_minute(limit.saturating_mul(config.per_ip_multiplier)),
            })
        });
        RateLimit {
            classes: Arc::new(Classes {
                limits,
                trust_forwarded: http.trust_forwarded,
                checks: AtomicU64::new(0),
            }),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RateLimit {
    type Output = RateLimitEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RateLimitEndpoint {
            inner,
            classes: self.classes.clone(),
        }
    }
}

pub struct RateLimitEndpoint<E> {
    inner: E,
    classes: Arc<Classes>,
}

impl<E: Endpoint> Endpoint for RateLimitEndpoint<E> {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let Some(class) = Class::of(req.uri().path()) else {
            return Ok(answer(self.inner.call(req).await));
        };
        let Some(limits) = &self.classes.limits[class as usize] else {
            return Ok(answer(self.inner.call(req).await));
        };
        let reading = self.classes.check(limits, &req);
        if let Some(wait) = reading.retry_after {
            let seconds = whole_seconds(wait);
            let mut response = error::response(
                StatusCode::TOO_MANY_REQUESTS,
                "RATE_LIMITED",
                format!(
                    "over the limit of {} {} requests a minute; try again in {seconds} s",
                    reading.limit,
                    class.name()
                ),
                Some(serde_json::json!({
                    "class": class.name(),
                    "limit": reading.limit,
                    "retry_after_seconds": seconds,
                })),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            set_headers(&mut response, &reading);
            return Ok(response);
        }
        let mut response = answer(self.inner.call(req).await);
        set_headers(&mut response, &reading);
        Ok(response)
    }
}

impl Classes {
    /// Counts a request against its address's bucket and, when that lets it through, its
    /// client's; the reading is the refusing bucket's, else the one with the fewest requests
    /// left. (A request the address refuses does not use up its client's budget.)
    fn check(&self, limits: &ClassLimits, req: &Request) -> Reading {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        let peer = self.peer(req);
        let client = match ws::presented_tokens(req).first() {
            Some(token) => {
                let digest = Sha256::digest(token.as_bytes());
                let mut key = [0u8; 16];
                key.copy_from_slice(&digest[..16]);
                Client::Token(key)
            }
            None => Client::Anonymous(peer.clone()),
        };
        let address = limits.per_address.as_ref().map(|b| b.check(&peer));
        if let Some(refused) = address.filter(|r| r.retry_after.is_some()) {
            return refused;
        }
        let client = limits.per_client.check(&client);
        match address {
            Some(address)
                if client.retry_after.is_none() && address.remaining < client.remaining =>
            {
                address
            }
            _ => client,
        }
    }

    /// The client's address: the connection's peer, or with `trust_forwarded` the last
    /// `X-Forwarded-For` entry (the one the proxy added).
    fn peer(&self, req: &Request) -> Peer {
        if self.trust_forwarded
            && let Some(ip) = req
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit(',').next())
                .and_then(|v| v.trim().parse::<IpAddr>().ok())
        {
            return Peer::Ip(ip.to_canonical());
        }
        match req.remote_addr().as_socket_addr() {
            Some(addr) => Peer::Ip(addr.ip().to_canonical()),
            None => Peer::Local,
        }
    }

    /// Forgets the keys whose buckets are full again, so that memory does not grow with every
    /// token ever tried.
    fn sweep(&self) {
        for limits in self.limits.iter().flatten() {
            limits.per_client.limiter.retain_recent();
            if let Some(per_address) = &limits.per_address {
                per_address.limiter.retain_recent();
            }
        }
    }
}

fn set_headers(response: &mut Response, reading: &Reading) {
    let headers = response.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(reading.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(reading.remaining),
    );
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from(whole_seconds(reading.reset)),
    );
}

/// A duration in whole seconds, rounded up: a client that waits that long is let through.
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// The response of an inner endpoint, its error as the envelope.
fn answer(result: poem::Result<impl IntoResponse>) -> Response {
    match result {
        Ok(response) => response.into_response(),
        Err(e) => error::into_response(e),
    }
}

/// The size and time limits of a request.
pub struct RequestLimits {
    max_body_bytes: usize,
    max_headers: usize,
    max_header_bytes: usize,
    timeout: Duration,
}

impl RequestLimits {
    pub fn new(http: &HttpSettings) -> RequestLimits {
        RequestLimits {
            max_body_bytes: http.max_body_bytes,
            max_headers: http.max_headers,
            max_header_bytes: http.max_header_bytes,
            timeout: Duration::from_millis(http.request_timeout_ms),
        }
    }
}

impl<E: Endpoint> Middleware<E> for RequestLimits {
    type Output = RequestLimitsEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        RequestLimitsEndpoint {
            inner,
            max_body_bytes: self.max_body_bytes,
            max_headers: self.max_headers,
            max_header_bytes: self.max_header_bytes,
            timeout: self.timeout,
        }
    }
}

pub struct RequestLimitsEndpoint<E> {
    inner: E,
    max_body_bytes: usize,
    max_headers: usize,
    max_header_bytes: usize,
    timeout: Duration,
}

impl<E: Endpoint> RequestLimitsEndpoint<E> {
    /// The body limit of a request: `[http] max_body_bytes`, except for a skill upload, which has
    /// its own.
    fn max_body_bytes(&self, req: &Request) -> usize {
        if super::skill_file::is_upload(req.method(), req.uri().path()) {
            super::skill_file::MAX_SKILL_FILE_BYTES
        } else {
            self.max_body_bytes
        }
    }

    fn too_large(&self, max: usize) -> Response {
        let setting = if max == self.max_body_bytes {
            " ([http] max_body_bytes)"
        } else {
            ""
        };
        error::response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body is larger than {max} bytes{setting}"),
            Some(serde_json::json!({ "max_body_bytes": max })),
        )
    }

    /// Reads a body that does not say its length, up to the limit.
    async fn read_unsized_body(&self, req: &mut Request) -> Result<(), Response> {
        let max = self.max_body_bytes(req);
        let bytes = req
            .take_body()
            .into_bytes_limit(max)
            .await
            .map_err(|e| match e {
                ReadBodyError::PayloadTooLarge => self.too_large(max),
                other => error::response(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    format!("the body could not be read: {other}"),
                    None,
                ),
            })?;
        req.set_body(bytes);
        Ok(())
    }
}

impl<E: Endpoint> Endpoint for RequestLimitsEndpoint<E> {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        let headers = req.headers();
        let header_bytes: usize = headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len())
            .sum();
        if headers.len() > self.max_headers || header_bytes > self.max_header_bytes {
            return Ok(error::response(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "HEADERS_TOO_LARGE",
                format!(
                    "at most {} headers of {} bytes together are accepted",
                    self.max_headers, self.max_header_bytes
                ),
                None,
            ));
        }
        let length = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let max = self.max_body_bytes(&req);
        if length.is_some_and(|n| n > max as u64) {
            return Ok(self.too_large(max));
        }
        // Without a length, a body is read here, capped; with one, hyper reads no more than it says.
        let unsized_body = length.is_none()
            && (headers.contains_key(header::TRANSFER_ENCODING)
                || matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH));
        let answered = tokio::time::timeout(self.timeout, async {
            if unsized_body && let Err(response) = self.read_unsized_body(&mut req).await {
                return response;
            }
            answer(self.inner.call(req).await)
        })
        .await;
        Ok(answered.unwrap_or_else(|_| {
            error::response(
                StatusCode::GATEWAY_TIMEOUT,
                "REQUEST_TIMEOUT",
                format!(
                    "the request was not answered within {} ms ([http] request_timeout_ms); \
                     a slow upload or a slow answer",
                    self.timeout.as_millis()
                ),
                None,
            )
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_into_classes() {
        assert_eq!(Class::of("/api/v1/chat"), Some(Class::Chat));
        assert_eq!(Class::of("/api/v1/chat/stream"), Some(Class::Chat));
        assert_eq!(Class::of("/ws/chat"), Some(Class::Chat));
        assert_eq!(Class::of("/api/v1/commands/parse"), Some(Class::Commands));
        assert_eq!(Class::of("/api/v1/pair/verify"), Some(Class::Pairing));
        assert_eq!(Class::of("/api/v1/skills"), Some(Class::Reads));
        assert_eq!(Class::of("/api/v1/chatter"), Some(Class::Reads));
        assert_eq!(Class::of("/nowhere"), Some(Class::Reads));
        for free in [
            "/api/v1/health",
            "/api/v1/ready",
            "/metrics",
            "/swagger-ui/",
            "/redoc",
            "/api-docs/openapi.json",
        ] {
            assert_eq!(Class::of(free), None, "{free}");
        }
    }

    #[test]
    fn a_bucket_counts_down_then_refuses_with_a_wait() {
        let bucket = Bucket::<u8>::per_minute(2).unwrap();
        let first = bucket.check(&1);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert_eq!(whole_seconds(first.reset), 30);
        assert_eq!(bucket.check(&1).remaining, 0);
        let refused = bucket.check(&1);
        let wait = refused.retry_after.expect("the third is refused");
        assert!(wait <= Duration::from_secs(30) && wait > Duration::from_secs(29));
        assert!(refused.reset >= wait);
        // Another key has its own bucket.
        assert_eq!(bucket.check(&2).remaining, 1);
        assert!(Bucket::<u8>::per_minute(0).is_none());
    }
}
