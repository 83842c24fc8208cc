//! `GET /metrics`: the host's counters in the Prometheus text format (0.0.4), and the HTTP
//! counters behind them and behind `GET /api/v1/status`.
//!
//! The text is rendered here by hand: a few counters, gauges and one histogram do not need a
//! metrics crate. HTTP requests are counted as they finish ([`Metrics::record`], called by the
//! outermost middleware); skills, LLM tiers and notifications are read from their owners when
//! scraped, so nothing is counted twice.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::web::Data;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};

use super::auth::BearerAuth;
use super::{ApiError, ApiTags, AppState};
use crate::runtime::SkillStatus;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 15] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// How many recent requests the status percentiles are computed over.
const RECENT: usize = 1024;

/// The HTTP counters and open-stream gauges of one server.
#[derive(Default)]
pub struct Metrics {
    http: Mutex<Http>,
    chat_streams: AtomicI64,
    notification_streams: AtomicI64,
    websockets: AtomicI64,
}

#[derive(Default)]
struct Http {
    /// (method, route template, status) → requests.
    requests: BTreeMap<(String, String, u16), u64>,
    /// (method, route template) → latency histogram.
    latency: BTreeMap<(String, String), Histogram>,
    /// Latencies of the most recent requests, in seconds.
    recent: VecDeque<f64>,
}

#[derive(Default)]
struct Histogram {
    /// Requests at or under each bound of [`BUCKETS`] (not cumulative; summed when rendered).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// A kind of long-lived connection.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    /// `POST /api/v1/chat/stream` (and `/api/v1/chat` with `stream: true`).
    ChatEvents,
    /// `GET /api/v1/notifications`.
    Notifications,
    /// `GET /ws/chat`.
    WebSocket,
}

/// Counts one open connection while it lives.
pub struct StreamGuard {
    metrics: Arc<Metrics>,
    kind: Stream,
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.metrics
            .gauge(self.kind)
            .fetch_sub(1, Ordering::Relaxed);
    }
}

/// Request latency percentiles over the most recent requests.
pub struct Percentiles {
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
}

impl Metrics {
    /// Counts a finished request: its method, the route template it matched (`unmatched` when
    /// none did), its status and how long it took to answer (for a stream: until it started).
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut http = self.http.lock().unwrap();
        *http
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let histogram = http
            .latency
            .entry((method.to_owned(), route.to_owned()))
            .or_default();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            histogram.buckets[i] += 1;
        }
        histogram.count += 1;
        histogram.sum += seconds;
        if http.recent.len() == RECENT {
            http.recent.pop_front();
        }
        http.recent.push_back(seconds);
    }

    /// Counts a stream as open until the guard is dropped.
    pub fn open(self: &Arc<Self>, kind: Stream) -> StreamGuard {
        self.gauge(kind).fetch_add(1, Ordering::Relaxed);
        StreamGuard {
            metrics: self.clone(),
            kind,
        }
    }

    fn gauge(&self, kind: Stream) -> &AtomicI64 {
        match kind {
            Stream::ChatEvents => &self.chat_streams,
            Stream::Notifications => &self.notification_streams,
            Stream::WebSocket => &self.websockets,
        }
    }

    /// Open streams of a kind.
    pub fn open_streams(&self, kind: Stream) -> u64 {
        self.gauge(kind).load(Ordering::Relaxed).max(0) as u64
    }

    /// Requests answered since start-up.
    pub fn requests(&self) -> u64 {
        self.http.lock().unwrap().requests.values().sum()
    }

    /// p50, p90 and p99 of the latency of the last requests (nearest rank).
    pub fn percentiles(&self) -> Percentiles {
        let mut sorted: Vec<f64> = self.http.lock().unwrap().recent.iter().copied().collect();
        sorted.sort_by(f64::total_cmp);
        let at = |p: usize| {
            if sorted.is_empty() {
                return Duration::ZERO;
            }
            let rank = (p * sorted.len()).div_ceil(100).max(1);
            Duration::from_secs_f64(sorted[rank.min(sorted.len()) - 1])
        };
        Percentiles {
            p50: at(50),
            p90: at(90),
            p99: at(99),
        }
    }

    /// The HTTP and stream metrics as Prometheus text.
    fn render_http(&self, out: &mut String) {
        let http = self.http.lock().unwrap();
        header(
            out,
            "bantz_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route, status), n) in &http.requests {
            let _ = writeln!(
                out,
                "bantz_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        header(
            out,
            "bantz_http_request_duration_seconds",
            "histogram",
            "Time to answer a request (for a stream, until it starts), by method and route template.",
        );
        for ((method, route), h) in &http.latency {
            let labels = format!("method=\"{}\",route=\"{}\"", escape(method), escape(route));
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "bantz_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "bantz_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "bantz_http_request_duration_seconds_sum{{{labels}}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "bantz_http_request_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        drop(http);
        header(
            out,
            "bantz_sse_connections",
            "gauge",
            "Open server-sent-event streams, by stream.",
        );
        for (name, kind) in [
            ("chat", Stream::ChatEvents),
            ("notifications", Stream::Notifications),
        ] {
            let _ = writeln!(
                out,
                "bantz_sse_connections{{stream=\"{name}\"}} {}",
                self.open_streams(kind)
            );
        }
        header(
            out,
            "bantz_websocket_connections",
            "gauge",
            "Open WebSockets on /ws/chat.",
        );
        let _ = writeln!(
            out,
            "bantz_websocket_connections {}",
            self.open_streams(Stream::WebSocket)
        );
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value as the text format needs it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Everything `GET /metrics` shows.
async fn render(app: &AppState) -> Result<String, ApiError> {
    let mut out = String::with_capacity(8 * 1024);
    header(
        &mut out,
        "bantz_uptime_seconds",
        "gauge",
        "Seconds since the host started.",
    );
    let _ = writeln!(
        out,
        "bantz_uptime_seconds {}",
        app.started.elapsed().as_secs()
    );
    if let Some(rss) = super::status::resident_bytes() {
        header(
            &mut out,
            "process_resident_memory_bytes",
            "gauge",
            "Resident memory of the host process.",
        );
        let _ = writeln!(out, "process_resident_memory_bytes {rss}");
    }
    app.metrics.render_http(&mut out);

    let reports = app.runtime.reports();
    header(
        &mut out,
        "bantz_skills",
        "gauge",
        "Skills (and skill files that provide none), by status.",
    );
    for (status, name) in [
        (SkillStatus::Active, "active"),
        (SkillStatus::Loading, "loading"),
        (SkillStatus::Failed, "failed"),
        (SkillStatus::Quarantined, "quarantined"),
        (SkillStatus::Disabled, "disabled"),
    ] {
        let n = reports.iter().filter(|r| r.status == status).count();
        let _ = writeln!(out, "bantz_skills{{status=\"{name}\"}} {n}");
    }
    let skills: Vec<_> = reports
        .iter()
        .filter(|r| r.loaded_at_ms.is_some())
        .collect();
    for (name, help, value) in [
        (
            "bantz_skill_calls_total",
            "Commands a skill ran (ticks not included).",
            (|r: &crate::runtime::SkillReport| r.invocations) as fn(&_) -> u64,
        ),
        (
            "bantz_skill_errors_total",
            "Skill calls that failed, timeouts included.",
            |r| r.errors,
        ),
        (
            "bantz_skill_timeouts_total",
            "Skill calls that ran past their deadline.",
            |r| r.timeouts,
        ),
        (
            "bantz_skill_ticks_total",
            "Scheduled ticks a skill ran.",
            |r| r.ticks,
        ),
    ] {
        header(&mut out, name, "counter", help);
        for r in &skills {
            let _ = writeln!(out, "{name}{{skill=\"{}\"}} {}", escape(&r.name), value(r));
        }
    }
    header(
        &mut out,
        "bantz_skill_latency_seconds",
        "gauge",
        "Latency of a skill's recent calls (the last 512), at the 0.5 and 0.99 quantiles.",
    );
    for r in &skills {
        for (quantile, ms) in [("0.5", r.latency_p50_ms), ("0.99", r.latency_p99_ms)] {
            let _ = writeln!(
                out,
                "bantz_skill_latency_seconds{{skill=\"{}\",quantile=\"{quantile}\"}} {}",
                escape(&r.name),
                ms as f64 / 1000.0
            );
        }
    }

    let tiers = app.brain.llm().map(|l| l.report()).unwrap_or_default();
    for (name, help, value) in [
        (
            "bantz_llm_calls_total",
            "Completion requests to an LLM tier, retries included.",
            (|t: &crate::brain::llm::TierReport| t.calls) as fn(&_) -> u64,
        ),
        (
            "bantz_llm_failures_total",
            "Completion requests to an LLM tier that failed.",
            |t| t.failures,
        ),
    ] {
        header(&mut out, name, "counter", help);
        for t in &tiers {
            let _ = writeln!(out, "{name}{{tier=\"{}\"}} {}", t.tier.as_str(), value(t));
        }
    }
    header(
        &mut out,
        "bantz_llm_tokens_total",
        "counter",
        "Tokens the LLM tiers reported using, by tier and kind (prompt, completion).",
    );
    for t in &tiers {
        for (kind, n) in [
            ("prompt", t.prompt_tokens),
            ("completion", t.completion_tokens),
        ] {
            let _ = writeln!(
                out,
                "bantz_llm_tokens_total{{tier=\"{}\",kind=\"{kind}\"}} {n}",
                t.tier.as_str()
            );
        }
    }

    let (conversations, notifications) = app.store.counts().await?;
    header(
        &mut out,
        "bantz_notifications_total",
        "counter",
        "Notifications stored and sent, by source (`system` or a skill's name); kept across restarts.",
    );
    for (source, n) in &notifications {
        let _ = writeln!(
            out,
            "bantz_notifications_total{{source=\"{}\"}} {n}",
            escape(source)
        );
    }
    header(
        &mut out,
        "bantz_conversations",
        "gauge",
        "Saved conversations.",
    );
    let _ = writeln!(out, "bantz_conversations {conversations}");

    let channels = app.channels.reports();
    if !channels.is_empty() {
        header(
            &mut out,
            "bantz_channel_messages_total",
            "counter",
            "Channel traffic since start-up, by channel and kind: received, duplicate (a redelivery \
             dropped), sent, failed (refused for good), refused (a webhook post with a wrong secret or signature).",
        );
        for r in &channels {
            for (kind, n) in [
                ("received", r.received),
                ("duplicate", r.duplicates),
                ("sent", r.sent),
                ("failed", r.failed),
                ("refused", r.refused),
            ] {
                let _ = writeln!(
                    out,
                    "bantz_channel_messages_total{{channel=\"{}\",kind=\"{kind}\"}} {n}",
                    r.channel
                );
            }
        }
        header(
            &mut out,
            "bantz_channel_backlog",
            "gauge",
            "Channel messages received and not answered yet.",
        );
        let _ = writeln!(
            out,
            "bantz_channel_backlog {}",
            app.store.channel_pending_count().await?
        );
    }
    Ok(out)
}

#[derive(ApiResponse)]
enum MetricsResponse {
    /// The metrics, in the Prometheus text exposition format 0.0.4.
    #[oai(
        status = 200,
        content_type = "text/plain; version=0.0.4; charset=utf-8"
    )]
    Ok(PlainText<String>),
}

pub struct MetricsApi;

#[OpenApi(tag = "ApiTags::System")]
impl MetricsApi {
    /// The host's metrics for Prometheus; needs the token like the rest of the API.
    ///
    /// HTTP requests by method, route template and status (`bantz_http_requests_total`) and
    /// their latency (`bantz_http_request_duration_seconds`, a histogram); skill calls, errors,
    /// timeouts and latency by skill; open event streams and WebSockets; notifications by
    /// source; LLM calls, failures and tokens by tier; the channels' traffic and backlog
    /// (`bantz_channel_messages_total`, `bantz_channel_backlog`); uptime and resident memory.
    #[oai(path = "/metrics", method = "get", operation_id = "getMetrics")]
    async fn metrics(
        &self,
        Data(app): Data<&Arc<AppState>>,
        _auth: BearerAuth,
    ) -> Result<MetricsResponse, ApiError> {
        Ok(MetricsResponse::Ok(PlainText(render(app).await?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_route_and_the_histogram_is_cumulative() {
        let metrics = Metrics::default();
        metrics.record("GET", "/api/v1/skills", 200, Duration::from_millis(3));
        metrics.record("GET", "/api/v1/skills", 200, Duration::from_millis(300));
        metrics.record("GET", "unmatched", 404, Duration::from_millis(1));
        let mut out = String::new();
        metrics.render_http(&mut out);
        assert!(out.contains(
            "bantz_http_requests_total{method=\"GET\",route=\"/api/v1/skills\",status=\"200\"} 2"
        ));
        assert!(out.contains(
            "bantz_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/skills\",le=\"0.005\"} 1"
        ));
        assert!(out.contains(
            "bantz_http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/skills\",le=\"0.5\"} 2"
        ));
        assert!(out.contains(
            "bantz_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/skills\"} 2"
        ));
        assert_eq!(metrics.requests(), 3);
        let p = metrics.percentiles();
        assert_eq!(p.p50, Duration::from_millis(3));
        assert_eq!(p.p99, Duration::from_millis(300));
    }

    #[test]
    fn stream_gauges_follow_their_guards() {
        let metrics = Arc::new(Metrics::default());
        let a = metrics.open(Stream::WebSocket);
        let b = metrics.open(Stream::WebSocket);
        assert_eq!(metrics.open_streams(Stream::WebSocket), 2);
        drop(a);
        assert_eq!(metrics.open_streams(Stream::WebSocket), 1);
        drop(b);
        assert_eq!(metrics.open_streams(Stream::WebSocket), 0);
    }
}
