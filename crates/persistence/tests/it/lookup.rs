//! Query 1: which customers match a number (CONTRACT §3, §4 candidates).

use std::collections::BTreeSet;
use std::time::Duration;

use klikorder_domain::{ActivityScope, Candidate, CustomerDirectory, Depo, DirectoryError};
use klikorder_persistence::customers::{self, NewCustomer};
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{DieselCustomerDirectory, PoolSettings, build_pool};

use crate::support::{StatementCounter, at, customer, depo, purchase, query, seed, verified};

engine_tests!(
    every_stored_spelling_matches_in_both_columns,
    other_numbers_do_not_match,
    near_misses_of_a_lenient_collation_do_not_match,
    deleted_and_disallowed_customers_are_not_candidates,
    the_depot_is_left_joined,
    every_column_comes_back_as_stored,
    a_single_candidate_costs_one_statement,
    several_candidates_cost_two_statements,
    statements_stay_prepared_across_lookups,
    explaining_loads_figures_even_for_one_candidate,
    ping_answers,
    an_exhausted_pool_is_unavailable,
    a_connection_the_server_dropped_is_unavailable,
);

fn ids(candidates: &[Candidate]) -> BTreeSet<i64> {
    candidates.iter().map(|c| c.customer.id).collect()
}

fn directory(db: &TestDatabase) -> DieselCustomerDirectory {
    DieselCustomerDirectory::new(db.pool().clone(), verified())
}

fn every_stored_spelling_matches_in_both_columns(db: &TestDatabase) {
    let goovi = |id: i64, stored: &str| NewCustomer {
        no_hp_goovi: Some(stored.to_owned()),
        ..customer(id, Some("081100001111"))
    };
    seed(
        db,
        &[],
        &[
            customer(1, Some("+628123456789")),
            customer(2, Some("628123456789")),
            customer(3, Some("08123456789")),
            goovi(4, "+628123456789"),
            goovi(5, "628123456789"),
            goovi(6, "08123456789"),
        ],
        &[],
    );
    let directory = directory(db);
    for typed in [
        "08123456789",
        "628123456789",
        "+628123456789",
        "0062 812-3456-789",
    ] {
        let found = directory
            .find_candidates(&query(typed, ActivityScope::WhenSeveral))
            .unwrap();
        assert_eq!(ids(&found), BTreeSet::from([1, 2, 3, 4, 5, 6]), "{typed}");
        assert!(
            found.iter().all(|c| c.activity.is_some()),
            "six candidates are ranked: {found:?}"
        );
    }
    // The other number of 4..6 matches them by no_hp.
    let other = directory
        .find_candidates(&query("081100001111", ActivityScope::WhenSeveral))
        .unwrap();
    assert_eq!(ids(&other), BTreeSet::from([4, 5, 6]));
}

fn other_numbers_do_not_match(db: &TestDatabase) {
    seed(
        db,
        &[],
        &[
            // Prefixes, extensions, separators and another trunk spelling
            // are different stored values: the lookup compares exactly.
            customer(1, Some("0812345678")),
            customer(2, Some("081234567890")),
            customer(3, Some("0812-3456-789")),
            customer(4, Some("+62 8123456789")),
            customer(5, None),
        ],
        &[],
    );
    let found = directory(db)
        .find_candidates(&query("08123456789", ActivityScope::Always))
        .unwrap();
    assert!(found.is_empty(), "{found:?}");
}

/// MySQL's usual collations (Laravel's utf8mb4_unicode_ci) ignore trailing
/// spaces and treat full-width digits like ASCII ones; the lookup still
/// compares exactly, as on the other engines.
fn near_misses_of_a_lenient_collation_do_not_match(db: &TestDatabase) {
    seed(
        db,
        &[],
        &[
            customer(1, Some("08123456789 ")),
            customer(2, Some("０８１２３４５６７８９")),
            NewCustomer {
                no_hp_goovi: Some("+628123456789  ".to_owned()),
                ..customer(3, None)
            },
            customer(4, Some("08123456789")),
        ],
        &[],
    );
    let found = directory(db)
        .find_candidates(&query("08123456789", ActivityScope::WhenSeveral))
        .unwrap();
    assert_eq!(ids(&found), BTreeSet::from([4]));
    assert_eq!(found[0].activity, None, "one candidate left: not ranked");
}

fn deleted_and_disallowed_customers_are_not_candidates(db: &TestDatabase) {
    let number = "081234567001";
    seed(
        db,
        &[],
        &[
            customer(1, Some(number)),
            NewCustomer {
                deleted_at: Some(at("2026-01-01 00:00:00")),
                ..customer(2, Some(number))
            },
            NewCustomer {
                status_pelanggan: Some("Belum Verif".to_owned()),
                ..customer(3, Some(number))
            },
            NewCustomer {
                status_pelanggan: None,
                ..customer(4, Some(number))
            },
            NewCustomer {
                status_pelanggan: Some("verif".to_owned()),
                ..customer(5, Some(number))
            },
        ],
        &[],
    );
    let lookup = query(number, ActivityScope::WhenSeveral);
    let found = directory(db).find_candidates(&lookup).unwrap();
    assert_eq!(ids(&found), BTreeSet::from([1]));
    assert_eq!(found[0].activity, None, "a single candidate is not ranked");

    let wider = DieselCustomerDirectory::new(
        db.pool().clone(),
        vec!["Verif".to_owned(), "Belum Verif".to_owned()],
    );
    assert_eq!(
        ids(&wider.find_candidates(&lookup).unwrap()),
        BTreeSet::from([1, 3])
    );

    let nobody = DieselCustomerDirectory::new(db.pool().clone(), Vec::new());
    assert!(nobody.find_candidates(&lookup).unwrap().is_empty());
}

fn the_depot_is_left_joined(db: &TestDatabase) {
    let with_depot = "081234567002";
    let without_depot = "081234567003";
    seed(
        db,
        &[depo(30, "DPS30", "Depo Pontianak")],
        &[
            NewCustomer {
                depo_id: Some(30),
                ..customer(1, Some(with_depot))
            },
            customer(2, Some(without_depot)),
        ],
        &[],
    );
    let directory = directory(db);
    let found = directory
        .find_candidates(&query(with_depot, ActivityScope::WhenSeveral))
        .unwrap();
    assert_eq!(
        found[0].customer.depo,
        Some(Depo {
            id: 30,
            kode: "DPS30".to_owned(),
            nama: "Depo Pontianak".to_owned()
        })
    );
    let found = directory
        .find_candidates(&query(without_depot, ActivityScope::WhenSeveral))
        .unwrap();
    assert_eq!(ids(&found), BTreeSet::from([2]));
    assert_eq!(found[0].customer.depo, None);
}

fn every_column_comes_back_as_stored(db: &TestDatabase) {
    let stored = NewCustomer {
        id: 4832,
        kode: "PEL-mbre36zt-Z7K52".to_owned(),
        nama: "Winda WINNNN".to_owned(),
        nama_pemilik: Some("Winda".to_owned()),
        kontak_person: Some("Winda".to_owned()),
        no_hp: Some("081521979154".to_owned()),
        no_hp_goovi: None,
        status_pelanggan: Some("Verif".to_owned()),
        keperluan_pelanggan: Some("Pribadi".to_owned()),
        latitude: Some("-7.669444".to_owned()),
        longitude: Some("110.838317".to_owned()),
        alamat_lengkap: Some("GXH8+JVJ, Semitau Hilir".to_owned()),
        kelurahan: Some("Semitau Hilir".to_owned()),
        kecamatan: Some("Semitau".to_owned()),
        kota: Some("Kapuas Hulu Regency".to_owned()),
        provinsi: Some("Kalimantan Barat".to_owned()),
        depo_id: Some(30),
        created_at: Some(at("2025-05-01 08:15:30")),
        updated_at: Some(at("2025-05-02 08:15:30")),
        deleted_at: None,
    };
    seed(
        db,
        &[depo(30, "DPS30", "Depo Pontianak")],
        std::slice::from_ref(&stored),
        &[],
    );
    let found = directory(db)
        .find_candidates(&query("+6281521979154", ActivityScope::WhenSeveral))
        .unwrap();
    let customer = &found[0].customer;
    assert_eq!(
        (customer.id, customer.kode.as_str(), customer.nama.as_str()),
        (4832, "PEL-mbre36zt-Z7K52", "Winda WINNNN")
    );
    assert_eq!(customer.nama_pemilik, stored.nama_pemilik);
    assert_eq!(customer.kontak_person, stored.kontak_person);
    assert_eq!(customer.no_hp, stored.no_hp);
    assert_eq!(customer.no_hp_goovi, None);
    assert_eq!(customer.status_pelanggan, stored.status_pelanggan);
    assert_eq!(customer.keperluan_pelanggan, stored.keperluan_pelanggan);
    assert_eq!(customer.latitude.as_deref(), Some("-7.669444"));
    assert_eq!(customer.longitude.as_deref(), Some("110.838317"));
    assert_eq!(customer.alamat_lengkap, stored.alamat_lengkap);
    assert_eq!(customer.kelurahan, stored.kelurahan);
    assert_eq!(customer.kecamatan, stored.kecamatan);
    assert_eq!(customer.kota, stored.kota);
    assert_eq!(customer.provinsi, stored.provinsi);
    assert_eq!(customer.created_at, stored.created_at);
    assert_eq!(customer.depo.as_ref().map(|d| d.id), Some(30));
}

fn a_single_candidate_costs_one_statement(db: &TestDatabase) {
    let number = "081234567004";
    seed(
        db,
        &[],
        &[customer(1, Some(number))],
        &[purchase(1, 1, at("2026-11-20 10:00:00"))],
    );
    let mut conn = db.connection().unwrap();
    let counter = StatementCounter::attach(&mut conn);
    let found = customers::find_candidates(
        &mut conn,
        &query(number, ActivityScope::WhenSeveral),
        &verified(),
    )
    .unwrap();
    assert_eq!(ids(&found), BTreeSet::from([1]));
    assert_eq!(found[0].activity, None);
    assert_eq!(counter.count(), 1, "only the candidate query runs");

    let none = customers::find_candidates(
        &mut conn,
        &query("081234567999", ActivityScope::Always),
        &verified(),
    )
    .unwrap();
    assert!(none.is_empty());
    assert_eq!(counter.count(), 2, "no activity query without candidates");
}

fn several_candidates_cost_two_statements(db: &TestDatabase) {
    let number = "081234567005";
    seed(
        db,
        &[],
        &[customer(1, Some(number)), customer(2, Some(number))],
        &[purchase(1, 2, at("2026-11-20 10:00:00"))],
    );
    let mut conn = db.connection().unwrap();
    let counter = StatementCounter::attach(&mut conn);
    let found = customers::find_candidates(
        &mut conn,
        &query(number, ActivityScope::WhenSeveral),
        &verified(),
    )
    .unwrap();
    assert_eq!(ids(&found), BTreeSet::from([1, 2]));
    assert_eq!(counter.count(), 2);
}

/// Both statements are prepared once per connection and reused: their
/// `IN` lists have bounded lengths (crate::prepared).
fn statements_stay_prepared_across_lookups(db: &TestDatabase) {
    use diesel::connection::{Connection, InstrumentationEvent};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let shared = "081234567006";
    seed(
        db,
        &[],
        &[
            customer(1, Some(shared)),
            customer(2, Some(shared)),
            customer(3, Some("081234567007")),
        ],
        &[purchase(1, 2, at("2026-11-20 10:00:00"))],
    );
    let mut conn = db.connection().unwrap();
    let prepared = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&prepared);
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if matches!(event, InstrumentationEvent::CacheQuery { .. }) {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    let mut look_up = |number: &str| {
        customers::find_candidates(
            &mut conn,
            &query(number, ActivityScope::WhenSeveral),
            &verified(),
        )
        .unwrap()
    };
    assert_eq!(ids(&look_up(shared)), BTreeSet::from([1, 2]));
    assert_eq!(
        prepared.load(Ordering::SeqCst),
        2,
        "the candidate and activity statements are kept"
    );
    assert_eq!(ids(&look_up("081234567007")), BTreeSet::from([3]));
    assert!(look_up("081234567999").is_empty());
    assert_eq!(ids(&look_up(shared)), BTreeSet::from([1, 2]));
    assert_eq!(
        prepared.load(Ordering::SeqCst),
        2,
        "later lookups reuse the prepared statements"
    );
}

fn explaining_loads_figures_even_for_one_candidate(db: &TestDatabase) {
    let number = "081234567006";
    seed(
        db,
        &[],
        &[customer(1, Some(number))],
        &[purchase(1, 1, at("2026-11-20 10:00:00"))],
    );
    let mut conn = db.connection().unwrap();
    let counter = StatementCounter::attach(&mut conn);
    let found = customers::find_candidates(
        &mut conn,
        &query(number, ActivityScope::Always),
        &verified(),
    )
    .unwrap();
    let activity = found[0].activity.unwrap();
    assert_eq!(activity.recent_transactions, 1);
    assert_eq!(activity.last_transaction, Some(at("2026-11-20 10:00:00")));
    assert_eq!(counter.count(), 2);
}

fn ping_answers(db: &TestDatabase) {
    directory(db).ping().unwrap();
}

fn an_exhausted_pool_is_unavailable(db: &TestDatabase) {
    let settings = PoolSettings {
        max_size: 1,
        connection_timeout: Duration::from_millis(300),
    };
    let pool = build_pool(db.url(), &settings).unwrap();
    let directory = DieselCustomerDirectory::new(pool.clone(), verified());
    let _held = pool.get().unwrap();
    let error = directory
        .find_candidates(&query("081234567007", ActivityScope::WhenSeveral))
        .unwrap_err();
    assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
    let error = directory.ping().unwrap_err();
    assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
}

/// The server ends the session under a pooled connection (a restart, a
/// network cut, an administrator's kill): the next lookup on it is
/// `Unavailable` (a 503), not `Failed` (a 500). Client-server engines only.
fn a_connection_the_server_dropped_is_unavailable(db: &TestDatabase) {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;
    use klikorder_persistence::Engine;

    #[derive(diesel::QueryableByName)]
    struct Session {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }

    let (whoami, kill) = match db.engine() {
        Engine::Postgres => (
            "SELECT pg_backend_pid()::bigint AS id",
            "SELECT pg_terminate_backend(",
        ),
        Engine::Mysql => ("SELECT CAST(CONNECTION_ID() AS SIGNED) AS id", "KILL ("),
        _ => return,
    };
    let settings = PoolSettings {
        max_size: 1,
        connection_timeout: Duration::from_secs(2),
    };
    let pool = build_pool(db.url(), &settings).unwrap();
    let session: Session = diesel::sql_query(whoami)
        .get_result(&mut *pool.get().unwrap())
        .unwrap();
    diesel::sql_query(format!("{kill}{})", session.id))
        .execute(&mut *db.connection().unwrap())
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let directory = DieselCustomerDirectory::new(pool, verified());
    let error = directory
        .find_candidates(&query("081234567008", ActivityScope::WhenSeveral))
        .unwrap_err();
    assert!(matches!(error, DirectoryError::Unavailable(_)), "{error:?}");
    // The pool drops the broken connection and opens a new one.
    assert!(
        directory
            .find_candidates(&query("081234567008", ActivityScope::WhenSeveral))
            .unwrap()
            .is_empty()
    );
}
