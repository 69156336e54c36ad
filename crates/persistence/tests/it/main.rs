//! Integration tests of `klikorder-persistence` against real databases:
//! always SQLite (a temporary file per test), and PostgreSQL when
//! `TEST_POSTGRES_URL` is set (a new database per test). A PostgreSQL test
//! without that variable prints `SKIPPED (TEST_POSTGRES_URL unset): <name>`.

// Test code: a failed unwrap is a failed test. (clippy's allow-*-in-tests
// only covers `#[test]` functions, not the helpers they share.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

/// For each named `fn name(db: &TestDatabase)` of the calling module,
/// generates `sqlite::name` and `postgres::name` tests, each with a fresh,
/// migrated database of its own.
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
    };
}

mod activity;
mod clients;
mod connect;
mod demo;
mod lookup;
mod migrations;
mod plans;
mod schema;
mod support;
