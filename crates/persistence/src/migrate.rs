//! The embedded migrations, one set per engine (`migrations/<engine>/`).

use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::{DbConnection, DbPool, PersistenceError};

/// The PostgreSQL migrations (`migrations/postgres`).
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/postgres");

/// The MySQL / MariaDB migrations (`migrations/mysql`).
#[cfg(feature = "mysql")]
pub const MYSQL_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/mysql");

/// The SQLite migrations (`migrations/sqlite`).
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../../migrations/sqlite");

/// Applies the migrations the database has not seen yet, on a connection
/// from `pool`, and returns their versions (empty when none was pending).
///
/// # Errors
///
/// [`PersistenceError::Pool`] when no connection is available,
/// [`PersistenceError::Migration`] when a migration fails (that migration is
/// rolled back; earlier ones stay applied).
pub fn run_pending_migrations(pool: &DbPool) -> Result<Vec<String>, PersistenceError> {
    let mut conn = pool.get()?;
    run_migrations(&mut conn)
}

/// Like [`run_pending_migrations`], on a connection you hold.
///
/// On PostgreSQL a session advisory lock serializes concurrent runs (two
/// servers starting at once), on MySQL a named lock (`GET_LOCK`, waiting
/// up to ten minutes); SQLite's own locking does the same there.
///
/// MySQL cannot roll DDL back: a migration that fails halfway leaves what
/// it created so far.
///
/// # Errors
///
/// [`PersistenceError::Migration`].
pub fn run_migrations(conn: &mut DbConnection) -> Result<Vec<String>, PersistenceError> {
    match conn {
        #[cfg(feature = "postgres")]
        DbConnection::Pg(pg) => {
            use diesel::connection::SimpleConnection;

            // An arbitrary constant key: "KlikOrder" in ASCII, truncated.
            pg.batch_execute("SELECT pg_advisory_lock(4930358083)")
                .map_err(|error| PersistenceError::Migration(Box::new(error)))?;
            let applied = apply(pg, POSTGRES_MIGRATIONS);
            let unlocked = pg.batch_execute("SELECT pg_advisory_unlock(4930358083)");
            let applied = applied?;
            unlocked.map_err(|error| PersistenceError::Migration(Box::new(error)))?;
            Ok(applied)
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(mysql) => {
            use diesel::connection::SimpleConnection;

            lock_mysql(mysql)?;
            let applied = apply(mysql, MYSQL_MIGRATIONS);
            let unlocked = mysql.batch_execute(&format!("DO RELEASE_LOCK({MYSQL_LOCK})"));
            let applied = applied?;
            unlocked.map_err(|error| PersistenceError::Migration(Box::new(error)))?;
            Ok(applied)
        }
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(sqlite) => apply(sqlite, SQLITE_MIGRATIONS),
    }
}

/// The name of the MySQL lock that serializes migration runs, as SQL:
/// named locks are server-wide, so it names the database too (cut to the
/// 64 characters a lock name may have).
#[cfg(feature = "mysql")]
const MYSQL_LOCK: &str = "LEFT(CONCAT('klikorder_migrations:', DATABASE()), 64)";

/// Takes [`MYSQL_LOCK`] for this database, waiting up to ten minutes.
#[cfg(feature = "mysql")]
fn lock_mysql(conn: &mut diesel::MysqlConnection) -> Result<(), PersistenceError> {
    use diesel::RunQueryDsl;
    use diesel::sql_types::{BigInt, Nullable};

    #[derive(diesel::QueryableByName)]
    struct Locked {
        #[diesel(sql_type = Nullable<BigInt>)]
        locked: Option<i64>,
    }

    let locked: Locked = diesel::sql_query(format!(
        "SELECT CAST(GET_LOCK({MYSQL_LOCK}, 600) AS SIGNED) AS locked"
    ))
    .get_result(conn)
    .map_err(|error| PersistenceError::Migration(Box::new(error)))?;
    if locked.locked == Some(1) {
        Ok(())
    } else {
        Err(PersistenceError::Migration(
            "another migration run held the MySQL lock for ten minutes".into(),
        ))
    }
}

/// Every migration version of the connection's engine, applied or not,
/// oldest first.
#[must_use]
pub fn known_versions(conn: &DbConnection) -> Vec<String> {
    use diesel::migration::MigrationSource;

    let source = match conn {
        #[cfg(feature = "postgres")]
        DbConnection::Pg(_) => POSTGRES_MIGRATIONS,
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => MYSQL_MIGRATIONS,
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => SQLITE_MIGRATIONS,
    };
    let migrations = MigrationSource::<crate::MultiBackend>::migrations(&source);
    migrations
        .map(|list| {
            list.iter()
                .map(|m| m.name().version().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn apply<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<Vec<String>, PersistenceError>
where
    C: MigrationHarness<C::Backend> + diesel::Connection,
{
    let applied: Vec<String> = conn
        .run_pending_migrations(migrations)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(PersistenceError::Migration)?;
    for version in &applied {
        log::info!("applied database migration {version}");
    }
    Ok(applied)
}
