//! [`AsyncPgDirectory`] against a real PostgreSQL: the same candidates as
//! the diesel directory, and recovery when its connection goes away.

#![cfg(feature = "postgres")]

use std::time::Duration;

use diesel::RunQueryDsl;
use klikorder_domain::{
    ActivityScope, AsyncCustomerDirectory, Candidate, CandidateQuery, CustomerDirectory,
    DirectoryError,
};
use klikorder_persistence::customers::NewCustomer;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{AsyncPgDirectory, DieselCustomerDirectory};

use crate::support::{at, customer, depo, purchase, query, seed, verified};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn async_directory(db: &TestDatabase, connections: usize) -> AsyncPgDirectory {
    AsyncPgDirectory::new(
        db.url(),
        verified(),
        connections,
        1,
        Duration::from_secs(5),
        2,
    )
    .unwrap()
}

/// Sorted by id, so both directories' answers compare whole.
fn sorted(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.sort_by_key(|candidate| candidate.customer.id);
    candidates
}

fn find(
    rt: &tokio::runtime::Runtime,
    directory: &AsyncPgDirectory,
    query: CandidateQuery,
) -> Result<Vec<Candidate>, DirectoryError> {
    rt.block_on(directory.find_candidates(query))
}

#[test]
fn answers_as_the_diesel_directory_does() {
    let Some(db) = crate::support::postgres("async_pg::answers_as_the_diesel_directory_does")
    else {
        return;
    };
    let full = NewCustomer {
        nama_pemilik: Some("Winda".into()),
        kontak_person: Some("Winda".into()),
        keperluan_pelanggan: Some("Pribadi".into()),
        latitude: Some("-7.669444".into()),
        longitude: Some("110.838317".into()),
        alamat_lengkap: Some("GXH8+JVJ, Semitau Hilir".into()),
        kelurahan: Some("Semitau Hilir".into()),
        kecamatan: Some("Semitau".into()),
        kota: Some("Kapuas Hulu Regency".into()),
        provinsi: Some("Kalimantan Barat".into()),
        depo_id: Some(30),
        created_at: Some(at("2025-01-02 03:04:05")),
        ..customer(1, Some("+6281521979154"))
    };
    let goovi = NewCustomer {
        no_hp_goovi: Some("081521979154".into()),
        depo_id: None,
        created_at: None,
        ..customer(2, Some("081100001111"))
    };
    let deleted = NewCustomer {
        deleted_at: Some(at("2026-01-01 00:00:00")),
        ..customer(3, Some("6281521979154"))
    };
    let other_status = NewCustomer {
        status_pelanggan: Some("Unverif".into()),
        ..customer(4, Some("081521979154"))
    };
    seed(
        &db,
        &[depo(30, "DPS30", "Depo Pontianak")],
        &[
            full,
            goovi,
            deleted,
            other_status,
            customer(5, Some("628777000111")),
        ],
        &[
            purchase(1, 1, at("2026-11-20 10:00:00")),
            purchase(2, 1, at("2025-11-20 10:00:00")),
            purchase(3, 2, at("2026-11-30 10:00:00")),
        ],
    );
    let blocking = DieselCustomerDirectory::new(db.pool().clone(), verified());
    let rt = runtime();
    let directory = async_directory(&db, 2);
    for number in [
        "081521979154",
        "+6281521979154",
        "0877-7000-111",
        "081299990000",
    ] {
        for scope in [ActivityScope::WhenSeveral, ActivityScope::Always] {
            let expected = sorted(blocking.find_candidates(&query(number, scope)).unwrap());
            let got = sorted(find(&rt, &directory, query(number, scope)).unwrap());
            assert_eq!(got, expected, "{number} {scope:?}");
        }
    }
    // Not vacuous: the shared number has two candidates with their figures,
    // every column and the depot.
    let shared = sorted(
        find(
            &rt,
            &directory,
            query("081521979154", ActivityScope::WhenSeveral),
        )
        .unwrap(),
    );
    assert_eq!(shared.len(), 2);
    assert_eq!(shared[0].customer.depo.as_ref().unwrap().kode, "DPS30");
    assert_eq!(
        shared[0].customer.provinsi.as_deref(),
        Some("Kalimantan Barat")
    );
    assert_eq!(shared[0].activity.unwrap().recent_transactions, 1);
    assert_eq!(shared[1].activity.unwrap().recent_transactions, 1);
    assert!(shared[1].customer.depo.is_none());
    assert!(directory.open_connections() >= 1);
    rt.block_on(directory.ping()).unwrap();
}

/// More lookups at once than the connections' places (two connections,
/// one lookup each): the rest queue, and every one gets its own answer.
#[test]
fn lookups_past_the_pipeline_depth_queue_and_all_answer() {
    let Some(db) =
        crate::support::postgres("async_pg::lookups_past_the_pipeline_depth_queue_and_all_answer")
    else {
        return;
    };
    let customers: Vec<NewCustomer> = (1..=8)
        .map(|id| customer(id, Some(&format!("08123456700{id}"))))
        .collect();
    seed(&db, &[], &customers, &[]);
    let directory =
        AsyncPgDirectory::new(db.url(), verified(), 2, 1, Duration::from_secs(5), 1).unwrap();
    let rt = runtime();
    let answered = rt.block_on(async {
        let lookups: Vec<_> = (0..40_i64)
            .map(|i| {
                let directory = directory.clone();
                let id = i % 8 + 1;
                let number = query(&format!("08123456700{id}"), ActivityScope::Always);
                tokio::spawn(async move { (id, directory.find_candidates(number).await) })
            })
            .collect();
        let mut answered = 0;
        for lookup in lookups {
            let (id, candidates) = lookup.await.unwrap();
            let candidates = candidates.unwrap();
            assert_eq!(candidates.len(), 1, "customer {id}");
            assert_eq!(candidates[0].customer.id, id);
            answered += 1;
        }
        answered
    });
    assert_eq!(answered, 40);
    assert_eq!(directory.open_connections(), 2);
}

/// The server ends the driver's session (a restart, an administrator's
/// kill): the next lookups never get a 500 — at worst one 503 if the driver
/// has not yet seen the session end — and a new session serves them.
#[test]
fn a_connection_the_server_drops_is_replaced_without_a_500() {
    let Some(db) = crate::support::postgres(
        "async_pg::a_connection_the_server_drops_is_replaced_without_a_500",
    ) else {
        return;
    };
    let rt = runtime();
    let directory = async_directory(&db, 1);
    rt.block_on(directory.ping()).unwrap();
    assert_eq!(directory.open_connections(), 1);
    // End every session of the async driver (it names itself).
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = 'klikorder-server' AND datname = current_database()",
    )
    .execute(&mut *db.connection().unwrap())
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let number = query("081234567008", ActivityScope::WhenSeveral);
    match find(&rt, &directory, number.clone()) {
        // The driver may already have seen the socket close and reconnected.
        Ok(candidates) => assert!(candidates.is_empty()),
        Err(error) => assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}"),
    }
    assert!(find(&rt, &directory, number).unwrap().is_empty());
    assert_eq!(directory.open_connections(), 1);
}

#[test]
fn an_abandoned_query_retires_its_connection() {
    let Some(db) = crate::support::postgres("async_pg::an_abandoned_query_retires_its_connection")
    else {
        return;
    };
    let rt = runtime();
    let directory = async_directory(&db, 1);
    rt.block_on(directory.ping()).unwrap();
    assert_eq!(directory.open_connections(), 1);
    // A lookup abandoned before its answer: another session holds a lock
    // that makes it wait, and its deadline passes.
    let mut locker = db.connection().unwrap();
    diesel::Connection::transaction(&mut *locker, |conn| {
        diesel::sql_query("LOCK TABLE customers IN ACCESS EXCLUSIVE MODE").execute(conn)?;
        let abandoned = rt.block_on(async {
            tokio::time::timeout(
                Duration::from_millis(300),
                directory.find_candidates(query("081234567008", ActivityScope::WhenSeveral)),
            )
            .await
        });
        assert!(abandoned.is_err(), "the lookup went through a held lock");
        diesel::QueryResult::Ok(())
    })
    .unwrap();
    assert_eq!(directory.open_connections(), 0);
    // The next lookup opens a new one.
    assert!(
        find(
            &rt,
            &directory,
            query("081234567008", ActivityScope::WhenSeveral)
        )
        .unwrap()
        .is_empty()
    );
    assert_eq!(directory.open_connections(), 1);
}

#[test]
fn an_unreachable_server_is_unavailable_in_bounded_time() {
    // Nothing listens on port 1; no TEST_POSTGRES_URL needed.
    let rt = runtime();
    let directory = AsyncPgDirectory::new(
        "postgres://postgres@127.0.0.1:1/none",
        verified(),
        1,
        1,
        Duration::from_secs(2),
        2,
    )
    .unwrap();
    let started = std::time::Instant::now();
    let error = find(
        &rt,
        &directory,
        query("081234567008", ActivityScope::WhenSeveral),
    )
    .unwrap_err();
    assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(directory.open_connections(), 0);
}
