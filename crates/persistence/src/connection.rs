//! One connection type over every compiled-in engine, and the r2d2 manager
//! that opens it.

use std::fmt;
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::r2d2::R2D2Connection;

use crate::engine::Target;
use crate::{Engine, PersistenceError};

pub use multi::{DbConnection, MultiBackend};

/// Holds the derive's output: the derive generates public items (the
/// `MultiBackend`, its row and value types) without doc comments.
#[allow(missing_docs)]
mod multi {
    /// A connection to whichever engine the database URL named.
    ///
    /// Query code is written once against this type (its backend is the
    /// derived [`MultiBackend`]); code that must differ per engine matches on
    /// the variant. Each variant exists only when its cargo feature is on.
    #[derive(diesel::MultiConnection)]
    pub enum DbConnection {
        /// A PostgreSQL connection (feature `postgres`).
        #[cfg(feature = "postgres")]
        Pg(diesel::PgConnection),
        /// A MySQL or MariaDB connection (feature `mysql`).
        #[cfg(feature = "mysql")]
        Mysql(diesel::MysqlConnection),
        /// An SQLite connection (feature `sqlite`).
        #[cfg(feature = "sqlite")]
        Sqlite(diesel::SqliteConnection),
    }
}

impl DbConnection {
    /// The engine this connection talks to.
    #[must_use]
    pub const fn engine(&self) -> Engine {
        match self {
            #[cfg(feature = "postgres")]
            Self::Pg(_) => Engine::Postgres,
            #[cfg(feature = "mysql")]
            Self::Mysql(_) => Engine::Mysql,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => Engine::Sqlite,
        }
    }
}

impl fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbConnection({})", self.engine())
    }
}

/// How much of an SQLite file each connection maps into memory (1 GiB of
/// address space; only the pages read take memory, as file cache).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

/// Opens [`DbConnection`]s for an r2d2 pool: picks the engine from the URL's
/// scheme and calls that engine's own `establish`, so a failure carries the
/// server's message (not diesel's generic "invalid connection url"). SQLite
/// connections get `busy_timeout`, `journal_mode=WAL`, `foreign_keys=ON` and
/// a memory map of up to 1 GiB.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    target: Target,
    #[cfg_attr(not(any(feature = "sqlite", feature = "mysql")), allow(dead_code))]
    busy_timeout: Duration,
    /// Set once an SQLite file has been opened: from then on a missing file
    /// is an outage (503), not a reason to create an empty database that
    /// would answer "no such table" (500) to every lookup.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    sqlite_opened: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl ConnectionManager {
    /// A manager for `url`. `busy_timeout` is how long an SQLite connection
    /// waits for a lock (PostgreSQL: the libpq `connect_timeout`, unless the
    /// URL sets one; MySQL: how long the server's TCP port may take to
    /// accept).
    ///
    /// # Errors
    ///
    /// As [`Engine::from_url`].
    pub fn new(url: &str, busy_timeout: Duration) -> Result<Self, PersistenceError> {
        let target = Target::parse(url)?.with_connect_timeout(busy_timeout.as_secs());
        Ok(Self {
            target,
            busy_timeout,
            sqlite_opened: std::sync::Arc::default(),
        })
    }

    /// The engine the URL names.
    #[must_use]
    pub const fn engine(&self) -> Engine {
        self.target.engine
    }

    /// The database URL with any password masked, for messages.
    #[must_use]
    pub fn display_url(&self) -> &str {
        &self.target.display
    }

    pub(crate) const fn target(&self) -> &Target {
        &self.target
    }

    fn connection_error(&self, error: diesel::ConnectionError) -> PersistenceError {
        PersistenceError::Connection(crate::error::ConnectionFailure {
            engine: self.target.engine,
            target: self.target.display.clone(),
            error,
        })
    }

    #[cfg(feature = "sqlite")]
    fn connect_sqlite(&self) -> Result<DbConnection, PersistenceError> {
        use std::sync::atomic::Ordering;

        use diesel::connection::SimpleConnection;

        if let Some(file) = &self.target.sqlite_file
            && self.sqlite_opened.load(Ordering::Relaxed)
            && !std::path::Path::new(file).exists()
        {
            return Err(
                self.connection_error(diesel::ConnectionError::BadConnection(format!(
                    "the database file {file} has disappeared (moved or deleted?); \
                 put it back, or restart the service to create an empty one"
                ))),
            );
        }
        let mut conn = diesel::SqliteConnection::establish(&self.target.connect)
            .map_err(|error| self.connection_error(error))?;
        // busy_timeout first: switching to WAL takes a lock that another
        // connection of the pool may hold at the same moment. mmap_size:
        // pages are read from the memory-mapped file instead of a `pread`
        // each into the connection's small page cache (a tenth of a lookup's
        // CPU; docs/benchmarks.md); the mapping is shared by the pool and
        // its pages are the kernel's file cache.
        let pragmas = format!(
            "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = {SQLITE_MMAP_BYTES};",
            self.busy_timeout.as_millis().max(1000)
        );
        conn.batch_execute(&pragmas).map_err(|error| {
            self.connection_error(diesel::ConnectionError::CouldntSetupConfiguration(error))
        })?;
        self.sqlite_opened.store(true, Ordering::Relaxed);
        Ok(DbConnection::Sqlite(conn))
    }

    #[cfg(feature = "postgres")]
    fn connect_postgres(&self) -> Result<DbConnection, PersistenceError> {
        use diesel::connection::SimpleConnection;

        let mut conn = diesel::PgConnection::establish(&self.target.connect)
            .map_err(|error| self.connection_error(error))?;
        // The lookup's statements are prepared once per connection, but
        // PostgreSQL re-plans a statement with array parameters for each
        // execution, and planning cost twice the execution here
        // (docs/benchmarks.md). Their best plan does not depend on the
        // values, so keep the generic one.
        conn.batch_execute("SET plan_cache_mode = force_generic_plan")
            .map_err(|error| {
                self.connection_error(diesel::ConnectionError::CouldntSetupConfiguration(error))
            })?;
        Ok(DbConnection::Pg(conn))
    }

    #[cfg(feature = "mysql")]
    fn connect_mysql(&self) -> Result<DbConnection, PersistenceError> {
        use diesel::connection::SimpleConnection;

        // libmysqlclient has no connect timeout that diesel's URL can set:
        // an unreachable host would hang for minutes in the kernel's SYN
        // retries. Try the TCP port first, with the timeout.
        self.target
            .probe_tcp(self.busy_timeout)
            .map_err(|error| self.connection_error(error))?;
        let mut conn = diesel::MysqlConnection::establish(&self.target.connect)
            .map_err(|error| self.connection_error(error))?;
        // diesel sets the session's zone to UTC. Our DATETIME columns are
        // not converted either way, but TIMESTAMP columns (a Laravel
        // database's `timestamps()`) are: read them in the server's own
        // zone, as the application that wrote them did.
        conn.batch_execute("SET time_zone = @@GLOBAL.time_zone")
            .map_err(|error| {
                self.connection_error(diesel::ConnectionError::CouldntSetupConfiguration(error))
            })?;
        Ok(DbConnection::Mysql(conn))
    }
}

/// Watches a pooled connection's queries for a sign that the server is gone
/// (see [`crate::error::is_connection_lost`]), so that the pool drops the
/// connection instead of handing it out again: diesel itself counts a
/// connection as broken only when a transaction failed to close, and the
/// pool does not test connections on checkout (a round trip per lookup).
/// Code that replaces a connection's instrumentation loses this watch.
#[derive(Debug, Default)]
struct LostConnectionWatch {
    lost: bool,
}

impl Instrumentation for LostConnectionWatch {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            error: Some(error), ..
        } = event
            && crate::error::is_connection_lost(error)
        {
            self.lost = true;
        }
    }
}

impl diesel::r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = PersistenceError;

    fn connect(&self) -> Result<DbConnection, PersistenceError> {
        let mut conn = self.connect_engine()?;
        conn.set_instrumentation(LostConnectionWatch::default());
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), PersistenceError> {
        conn.ping().map_err(PersistenceError::Query)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
            || conn
                .instrumentation()
                .downcast_ref::<LostConnectionWatch>()
                .is_some_and(|watch| watch.lost)
    }
}

impl ConnectionManager {
    fn connect_engine(&self) -> Result<DbConnection, PersistenceError> {
        match self.target.engine {
            #[cfg(feature = "postgres")]
            Engine::Postgres => self.connect_postgres(),
            #[cfg(feature = "mysql")]
            Engine::Mysql => self.connect_mysql(),
            #[cfg(feature = "sqlite")]
            Engine::Sqlite => self.connect_sqlite(),
            #[allow(unreachable_patterns)]
            engine => Err(PersistenceError::EngineUnavailable {
                engine: engine.name(),
                reason: "this build was compiled without it",
            }),
        }
    }
}
