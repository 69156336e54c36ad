#![doc = include_str!("../README.md")]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("klikorder-persistence needs at least one engine feature: `sqlite` or `postgres`");

/// Runs the same diesel code on the inner connection of whichever engine a
/// [`DbConnection`] holds, for the few statements the derived multi-backend
/// cannot run (multi-row `INSERT`s). Not for engine-specific SQL.
macro_rules! each_engine {
    ($conn:expr, $inner:ident => $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::DbConnection::Pg($inner) => $body,
            #[cfg(feature = "sqlite")]
            $crate::DbConnection::Sqlite($inner) => $body,
        }
    };
}
pub(crate) use each_engine;

/// Rows per multi-row `INSERT`: 400 × 20 columns stays far below SQLite's
/// 32766 and PostgreSQL's 65535 bind parameters.
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
pub mod plan;
mod pool;
pub mod schema;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod transactions;

pub use connection::{ConnectionManager, DbConnection, MultiBackend};
pub use directory::{DieselApiClientStore, DieselCustomerDirectory};
pub use engine::Engine;
pub use error::{ConnectionFailure, PersistenceError};
#[cfg(feature = "postgres")]
pub use migrate::POSTGRES_MIGRATIONS;
#[cfg(feature = "sqlite")]
pub use migrate::SQLITE_MIGRATIONS;
pub use migrate::{known_versions, run_migrations, run_pending_migrations};
pub use pool::{DbPool, PoolSettings, PooledConnection, build_pool};
