//! The connection pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::r2d2::ManageConnection;

use crate::{ConnectionManager, PersistenceError};

/// A pool of [`DbConnection`](crate::DbConnection)s over one database.
pub type DbPool = diesel::r2d2::Pool<ConnectionManager>;

/// A connection checked out of a [`DbPool`]; dereferences to
/// [`DbConnection`](crate::DbConnection).
pub type PooledConnection = diesel::r2d2::PooledConnection<ConnectionManager>;

/// How big the pool is and how long a caller waits for a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSettings {
    /// The most connections open at once (at least 1). With an SQLite
    /// `:memory:` database use 1: every connection is a database of its own.
    pub max_size: u32,
    /// How long to wait for a free connection before giving up (also the
    /// SQLite busy timeout and, unless the URL sets one, libpq's
    /// `connect_timeout`). Must not be zero.
    pub connection_timeout: Duration,
}

impl Default for PoolSettings {
    /// 8 connections, 5 seconds.
    fn default() -> Self {
        Self {
            max_size: 8,
            connection_timeout: Duration::from_secs(5),
        }
    }
}

/// Builds a pool for `url` (see [`Engine::from_url`](crate::Engine::from_url)
/// for the accepted schemes) and checks that the database answers.
///
/// It opens one connection first, so a wrong URL, host, user or password
/// fails at once with the server's own message (for example libpq's
/// `FATAL:  role "nosuchuser" does not exist`), not after the pool's timeout.
/// An SQLite database file is created if missing; its directory must exist.
///
/// Connections are checked with a trivial query when checked out, so a
/// pool recovers by itself after the database restarts.
///
/// ```no_run
/// use klikorder_persistence::{build_pool, run_pending_migrations, PoolSettings};
///
/// let pool = build_pool("sqlite://klikorder.db", &PoolSettings::default())?;
/// let applied = run_pending_migrations(&pool)?;
/// println!("applied {applied:?}");
/// # Ok::<(), klikorder_persistence::PersistenceError>(())
/// ```
///
/// # Errors
///
/// [`PersistenceError::UnsupportedUrl`] / [`PersistenceError::EngineUnavailable`]
/// for the URL, [`PersistenceError::InvalidSettings`] for a zero size or
/// timeout, [`PersistenceError::Connection`] when the database refuses the
/// first connection, [`PersistenceError::Pool`] when the pool cannot fill in
/// time.
pub fn build_pool(url: &str, settings: &PoolSettings) -> Result<DbPool, PersistenceError> {
    build_observed_pool(url, settings, Arc::new(PoolWaits::default()))
}

/// How long requests waited for a pooled connection, counted as r2d2
/// reports checkouts and timeouts; for the `/metrics` of the server.
#[derive(Debug, Default)]
pub struct PoolWaits {
    waits: AtomicU64,
    waited_micros: AtomicU64,
    timeouts: AtomicU64,
}

/// A checkout that took at least this long had to wait for a connection
/// (an idle one is handed out in microseconds).
const WAIT_THRESHOLD: Duration = Duration::from_millis(1);

impl PoolWaits {
    /// Checkouts that had to wait (1 ms or more) since start.
    #[must_use]
    pub fn waits(&self) -> u64 {
        self.waits.load(Ordering::Relaxed)
    }

    /// The time those checkouts waited, in microseconds, since start.
    #[must_use]
    pub fn waited_micros(&self) -> u64 {
        self.waited_micros.load(Ordering::Relaxed)
    }

    /// Checkouts that gave up after the pool's connection timeout.
    #[must_use]
    pub fn timeouts(&self) -> u64 {
        self.timeouts.load(Ordering::Relaxed)
    }
}

impl diesel::r2d2::HandleEvent for PoolWaits {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        let waited = event.duration();
        if waited >= WAIT_THRESHOLD {
            self.waits.fetch_add(1, Ordering::Relaxed);
            let micros = u64::try_from(waited.as_micros()).unwrap_or(u64::MAX);
            self.waited_micros.fetch_add(micros, Ordering::Relaxed);
        }
    }

    fn handle_timeout(&self, _event: diesel::r2d2::event::TimeoutEvent) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }
}

/// [`build_pool`], counting checkout waits and timeouts into `waits`.
///
/// # Errors
///
/// As [`build_pool`].
pub fn build_observed_pool(
    url: &str,
    settings: &PoolSettings,
    waits: Arc<PoolWaits>,
) -> Result<DbPool, PersistenceError> {
    if settings.max_size == 0 {
        return Err(PersistenceError::InvalidSettings(
            "the pool size must be at least 1",
        ));
    }
    if settings.connection_timeout.is_zero() {
        return Err(PersistenceError::InvalidSettings(
            "the connection timeout must not be zero",
        ));
    }
    let manager = ConnectionManager::new(url, settings.connection_timeout)?;
    manager.target().check_sqlite_directory()?;
    // Fail fast, with the driver's message.
    drop(manager.connect()?);
    let description = format!("{} database {}", manager.engine(), manager.display_url());
    let pool = diesel::r2d2::Pool::builder()
        .max_size(settings.max_size)
        .connection_timeout(settings.connection_timeout)
        // No `SELECT 1` before every checkout: it would be a third round
        // trip per lookup. A connection the server dropped fails its next
        // query as "unavailable" (503) and diesel marks it broken, so r2d2
        // replaces it.
        .test_on_check_out(false)
        .event_handler(Box::new(ObservedWaits(waits)))
        .build(manager)
        .map_err(PersistenceError::Pool)?;
    log::debug!(
        "connection pool ready: {description} (up to {} connections)",
        settings.max_size
    );
    Ok(pool)
}

/// Hands r2d2's events to a shared [`PoolWaits`].
#[derive(Debug)]
struct ObservedWaits(Arc<PoolWaits>);

impl diesel::r2d2::HandleEvent for ObservedWaits {
    fn handle_checkout(&self, event: diesel::r2d2::event::CheckoutEvent) {
        self.0.handle_checkout(event);
    }

    fn handle_timeout(&self, event: diesel::r2d2::event::TimeoutEvent) {
        self.0.handle_timeout(event);
    }
}
