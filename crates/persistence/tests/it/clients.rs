//! The API client store.

use chrono::NaiveDateTime;
use klikorder_domain::{ApiClientRecord, ApiClientStore, StoreError};
use klikorder_persistence::DieselApiClientStore;
use klikorder_persistence::test_support::TestDatabase;

use crate::support::at;

engine_tests!(
    clients_are_inserted_and_listed_by_id,
    a_taken_client_id_already_exists,
    revoking_marks_the_client_and_reports_unknown_ids,
    replacing_a_key_keeps_the_revocation,
    expiry_is_stored_and_last_seen_only_moves_forward,
);

fn record(client_id: &str, created: NaiveDateTime) -> ApiClientRecord {
    ApiClientRecord {
        client_id: client_id.to_owned(),
        name: Some(format!("{client_id} partner")),
        key_hash: format!("sha256$salt-{client_id}$digest"),
        created_at: created,
        updated_at: created,
        revoked_at: None,
        expires_at: None,
        last_seen_at: None,
    }
}

fn clients_are_inserted_and_listed_by_id(db: &TestDatabase) {
    let store = DieselApiClientStore::new(db.pool().clone());
    assert!(store.list_clients().unwrap().is_empty());
    let mekari = record("MEKARI", at("2026-12-01 10:00:00"));
    let anonymous = ApiClientRecord {
        name: None,
        ..record("ACME-1", at("2026-12-02 11:30:00"))
    };
    let zeta = record("ZETA", at("2026-12-03 12:00:00"));
    for client in [&mekari, &zeta, &anonymous] {
        store.insert_client(client).unwrap();
    }
    assert_eq!(store.list_clients().unwrap(), [anonymous, mekari, zeta]);
}

fn a_taken_client_id_already_exists(db: &TestDatabase) {
    let store = DieselApiClientStore::new(db.pool().clone());
    let first = record("MEKARI", at("2026-12-01 10:00:00"));
    store.insert_client(&first).unwrap();
    store
        .revoke_client("MEKARI", at("2026-12-02 10:00:00"))
        .unwrap();
    let again = record("MEKARI", at("2026-12-03 10:00:00"));
    let error = store.insert_client(&again).unwrap_err();
    assert!(matches!(error, StoreError::AlreadyExists), "{error:?}");
    // Nothing changed, and the connection is still usable.
    let clients = store.list_clients().unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].created_at, first.created_at);
}

fn revoking_marks_the_client_and_reports_unknown_ids(db: &TestDatabase) {
    let store = DieselApiClientStore::new(db.pool().clone());
    store
        .insert_client(&record("MEKARI", at("2026-12-01 10:00:00")))
        .unwrap();
    store
        .insert_client(&record("OTHER", at("2026-12-01 10:00:00")))
        .unwrap();
    let when = at("2026-12-04 09:00:00");
    assert!(store.revoke_client("MEKARI", when).unwrap());
    assert!(!store.revoke_client("NOBODY", when).unwrap());
    let clients = store.list_clients().unwrap();
    assert_eq!(clients[0].revoked_at, Some(when));
    assert_eq!(clients[1].revoked_at, None, "other clients are untouched");
}

fn replacing_a_key_keeps_the_revocation(db: &TestDatabase) {
    let store = DieselApiClientStore::new(db.pool().clone());
    let created = at("2026-12-01 10:00:00");
    store.insert_client(&record("MEKARI", created)).unwrap();
    let rotated = at("2026-12-05 08:00:00");
    assert!(
        store
            .replace_key("MEKARI", "sha256$new$digest", rotated)
            .unwrap()
    );
    assert!(!store.replace_key("NOBODY", "x", rotated).unwrap());
    let client = &store.list_clients().unwrap()[0];
    assert_eq!(client.key_hash, "sha256$new$digest");
    assert_eq!((client.created_at, client.updated_at), (created, rotated));

    let revoked = at("2026-12-06 08:00:00");
    store.revoke_client("MEKARI", revoked).unwrap();
    store
        .replace_key("MEKARI", "sha256$newer$digest", at("2026-12-07 08:00:00"))
        .unwrap();
    assert_eq!(store.list_clients().unwrap()[0].revoked_at, Some(revoked));
}

fn expiry_is_stored_and_last_seen_only_moves_forward(db: &TestDatabase) {
    let store = DieselApiClientStore::new(db.pool().clone());
    let expiring = ApiClientRecord {
        expires_at: Some(at("2027-06-30 00:00:00")),
        ..record("MEKARI", at("2026-12-01 10:00:00"))
    };
    store.insert_client(&expiring).unwrap();
    store
        .insert_client(&record("OTHER", at("2026-12-01 10:00:00")))
        .unwrap();
    store
        .record_last_seen(&[
            ("MEKARI".to_owned(), at("2026-12-04 10:05:00")),
            ("NOBODY".to_owned(), at("2026-12-04 10:05:00")),
        ])
        .unwrap();
    // An older time never moves it back.
    store
        .record_last_seen(&[("MEKARI".to_owned(), at("2026-12-04 09:00:00"))])
        .unwrap();
    store.record_last_seen(&[]).unwrap();
    let clients = store.list_clients().unwrap();
    assert_eq!(clients[0].client_id, "MEKARI");
    assert_eq!(clients[0].expires_at, Some(at("2027-06-30 00:00:00")));
    assert_eq!(clients[0].last_seen_at, Some(at("2026-12-04 10:05:00")));
    assert_eq!(clients[1].last_seen_at, None);
}
