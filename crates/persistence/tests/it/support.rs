//! Databases, rows and helpers shared by the tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDateTime;
use diesel::connection::{Connection, InstrumentationEvent};
use klikorder_domain::{ActivityScope, CandidateQuery, PhoneNumber};
use klikorder_persistence::customers::NewCustomer;
use klikorder_persistence::depos::NewDepo;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::transactions::CustomerTransaction;
use klikorder_persistence::{DbConnection, customers, depos, transactions};

/// A fresh, migrated SQLite database.
#[cfg(feature = "sqlite")]
pub fn sqlite() -> TestDatabase {
    TestDatabase::sqlite().expect("a temporary SQLite database")
}

/// A fresh, migrated PostgreSQL database, or `None` (after printing the
/// SKIPPED line) when `TEST_POSTGRES_URL` is unset.
#[cfg(feature = "postgres")]
pub fn postgres(test_name: &str) -> Option<TestDatabase> {
    TestDatabase::postgres_from_env(test_name).expect("a fresh PostgreSQL test database")
}

/// A fresh, migrated MySQL / MariaDB database, or `None` (after printing
/// the SKIPPED line) when `TEST_MYSQL_URL` is unset.
#[cfg(feature = "mysql")]
pub fn mysql(test_name: &str) -> Option<TestDatabase> {
    TestDatabase::mysql_from_env(test_name).expect("a fresh MySQL test database")
}

/// `"2026-11-05 03:00:00"` as a timestamp.
pub fn at(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").expect("a valid timestamp")
}

/// The window start the lookup tests use.
pub fn window_start() -> NaiveDateTime {
    at("2026-11-05 03:00:00")
}

/// A verified customer holding `no_hp`, with every other column NULL.
pub fn customer(id: i64, no_hp: Option<&str>) -> NewCustomer {
    NewCustomer {
        id,
        kode: format!("PEL-{id}"),
        nama: format!("Customer {id}"),
        no_hp: no_hp.map(str::to_owned),
        status_pelanggan: Some("Verif".to_owned()),
        ..NewCustomer::default()
    }
}

/// A depot.
pub fn depo(id: i64, kode: &str, nama: &str) -> NewDepo {
    NewDepo {
        id,
        kode: kode.to_owned(),
        nama: nama.to_owned(),
        created_at: None,
        updated_at: None,
    }
}

/// A transaction of `customer_id` at `when`.
pub fn purchase(id: i64, customer_id: i64, when: NaiveDateTime) -> CustomerTransaction {
    CustomerTransaction {
        id,
        customer_id,
        tanggal_transaksi: when,
        created_at: Some(when),
    }
}

/// Inserts rows in one transaction.
pub fn seed(
    db: &TestDatabase,
    depo_rows: &[NewDepo],
    customer_rows: &[NewCustomer],
    transaction_rows: &[CustomerTransaction],
) {
    let mut pooled = db.connection().unwrap();
    let conn: &mut DbConnection = &mut pooled;
    conn.transaction(|conn| {
        depos::insert(conn, depo_rows)?;
        customers::insert(conn, customer_rows)?;
        transactions::insert(conn, transaction_rows)?;
        diesel::QueryResult::Ok(())
    })
    .unwrap();
}

/// A lookup of `number` (any accepted spelling).
pub fn query(number: &str, activity: ActivityScope) -> CandidateQuery {
    CandidateQuery {
        phone: PhoneNumber::parse(number).expect("a valid number"),
        window_start: window_start(),
        activity,
    }
}

/// `["Verif"]`, the default allow-list.
pub fn verified() -> Vec<String> {
    vec!["Verif".to_owned()]
}

/// Counts the statements a connection starts.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicUsize>);

impl StatementCounter {
    /// Starts counting on `conn`.
    pub fn attach(conn: &mut DbConnection) -> Self {
        let counter = Self::default();
        let count = Arc::clone(&counter.0);
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if matches!(event, InstrumentationEvent::StartQuery { .. }) {
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        counter
    }

    /// Statements started since `attach`.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}
