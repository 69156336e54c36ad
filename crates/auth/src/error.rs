//! The auth crate's error type.

use klikorder_domain::StoreError;

/// Why a request or an admin command was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// `X-API-Client` or `X-API-Key` was missing or empty.
    #[error("the API client id or key is missing")]
    MissingCredentials,
    /// Unknown client, revoked client or wrong key. One variant on purpose:
    /// callers must not be able to tell which.
    #[error("the API client id or key is not valid")]
    Rejected,
    /// A client id that the registry would never accept.
    #[error("a client id is 1 to 64 letters, digits, '.', '_' or '-'")]
    InvalidClientId,
    /// An imported key that is too short or has characters other than
    /// printable ASCII.
    #[error("an imported key must be {min} to 256 printable ASCII characters without spaces")]
    WeakKey {
        /// The minimum length in characters.
        min: usize,
    },
    /// No client with that id exists.
    #[error("no API client with that id exists")]
    UnknownClient,
    /// The random number generator of the operating system failed.
    #[error("the operating system's random number generator failed")]
    Random(#[source] getrandom::Error),
    /// The client store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
