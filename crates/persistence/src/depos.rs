//! `depos` rows.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::DbConnection;
use crate::schema::depos;

/// A `depos` row as the lookup reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = depos)]
#[cfg_attr(feature = "postgres", diesel(check_for_backend(diesel::pg::Pg)))]
#[cfg_attr(feature = "mysql", diesel(check_for_backend(diesel::mysql::Mysql)))]
#[cfg_attr(feature = "sqlite", diesel(check_for_backend(diesel::sqlite::Sqlite)))]
pub struct DepoRecord {
    /// `depos.id`.
    pub id: i64,
    /// `depos.kode`.
    pub kode: String,
    /// `depos.nama`.
    pub nama: String,
}

impl From<DepoRecord> for klikorder_domain::Depo {
    fn from(row: DepoRecord) -> Self {
        Self {
            id: row.id,
            kode: row.kode,
            nama: row.nama,
        }
    }
}

/// A `depos` row to insert (demo data, tests).
#[derive(Debug, Clone, PartialEq, Eq, Insertable, AsChangeset)]
#[diesel(table_name = depos)]
#[diesel(treat_none_as_default_value = false, treat_none_as_null = true)]
pub struct NewDepo {
    /// `depos.id`.
    pub id: i64,
    /// `depos.kode`, unique.
    pub kode: String,
    /// `depos.nama`.
    pub nama: String,
    /// `depos.created_at`.
    pub created_at: Option<NaiveDateTime>,
    /// `depos.updated_at`.
    pub updated_at: Option<NaiveDateTime>,
}

/// Inserts depots (in batches); returns how many rows were inserted.
///
/// # Errors
///
/// The database's error (for example a duplicate `kode`).
pub fn insert(conn: &mut DbConnection, rows: &[NewDepo]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(crate::BATCH_ROWS) {
        inserted += crate::each_engine!(conn, inner => {
            diesel::insert_into(depos::table).values(chunk).execute(inner)
        })?;
    }
    Ok(inserted)
}

/// Inserts a depot, or overwrites the one with the same id.
///
/// Portable (update, then insert when nothing was updated); run it inside a
/// transaction.
///
/// # Errors
///
/// The database's error.
pub fn upsert(conn: &mut DbConnection, row: &NewDepo) -> QueryResult<()> {
    let updated = diesel::update(depos::table.find(row.id))
        .set(row)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(depos::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}
