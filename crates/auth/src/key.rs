//! API keys: generation, import, hashing and constant-time checking.
//!
//! Keys are shown once and stored only as a salted SHA-256 hash. A slow
//! password hash is not needed for generated keys (256 random bits cannot be
//! guessed offline) and would cost every request milliseconds; imported keys
//! must be at least [`MIN_IMPORTED_KEY_CHARS`] characters long.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::AuthError;

/// Random bytes in a generated key: 256 bits.
const KEY_BYTES: usize = 32;
/// Random bytes of salt in each hash.
const SALT_BYTES: usize = 16;
/// What every generated key starts with, so secret scanners can spot a
/// leaked one.
const KEY_PREFIX: &str = "ko_";
/// The scheme tag at the start of a stored hash.
const HASH_SCHEME: &str = "sha256";

/// The shortest key `clients add --key-stdin` accepts.
pub const MIN_IMPORTED_KEY_CHARS: usize = 16;
/// The longest key accepted anywhere.
const MAX_KEY_CHARS: usize = 256;

/// A plain API key, held only between its creation and being shown once.
/// `Debug` never prints it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A new key: `ko_` and 256 bits from the operating system's CSPRNG,
    /// URL-safe base64 without padding (46 characters).
    ///
    /// # Errors
    ///
    /// [`AuthError::Random`] when the operating system has no randomness.
    pub fn generate() -> Result<Self, AuthError> {
        let mut bytes = [0u8; KEY_BYTES];
        getrandom::fill(&mut bytes).map_err(AuthError::Random)?;
        Ok(Self(format!(
            "{KEY_PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    /// A key a partner already holds (moving from the old implementation).
    /// Surrounding white space, such as the newline of `echo`, is dropped.
    ///
    /// # Errors
    ///
    /// [`AuthError::WeakKey`] unless it is [`MIN_IMPORTED_KEY_CHARS`] to 256
    /// printable ASCII characters without spaces.
    pub fn import(text: &str) -> Result<Self, AuthError> {
        let key = text.trim();
        let printable = key.bytes().all(|b| b.is_ascii_graphic());
        if !printable || !(MIN_IMPORTED_KEY_CHARS..=MAX_KEY_CHARS).contains(&key.len()) {
            return Err(AuthError::WeakKey {
                min: MIN_IMPORTED_KEY_CHARS,
            });
        }
        Ok(Self(key.to_owned()))
    }

    /// The key itself, to show to the operator once.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

/// A salted SHA-256 hash of a key, as stored: `sha256$<salt>$<digest>`,
/// both URL-safe base64.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHash {
    salt: [u8; SALT_BYTES],
    digest: [u8; 32],
}

impl KeyHash {
    /// Hashes `key` with a fresh random salt.
    ///
    /// # Errors
    ///
    /// [`AuthError::Random`] when the operating system has no randomness.
    pub fn new(key: &ApiKey) -> Result<Self, AuthError> {
        let mut salt = [0u8; SALT_BYTES];
        getrandom::fill(&mut salt).map_err(AuthError::Random)?;
        Ok(Self::with_salt(salt, key.expose()))
    }

    fn with_salt(salt: [u8; SALT_BYTES], key: &str) -> Self {
        Self {
            salt,
            digest: digest(&salt, key),
        }
    }

    /// A hash no key matches, used to spend the same time on an unknown
    /// client as on a known one.
    pub(crate) fn decoy() -> Self {
        let mut salt = [0u8; SALT_BYTES];
        // A fixed salt is fine: the decoy's digest is not any key's.
        if getrandom::fill(&mut salt).is_err() {
            salt = [0x5a; SALT_BYTES];
        }
        Self {
            salt,
            digest: [0; 32],
        }
    }

    /// Reads a stored hash; `None` when it is not in this crate's format.
    #[must_use]
    pub fn parse(stored: &str) -> Option<Self> {
        let mut parts = stored.split('$');
        let (Some(HASH_SCHEME), Some(salt), Some(digest), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Self {
            salt: URL_SAFE_NO_PAD.decode(salt).ok()?.try_into().ok()?,
            digest: URL_SAFE_NO_PAD.decode(digest).ok()?.try_into().ok()?,
        })
    }

    /// Whether `presented` is the key this hash was made from. Takes the
    /// same time whatever the key, and compares in constant time.
    #[must_use]
    pub fn verify(&self, presented: &str) -> bool {
        digest(&self.salt, presented).ct_eq(&self.digest).into()
    }
}

impl fmt::Display for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{HASH_SCHEME}${}${}",
            URL_SAFE_NO_PAD.encode(self.salt),
            URL_SAFE_NO_PAD.encode(self.digest)
        )
    }
}

impl fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

fn digest(salt: &[u8], key: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(key.as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_long_url_safe_and_distinct() {
        let a = ApiKey::generate().unwrap();
        let b = ApiKey::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), KEY_PREFIX.len() + 43);
        assert!(
            a.expose()[KEY_PREFIX.len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn a_hash_verifies_its_key_and_nothing_else() {
        let key = ApiKey::generate().unwrap();
        let hash = KeyHash::new(&key).unwrap();
        assert!(hash.verify(key.expose()));
        assert!(!hash.verify(&key.expose()[1..]));
        assert!(!hash.verify(""));
    }

    #[test]
    fn the_same_key_hashes_differently_each_time() {
        let key = ApiKey::generate().unwrap();
        assert_ne!(
            KeyHash::new(&key).unwrap().to_string(),
            KeyHash::new(&key).unwrap().to_string()
        );
    }

    #[test]
    fn a_stored_hash_round_trips_and_does_not_contain_the_key() {
        let key = ApiKey::import("partner-key-0123456789").unwrap();
        let stored = KeyHash::new(&key).unwrap().to_string();
        assert!(stored.starts_with("sha256$"));
        assert!(!stored.contains(key.expose()));
        let parsed = KeyHash::parse(&stored).unwrap();
        assert!(parsed.verify("partner-key-0123456789"));
    }

    #[test]
    fn malformed_hashes_are_refused() {
        for stored in [
            "",
            "plain-text-key",
            "sha256$$",
            "md5$AAAA$BBBB",
            "sha256$AAAAAAAAAAAAAAAAAAAAAA$short",
            "sha256$a$b$c",
        ] {
            assert!(KeyHash::parse(stored).is_none(), "{stored}");
        }
    }

    #[test]
    fn the_decoy_matches_no_key() {
        assert!(!KeyHash::decoy().verify(""));
        assert!(!KeyHash::decoy().verify("anything"));
    }

    #[test]
    fn imported_keys_must_be_long_and_printable() {
        assert!(ApiKey::import("  partner-key-0123456789\n").is_ok());
        for weak in [
            "short",
            "",
            "has space inside 12345",
            "ünïcödé-key-0123456789",
        ] {
            assert!(
                matches!(ApiKey::import(weak), Err(AuthError::WeakKey { .. })),
                "{weak}"
            );
        }
        assert!(ApiKey::import(&"k".repeat(257)).is_err());
    }

    #[test]
    fn debug_never_prints_the_key() {
        let key = ApiKey::import("partner-key-0123456789").unwrap();
        assert!(!format!("{key:?}").contains("partner"));
    }
}
