//! Fresh, migrated databases for tests (cargo feature `test-support`), for
//! this crate's tests and for the other crates' end-to-end tests.
//!
//! ```no_run
//! use klikorder_persistence::test_support::TestDatabase;
//!
//! # #[cfg(all(feature = "sqlite", feature = "postgres"))] {
//! // SQLite: a file in a temporary directory, removed on drop.
//! let db = TestDatabase::sqlite()?;
//! let pool = db.pool().clone();
//!
//! // PostgreSQL, when TEST_POSTGRES_URL is set: a new database with a random
//! // name, dropped on drop. Prints a SKIPPED line and gives None otherwise.
//! if let Some(db) = TestDatabase::postgres_from_env("my_test")? {
//!     println!("testing against {}", db.url());
//! }
//! # }
//! // MySQL / MariaDB (feature `mysql`), when TEST_MYSQL_URL is set: the same.
//! # #[cfg(feature = "mysql")]
//! if let Some(db) = TestDatabase::mysql_from_env("my_test")? {
//!     println!("testing against {}", db.url());
//! }
//! # Ok::<(), klikorder_persistence::PersistenceError>(())
//! ```

use std::io::Write as _;
use std::time::Duration;

use crate::{
    DbPool, Engine, PersistenceError, PoolSettings, PooledConnection, build_pool,
    run_pending_migrations,
};

/// The environment variable naming the PostgreSQL server for tests, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Each test creates (and drops)
/// its own database there; the URL's own database is only used to connect.
pub const POSTGRES_URL_VAR: &str = "TEST_POSTGRES_URL";

/// The environment variable naming the MySQL / MariaDB server for tests,
/// e.g. `mysql://root@127.0.0.1:3306/test`. Each test creates (and drops)
/// its own database there; the URL's own database is not used.
pub const MYSQL_URL_VAR: &str = "TEST_MYSQL_URL";

/// The pool settings test databases use.
#[must_use]
pub fn test_pool_settings() -> PoolSettings {
    PoolSettings {
        max_size: 4,
        connection_timeout: Duration::from_secs(10),
    }
}

/// A database of its own for one test, with a pool; removed on drop.
pub struct TestDatabase {
    url: String,
    engine: Engine,
    pool: Option<DbPool>,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The SQLite file's directory, deleted on drop.
    #[cfg(feature = "sqlite")]
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    /// A PostgreSQL database to drop, and where to connect to drop it.
    #[cfg(feature = "postgres")]
    Postgres { base_url: String, name: String },
    /// A MySQL database to drop, and where to connect to drop it.
    #[cfg(feature = "mysql")]
    Mysql { base_url: String, name: String },
}

impl std::fmt::Debug for TestDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestDatabase")
            .field("engine", &self.engine)
            .field("url", &crate::engine::redact(&self.url))
            .finish_non_exhaustive()
    }
}

impl TestDatabase {
    /// A migrated SQLite database in a new temporary file.
    ///
    /// # Errors
    ///
    /// When the file cannot be created or migrated.
    #[cfg(feature = "sqlite")]
    pub fn sqlite() -> Result<Self, PersistenceError> {
        Self::sqlite_unmigrated()?.migrated()
    }

    /// An empty SQLite database (no tables) in a new temporary file.
    ///
    /// # Errors
    ///
    /// When the file cannot be created.
    #[cfg(feature = "sqlite")]
    pub fn sqlite_unmigrated() -> Result<Self, PersistenceError> {
        let dir = tempfile::Builder::new()
            .prefix("klikorder-test-")
            .tempdir()
            .map_err(|error| {
                PersistenceError::Connection(crate::error::ConnectionFailure {
                    engine: Engine::Sqlite,
                    target: "a temporary directory".to_owned(),
                    error: diesel::ConnectionError::BadConnection(error.to_string()),
                })
            })?;
        let url = format!("sqlite://{}", dir.path().join("test.sqlite3").display());
        let pool = build_pool(&url, &test_pool_settings())?;
        Ok(Self {
            url,
            engine: Engine::Sqlite,
            pool: Some(pool),
            cleanup: Cleanup::Sqlite(dir),
        })
    }

    /// A migrated PostgreSQL database, newly created on the server of
    /// `base_url` with a random name.
    ///
    /// # Errors
    ///
    /// When the server refuses the connection or `CREATE DATABASE`.
    #[cfg(feature = "postgres")]
    pub fn postgres(base_url: &str) -> Result<Self, PersistenceError> {
        Self::postgres_unmigrated(base_url)?.migrated()
    }

    /// An empty PostgreSQL database (no tables), newly created on the server
    /// of `base_url` with a random name.
    ///
    /// # Errors
    ///
    /// When the server refuses the connection or `CREATE DATABASE`.
    #[cfg(feature = "postgres")]
    pub fn postgres_unmigrated(base_url: &str) -> Result<Self, PersistenceError> {
        let name = unique_name();
        let mut parsed = url::Url::parse(base_url).map_err(|error| {
            PersistenceError::UnsupportedUrl(format!("{POSTGRES_URL_VAR} does not parse: {error}"))
        })?;
        use diesel::connection::SimpleConnection;

        let mut admin = connect_admin(base_url)?;
        admin
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .map_err(PersistenceError::Query)?;
        parsed.set_path(&format!("/{name}"));
        let url = parsed.to_string();
        // From here on, Drop removes the database whatever happens.
        let mut database = Self {
            url,
            engine: Engine::Postgres,
            pool: None,
            cleanup: Cleanup::Postgres {
                base_url: base_url.to_owned(),
                name,
            },
        };
        database.pool = Some(build_pool(&database.url, &test_pool_settings())?);
        Ok(database)
    }

    /// [`postgres`](Self::postgres) on the server named by
    /// [`POSTGRES_URL_VAR`]; when it is unset, prints
    /// `SKIPPED (TEST_POSTGRES_URL unset): <test_name>` to stderr and
    /// returns `None`, so the test can return without passing silently.
    ///
    /// # Errors
    ///
    /// As [`postgres`](Self::postgres).
    #[cfg(feature = "postgres")]
    pub fn postgres_from_env(test_name: &str) -> Result<Option<Self>, PersistenceError> {
        match postgres_base_url(test_name) {
            Some(base_url) => Self::postgres(&base_url).map(Some),
            None => Ok(None),
        }
    }

    /// A migrated MySQL / MariaDB database, newly created on the server of
    /// `base_url` with a random name (`utf8mb4`).
    ///
    /// # Errors
    ///
    /// When the server refuses the connection or `CREATE DATABASE`.
    #[cfg(feature = "mysql")]
    pub fn mysql(base_url: &str) -> Result<Self, PersistenceError> {
        Self::mysql_unmigrated(base_url)?.migrated()
    }

    /// An empty MySQL / MariaDB database (no tables), newly created on the
    /// server of `base_url` with a random name.
    ///
    /// # Errors
    ///
    /// When the server refuses the connection or `CREATE DATABASE`.
    #[cfg(feature = "mysql")]
    pub fn mysql_unmigrated(base_url: &str) -> Result<Self, PersistenceError> {
        use diesel::connection::SimpleConnection;

        let name = unique_name();
        let mut parsed = url::Url::parse(base_url).map_err(|error| {
            PersistenceError::UnsupportedUrl(format!("{MYSQL_URL_VAR} does not parse: {error}"))
        })?;
        let mut admin = connect_mysql_admin(base_url)?;
        admin
            .batch_execute(&format!(
                "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            ))
            .map_err(PersistenceError::Query)?;
        parsed.set_path(&format!("/{name}"));
        let url = parsed.to_string();
        // From here on, Drop removes the database whatever happens.
        let mut database = Self {
            url,
            engine: Engine::Mysql,
            pool: None,
            cleanup: Cleanup::Mysql {
                base_url: base_url.to_owned(),
                name,
            },
        };
        database.pool = Some(build_pool(&database.url, &test_pool_settings())?);
        Ok(database)
    }

    /// [`mysql`](Self::mysql) on the server named by [`MYSQL_URL_VAR`];
    /// when it is unset, prints `SKIPPED (TEST_MYSQL_URL unset): <test_name>`
    /// to stderr and returns `None`, so the test can return without passing
    /// silently.
    ///
    /// # Errors
    ///
    /// As [`mysql`](Self::mysql).
    #[cfg(feature = "mysql")]
    pub fn mysql_from_env(test_name: &str) -> Result<Option<Self>, PersistenceError> {
        match mysql_base_url(test_name) {
            Some(base_url) => Self::mysql(&base_url).map(Some),
            None => Ok(None),
        }
    }

    fn migrated(self) -> Result<Self, PersistenceError> {
        run_pending_migrations(self.pool())?;
        Ok(self)
    }

    /// The database's URL (with its password, if the base URL had one).
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's engine.
    #[must_use]
    pub const fn engine(&self) -> Engine {
        self.engine
    }

    /// A pool over the database.
    ///
    /// # Panics
    ///
    /// Never: the pool is only taken away while dropping.
    #[must_use]
    pub fn pool(&self) -> &DbPool {
        match &self.pool {
            Some(pool) => pool,
            None => unreachable!("the pool exists until drop"),
        }
    }

    /// A connection from the pool.
    ///
    /// # Errors
    ///
    /// [`PersistenceError::Pool`].
    pub fn connection(&self) -> Result<PooledConnection, PersistenceError> {
        Ok(self.pool().get()?)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Close our connections first.
        drop(self.pool.take());
        match &self.cleanup {
            #[cfg(feature = "sqlite")]
            Cleanup::Sqlite(_) => {}
            #[cfg(feature = "postgres")]
            Cleanup::Postgres { base_url, name } => {
                use diesel::connection::SimpleConnection;

                let dropped = connect_admin(base_url).and_then(|mut admin| {
                    admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .map_err(PersistenceError::Query)
                });
                if let Err(error) = dropped {
                    eprintln!("could not drop test database {name}: {error}");
                }
            }
            #[cfg(feature = "mysql")]
            Cleanup::Mysql { base_url, name } => {
                use diesel::connection::SimpleConnection;

                let dropped = connect_mysql_admin(base_url).and_then(|mut admin| {
                    admin
                        .batch_execute(&format!("DROP DATABASE IF EXISTS `{name}`"))
                        .map_err(PersistenceError::Query)
                });
                if let Err(error) = dropped {
                    eprintln!("could not drop test database {name}: {error}");
                }
            }
        }
    }
}

/// The value of [`POSTGRES_URL_VAR`], or `None` after printing
/// `SKIPPED (TEST_POSTGRES_URL unset): <test_name>` to stderr.
#[must_use]
pub fn postgres_base_url(test_name: &str) -> Option<String> {
    base_url(POSTGRES_URL_VAR, test_name)
}

/// The value of [`MYSQL_URL_VAR`], or `None` after printing
/// `SKIPPED (TEST_MYSQL_URL unset): <test_name>` to stderr.
#[must_use]
pub fn mysql_base_url(test_name: &str) -> Option<String> {
    base_url(MYSQL_URL_VAR, test_name)
}

fn base_url(var: &str, test_name: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            // Straight to the process's stderr: the test harness captures
            // `eprintln!` of passing tests, and this line must be seen.
            let line = format!("SKIPPED ({var} unset): {test_name}\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            None
        }
    }
}

/// A connection to the server of `base_url`, without selecting its
/// database (which need not exist).
#[cfg(feature = "mysql")]
fn connect_mysql_admin(base_url: &str) -> Result<diesel::MysqlConnection, PersistenceError> {
    use diesel::Connection;

    let failure = |error| {
        PersistenceError::Connection(crate::error::ConnectionFailure {
            engine: Engine::Mysql,
            target: crate::engine::redact(base_url),
            error,
        })
    };
    let mut parsed = url::Url::parse(base_url)
        .map_err(|error| diesel::ConnectionError::InvalidConnectionUrl(error.to_string()))
        .map_err(failure)?;
    parsed.set_path("");
    if parsed.scheme() != "mysql" && parsed.set_scheme("mysql").is_err() {
        return Err(failure(diesel::ConnectionError::InvalidConnectionUrl(
            "not a mysql:// URL".to_owned(),
        )));
    }
    diesel::MysqlConnection::establish(parsed.as_str()).map_err(failure)
}

#[cfg(feature = "postgres")]
fn connect_admin(base_url: &str) -> Result<diesel::PgConnection, PersistenceError> {
    use diesel::Connection;

    diesel::PgConnection::establish(base_url).map_err(|error| {
        PersistenceError::Connection(crate::error::ConnectionFailure {
            engine: Engine::Postgres,
            target: crate::engine::redact(base_url),
            error,
        })
    })
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// `klikorder_test_<pid>_<time>_<counter>`: unique across the processes of
/// a machine and the tests of a process.
fn unique_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{SystemTime, UNIX_EPOCH};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    format!(
        "klikorder_test_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
