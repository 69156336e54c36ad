//! The traits (ports) that the outer crates implement.
//!
//! `klikorder-persistence` implements them (over diesel, and over an async
//! PostgreSQL driver for the lookup); `klikorder-http` and `klikorder-auth`
//! use them as trait objects. With the `mock` feature, mockall generates
//! `MockCustomerDirectory`, `MockAsyncCustomerDirectory` and
//! `MockApiClientStore`.

use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDateTime;

use crate::{Customer, DirectoryError, PhoneNumber, StoreError};

/// Transaction figures of one candidate, over the window the query gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransactionActivity {
    /// Transactions at or after the window start.
    pub recent_transactions: u64,
    /// The latest transaction ever.
    pub last_transaction: Option<NaiveDateTime>,
}

/// A customer that matches the number, with its activity figures when the
/// directory was asked for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The matching customer.
    pub customer: Customer,
    /// Its activity; see [`ActivityScope`] for when this is `Some`.
    pub activity: Option<TransactionActivity>,
}

/// When a directory must load activity figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityScope {
    /// Only when more than one candidate matched: a single match needs no
    /// ranking, so the lookup costs one query.
    WhenSeveral,
    /// For every candidate, even a single one (for explaining a lookup).
    Always,
}

/// What to look up: a normalized number and the start of the recent window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateQuery {
    /// The number to match on `no_hp` or `no_hp_goovi`, in any of its
    /// three stored spellings.
    pub phone: PhoneNumber,
    /// Transactions at or after this local time count as recent.
    pub window_start: NaiveDateTime,
    /// When activity figures are needed.
    pub activity: ActivityScope,
}

/// Finds the customers a phone number may belong to.
///
/// An implementation returns every customer whose `no_hp` or `no_hp_goovi`
/// equals one of [`PhoneNumber::stored_spellings`], that is not soft-deleted
/// and whose status is allowed, each with its depot; with
/// [`TransactionActivity`] for every candidate when
/// [`CandidateQuery::activity`] asks for it.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait CustomerDirectory: Send + Sync {
    /// The candidates for `query`, in no particular order.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Unavailable`] when the database cannot be reached
    /// in time, [`DirectoryError::Failed`] when it answers with an error.
    fn find_candidates(&self, query: &CandidateQuery) -> Result<Vec<Candidate>, DirectoryError>;

    /// Whether the database answers a trivial query, for readiness checks.
    ///
    /// # Errors
    ///
    /// As [`find_candidates`](Self::find_candidates).
    fn ping(&self) -> Result<(), DirectoryError>;
}

/// What an [`AsyncCustomerDirectory`] returns: a boxed future, so the trait
/// stays usable as `dyn`, `Send` and `'static`, so any executor may drive it
/// and a caller may drop it (a deadline) without borrowing the directory.
pub type PortFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// [`CustomerDirectory`] for drivers that wait without blocking a thread.
///
/// Same contract; it takes the query by value so that the returned future
/// owns everything it needs. The lookup awaits it on the HTTP worker itself,
/// with no hand-off to a blocking thread and back; dropping the future
/// abandons the query.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait AsyncCustomerDirectory: Send + Sync {
    /// The candidates for `query`, in no particular order.
    ///
    /// # Errors
    ///
    /// As [`CustomerDirectory::find_candidates`].
    fn find_candidates(
        &self,
        query: CandidateQuery,
    ) -> PortFuture<Result<Vec<Candidate>, DirectoryError>>;

    /// Whether the database answers a trivial query, for readiness checks.
    ///
    /// # Errors
    ///
    /// As [`CustomerDirectory::ping`].
    fn ping(&self) -> PortFuture<Result<(), DirectoryError>>;
}

/// A stored API client: who may call the endpoint, with its key's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClientRecord {
    /// The `X-API-Client` value, e.g. `MEKARI`.
    pub client_id: String,
    /// A free-text description.
    pub name: Option<String>,
    /// The key's hash in the auth crate's format; never the key.
    pub key_hash: String,
    /// When the client was registered.
    pub created_at: NaiveDateTime,
    /// When its key was last replaced.
    pub updated_at: NaiveDateTime,
    /// When it was revoked; a revoked client is refused.
    pub revoked_at: Option<NaiveDateTime>,
    /// When its access ends; from then on it is refused.
    pub expires_at: Option<NaiveDateTime>,
    /// When it last authenticated (to the minute; recorded in batches, not
    /// per request).
    pub last_seen_at: Option<NaiveDateTime>,
}

/// Where API clients are kept. The service writes nothing else.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait ApiClientStore: Send + Sync {
    /// Every client, revoked ones included, ordered by `client_id`.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Failed`].
    fn list_clients(&self) -> Result<Vec<ApiClientRecord>, StoreError>;

    /// Stores a new client.
    ///
    /// # Errors
    ///
    /// [`StoreError::AlreadyExists`] when the id is taken (revoked or not).
    fn insert_client(&self, client: &ApiClientRecord) -> Result<(), StoreError>;

    /// Marks a client revoked at `at`; `false` when no such client exists.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Failed`].
    fn revoke_client(&self, client_id: &str, at: NaiveDateTime) -> Result<bool, StoreError>;

    /// Replaces a client's key hash (and un-revokes nothing); `false` when no
    /// such client exists.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Failed`].
    fn replace_key(
        &self,
        client_id: &str,
        key_hash: &str,
        at: NaiveDateTime,
    ) -> Result<bool, StoreError>;

    /// Records when clients were last seen: one `(client_id, at)` per
    /// client, written together. A time earlier than the stored one is
    /// ignored.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] or [`StoreError::Failed`].
    fn record_last_seen(&self, seen: &[(String, NaiveDateTime)]) -> Result<(), StoreError>;
}
