//! Database URLs and connecting: unsupported URLs, the server's own error
//! messages, no password in any message.

use std::time::Duration;

use klikorder_persistence::test_support::TestDatabase;
use klikorder_persistence::{Engine, PersistenceError, PoolSettings, build_pool};

fn settings() -> PoolSettings {
    PoolSettings {
        max_size: 2,
        connection_timeout: Duration::from_secs(5),
    }
}

#[test]
fn a_typo_in_the_scheme_is_an_unsupported_url_without_the_password() {
    for url in [
        "postgress://app:hunter2@127.0.0.1:5432/test",
        "postgre://app:hunter2@127.0.0.1/test",
        "sqlit://klikorder.db",
    ] {
        let error = build_pool(url, &settings()).unwrap_err();
        assert!(
            matches!(error, PersistenceError::UnsupportedUrl(_)),
            "{url}: {error:?}"
        );
        let text = format!("{error} {error:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("expected sqlite:"), "{text}");
    }
}

#[test]
fn a_bare_path_is_refused_and_no_file_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("klikorder.db");
    let url = path.display().to_string();
    let error = build_pool(&url, &settings()).unwrap_err();
    assert!(
        matches!(error, PersistenceError::UnsupportedUrl(_)),
        "{error:?}"
    );
    assert!(!path.exists());
    assert!(Engine::from_url("klikorder.db").is_err());
}

#[cfg(not(feature = "mysql"))]
#[test]
fn mysql_needs_the_mysql_feature() {
    let error = build_pool("mysql://app:hunter2@db/klikorder", &settings()).unwrap_err();
    assert!(
        matches!(error, PersistenceError::EngineUnavailable { .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("built without MySQL support; rebuild with --features mysql"),
        "{text}"
    );
    assert!(!text.contains("hunter2"));
}

/// `TEST_MYSQL_URL` with its user (and password) replaced.
#[cfg(feature = "mysql")]
fn mysql_with_user(test_name: &str, user: &str, password: Option<&str>) -> Option<String> {
    let base = klikorder_persistence::test_support::mysql_base_url(test_name)?;
    let mut url = url::Url::parse(&base).unwrap();
    url.set_username(user).unwrap();
    url.set_password(password).unwrap();
    Some(url.to_string())
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_refusals_carry_the_servers_message() {
    let test_name = concat!(module_path!(), "::mysql_refusals_carry_the_servers_message");
    for user in ["nosuchuser", "root"] {
        let Some(url) = mysql_with_user(test_name, user, Some("hunter2")) else {
            return;
        };
        let started = std::time::Instant::now();
        let error = build_pool(&url, &settings()).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(4), "fails fast");
        assert!(
            matches!(&error, PersistenceError::Connection(failure) if failure.engine == Engine::Mysql),
            "{error:?}"
        );
        let text = error.to_string();
        // The server's own words, e.g. "Access denied for user
        // 'root'@'localhost' (using password: YES)".
        assert!(
            text.contains(&format!("Access denied for user '{user}'@")),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!format!("{error:?}").contains("hunter2"));
        assert!(text.contains(&format!("{user}:***@")), "{text}");
    }
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_unknown_database_carries_the_servers_message() {
    let Some(base) = klikorder_persistence::test_support::mysql_base_url(concat!(
        module_path!(),
        "::mysql_unknown_database_carries_the_servers_message"
    )) else {
        return;
    };
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path("/klikorder_no_such_database");
    let error = build_pool(url.as_str(), &settings()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("Unknown database 'klikorder_no_such_database'"),
        "{error}"
    );
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_unreachable_port_fails_fast() {
    // Nothing listens on port 9 of this machine: refused at once. (A host
    // that drops packets would wait for the connection timeout instead.)
    let started = std::time::Instant::now();
    let error = build_pool("mysql://app:hunter2@127.0.0.1:9/klikorder", &settings()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(6));
    let text = error.to_string();
    assert!(text.contains("cannot reach 127.0.0.1:9"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[cfg(feature = "mysql")]
#[test]
fn mysql_test_databases_are_dropped() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }

    let Some(base) = klikorder_persistence::test_support::mysql_base_url(concat!(
        module_path!(),
        "::mysql_test_databases_are_dropped"
    )) else {
        return;
    };
    let db = TestDatabase::mysql(&base).unwrap();
    let name = url::Url::parse(db.url())
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    assert!(name.starts_with("klikorder_test_"), "{name}");
    drop(db);
    let pool = build_pool(&base, &settings()).unwrap();
    let mut conn = pool.get().unwrap();
    let left: Count = diesel::sql_query(
        "SELECT COUNT(*) AS count FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind::<diesel::sql_types::Text, _>(&name)
    .get_result(&mut *conn)
    .unwrap();
    assert_eq!(left.count, 0);
}

#[test]
fn pool_settings_must_be_usable() {
    let zero = PoolSettings {
        max_size: 0,
        ..settings()
    };
    assert!(matches!(
        build_pool("sqlite::memory:", &zero),
        Err(PersistenceError::InvalidSettings(_))
    ));
    let no_wait = PoolSettings {
        connection_timeout: Duration::ZERO,
        ..settings()
    };
    assert!(matches!(
        build_pool("sqlite::memory:", &no_wait),
        Err(PersistenceError::InvalidSettings(_))
    ));
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_creates_a_missing_file_but_not_its_directory() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.db");
    let pool = build_pool(&format!("sqlite://{}", file.display()), &settings()).unwrap();
    assert!(file.exists());
    drop(pool);

    let missing = dir.path().join("no-such-dir").join("new.db");
    let error = build_pool(&format!("sqlite:{}", missing.display()), &settings()).unwrap_err();
    assert!(
        matches!(error, PersistenceError::Connection(_)),
        "{error:?}"
    );
    assert!(error.to_string().contains("does not exist"), "{error}");
    assert!(!missing.exists());
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_connections_get_wal_foreign_keys_and_a_busy_timeout() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Text};

    #[derive(diesel::QueryableByName)]
    struct Mode {
        #[diesel(sql_type = Text)]
        journal_mode: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Flag {
        #[diesel(sql_type = BigInt)]
        foreign_keys: i64,
    }
    #[derive(diesel::QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }

    let db = TestDatabase::sqlite().unwrap();
    let mut conn = db.connection().unwrap();
    let mode: Mode = diesel::sql_query("PRAGMA journal_mode")
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(mode.journal_mode, "wal");
    let flag: Flag = diesel::sql_query("PRAGMA foreign_keys")
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(flag.foreign_keys, 1);
    let timeout: Timeout = diesel::sql_query("PRAGMA busy_timeout")
        .get_result(&mut *conn)
        .unwrap();
    assert!(timeout.timeout >= 1000, "{}", timeout.timeout);

    // The foreign keys are enforced.
    let orphan = klikorder_persistence::transactions::insert(
        &mut conn,
        &[crate::support::purchase(
            1,
            999,
            crate::support::window_start(),
        )],
    );
    assert!(orphan.is_err());
}

/// `TEST_POSTGRES_URL` with its user (and password) replaced.
#[cfg(feature = "postgres")]
fn with_user(test_name: &str, user: &str, password: Option<&str>) -> Option<String> {
    let base = klikorder_persistence::test_support::postgres_base_url(test_name)?;
    let mut url = url::Url::parse(&base).unwrap();
    url.set_username(user).unwrap();
    url.set_password(password).unwrap();
    Some(url.to_string())
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_refusals_carry_the_servers_message() {
    let Some(url) = with_user(
        concat!(
            module_path!(),
            "::postgres_refusals_carry_the_servers_message"
        ),
        "nosuchuser",
        Some("hunter2"),
    ) else {
        return;
    };
    let started = std::time::Instant::now();
    let error = build_pool(&url, &settings()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "fails fast");
    assert!(
        matches!(&error, PersistenceError::Connection(failure) if failure.engine == Engine::Postgres),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains("role \"nosuchuser\" does not exist")
            || text.contains("password authentication failed for user \"nosuchuser\""),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!format!("{error:?}").contains("hunter2"));
    assert!(text.contains("nosuchuser:***@"), "{text}");
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_unknown_database_carries_the_servers_message() {
    let Some(base) = klikorder_persistence::test_support::postgres_base_url(concat!(
        module_path!(),
        "::postgres_unknown_database_carries_the_servers_message"
    )) else {
        return;
    };
    let mut url = url::Url::parse(&base).unwrap();
    url.set_path("/klikorder_no_such_database");
    let error = build_pool(url.as_str(), &settings()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("database \"klikorder_no_such_database\" does not exist"),
        "{error}"
    );
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_test_databases_are_dropped() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::BigInt;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        count: i64,
    }

    let Some(base) = klikorder_persistence::test_support::postgres_base_url(concat!(
        module_path!(),
        "::postgres_test_databases_are_dropped"
    )) else {
        return;
    };
    let db = TestDatabase::postgres(&base).unwrap();
    let name = url::Url::parse(db.url())
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    assert!(name.starts_with("klikorder_test_"), "{name}");
    drop(db);
    let pool = build_pool(&base, &settings()).unwrap();
    let mut conn = pool.get().unwrap();
    let left: Count =
        diesel::sql_query("SELECT COUNT(*) AS count FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result(&mut *conn)
            .unwrap();
    assert_eq!(left.count, 0);
}

#[test]
fn debug_output_masks_the_password() {
    let manager = klikorder_persistence::ConnectionManager::new(
        "postgres://app:hunter2@db.invalid/klikorder",
        Duration::from_secs(1),
    );
    if let Ok(manager) = manager {
        let debug = format!("{manager:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("app:***@db.invalid"), "{debug}");
        assert_eq!(
            manager.display_url(),
            "postgres://app:***@db.invalid/klikorder"
        );
    }
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_connections_keep_generic_plans() {
    use diesel::RunQueryDsl;
    use diesel::sql_types::Text;

    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        plan_cache_mode: String,
    }

    let Some(base) = klikorder_persistence::test_support::postgres_base_url(concat!(
        module_path!(),
        "::postgres_connections_keep_generic_plans"
    )) else {
        return;
    };
    let db = TestDatabase::postgres(&base).unwrap();
    // Every pooled connection, not only the first.
    let mut first = db.connection().unwrap();
    let mut second = db.connection().unwrap();
    for conn in [&mut first, &mut second] {
        let setting: Setting = diesel::sql_query("SHOW plan_cache_mode")
            .get_result(&mut **conn)
            .unwrap();
        assert_eq!(setting.plan_cache_mode, "force_generic_plan");
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn pool_waits_and_timeouts_are_counted() {
    use std::sync::Arc;
    use std::time::Duration;

    use klikorder_persistence::{PoolSettings, PoolWaits, build_observed_pool};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("waits.db").display());
    let waits = Arc::new(PoolWaits::default());
    let pool = build_observed_pool(
        &url,
        &PoolSettings {
            max_size: 1,
            connection_timeout: Duration::from_millis(200),
        },
        Arc::clone(&waits),
    )
    .unwrap();
    drop(pool.get().unwrap());
    assert_eq!(
        (waits.waits(), waits.timeouts()),
        (0, 0),
        "an idle connection is no wait"
    );

    let held = pool.get().unwrap();
    assert!(pool.get().is_err(), "the only connection is taken");
    assert_eq!(waits.timeouts(), 1);

    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        drop(held);
    });
    drop(pool.get().unwrap());
    releaser.join().unwrap();
    assert_eq!(waits.waits(), 1);
    assert!(waits.waited_micros() >= 10_000, "{}", waits.waited_micros());
}

#[cfg(feature = "sqlite")]
#[test]
fn a_sqlite_file_that_disappears_is_an_outage_not_a_new_empty_database() {
    use std::time::Duration;

    use diesel::r2d2::ManageConnection;
    use klikorder_persistence::ConnectionManager;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gone.db");
    let manager = ConnectionManager::new(
        &format!("sqlite://{}", file.display()),
        Duration::from_secs(1),
    )
    .unwrap();
    drop(manager.connect().unwrap());
    assert!(file.exists(), "the first connection creates the file");
    std::fs::remove_file(&file).unwrap();
    let error = manager.connect().map(drop).unwrap_err();
    assert!(error.to_string().contains("disappeared"), "{error}");
    assert!(!file.exists(), "no empty database was created in its place");
    // A clone (as r2d2 keeps) knows the file was opened too.
    assert!(manager.clone().connect().is_err());
}
