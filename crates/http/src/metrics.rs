//! Prometheus metrics, served at `GET /metrics`.
//!
//! Each [`AppState`](crate::AppState) owns its own recorder ([`Metrics`]),
//! never the process-wide one of the `metrics` crate: two apps in one test
//! binary count separately, and nothing else in the process can add series
//! to what partners' operators scrape.
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `klikorder_http_requests_total` | counter | `route` (the route pattern, or `unmatched`), `status`, `client` (the authenticated client id, or `-`) |
//! | `klikorder_http_request_duration_seconds` | histogram | `route` |
//! | `klikorder_lookups_total` | counter | `outcome` (`found`, `not_found`, `invalid`, `error`); `found` also has `rule`: the [`Rule`] that chose the customer ([`Rule::as_str`]) |
//! | `klikorder_database_errors_total` | counter | `operation` (`lookup`, `readiness`), `kind` (`timeout`, `unavailable`, `failed`, `task_lost`) |
//! | `klikorder_rate_limited_total` | counter | `limit` (`client`: a client over its rate; `address`: a source address over its failed-authentication budget) |
//! | `klikorder_db_pool_connections` | gauge | `state` (`in_use`, `idle`); only when the server hands in [`PoolStats`] |
//! | `klikorder_db_pool_max_connections` | gauge | — |
//! | `klikorder_db_pool_waits_total` | counter | — (checkouts that waited 1 ms or more) |
//! | `klikorder_db_pool_wait_microseconds_total` | counter | — |
//! | `klikorder_db_pool_timeouts_total` | counter | — |
//!
//! Label values come from a closed set or from the registered client ids:
//! never a raw path, a phone number, a key or a query string, so the
//! number of series stays bounded whatever clients send.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use klikorder_domain::Rule;
use metrics::{
    Counter, Histogram, counter, describe_counter, describe_gauge, describe_histogram, gauge,
    histogram,
};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};

use crate::ApiError;

/// Requests answered, by route, status and client.
const REQUESTS: &str = "klikorder_http_requests_total";
/// Time to answer, by route.
const REQUEST_DURATION: &str = "klikorder_http_request_duration_seconds";
/// Lookups by outcome (and deciding rule).
const LOOKUPS: &str = "klikorder_lookups_total";
/// Lookups answered from the lookup cache or not, when it is on.
const LOOKUP_CACHE: &str = "klikorder_lookup_cache_total";
/// Database failures seen by requests.
const DATABASE_ERRORS: &str = "klikorder_database_errors_total";
/// Lookups refused by a rate limit, by limit.
const RATE_LIMITED: &str = "klikorder_rate_limited_total";
/// Pool connections by state.
const POOL_CONNECTIONS: &str = "klikorder_db_pool_connections";
/// The pool's size.
const POOL_MAX: &str = "klikorder_db_pool_max_connections";
/// Counter: checkouts that waited for a connection.
const POOL_WAITS: &str = "klikorder_db_pool_waits_total";
/// Counter: microseconds spent waiting for connections.
const POOL_WAITED: &str = "klikorder_db_pool_wait_microseconds_total";
/// Counter: checkouts that timed out.
const POOL_TIMEOUTS: &str = "klikorder_db_pool_timeouts_total";

/// Histogram buckets, in seconds: from a cached lookup (~1 ms) to the
/// longest `DB_TIMEOUT_MS` anyone should set.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Histogram samples are buffered until drained; a scrape drains them, and
/// so does every this many requests, so memory stays bounded even when
/// nobody scrapes.
const UPKEEP_EVERY: u64 = 1024;

/// The `route` label of a request no route matched (unknown paths): one
/// value, so scanners cannot create series.
pub(crate) const UNMATCHED_ROUTE: &str = "unmatched";

/// The `client` label of a request without an authenticated client.
const NO_CLIENT: &str = "-";

/// The state of the database pool, as the server reads it (from r2d2's
/// `Pool::state()`); this crate never sees the pool itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolStats {
    /// The most connections the pool opens.
    pub max_size: u32,
    /// Connections open now (idle or checked out).
    pub connections: u32,
    /// Open connections waiting in the pool.
    pub idle_connections: u32,
    /// Checkouts that had to wait for a connection, since start.
    pub waits: u64,
    /// How long those checkouts waited in all, in microseconds.
    pub waited_micros: u64,
    /// Checkouts that gave up after the pool's timeout, since start.
    pub timeouts: u64,
}

impl PoolStats {
    /// Stats from the pool's figures.
    #[must_use]
    pub const fn new(max_size: u32, connections: u32, idle_connections: u32) -> Self {
        Self {
            max_size,
            connections,
            idle_connections,
            waits: 0,
            waited_micros: 0,
            timeouts: 0,
        }
    }

    /// The same, with the pool's cumulative wait figures.
    #[must_use]
    pub const fn with_waits(self, waits: u64, waited_micros: u64, timeouts: u64) -> Self {
        Self {
            waits,
            waited_micros,
            timeouts,
            ..self
        }
    }

    /// Connections checked out by a request right now.
    #[must_use]
    pub const fn in_use(&self) -> u32 {
        self.connections.saturating_sub(self.idle_connections)
    }
}

/// Reads the pool's state on each scrape of `/metrics`.
pub type PoolStatsFn = Arc<dyn Fn() -> PoolStats + Send + Sync>;

/// The app's metrics: its own Prometheus recorder and the handle that
/// renders it. Cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
    requests: AtomicU64,
    /// Each request series' counter and histogram, registered on its first
    /// request. Why: registering builds the label strings (allocations) and
    /// looks them up in the recorder on every call. Bounded as the labels
    /// are (routes, statuses, registered clients).
    request_series: Mutex<hashbrown::HashMap<RequestSeries, (Counter, Histogram)>>,
}

/// The labels of one request series: route, status, client.
#[derive(Debug, PartialEq, Eq, Hash)]
struct RequestSeries {
    route: Box<str>,
    status: u16,
    client: Box<str>,
}

/// The same labels, borrowed, to find a series without allocating. Hashes
/// as [`RequestSeries`] does (the same fields in the same order).
#[derive(Debug, Hash)]
struct RequestSeriesRef<'a> {
    route: &'a str,
    status: u16,
    client: &'a str,
}

impl hashbrown::Equivalent<RequestSeries> for RequestSeriesRef<'_> {
    fn equivalent(&self, key: &RequestSeries) -> bool {
        self.route == &*key.route && self.status == key.status && self.client == &*key.client
    }
}

impl Metrics {
    /// A fresh, empty set of metrics.
    #[must_use]
    pub fn new() -> Self {
        let builder = match PrometheusBuilder::new().set_buckets(LATENCY_BUCKETS) {
            Ok(builder) => builder,
            // Only refused for an empty list, which `LATENCY_BUCKETS` is not;
            // summaries instead of histograms would still be served.
            Err(error) => {
                log::warn!("latency buckets refused ({error}); reporting summaries");
                PrometheusBuilder::new()
            }
        };
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        let metrics = Self {
            inner: Arc::new(Inner {
                recorder,
                handle,
                requests: AtomicU64::new(0),
                request_series: Mutex::default(),
            }),
        };
        metrics.record(describe);
        metrics
    }

    /// Runs `record` with this app's recorder as the `metrics` macros'
    /// recorder (on this thread, for the duration of the call).
    fn record<T>(&self, record: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(&self.inner.recorder, record)
    }

    /// Counts one answered request and its latency.
    pub(crate) fn request(
        &self,
        route: Option<&str>,
        status: u16,
        client: Option<&str>,
        elapsed: Duration,
    ) {
        let series = RequestSeriesRef {
            route: route.unwrap_or(UNMATCHED_ROUTE),
            status,
            client: client.unwrap_or(NO_CLIENT),
        };
        {
            let mut known = self
                .inner
                .request_series
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let (requests, duration) = match known.get(&series) {
                Some(handles) => handles,
                None => {
                    let handles = self.register(&series);
                    let key = RequestSeries {
                        route: series.route.into(),
                        status,
                        client: series.client.into(),
                    };
                    known.entry(key).or_insert(handles)
                }
            };
            requests.increment(1);
            duration.record(elapsed.as_secs_f64());
        }
        if self.inner.requests.fetch_add(1, Ordering::Relaxed) % UPKEEP_EVERY == UPKEEP_EVERY - 1 {
            self.inner.handle.run_upkeep();
        }
    }

    /// Registers one request series' counter and histogram.
    fn register(&self, series: &RequestSeriesRef<'_>) -> (Counter, Histogram) {
        let route = series.route.to_owned();
        self.record(|| {
            (
                counter!(
                    REQUESTS,
                    "route" => route.clone(),
                    "status" => series.status.to_string(),
                    "client" => series.client.to_owned()
                ),
                histogram!(REQUEST_DURATION, "route" => route),
            )
        })
    }

    /// Counts a lookup that found a customer, by the rule that chose it.
    pub(crate) fn lookup_found(&self, rule: Rule) {
        self.record(|| {
            counter!(LOOKUPS, "outcome" => "found", "rule" => rule.as_str()).increment(1);
        });
    }

    /// Counts a lookup that ended otherwise: `not_found`, `invalid` (a 422)
    /// or `error` (a 5xx).
    pub(crate) fn lookup_outcome(&self, outcome: Outcome) {
        self.record(|| {
            counter!(LOOKUPS, "outcome" => outcome.as_str()).increment(1);
        });
    }

    /// Counts a lookup the cache answered (`hit`) or passed on (`miss`).
    pub(crate) fn lookup_cache(&self, hit: bool) {
        let result = if hit { "hit" } else { "miss" };
        self.record(|| {
            counter!(LOOKUP_CACHE, "result" => result).increment(1);
        });
    }

    /// Counts a lookup refused by a rate limit.
    pub(crate) fn rate_limited(&self, limit: Limit) {
        self.record(|| {
            counter!(RATE_LIMITED, "limit" => limit.as_str()).increment(1);
        });
    }

    /// Counts a database failure behind `error`, if it is one.
    pub(crate) fn database_error(&self, operation: Operation, error: &ApiError) {
        let Some(kind) = database_error_kind(error) else {
            return;
        };
        self.record(|| {
            counter!(DATABASE_ERRORS, "operation" => operation.as_str(), "kind" => kind)
                .increment(1);
        });
    }

    /// The Prometheus text exposition (format 0.0.4), after refreshing the
    /// pool gauges from `pool`.
    pub(crate) fn render(&self, pool: Option<PoolStats>) -> String {
        if let Some(pool) = pool {
            self.record(|| {
                gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(pool.in_use()));
                gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(pool.idle_connections));
                gauge!(POOL_MAX).set(f64::from(pool.max_size));
                counter!(POOL_WAITS).absolute(pool.waits);
                counter!(POOL_WAITED).absolute(pool.waited_micros);
                counter!(POOL_TIMEOUTS).absolute(pool.timeouts);
            });
        }
        self.inner.handle.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// How a lookup ended, when no customer was returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// No allowed customer holds the number (404).
    NotFound,
    /// `no_hp` was refused (422).
    Invalid,
    /// The lookup failed (5xx).
    Error,
}

impl Outcome {
    const fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Invalid => "invalid",
            Self::Error => "error",
        }
    }
}

/// Which rate limit refused a lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limit {
    /// The authenticated client's rate.
    Client,
    /// The source address's failed-authentication budget.
    Address,
}

impl Limit {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Address => "address",
        }
    }
}

/// Which database work failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    /// The customer lookup.
    Lookup,
    /// `/health/ready`'s ping.
    Readiness,
}

impl Operation {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Lookup => "lookup",
            Self::Readiness => "readiness",
        }
    }
}

/// The `kind` label of a database failure; `None` for other errors.
fn database_error_kind(error: &ApiError) -> Option<&'static str> {
    use klikorder_domain::DirectoryError;
    match error {
        ApiError::Timeout(_) => Some("timeout"),
        ApiError::Directory(DirectoryError::Unavailable(_)) => Some("unavailable"),
        ApiError::Directory(_) => Some("failed"),
        ApiError::Blocking(_) => Some("task_lost"),
        _ => None,
    }
}

/// HELP lines, registered once per recorder.
fn describe() {
    describe_counter!(
        LOOKUP_CACHE,
        "Lookups answered from the lookup cache (hit) or from the database (miss); only with LOOKUP_CACHE_TTL_SECS set."
    );
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route pattern, status and authenticated client id."
    );
    describe_histogram!(
        REQUEST_DURATION,
        metrics::Unit::Seconds,
        "Time from receiving a request to its response, by route pattern."
    );
    describe_counter!(
        LOOKUPS,
        "Customer lookups by outcome; found lookups by the ranking rule that chose the customer."
    );
    describe_counter!(
        DATABASE_ERRORS,
        "Database failures seen by requests (answered 503 or 500), by operation and kind."
    );
    describe_counter!(
        RATE_LIMITED,
        "Lookups answered 429, by limit: client (a client over its rate) or address (a source \
         address over its failed-authentication budget)."
    );
    describe_gauge!(
        POOL_CONNECTIONS,
        "Database pool connections, by state (in_use, idle)."
    );
    describe_gauge!(POOL_MAX, "The database pool's maximum size.");
}

#[cfg(test)]
mod tests {
    use klikorder_domain::DirectoryError;

    use super::*;

    #[test]
    fn each_app_counts_on_its_own() {
        let a = Metrics::new();
        let b = Metrics::new();
        a.request(Some("/health"), 200, None, Duration::from_millis(3));
        assert!(
            a.render(None).contains(
                r#"klikorder_http_requests_total{route="/health",status="200",client="-"} 1"#
            ),
            "{}",
            a.render(None)
        );
        assert!(!b.render(None).contains("klikorder_http_requests_total{"));
    }

    #[test]
    fn each_series_counts_its_own_requests() {
        let metrics = Metrics::new();
        for _ in 0..3 {
            metrics.request(Some("/api"), 200, Some("MEKARI"), Duration::from_millis(1));
        }
        metrics.request(Some("/api"), 200, Some("OTHER"), Duration::from_millis(1));
        metrics.request(Some("/api"), 404, Some("MEKARI"), Duration::from_millis(1));
        // Same route, status and client parts, joined differently: not the
        // same series.
        metrics.request(Some("/api2"), 200, Some("MEKARI"), Duration::from_millis(1));
        let text = metrics.render(None);
        for line in [
            r#"klikorder_http_requests_total{route="/api",status="200",client="MEKARI"} 3"#,
            r#"klikorder_http_requests_total{route="/api",status="200",client="OTHER"} 1"#,
            r#"klikorder_http_requests_total{route="/api",status="404",client="MEKARI"} 1"#,
            r#"klikorder_http_requests_total{route="/api2",status="200",client="MEKARI"} 1"#,
            r#"klikorder_http_request_duration_seconds_count{route="/api"} 5"#,
            r#"klikorder_http_request_duration_seconds_count{route="/api2"} 1"#,
        ] {
            assert!(text.contains(line), "{line} in\n{text}");
        }
    }

    #[test]
    fn latency_is_a_histogram_in_seconds() {
        let metrics = Metrics::new();
        metrics.request(None, 404, None, Duration::from_millis(3));
        let text = metrics.render(None);
        assert!(
            text.contains(
                r#"klikorder_http_request_duration_seconds_bucket{route="unmatched",le="0.005"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains("# TYPE klikorder_http_request_duration_seconds histogram"));
    }

    #[test]
    fn found_lookups_carry_the_rule() {
        let metrics = Metrics::new();
        metrics.lookup_found(Rule::RecentCount);
        metrics.lookup_outcome(Outcome::NotFound);
        let text = metrics.render(None);
        assert!(text.contains(r#"klikorder_lookups_total{outcome="found",rule="recent_count"} 1"#));
        assert!(text.contains(r#"klikorder_lookups_total{outcome="not_found"} 1"#));
    }

    #[test]
    fn only_database_failures_are_database_errors() {
        let metrics = Metrics::new();
        metrics.database_error(
            Operation::Lookup,
            &ApiError::Directory(DirectoryError::Unavailable("down".into())),
        );
        metrics.database_error(Operation::Readiness, &ApiError::Timeout(Duration::ZERO));
        metrics.database_error(Operation::Lookup, &ApiError::Unauthorized);
        let text = metrics.render(None);
        assert!(text.contains(
            r#"klikorder_database_errors_total{operation="lookup",kind="unavailable"} 1"#
        ));
        assert!(text.contains(
            r#"klikorder_database_errors_total{operation="readiness",kind="timeout"} 1"#
        ));
        assert_eq!(text.matches("klikorder_database_errors_total{").count(), 2);
    }

    #[test]
    fn rate_limited_lookups_count_by_limit() {
        let metrics = Metrics::new();
        metrics.rate_limited(Limit::Client);
        metrics.rate_limited(Limit::Address);
        metrics.rate_limited(Limit::Address);
        let text = metrics.render(None);
        assert!(text.contains(r#"klikorder_rate_limited_total{limit="client"} 1"#));
        assert!(text.contains(r#"klikorder_rate_limited_total{limit="address"} 2"#));
    }

    #[test]
    fn pool_gauges_show_when_stats_are_given() {
        let metrics = Metrics::new();
        assert!(
            !metrics
                .render(None)
                .contains("klikorder_db_pool_connections{")
        );
        let text = metrics.render(Some(PoolStats::new(8, 3, 1).with_waits(5, 12_345, 2)));
        assert!(text.contains("klikorder_db_pool_waits_total 5"), "{text}");
        assert!(
            text.contains("klikorder_db_pool_wait_microseconds_total 12345"),
            "{text}"
        );
        assert!(
            text.contains("klikorder_db_pool_timeouts_total 2"),
            "{text}"
        );
        assert!(
            text.contains(r#"klikorder_db_pool_connections{state="in_use"} 2"#),
            "{text}"
        );
        assert!(text.contains(r#"klikorder_db_pool_connections{state="idle"} 1"#));
        assert!(text.contains("klikorder_db_pool_max_connections 8"));
    }
}
