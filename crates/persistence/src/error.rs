//! The crate's error type.

use crate::Engine;

/// Why a persistence operation failed.
///
/// Every message is one self-contained line (the underlying driver's message
/// included) that never contains a password: URLs are shown with the
/// password masked, and an unsupported URL is described by its scheme only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PersistenceError {
    /// The database URL names no engine this crate knows (a typo such as
    /// `postgress://`, a bare file path, …). The text says what is accepted.
    #[error("unsupported database URL: {0}")]
    UnsupportedUrl(String),
    /// The URL names an engine this build cannot use (not compiled in, or
    /// not supported yet, like MySQL).
    #[error("{engine} databases are not available: {reason}")]
    EngineUnavailable {
        /// The engine the URL asked for, e.g. `MySQL`.
        engine: &'static str,
        /// Why it is unavailable.
        reason: &'static str,
    },
    /// The pool settings are unusable (for example a pool size of 0).
    #[error("invalid connection pool settings: {0}")]
    InvalidSettings(&'static str),
    /// Connecting failed; the text is the database's own message (libpq's
    /// or SQLite's).
    #[error("{0}")]
    Connection(ConnectionFailure),
    /// No pooled connection could be had in time (the last connection
    /// error, if any, is part of the text).
    #[error("no database connection available: {0}")]
    Pool(diesel::r2d2::PoolError),
    /// Applying migrations failed.
    #[error("database migration failed: {0}")]
    Migration(Box<dyn std::error::Error + Send + Sync + 'static>),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(diesel::result::Error),
}

/// A refused connection: where to, and what the driver said.
#[derive(Debug)]
pub struct ConnectionFailure {
    /// The engine connected to.
    pub engine: Engine,
    /// Where, with any password masked.
    pub target: String,
    /// What the driver said.
    pub error: diesel::ConnectionError,
}

impl std::fmt::Display for ConnectionFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "cannot connect to the {} database {}: {}",
            self.engine,
            self.target,
            self.error.to_string().trim_end()
        )
    }
}

impl From<diesel::result::Error> for PersistenceError {
    fn from(error: diesel::result::Error) -> Self {
        Self::Query(error)
    }
}

impl From<diesel::r2d2::PoolError> for PersistenceError {
    fn from(error: diesel::r2d2::PoolError) -> Self {
        Self::Pool(error)
    }
}

/// Whether a query failed because the connection to the server is gone (the
/// server restarted, the network cut it, an administrator killed the
/// session) rather than because the server refused the query: a retryable
/// outage (503), and a connection the pool must not hand out again.
///
/// PostgreSQL's driver says so by the error's kind; MySQL's reports these
/// as `Unknown` with the client library's message (errors 2006, 2013, …).
pub(crate) fn is_connection_lost(error: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};

    /// Parts of libmysqlclient's / libmariadb's messages for a lost
    /// connection (CR_SERVER_GONE_ERROR, CR_SERVER_LOST, ER_CONNECTION_KILLED,
    /// ER_SERVER_SHUTDOWN, CR_CONN_HOST_ERROR).
    const MYSQL_LOST: &[&str] = &[
        "server has gone away",
        "lost connection to",
        "connection was killed",
        "server shutdown in progress",
        "can't connect to",
    ];

    match error {
        Error::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message().to_ascii_lowercase();
            MYSQL_LOST.iter().any(|lost| message.contains(lost))
        }
        _ => false,
    }
}
