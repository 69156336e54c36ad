//! Integration tests of `klikorder-persistence` against real databases:
//! always SQLite (a temporary file per test), PostgreSQL when
//! `TEST_POSTGRES_URL` is set and MySQL / MariaDB (feature `mysql`) when
//! `TEST_MYSQL_URL` is set (a new database per test). A PostgreSQL or MySQL
//! test without its variable prints `SKIPPED (TEST_…_URL unset): <name>`.

// Test code: a failed unwrap is a failed test. (clippy's allow-*-in-tests
// only covers `#[test]` functions, not the helpers they share.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// For each named `fn name(db: &TestDatabase)` of the calling module,
/// generates `sqlite::name`, `postgres::name` and `mysql::name` tests, each
/// with a fresh, migrated database of its own.
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        #[cfg(feature = "sqlite")]
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    let db = $crate::support::sqlite();
                    super::$name(&db);
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[test]
                fn $name() {
                    let test_name = concat!(module_path!(), "::", stringify!($name));
                    let Some(db) = $crate::support::postgres(test_name) else {
                        return;
                    };
                    super::$name(&db);
                }
            )*
        }

        #[cfg(feature = "mysql")]
        mod mysql {
            $(
                #[test]
                fn $name() {
                    let test_name = concat!(module_path!(), "::", stringify!($name));
                    let Some(db) = $crate::support::mysql(test_name) else {
                        return;
                    };
                    super::$name(&db);
                }
            )*
        }
    };
}

mod activity;
mod async_pg;
mod check;
mod clients;
mod connect;
mod demo;
mod lookup;
mod migrations;
mod plans;
mod schema;
mod support;
