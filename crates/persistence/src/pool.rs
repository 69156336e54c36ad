//! The connection pool.

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
        .build(manager)
        .map_err(PersistenceError::Pool)?;
    log::debug!(
        "connection pool ready: {description} (up to {} connections)",
        settings.max_size
    );
    Ok(pool)
}
