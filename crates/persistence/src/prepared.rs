//! Keeping the lookup's statements prepared on every engine.
//!
//! diesel never caches a statement with an `IN (?, ?, …)` list: in general
//! its text depends on the list's length, so caching could grow without
//! bound. The lookup's lists are bounded — always three spellings, the
//! configured statuses, the few customers that share a number — so
//! [`PreparedBySql`] lets diesel keep them, keyed by their SQL text: one
//! prepared statement per list length. Without it SQLite parsed and planned
//! both statements on every lookup (a third of the server's CPU,
//! docs/benchmarks.md) and MySQL paid a prepare and a close round trip.
//!
//! The statements run on the engine's own connection (the multi-engine
//! connection would re-walk them under its own backend), so their builders
//! take the backend as a parameter.

use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// A query that diesel may keep prepared, keyed by its SQL text.
///
/// Only for queries whose number of distinct texts is small: a bound list
/// length, no SQL assembled from data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreparedBySql<Q>(pub(crate) Q);

impl<Q> QueryId for PreparedBySql<Q> {
    // No static id: the cache key is then the SQL text (and bind types),
    // never one entry shared by texts of different lengths.
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for PreparedBySql<Q> {
    type SqlType = Q::SqlType;
}

impl<Q, DB> QueryFragment<DB> for PreparedBySql<Q>
where
    DB: Backend,
    Q: QueryFragment<DB>,
{
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &DB) -> QueryResult<bool> {
        Ok(true)
    }
}

impl<Q, Conn> diesel::RunQueryDsl<Conn> for PreparedBySql<Q> {}

/// Runs `$body` on the engine's own connection inside a
/// [`DbConnection`](crate::DbConnection), with `$backend` naming that
/// engine's backend type.
macro_rules! on_engine {
    ($conn:expr, |$inner:ident| $body:expr) => {
        $crate::prepared::on_engine!($conn, |$inner, _Unused| $body)
    };
    ($conn:expr, |$inner:ident, $backend:ident| $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::DbConnection::Pg($inner) => {
                #[allow(dead_code)]
                type $backend = diesel::pg::Pg;
                $body
            }
            #[cfg(feature = "mysql")]
            $crate::DbConnection::Mysql($inner) => {
                #[allow(dead_code)]
                type $backend = diesel::mysql::Mysql;
                $body
            }
            #[cfg(feature = "sqlite")]
            $crate::DbConnection::Sqlite($inner) => {
                #[allow(dead_code)]
                type $backend = diesel::sqlite::Sqlite;
                $body
            }
        }
    };
}
pub(crate) use on_engine;
