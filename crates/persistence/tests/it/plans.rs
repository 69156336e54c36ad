//! The lookup's two statements use the indexes: no full scan of `customers`
//! or `transactions`, on a database of a few thousand rows after `ANALYZE`.

use chrono::TimeDelta;
use diesel::connection::SimpleConnection;
use klikorder_domain::PhoneNumber;
use klikorder_persistence::customers::NewCustomer;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{Engine, plan};

use crate::support::{customer, depo, purchase, seed, verified, window_start};

engine_tests!(
    the_lookup_statements_use_the_indexes,
    sqlite_statistics_that_replan_every_lookup_are_detected,
);

/// STAT4 samples (SQLite only) are seen, and the documented fix removes
/// them.
fn sqlite_statistics_that_replan_every_lookup_are_detected(db: &TestDatabase) {
    let mut conn = db.connection().unwrap();
    assert!(!plan::sqlite_replans_every_lookup(&mut conn).unwrap());
    if db.engine() != Engine::Sqlite {
        return;
    }
    let customers: Vec<NewCustomer> = (1..=200)
        .map(|id| customer(id, Some(&number_of(id))))
        .collect();
    seed(db, &[], &customers, &[]);
    conn.batch_execute("ANALYZE").unwrap();
    assert!(plan::sqlite_replans_every_lookup(&mut conn).unwrap());
    conn.batch_execute(plan::SQLITE_KEEP_STAT1_ONLY).unwrap();
    assert!(!plan::sqlite_replans_every_lookup(&mut conn).unwrap());
}

const CUSTOMERS: i64 = 4000;
const TRANSACTIONS_EACH: i64 = 5;

/// A distinct, valid-looking number for customer `id` in one of the three
/// stored spellings.
fn number_of(id: i64) -> String {
    match id % 3 {
        0 => format!("0812{id:08}"),
        1 => format!("62813{id:08}"),
        _ => format!("+62857{id:08}"),
    }
}

fn the_lookup_statements_use_the_indexes(db: &TestDatabase) {
    let customers: Vec<NewCustomer> = (1..=CUSTOMERS)
        .map(|id| NewCustomer {
            no_hp_goovi: (id % 4 == 0).then(|| format!("0878{id:08}")),
            depo_id: Some(id % 10 + 1),
            status_pelanggan: Some(if id % 7 == 0 { "Belum Verif" } else { "Verif" }.to_owned()),
            ..customer(id, Some(&number_of(id)))
        })
        .collect();
    let depos: Vec<_> = (1..=10)
        .map(|id| depo(id, &format!("DP{id}"), &format!("Depo {id}")))
        .collect();
    let purchases: Vec<_> = (1..=CUSTOMERS)
        .flat_map(|id| {
            (0..TRANSACTIONS_EACH).map(move |n| {
                purchase(
                    id * TRANSACTIONS_EACH + n,
                    id,
                    window_start() - TimeDelta::days(n * 11 + id % 17),
                )
            })
        })
        .collect();
    seed(db, &depos, &customers, &purchases);

    let mut conn = db.connection().unwrap();
    conn.batch_execute(match db.engine() {
        Engine::Mysql => "ANALYZE TABLE depos, customers, transactions",
        _ => "ANALYZE",
    })
    .unwrap();

    let phone = PhoneNumber::parse("081200000042").unwrap();
    let candidates = plan::explain_candidates(&mut conn, &phone, &verified()).unwrap();
    let activity = plan::explain_activity(&mut conn, &[42, 43, 44], window_start()).unwrap();
    let shown = format!(
        "{} plan of the candidate query:\n  {}\nand of the activity query:\n  {}",
        db.engine(),
        candidates.join("\n  "),
        activity.join("\n  ")
    );
    eprintln!("{shown}");

    let uses = |plan: &[String], index: &str| plan.iter().any(|line| line.contains(index));
    assert!(uses(&candidates, "customers_no_hp_index"), "{shown}");
    assert!(uses(&candidates, "customers_no_hp_goovi_index"), "{shown}");
    assert!(
        uses(
            &activity,
            "transactions_customer_id_tanggal_transaksi_index"
        ),
        "{shown}"
    );

    let full_scan = |line: &String, table: &str| match db.engine() {
        // SQLite: "SCAN customers" (or "SCAN customers USING INDEX …", a
        // full index scan) versus "SEARCH customers USING INDEX … (no_hp=?)".
        Engine::Sqlite => line.trim_start().starts_with(&format!("SCAN {table}")),
        // MySQL: access type ALL (every row) or index (every index entry).
        Engine::Mysql => {
            line.contains(&format!("table={table} "))
                && (line.contains(" type=ALL") || line.contains(" type=index "))
        }
        _ => line.contains(&format!("Seq Scan on {table}")),
    };
    for line in candidates.iter().chain(&activity) {
        for table in ["customers", "transactions"] {
            assert!(!full_scan(line, table), "full scan of {table}: {shown}");
        }
    }
}
