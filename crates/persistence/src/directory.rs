//! The ports of `klikorder-domain`, implemented over a [`DbPool`].

use diesel::RunQueryDsl;
use diesel::connection::Connection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use klikorder_domain::{
    ApiClientRecord, ApiClientStore, AsyncCustomerDirectory, Candidate, CandidateQuery,
    CustomerDirectory, DirectoryError, PortFuture, StoreError,
};

use crate::{DbPool, PooledConnection, api_clients, customers};

/// [`CustomerDirectory`] over the `customers`, `depos` and `transactions`
/// tables.
///
/// Each call checks one connection out of the pool and runs at most two
/// statements on it: the candidates, then — only when they must be ranked —
/// their activity figures. It blocks: call it from a blocking context (for
/// example actix-web's `web::block`).
#[derive(Debug, Clone)]
pub struct DieselCustomerDirectory {
    pool: DbPool,
    allowed_statuses: Vec<String>,
}

impl DieselCustomerDirectory {
    /// A directory over `pool` that returns only customers whose
    /// `status_pelanggan` is one of `allowed_statuses` (compared exactly;
    /// an empty list matches no one).
    #[must_use]
    pub const fn new(pool: DbPool, allowed_statuses: Vec<String>) -> Self {
        Self {
            pool,
            allowed_statuses,
        }
    }

    /// The statuses a candidate may have.
    #[must_use]
    pub fn allowed_statuses(&self) -> &[String] {
        &self.allowed_statuses
    }

    fn connection(&self) -> Result<PooledConnection, DirectoryError> {
        self.pool
            .get()
            .map_err(|error| DirectoryError::Unavailable(Box::new(error)))
    }
}

impl CustomerDirectory for DieselCustomerDirectory {
    fn find_candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, DirectoryError> {
        let mut conn = self.connection()?;
        customers::find_candidates(&mut conn, query, &self.allowed_statuses).map_err(|error| {
            if is_connection_failure(&error) {
                DirectoryError::Unavailable(Box::new(error))
            } else {
                DirectoryError::Failed(Box::new(error))
            }
        })
    }

    fn ping(&self) -> Result<(), DirectoryError> {
        let mut conn = self.connection()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map(drop)
            .map_err(|error| DirectoryError::Unavailable(Box::new(error)))
    }
}

/// [`DieselCustomerDirectory`] as an [`AsyncCustomerDirectory`] that runs
/// the lookup on the caller's thread when its future is first polled.
///
/// Only for SQLite: its queries run in-process, never wait on a network,
/// and take tens of microseconds, less than handing the work to a blocking
/// thread and back (docs/benchmarks.md); in WAL mode a writer does not hold
/// them up. A deadline around the future cannot interrupt the query once it
/// runs — which is why the client-server engines do not use this.
#[derive(Debug, Clone)]
pub struct InlineCustomerDirectory {
    // Shared, so a lookup's future takes a reference count, not a copy of
    // the pool handle and the status list.
    directory: std::sync::Arc<DieselCustomerDirectory>,
}

impl InlineCustomerDirectory {
    /// The lookup over `directory`, run inline.
    #[must_use]
    pub fn new(directory: DieselCustomerDirectory) -> Self {
        Self {
            directory: std::sync::Arc::new(directory),
        }
    }
}

impl AsyncCustomerDirectory for InlineCustomerDirectory {
    fn find_candidates(
        &self,
        query: CandidateQuery,
    ) -> PortFuture<Result<Vec<Candidate>, DirectoryError>> {
        let directory = std::sync::Arc::clone(&self.directory);
        Box::pin(async move { CustomerDirectory::find_candidates(&*directory, &query) })
    }

    fn ping(&self) -> PortFuture<Result<(), DirectoryError>> {
        let directory = std::sync::Arc::clone(&self.directory);
        Box::pin(async move { CustomerDirectory::ping(&*directory) })
    }
}

/// [`ApiClientStore`] over the `api_clients` table. Every write runs in a
/// database transaction.
#[derive(Debug, Clone)]
pub struct DieselApiClientStore {
    pool: DbPool,
}

impl DieselApiClientStore {
    /// A store over `pool`.
    #[must_use]
    pub const fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    fn connection(&self) -> Result<PooledConnection, StoreError> {
        self.pool
            .get()
            .map_err(|error| StoreError::Unavailable(Box::new(error)))
    }
}

fn store_error(error: DieselError) -> StoreError {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            StoreError::AlreadyExists
        }
        other if is_connection_failure(&other) => StoreError::Unavailable(Box::new(other)),
        other => StoreError::Failed(Box::new(other)),
    }
}

impl ApiClientStore for DieselApiClientStore {
    fn list_clients(&self) -> Result<Vec<ApiClientRecord>, StoreError> {
        let mut conn = self.connection()?;
        api_clients::list(&mut conn)
            .map(|rows| rows.into_iter().map(Into::into).collect())
            .map_err(store_error)
    }

    fn insert_client(&self, client: &ApiClientRecord) -> Result<(), StoreError> {
        let mut conn = self.connection()?;
        let row = api_clients::ApiClientRow::from(client);
        conn.transaction(|conn| api_clients::insert(conn, &row))
            .map_err(store_error)
    }

    fn revoke_client(
        &self,
        client_id: &str,
        at: chrono::NaiveDateTime,
    ) -> Result<bool, StoreError> {
        let mut conn = self.connection()?;
        conn.transaction(|conn| api_clients::revoke(conn, client_id, at))
            .map_err(store_error)
    }

    fn replace_key(
        &self,
        client_id: &str,
        key_hash: &str,
        at: chrono::NaiveDateTime,
    ) -> Result<bool, StoreError> {
        let mut conn = self.connection()?;
        conn.transaction(|conn| api_clients::replace_key(conn, client_id, key_hash, at))
            .map_err(store_error)
    }

    fn record_last_seen(&self, seen: &[(String, chrono::NaiveDateTime)]) -> Result<(), StoreError> {
        if seen.is_empty() {
            return Ok(());
        }
        let mut conn = self.connection()?;
        conn.transaction(|conn| {
            for (client_id, at) in seen {
                api_clients::record_last_seen(conn, client_id, *at)?;
            }
            Ok(())
        })
        .map_err(store_error)
    }
}

/// Whether a query failed because the connection is gone (a 503 that the
/// caller may retry) rather than because the database refused the query.
fn is_connection_failure(error: &DieselError) -> bool {
    crate::error::is_connection_lost(error)
}
