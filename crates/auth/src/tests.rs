//! The registry and the admin commands over an in-memory store.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{NaiveDate, NaiveDateTime};
use klikorder_domain::{ApiClientRecord, ApiClientStore, MockApiClientStore, StoreError};

use crate::*;

#[derive(Default)]
struct MemoryStore(Mutex<Vec<ApiClientRecord>>);

impl ApiClientStore for MemoryStore {
    fn list_clients(&self) -> Result<Vec<ApiClientRecord>, StoreError> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn insert_client(&self, client: &ApiClientRecord) -> Result<(), StoreError> {
        let mut rows = self.0.lock().unwrap();
        if rows.iter().any(|r| r.client_id == client.client_id) {
            return Err(StoreError::AlreadyExists);
        }
        rows.push(client.clone());
        Ok(())
    }
    fn revoke_client(&self, client_id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
        let mut rows = self.0.lock().unwrap();
        Ok(rows
            .iter_mut()
            .find(|r| r.client_id == client_id)
            .map(|r| r.revoked_at = Some(at))
            .is_some())
    }
    fn record_last_seen(&self, seen: &[(String, NaiveDateTime)]) -> Result<(), StoreError> {
        let mut rows = self.0.lock().unwrap();
        for (client_id, at) in seen {
            if let Some(row) = rows.iter_mut().find(|r| &r.client_id == client_id) {
                row.last_seen_at = row.last_seen_at.max(Some(*at));
            }
        }
        Ok(())
    }
    fn replace_key(
        &self,
        client_id: &str,
        key_hash: &str,
        at: NaiveDateTime,
    ) -> Result<bool, StoreError> {
        let mut rows = self.0.lock().unwrap();
        Ok(rows
            .iter_mut()
            .find(|r| r.client_id == client_id)
            .map(|r| {
                r.key_hash = key_hash.to_owned();
                r.updated_at = at;
            })
            .is_some())
    }
}

fn now() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 12, 4)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap()
}

fn setup() -> (Arc<MemoryStore>, ApiKey, Arc<SnapshotRegistry>) {
    let store = Arc::new(MemoryStore::default());
    let key = register_client(
        store.as_ref(),
        "MEKARI",
        Some("Mekari Qontak"),
        None,
        None,
        now(),
    )
    .unwrap();
    let registry = Arc::new(SnapshotRegistry::load(store.clone()).unwrap());
    (store, key, registry)
}

#[test]
fn the_right_key_is_accepted() {
    let (_, key, registry) = setup();
    let client = registry.authenticate("MEKARI", key.expose()).unwrap();
    assert_eq!(&*client.client_id, "MEKARI");
}

#[test]
fn client_ids_are_case_sensitive_and_exact() {
    let (_, key, registry) = setup();
    assert!(matches!(
        registry.authenticate("mekari", key.expose()),
        Err(AuthError::Rejected)
    ));
    assert!(matches!(
        registry.authenticate("MEKARI ", key.expose()),
        Err(AuthError::Rejected)
    ));
}

#[test]
fn wrong_key_and_unknown_client_are_the_same_refusal() {
    let (_, key, registry) = setup();
    assert!(matches!(
        registry.authenticate("MEKARI", "nope"),
        Err(AuthError::Rejected)
    ));
    assert!(matches!(
        registry.authenticate("OTHER", key.expose()),
        Err(AuthError::Rejected)
    ));
}

#[test]
fn empty_credentials_are_missing() {
    let (_, key, registry) = setup();
    assert!(matches!(
        registry.authenticate("", key.expose()),
        Err(AuthError::MissingCredentials)
    ));
    assert!(matches!(
        registry.authenticate("MEKARI", ""),
        Err(AuthError::MissingCredentials)
    ));
}

#[test]
fn the_store_holds_only_a_hash() {
    let (store, key, _) = setup();
    let rows = store.list_clients().unwrap();
    assert_eq!(rows.len(), 1);
    assert!(!rows[0].key_hash.contains(key.expose()));
    assert!(
        KeyHash::parse(&rows[0].key_hash)
            .unwrap()
            .verify(key.expose())
    );
}

#[test]
fn revocation_takes_effect_at_the_next_refresh() {
    let (store, key, registry) = setup();
    revoke_client(store.as_ref(), "MEKARI", now()).unwrap();
    assert!(
        registry.authenticate("MEKARI", key.expose()).is_ok(),
        "snapshot is unchanged until refreshed"
    );
    assert_eq!(registry.refresh().unwrap(), 0);
    assert!(matches!(
        registry.authenticate("MEKARI", key.expose()),
        Err(AuthError::Rejected)
    ));
}

#[test]
fn rotation_replaces_the_key() {
    let (store, old, registry) = setup();
    let new = rotate_key(store.as_ref(), "MEKARI", now()).unwrap();
    registry.refresh().unwrap();
    assert!(registry.authenticate("MEKARI", new.expose()).is_ok());
    assert!(registry.authenticate("MEKARI", old.expose()).is_err());
}

#[test]
fn clients_added_elsewhere_appear_after_refresh() {
    let (store, _, registry) = setup();
    let key = register_client(
        store.as_ref(),
        "PARTNER-2",
        None,
        Some(ApiKey::import("an-existing-partner-key").unwrap()),
        None,
        now(),
    )
    .unwrap();
    assert_eq!(key.expose(), "an-existing-partner-key");
    assert!(registry.authenticate("PARTNER-2", key.expose()).is_err());
    assert_eq!(registry.refresh().unwrap(), 2);
    assert!(registry.authenticate("PARTNER-2", key.expose()).is_ok());
}

#[test]
fn the_background_refresher_picks_up_changes() {
    let (store, key, registry) = setup();
    let handle = registry.spawn_refresher(Duration::from_millis(20)).unwrap();
    revoke_client(store.as_ref(), "MEKARI", now()).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while registry.authenticate("MEKARI", key.expose()).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "revocation never took effect"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(registry);
    handle.join().unwrap();
}

#[test]
fn a_failing_refresh_keeps_the_last_snapshot() {
    let key = ApiKey::generate().unwrap();
    let hash = KeyHash::new(&key).unwrap().to_string();
    let mut store = MockApiClientStore::new();
    let mut calls = 0;
    store.expect_list_clients().returning(move || {
        calls += 1;
        if calls == 1 {
            Ok(vec![ApiClientRecord {
                client_id: "MEKARI".into(),
                name: None,
                key_hash: hash.clone(),
                created_at: now(),
                updated_at: now(),
                revoked_at: None,
                expires_at: None,
                last_seen_at: None,
            }])
        } else {
            Err(StoreError::Unavailable("database down".into()))
        }
    });
    let registry = SnapshotRegistry::load(Arc::new(store)).unwrap();
    assert!(registry.refresh().is_err());
    assert!(registry.authenticate("MEKARI", key.expose()).is_ok());
}

#[test]
fn duplicate_and_malformed_client_ids_are_refused() {
    let (store, _, _) = setup();
    assert!(matches!(
        register_client(store.as_ref(), "MEKARI", None, None, None, now()),
        Err(AuthError::Store(StoreError::AlreadyExists))
    ));
    for bad in ["", "has space", "semi;colon", &"x".repeat(65), "ünï"] {
        assert!(
            matches!(validate_client_id(bad), Err(AuthError::InvalidClientId)),
            "{bad}"
        );
    }
}

#[test]
fn unknown_clients_cannot_be_revoked_or_rotated() {
    let (store, _, _) = setup();
    assert!(matches!(
        revoke_client(store.as_ref(), "NOPE", now()),
        Err(AuthError::UnknownClient)
    ));
    assert!(matches!(
        rotate_key(store.as_ref(), "NOPE", now()),
        Err(AuthError::UnknownClient)
    ));
}

#[test]
fn an_expired_client_is_refused_like_a_wrong_key() {
    let store = Arc::new(MemoryStore::default());
    let past = chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1);
    let future = chrono::Utc::now().naive_utc() + chrono::TimeDelta::days(1);
    let expired = register_client(store.as_ref(), "OLD", None, None, Some(past), now()).unwrap();
    let current = register_client(store.as_ref(), "NEW", None, None, Some(future), now()).unwrap();
    let registry = SnapshotRegistry::load(store).unwrap();
    assert!(matches!(
        registry.authenticate("OLD", expired.expose()),
        Err(AuthError::Rejected)
    ));
    assert!(registry.authenticate("NEW", current.expose()).is_ok());
}

#[test]
fn last_seen_is_written_in_batches_to_the_minute_not_per_request() {
    let (store, key, registry) = setup();
    assert_eq!(
        registry.flush_last_seen().unwrap(),
        0,
        "nobody was seen yet"
    );
    for _ in 0..100 {
        registry.authenticate("MEKARI", key.expose()).unwrap();
    }
    // Nothing is written by the requests themselves.
    assert_eq!(store.list_clients().unwrap()[0].last_seen_at, None);
    assert_eq!(registry.flush_last_seen().unwrap(), 1);
    let seen = store.list_clients().unwrap()[0].last_seen_at.unwrap();
    assert_eq!(seen.and_utc().timestamp() % 60, 0, "kept to the minute");
    let age = chrono::Utc::now().naive_utc() - seen;
    assert!(
        age >= chrono::TimeDelta::zero() && age < chrono::TimeDelta::minutes(2),
        "{age:?}"
    );
    // Within the same minute there is nothing new to write.
    registry.authenticate("MEKARI", key.expose()).unwrap();
    assert!(registry.flush_last_seen().unwrap() <= 1);
    assert_eq!(registry.flush_last_seen().unwrap(), 0);
    // Survives a refresh.
    registry.refresh().unwrap();
    assert_eq!(registry.flush_last_seen().unwrap(), 0);
}
