//! The optional lookup cache: answers by normalized number, for a while.
//!
//! Off unless configured. With it on, a number looked up again within the
//! time to live gets the answer the database gave then — the same bytes for
//! a 200, or the 404 — without a query. The trade-off is staleness: a
//! customer added, edited, soft-deleted or given a new transaction in the
//! meantime is seen only once the entry expires (docs/operations.md).
//! Authentication, validation and the rate limits still run for every
//! request; only the database work is skipped.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use klikorder_domain::{PhoneNumber, Rule};

/// How the cache is sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LookupCacheSettings {
    /// How long an answer is served from memory.
    pub time_to_live: Duration,
    /// At most this many numbers are kept (least recently used go first).
    pub max_entries: u64,
}

/// A cached answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CachedLookup {
    /// The 200 body, and what the metrics count for it.
    Found {
        /// The serialized body, served as is.
        body: Bytes,
        /// The rule that chose the customer.
        decided_by: Rule,
    },
    /// No customer holds the number (404).
    NotFound,
}

/// Answers by normalized number, bounded in time and size. Cheap to clone
/// (shared by every worker).
#[derive(Clone)]
pub struct LookupCache {
    answers: moka::sync::Cache<Arc<str>, CachedLookup>,
    settings: LookupCacheSettings,
}

impl LookupCache {
    /// An empty cache.
    #[must_use]
    pub fn new(settings: LookupCacheSettings) -> Self {
        Self {
            answers: moka::sync::Cache::builder()
                .max_capacity(settings.max_entries)
                .time_to_live(settings.time_to_live)
                .build(),
            settings,
        }
    }

    /// Its settings.
    #[must_use]
    pub const fn settings(&self) -> LookupCacheSettings {
        self.settings
    }

    pub(crate) fn get(&self, phone: &PhoneNumber) -> Option<CachedLookup> {
        self.answers.get(phone.as_e164())
    }

    pub(crate) fn insert(&self, phone: &PhoneNumber, answer: CachedLookup) {
        self.answers.insert(Arc::from(phone.as_e164()), answer);
    }
}

impl std::fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not the entries: they are customers' numbers.
        f.debug_struct("LookupCache")
            .field("settings", &self.settings)
            .field("entries", &self.answers.entry_count())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(text: &str) -> PhoneNumber {
        PhoneNumber::parse(text).unwrap()
    }

    #[test]
    fn every_spelling_of_a_number_shares_one_entry() {
        let cache = LookupCache::new(LookupCacheSettings {
            time_to_live: Duration::from_secs(60),
            max_entries: 10,
        });
        assert_eq!(cache.get(&phone("081521979154")), None);
        cache.insert(&phone("+62 815-2197-9154"), CachedLookup::NotFound);
        assert_eq!(
            cache.get(&phone("6281521979154")),
            Some(CachedLookup::NotFound)
        );
        assert_eq!(cache.get(&phone("081234567890")), None);
    }

    #[test]
    fn entries_expire() {
        let cache = LookupCache::new(LookupCacheSettings {
            time_to_live: Duration::from_millis(50),
            max_entries: 10,
        });
        cache.insert(&phone("081521979154"), CachedLookup::NotFound);
        assert!(cache.get(&phone("081521979154")).is_some());
        std::thread::sleep(Duration::from_millis(120));
        assert_eq!(cache.get(&phone("081521979154")), None);
    }

    #[test]
    fn the_debug_form_shows_no_number() {
        let cache = LookupCache::new(LookupCacheSettings {
            time_to_live: Duration::from_secs(60),
            max_entries: 10,
        });
        cache.insert(&phone("081521979154"), CachedLookup::NotFound);
        let shown = format!("{cache:?}");
        assert!(!shown.contains("1521979154"), "{shown}");
    }
}
