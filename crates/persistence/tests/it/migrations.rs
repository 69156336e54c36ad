//! Migrations: applied once, idempotent.

use diesel::prelude::*;
use klikorder_persistence::schema::customers;
use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{DbConnection, known_versions, run_pending_migrations};

fn migrations_apply_once(db: &TestDatabase) {
    let expected = known_versions(&db.connection().unwrap());
    assert!(expected.len() >= 2, "{expected:?}");

    let applied = run_pending_migrations(db.pool()).unwrap();
    assert_eq!(applied, expected);
    let again = run_pending_migrations(db.pool()).unwrap();
    assert!(again.is_empty(), "{again:?}");

    // The tables exist and are empty.
    let mut conn = db.connection().unwrap();
    let count: i64 = customers::table.count().get_result(&mut conn).unwrap();
    assert_eq!(count, 0);

    // Every down.sql works: revert everything, then apply again.
    let reverted = revert_all(&mut conn);
    assert_eq!(reverted.len(), expected.len());
    assert!(
        customers::table
            .count()
            .get_result::<i64>(&mut conn)
            .is_err()
    );
    drop(conn);
    assert_eq!(run_pending_migrations(db.pool()).unwrap(), expected);
}

fn revert_all(conn: &mut DbConnection) -> Vec<String> {
    use diesel_migrations::MigrationHarness;

    let reverted = match conn {
        #[cfg(feature = "postgres")]
        DbConnection::Pg(pg) => {
            pg.revert_all_migrations(klikorder_persistence::POSTGRES_MIGRATIONS)
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(mysql) => {
            mysql.revert_all_migrations(klikorder_persistence::MYSQL_MIGRATIONS)
        }
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(sqlite) => {
            sqlite.revert_all_migrations(klikorder_persistence::SQLITE_MIGRATIONS)
        }
    };
    reverted.unwrap().iter().map(ToString::to_string).collect()
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_migrations_apply_once_and_are_idempotent() {
    migrations_apply_once(&TestDatabase::sqlite_unmigrated().unwrap());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_migrations_apply_once_and_are_idempotent() {
    let Some(base_url) = klikorder_persistence::test_support::postgres_base_url(concat!(
        module_path!(),
        "::postgres_migrations_apply_once_and_are_idempotent"
    )) else {
        return;
    };
    migrations_apply_once(&TestDatabase::postgres_unmigrated(&base_url).unwrap());
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_migrations_apply_once_and_are_idempotent() {
    let Some(base_url) = klikorder_persistence::test_support::mysql_base_url(concat!(
        module_path!(),
        "::mysql_migrations_apply_once_and_are_idempotent"
    )) else {
        return;
    };
    migrations_apply_once(&TestDatabase::mysql_unmigrated(&base_url).unwrap());
}

#[test]
fn every_engine_has_the_same_migration_versions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations");
    let versions = |engine: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join(engine))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(versions("postgres"), versions("sqlite"));
    assert_eq!(versions("postgres"), versions("mysql"));
    for name in versions("postgres") {
        for engine in ["postgres", "mysql", "sqlite"] {
            for file in ["up.sql", "down.sql"] {
                assert!(
                    dir.join(engine).join(&name).join(file).is_file(),
                    "{engine}/{name}/{file}"
                );
            }
        }
    }
}
