//! What every handler needs: the ports, the time zone, the database deadline,
//! the clock and the metrics.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use klikorder_auth::ApiKeyRegistry;
use klikorder_domain::{AsyncCustomerDirectory, CustomerDirectory};

use crate::{LookupCache, Metrics, PoolStats, PoolStatsFn, RateLimits};

/// The current time, as the lookup sees it: [`Utc::now`] in production, a
/// fixed instant in tests.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The shared state of the application, cloned into every worker.
///
/// It holds ports only (trait objects), never a pool or a connection: the
/// server binary hands in the diesel-backed implementations, tests hand in
/// mocks.
#[derive(Clone)]
pub struct AppState {
    /// Finds the customers a number may belong to.
    pub directory: Arc<dyn CustomerDirectory>,
    /// When set, lookups and readiness await this directory on the worker
    /// itself (within `db_timeout`) instead of running `directory` on a
    /// blocking thread: no hand-off, no `database_permits`.
    pub async_directory: Option<Arc<dyn AsyncCustomerDirectory>>,
    /// Checks `X-API-Client` / `X-API-Key`.
    pub registry: Arc<dyn ApiKeyRegistry>,
    /// The zone in which "the last 30 days" are counted (`APP_TIMEZONE`).
    pub time_zone: chrono_tz::Tz,
    /// Bounds the whole database part of a request (`DB_TIMEOUT_MS`): past
    /// it the answer is 503, for the lookup and for `/health/ready`.
    pub db_timeout: Duration,
    /// The clock the ranking window is computed from.
    pub clock: Clock,
    /// This app's metrics, served at `/metrics`. [`AppState::new`] starts a
    /// fresh set, so apps (and tests) never share counts by accident.
    pub metrics: Metrics,
    /// Reads the database pool's state for `/metrics`; `None` leaves the
    /// pool gauges out. A function, not the pool: this crate does not know
    /// diesel or r2d2.
    pub pool_stats: Option<PoolStatsFn>,
    /// The lookup's rate limits, shared by every worker; [`AppState::new`]
    /// starts without any.
    pub rate_limits: RateLimits,
    /// At most this many requests' database work at once (the pool's size):
    /// the others wait here, on the async side, within `db_timeout`, instead
    /// of each parking a blocking thread on the pool. `None`: no bound.
    pub database_permits: Option<Arc<tokio::sync::Semaphore>>,
    /// Answers kept by number for a while (`LOOKUP_CACHE_TTL_SECS`); `None`,
    /// the default, asks the database every time.
    pub lookup_cache: Option<LookupCache>,
}

impl AppState {
    /// State with the system clock ([`Utc::now`]).
    #[must_use]
    pub fn new(
        directory: Arc<dyn CustomerDirectory>,
        registry: Arc<dyn ApiKeyRegistry>,
        time_zone: chrono_tz::Tz,
        db_timeout: Duration,
    ) -> Self {
        Self {
            directory,
            async_directory: None,
            registry,
            time_zone,
            db_timeout,
            clock: Arc::new(Utc::now),
            metrics: Metrics::new(),
            pool_stats: None,
            rate_limits: RateLimits::default(),
            database_permits: None,
            lookup_cache: None,
        }
    }

    /// The same state answering repeated numbers from `cache`.
    #[must_use]
    pub fn with_lookup_cache(self, cache: LookupCache) -> Self {
        Self {
            lookup_cache: Some(cache),
            ..self
        }
    }

    /// The same state letting at most `concurrency` requests do database
    /// work at once (give it the pool's size).
    #[must_use]
    pub fn with_database_concurrency(self, concurrency: usize) -> Self {
        Self {
            database_permits: Some(Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)))),
            ..self
        }
    }

    /// The same state serving lookups and readiness from `directory`,
    /// awaited on the HTTP worker (see [`AppState::async_directory`]).
    #[must_use]
    pub fn with_async_directory(self, directory: Arc<dyn AsyncCustomerDirectory>) -> Self {
        Self {
            async_directory: Some(directory),
            ..self
        }
    }

    /// The same state enforcing `rate_limits` on the lookup.
    #[must_use]
    pub fn with_rate_limits(self, rate_limits: RateLimits) -> Self {
        Self {
            rate_limits,
            ..self
        }
    }

    /// The same state reporting the pool's state on each scrape of
    /// `/metrics`.
    #[must_use]
    pub fn with_pool_stats(
        self,
        pool_stats: impl Fn() -> PoolStats + Send + Sync + 'static,
    ) -> Self {
        Self {
            pool_stats: Some(Arc::new(pool_stats)),
            ..self
        }
    }

    /// The same state with another clock, e.g. a fixed instant in tests.
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self {
            clock: Arc::new(clock),
            ..self
        }
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("time_zone", &self.time_zone)
            .field("db_timeout", &self.db_timeout)
            .field("async_directory", &self.async_directory.is_some())
            .field("lookup_cache", &self.lookup_cache)
            .field("pool_stats", &self.pool_stats.is_some())
            .field("rate_limits", &self.rate_limits)
            .finish_non_exhaustive()
    }
}
