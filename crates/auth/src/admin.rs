//! What `klikorder-server clients …` does: register, list, revoke and
//! rotate API clients.

use chrono::NaiveDateTime;
use klikorder_domain::{ApiClientRecord, ApiClientStore};

use crate::{ApiKey, AuthError, KeyHash};

/// The longest client id.
const MAX_CLIENT_ID_CHARS: usize = 64;

/// Checks a client id: 1 to 64 ASCII letters, digits, `.`, `_` or `-`.
///
/// # Errors
///
/// [`AuthError::InvalidClientId`] otherwise.
pub fn validate_client_id(client_id: &str) -> Result<(), AuthError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    if client_id.is_empty()
        || client_id.len() > MAX_CLIENT_ID_CHARS
        || !client_id.chars().all(allowed)
    {
        return Err(AuthError::InvalidClientId);
    }
    Ok(())
}

/// Registers a client with `key` (imported) or a freshly generated key,
/// optionally ending at `expires_at` (UTC), and returns the key to show once.
///
/// # Errors
///
/// [`AuthError::InvalidClientId`], [`AuthError::Random`], or
/// [`AuthError::Store`] (with `StoreError::AlreadyExists` when the id is
/// taken).
pub fn register_client(
    store: &dyn ApiClientStore,
    client_id: &str,
    name: Option<&str>,
    key: Option<ApiKey>,
    expires_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> Result<ApiKey, AuthError> {
    validate_client_id(client_id)?;
    let key = match key {
        Some(key) => key,
        None => ApiKey::generate()?,
    };
    store.insert_client(&ApiClientRecord {
        client_id: client_id.to_owned(),
        name: name.map(str::to_owned),
        key_hash: KeyHash::new(&key)?.to_string(),
        created_at: now,
        updated_at: now,
        revoked_at: None,
        expires_at,
        last_seen_at: None,
    })?;
    Ok(key)
}

/// Revokes a client: its key stops working.
///
/// # Errors
///
/// [`AuthError::UnknownClient`] or [`AuthError::Store`].
pub fn revoke_client(
    store: &dyn ApiClientStore,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<(), AuthError> {
    if store.revoke_client(client_id, now)? {
        Ok(())
    } else {
        Err(AuthError::UnknownClient)
    }
}

/// Gives a client a new generated key, returned to show once; the old key
/// stops working.
///
/// # Errors
///
/// [`AuthError::UnknownClient`], [`AuthError::Random`] or
/// [`AuthError::Store`].
pub fn rotate_key(
    store: &dyn ApiClientStore,
    client_id: &str,
    now: NaiveDateTime,
) -> Result<ApiKey, AuthError> {
    let key = ApiKey::generate()?;
    let hash = KeyHash::new(&key)?.to_string();
    if store.replace_key(client_id, &hash, now)? {
        Ok(key)
    } else {
        Err(AuthError::UnknownClient)
    }
}
