#![doc = include_str!("../README.md")]

mod admin;
mod error;
mod key;
mod registry;

pub use admin::{register_client, revoke_client, rotate_key, validate_client_id};
pub use error::AuthError;
pub use key::{ApiKey, KeyHash, MIN_IMPORTED_KEY_CHARS};
#[cfg(any(test, feature = "mock"))]
pub use registry::MockApiKeyRegistry;
pub use registry::{ApiKeyRegistry, AuthenticatedClient, SnapshotRegistry};

#[cfg(test)]
mod tests;
