#![doc = include_str!("../README.md")]

#[cfg(not(any(feature = "sqlite", feature = "postgres", feature = "mysql")))]
compile_error!(
    "klikorder-persistence needs at least one engine feature: `sqlite`, `postgres` or `mysql`"
);

/// Runs the same diesel code on the inner connection of whichever engine a
/// [`DbConnection`] holds, for the few statements the derived multi-backend
/// cannot run (multi-row `INSERT`s). Not for engine-specific SQL.
macro_rules! each_engine {
    ($conn:expr, $inner:ident => $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::DbConnection::Pg($inner) => $body,
            #[cfg(feature = "mysql")]
            $crate::DbConnection::Mysql($inner) => $body,
            #[cfg(feature = "sqlite")]
            $crate::DbConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use each_engine;

/// Rows per multi-row `INSERT`: 400 × 20 columns stays far below SQLite's
/// 32766 and PostgreSQL's and MySQL's 65535 bind parameters.
const BATCH_ROWS: usize = 400;

pub mod api_clients;
mod connection;
pub mod customers;
pub mod demo;
pub mod depos;
mod directory;
mod engine;
mod error;
mod migrate;
#[cfg(feature = "postgres")]
mod pg_async;
pub mod plan;
mod pool;
mod prepared;
pub mod schema;
mod schema_check;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod transactions;

pub use connection::{ConnectionManager, DbConnection, MultiBackend};
pub use customers::{StoredNumbers, count_customers, scan_stored_phone_numbers};
pub use directory::{DieselApiClientStore, DieselCustomerDirectory, InlineCustomerDirectory};
pub use engine::Engine;
pub use error::{ConnectionFailure, PersistenceError};
#[cfg(feature = "mysql")]
pub use migrate::MYSQL_MIGRATIONS;
#[cfg(feature = "postgres")]
pub use migrate::POSTGRES_MIGRATIONS;
#[cfg(feature = "sqlite")]
pub use migrate::SQLITE_MIGRATIONS;
pub use migrate::{known_versions, run_migrations, run_pending_migrations};
#[cfg(feature = "postgres")]
pub use pg_async::{AsyncPgDirectory, AsyncPgError, DEFAULT_PIPELINE_DEPTH};
pub use pool::{
    DbPool, PoolSettings, PoolWaits, PooledConnection, build_observed_pool, build_pool,
};
pub use schema_check::{SchemaProblem, check_schema, check_schema_with_pool};
