//! Checking a request's credentials against an in-memory snapshot of the
//! API clients, refreshed in the background.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};
use klikorder_domain::ApiClientStore;

use crate::{AuthError, KeyHash};

/// A client whose credentials were accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticatedClient {
    /// Its `X-API-Client` value.
    pub client_id: Arc<str>,
}

/// Checks `X-API-Client` / `X-API-Key` pairs. The HTTP adapter depends on
/// this trait only.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
pub trait ApiKeyRegistry: Send + Sync {
    /// Accepts or refuses a request's credentials.
    ///
    /// # Errors
    ///
    /// [`AuthError::MissingCredentials`] when either is empty;
    /// [`AuthError::Rejected`] for an unknown or revoked client or a wrong
    /// key, which take the same time to refuse.
    fn authenticate(&self, client_id: &str, key: &str) -> Result<AuthenticatedClient, AuthError>;
}

/// One active client in the snapshot.
struct ActiveClient {
    client_id: Arc<str>,
    hash: KeyHash,
    expires_at: Option<NaiveDateTime>,
    seen: Arc<LastSeen>,
}

/// When a client last authenticated, in whole minutes since the epoch (0:
/// not since start-up), and what was last written to the store. Atomics, so
/// a request only does a relaxed load (and a store once a minute).
#[derive(Default)]
struct LastSeen {
    minute: AtomicI64,
    flushed: AtomicI64,
}

impl LastSeen {
    fn touch(&self, now: DateTime<Utc>) {
        let minute = now.timestamp().div_euclid(60);
        if self.minute.load(Ordering::Relaxed) < minute {
            self.minute.store(minute, Ordering::Relaxed);
        }
    }
}

/// An [`ApiKeyRegistry`] that answers from memory — no query per request —
/// and reloads the clients table with [`refresh`](Self::refresh), so that
/// `clients add / revoke / rotate` from another process take effect on a
/// running server.
pub struct SnapshotRegistry {
    store: Arc<dyn ApiClientStore>,
    snapshot: RwLock<Arc<HashMap<String, ActiveClient>>>,
    decoy: KeyHash,
    /// Last-seen times by client id; kept across refreshes.
    seen: Mutex<HashMap<String, Arc<LastSeen>>>,
}

impl SnapshotRegistry {
    /// Loads the clients once.
    ///
    /// # Errors
    ///
    /// [`AuthError::Store`] when the clients cannot be read.
    pub fn load(store: Arc<dyn ApiClientStore>) -> Result<Self, AuthError> {
        let registry = Self {
            store,
            snapshot: RwLock::new(Arc::new(HashMap::new())),
            decoy: KeyHash::decoy(),
            seen: Mutex::new(HashMap::new()),
        };
        registry.refresh()?;
        Ok(registry)
    }

    /// Reloads the clients; returns how many are active. On error the
    /// previous snapshot stays in force.
    ///
    /// # Errors
    ///
    /// [`AuthError::Store`] when the clients cannot be read.
    pub fn refresh(&self) -> Result<usize, AuthError> {
        let records = self.store.list_clients()?;
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let mut active = HashMap::new();
        for record in records {
            if record.revoked_at.is_some() {
                continue;
            }
            let Some(hash) = KeyHash::parse(&record.key_hash) else {
                log::warn!(
                    "API client {} has a key hash in an unknown format; it cannot authenticate",
                    record.client_id
                );
                continue;
            };
            let client_id: Arc<str> = Arc::from(record.client_id.as_str());
            let last_seen = Arc::clone(seen.entry(record.client_id.clone()).or_default());
            active.insert(
                record.client_id,
                ActiveClient {
                    client_id,
                    hash,
                    expires_at: record.expires_at,
                    seen: last_seen,
                },
            );
        }
        drop(seen);
        let count = active.len();
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(active);
        Ok(count)
    }

    /// Writes the last-seen minute of every client seen since the last
    /// flush, in one batch; returns how many. A failed write is retried at
    /// the next flush.
    ///
    /// # Errors
    ///
    /// [`AuthError::Store`] when the store cannot be written.
    pub fn flush_last_seen(&self) -> Result<usize, AuthError> {
        let pending: Vec<(String, i64, Arc<LastSeen>)> = self
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter_map(|(client_id, seen)| {
                let minute = seen.minute.load(Ordering::Relaxed);
                (minute > seen.flushed.load(Ordering::Relaxed))
                    .then(|| (client_id.clone(), minute, Arc::clone(seen)))
            })
            .collect();
        let batch: Vec<(String, NaiveDateTime)> = pending
            .iter()
            .filter_map(|(client_id, minute, _)| {
                DateTime::from_timestamp(minute.saturating_mul(60), 0)
                    .map(|at| (client_id.clone(), at.naive_utc()))
            })
            .collect();
        if batch.is_empty() {
            return Ok(0);
        }
        self.store.record_last_seen(&batch)?;
        for (_, minute, seen) in &pending {
            seen.flushed.fetch_max(*minute, Ordering::Relaxed);
        }
        Ok(batch.len())
    }

    /// Refreshes every `every` on a thread of its own until the registry is
    /// dropped. Failures are logged and retried at the next tick.
    ///
    /// # Errors
    ///
    /// When the operating system cannot start a thread.
    pub fn spawn_refresher(self: &Arc<Self>, every: Duration) -> std::io::Result<JoinHandle<()>> {
        let registry: Weak<Self> = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("client-registry-refresh".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    std::thread::sleep(every);
                    let Some(registry) = registry.upgrade() else {
                        return;
                    };
                    if let Err(error) = registry.flush_last_seen() {
                        log::warn!("cannot record when API clients were last seen: {error}");
                    }
                    match registry.refresh() {
                        Ok(_) if failing => {
                            log::info!("API client registry reloads again");
                            failing = false;
                        }
                        Ok(_) => {}
                        Err(error) => {
                            if !failing {
                                log::warn!(
                                    "cannot reload the API client registry, keeping the last one: {error}"
                                );
                            }
                            failing = true;
                        }
                    }
                }
            })
    }
}

impl ApiKeyRegistry for SnapshotRegistry {
    fn authenticate(&self, client_id: &str, key: &str) -> Result<AuthenticatedClient, AuthError> {
        if client_id.is_empty() || key.is_empty() {
            return Err(AuthError::MissingCredentials);
        }
        let snapshot = Arc::clone(&self.snapshot.read().unwrap_or_else(PoisonError::into_inner));
        match snapshot.get(client_id) {
            Some(client) if client.hash.verify(key) => {
                let now = Utc::now();
                // An expired client is refused like a wrong key, after the
                // same work.
                if client.expires_at.is_some_and(|end| now.naive_utc() >= end) {
                    return Err(AuthError::Rejected);
                }
                client.seen.touch(now);
                Ok(AuthenticatedClient {
                    client_id: Arc::clone(&client.client_id),
                })
            }
            Some(_) => Err(AuthError::Rejected),
            None => {
                // Hash the presented key anyway: an unknown client must take
                // as long to refuse as a wrong key.
                let _ = self.decoy.verify(key);
                Err(AuthError::Rejected)
            }
        }
    }
}
