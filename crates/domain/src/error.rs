//! The domain's error types.

use std::error::Error as StdError;

/// Why a phone number was refused. Each variant maps to one of the
/// contract's 422 messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// Nothing was given, or only white space.
    #[error("the phone number is missing")]
    Missing,
    /// More than [`MAX_INPUT_CHARS`](crate::MAX_INPUT_CHARS) characters.
    #[error("the phone number is longer than 32 characters")]
    TooLong,
    /// Not a valid Indonesian phone number.
    #[error("the phone number is not a valid Indonesian number")]
    Invalid,
}

/// A boxed error from an adapter, kept as the source of a port error.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a [`CustomerDirectory`](crate::CustomerDirectory) could not answer.
///
/// The split matters to partners: [`Unavailable`](Self::Unavailable) is a
/// 503 they may retry, [`Failed`](Self::Failed) a 500.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// The database could not be reached in time (pool exhausted, server
    /// down, connection lost).
    #[error("the customer database is unavailable")]
    Unavailable(#[source] BoxError),
    /// The database answered with an error.
    #[error("the customer database query failed")]
    Failed(#[source] BoxError),
    /// The adapter broke the port's contract (for example, several
    /// candidates without their activity figures).
    #[error("the customer directory broke its contract: {0}")]
    Contract(&'static str),
}

/// Why an [`ApiClientStore`](crate::ApiClientStore) could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A client with this id already exists.
    #[error("an API client with this id already exists")]
    AlreadyExists,
    /// The database could not be reached.
    #[error("the client database is unavailable")]
    Unavailable(#[source] BoxError),
    /// The database answered with an error.
    #[error("the client database query failed")]
    Failed(#[source] BoxError),
}
