//! Checking a database the service does not own (`check_schema`), and what
//! the server's `doctor` reads (`scan_stored_phone_numbers`,
//! `count_customers`).

use diesel::connection::SimpleConnection;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{
    DbConnection, Engine, SchemaProblem, check_schema, check_schema_with_pool, count_customers,
    scan_stored_phone_numbers,
};

use crate::support::{customer, seed};

engine_tests!(
    a_freshly_migrated_database_has_no_problems,
    a_dropped_index_is_reported_with_a_statement_that_fixes_it,
    the_composite_index_counts_by_its_leading_columns,
    dropped_columns_are_reported_alone,
    dropped_tables_are_reported_alone,
    wrong_types_and_nullability_are_reported,
    stored_numbers_are_scanned_page_by_page,
);

fn problems(db: &TestDatabase) -> Vec<SchemaProblem> {
    let mut conn = db.connection().unwrap();
    check_schema(&mut conn).unwrap()
}

fn lines(problems: &[SchemaProblem]) -> Vec<String> {
    problems.iter().map(ToString::to_string).collect()
}

fn run(db: &TestDatabase, sql: &str) {
    let mut conn = db.connection().unwrap();
    let conn: &mut DbConnection = &mut conn;
    conn.batch_execute(sql)
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// `DROP INDEX` in the engine's syntax.
fn drop_index(db: &TestDatabase, table: &str, index: &str) {
    match db.engine() {
        Engine::Mysql => run(db, &format!("DROP INDEX {index} ON {table}")),
        _ => run(db, &format!("DROP INDEX {index}")),
    }
}

fn a_freshly_migrated_database_has_no_problems(db: &TestDatabase) {
    assert_eq!(lines(&problems(db)), Vec::<String>::new());
    assert!(check_schema_with_pool(db.pool()).unwrap().is_empty());
}

fn a_dropped_index_is_reported_with_a_statement_that_fixes_it(db: &TestDatabase) {
    drop_index(db, "customers", "customers_no_hp_goovi_index");
    let found = problems(db);
    let expected = match db.engine() {
        Engine::Postgres => {
            "CREATE INDEX CONCURRENTLY customers_no_hp_goovi_index ON customers (no_hp_goovi);"
        }
        Engine::Mysql => {
            "CREATE INDEX customers_no_hp_goovi_index ON customers (no_hp_goovi) ALGORITHM=INPLACE LOCK=NONE;"
        }
        _ => "CREATE INDEX customers_no_hp_goovi_index ON customers (no_hp_goovi);",
    };
    assert_eq!(
        found,
        [SchemaProblem::MissingIndex {
            table: "customers",
            columns: &["no_hp_goovi"],
            create_index: expected.to_owned(),
        }]
    );
    assert_eq!(
        found[0].to_string(),
        format!("index on customers(no_hp_goovi) is missing — {expected}")
    );
    // The suggested statement works, and then nothing is missing.
    run(db, found[0].create_index().unwrap());
    assert_eq!(lines(&problems(db)), Vec::<String>::new());
}

fn the_composite_index_counts_by_its_leading_columns(db: &TestDatabase) {
    let index = "transactions_customer_id_tanggal_transaksi_index";
    match db.engine() {
        // MySQL keeps an index for the foreign key; drop the key with it.
        Engine::Mysql => run(
            db,
            &format!(
                "ALTER TABLE transactions DROP FOREIGN KEY transactions_customer_id_foreign, \
                 DROP INDEX {index}"
            ),
        ),
        _ => drop_index(db, "transactions", index),
    }
    // An index on customer_id alone does not serve the activity query.
    run(
        db,
        "CREATE INDEX transactions_customer_only ON transactions (customer_id)",
    );
    assert_eq!(
        lines(&problems(db)),
        [format!(
            "index on transactions(customer_id, tanggal_transaksi) is missing — {}",
            match db.engine() {
                Engine::Postgres => format!(
                    "CREATE INDEX CONCURRENTLY {index} ON transactions (customer_id, tanggal_transaksi);"
                ),
                Engine::Mysql => format!(
                    "CREATE INDEX {index} ON transactions (customer_id, tanggal_transaksi) ALGORITHM=INPLACE LOCK=NONE;"
                ),
                _ => format!(
                    "CREATE INDEX {index} ON transactions (customer_id, tanggal_transaksi);"
                ),
            }
        )]
    );
    // One of another name that begins with both columns (and has more) does.
    run(
        db,
        "CREATE INDEX transactions_by_customer_and_date \
         ON transactions (customer_id, tanggal_transaksi, id)",
    );
    assert_eq!(lines(&problems(db)), Vec::<String>::new());
}

fn dropped_columns_are_reported_alone(db: &TestDatabase) {
    run(db, "ALTER TABLE customers DROP COLUMN kota");
    assert_eq!(
        lines(&problems(db)),
        ["table customers: column kota is missing"]
    );
    // An indexed column: its index goes too (SQLite wants it dropped
    // first), but only the column is reported.
    if db.engine() == Engine::Sqlite {
        drop_index(db, "customers", "customers_no_hp_goovi_index");
    }
    run(db, "ALTER TABLE customers DROP COLUMN no_hp_goovi");
    assert_eq!(
        lines(&problems(db)),
        [
            "table customers: column no_hp_goovi is missing",
            "table customers: column kota is missing",
        ]
    );
}

fn dropped_tables_are_reported_alone(db: &TestDatabase) {
    run(db, "DROP TABLE transactions");
    assert_eq!(
        problems(db),
        [SchemaProblem::MissingTable {
            table: "transactions"
        }]
    );
    run(db, "DROP TABLE api_clients");
    assert_eq!(
        lines(&problems(db)),
        [
            "table transactions is missing",
            "table api_clients is missing"
        ]
    );
}

fn wrong_types_and_nullability_are_reported(db: &TestDatabase) {
    let timestamp = match db.engine() {
        Engine::Mysql => "DATETIME",
        _ => "TIMESTAMP",
    };
    run(db, "DROP TABLE api_clients");
    run(
        db,
        &format!(
            "CREATE TABLE api_clients (
                client_id VARCHAR(64) NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                key_hash VARCHAR(255) NULL,
                created_at BIGINT NOT NULL,
                updated_at {timestamp} NOT NULL,
                revoked_at {timestamp} NULL,
                expires_at {timestamp} NULL,
                last_seen_at {timestamp} NULL
            )"
        ),
    );
    let found = problems(db);
    assert_eq!(found.len(), 3, "{:?}", lines(&found));
    assert_eq!(
        found[0].to_string(),
        "table api_clients: column name is NOT NULL; the service stores NULL in it"
    );
    assert_eq!(
        found[1].to_string(),
        "table api_clients: column key_hash allows NULL; the service needs it NOT NULL"
    );
    assert!(
        matches!(
            &found[2],
            SchemaProblem::IncompatibleType { table: "api_clients", column: "created_at", found, .. }
                if found.to_ascii_lowercase().starts_with("bigint")
        ),
        "{:?}",
        found[2]
    );
    let line = found[2].to_string();
    assert!(
        line.starts_with("table api_clients: column created_at has type "),
        "{line}"
    );
    assert!(
        line.contains(", expected ") && line.contains("TIMESTAMP"),
        "{line}"
    );
}

fn stored_numbers_are_scanned_page_by_page(db: &TestDatabase) {
    let mut rows = vec![
        customer(3, Some("081234567890")),
        customer(10, None),
        customer(11, Some("+6281234567891")),
        customer(25, Some("not a number")),
        customer(40, None),
    ];
    rows[1].no_hp_goovi = Some("6285712345678".to_owned());
    rows[4].deleted_at = Some(crate::support::window_start());
    seed(db, &[], &rows, &[]);

    let mut conn = db.connection().unwrap();
    assert_eq!(count_customers(&mut conn).unwrap(), 5);
    let mut pages = Vec::new();
    let mut after = i64::MIN;
    loop {
        let page = scan_stored_phone_numbers(&mut conn, after, 2).unwrap();
        let Some(last) = page.last() else { break };
        after = last.0;
        pages.push(page);
    }
    let some = |s: &str| Some(s.to_owned());
    assert_eq!(
        pages,
        [
            vec![
                (3, some("081234567890"), None),
                (10, None, some("6285712345678"))
            ],
            vec![
                (11, some("+6281234567891"), None),
                (25, some("not a number"), None)
            ],
            vec![(40, None, None)],
        ]
    );
    assert!(
        scan_stored_phone_numbers(&mut conn, 11, 0)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        scan_stored_phone_numbers(&mut conn, 11, 100).unwrap().len(),
        2
    );
}

/// A KlikOrder database as Laravel creates it on MySQL (`BIGINT UNSIGNED`
/// ids, `TIMESTAMP` columns, an `ENUM` status, no `api_clients`): the check
/// asks only for `api_clients`, and the lookup reads it.
#[cfg(feature = "mysql")]
#[test]
fn a_laravel_shaped_mysql_database_passes_the_check_and_answers_lookups() {
    use chrono::TimeDelta;
    use klikorder_domain::{ActivityScope, CustomerDirectory, TransactionActivity};
    use klikorder_persistence::DieselCustomerDirectory;

    let Some(base) = klikorder_persistence::test_support::mysql_base_url(concat!(
        module_path!(),
        "::a_laravel_shaped_mysql_database_passes_the_check_and_answers_lookups"
    )) else {
        return;
    };
    let db = TestDatabase::mysql_unmigrated(&base).unwrap();
    run(
        &db,
        "CREATE TABLE depos (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            kode VARCHAR(255) NOT NULL UNIQUE, nama VARCHAR(255) NOT NULL,
            created_at TIMESTAMP NULL, updated_at TIMESTAMP NULL
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
        CREATE TABLE customers (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            kode VARCHAR(255) NOT NULL UNIQUE, nama VARCHAR(255) NOT NULL,
            nama_pemilik VARCHAR(255) NULL, kontak_person VARCHAR(255) NULL,
            no_hp VARCHAR(255) NULL, no_hp_goovi VARCHAR(255) NULL,
            status_pelanggan ENUM('Verif', 'Belum Verif') NULL,
            keperluan_pelanggan VARCHAR(255) NULL,
            latitude VARCHAR(255) NULL, longitude VARCHAR(255) NULL,
            alamat_lengkap TEXT NULL, kelurahan VARCHAR(255) NULL,
            kecamatan VARCHAR(255) NULL, kota VARCHAR(255) NULL, provinsi VARCHAR(255) NULL,
            depo_id BIGINT UNSIGNED NULL,
            created_at TIMESTAMP NULL, updated_at TIMESTAMP NULL, deleted_at TIMESTAMP NULL,
            extra_laravel_column VARCHAR(10) NULL,
            INDEX customers_no_hp_index (no_hp),
            INDEX customers_no_hp_goovi_index (no_hp_goovi),
            CONSTRAINT customers_depo_id_foreign FOREIGN KEY (depo_id) REFERENCES depos (id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
        CREATE TABLE transactions (
            id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
            customer_id BIGINT UNSIGNED NOT NULL,
            tanggal_transaksi DATETIME NOT NULL, created_at TIMESTAMP NULL,
            INDEX transactions_customer_id_tanggal_transaksi_index (customer_id, tanggal_transaksi),
            CONSTRAINT transactions_customer_id_foreign FOREIGN KEY (customer_id) REFERENCES customers (id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
        INSERT INTO depos (id, kode, nama) VALUES (30, 'DPS30', 'Depo Pontianak');
        INSERT INTO customers (id, kode, nama, no_hp, status_pelanggan, depo_id, created_at)
            VALUES (4832, 'PEL-1', 'Winda', '081521979154', 'Verif', 30, '2026-01-02 03:04:05'),
                   (4833, 'PEL-2', 'Winda lama', '+6281521979154', 'Verif', NULL, NULL);
        INSERT INTO transactions (customer_id, tanggal_transaksi)
            VALUES (4832, '2026-11-20 10:00:00'), (4832, '2026-10-01 10:00:00');",
    );
    assert_eq!(lines(&problems(&db)), ["table api_clients is missing"]);

    let directory = DieselCustomerDirectory::new(db.pool().clone(), vec!["Verif".to_owned()]);
    let mut found = directory
        .find_candidates(&crate::support::query(
            "6281521979154",
            ActivityScope::WhenSeveral,
        ))
        .unwrap();
    found.sort_by_key(|c| c.customer.id);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].customer.id, 4832);
    assert_eq!(found[0].customer.depo.as_ref().map(|d| d.id), Some(30));
    assert_eq!(
        found[0].customer.created_at,
        Some(crate::support::at("2026-01-02 03:04:05"))
    );
    assert_eq!(found[0].customer.status_pelanggan.as_deref(), Some("Verif"));
    assert_eq!(
        found[0].activity,
        Some(TransactionActivity {
            recent_transactions: 1,
            last_transaction: Some(
                crate::support::window_start() + TimeDelta::days(15) + TimeDelta::hours(7)
            ),
        })
    );
    assert_eq!(found[1].customer.depo, None);
}
