//! `api_clients` rows: who may call the endpoint.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use klikorder_domain::ApiClientRecord;

use crate::DbConnection;
use crate::schema::api_clients;

/// An `api_clients` row.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
#[diesel(treat_none_as_default_value = false)]
#[cfg_attr(feature = "postgres", diesel(check_for_backend(diesel::pg::Pg)))]
#[cfg_attr(feature = "mysql", diesel(check_for_backend(diesel::mysql::Mysql)))]
#[cfg_attr(feature = "sqlite", diesel(check_for_backend(diesel::sqlite::Sqlite)))]
pub struct ApiClientRow {
    /// `api_clients.client_id`, the primary key.
    pub client_id: String,
    /// `api_clients.name`.
    pub name: Option<String>,
    /// `api_clients.key_hash`.
    pub key_hash: String,
    /// `api_clients.created_at`.
    pub created_at: NaiveDateTime,
    /// `api_clients.updated_at`.
    pub updated_at: NaiveDateTime,
    /// `api_clients.revoked_at`.
    pub revoked_at: Option<NaiveDateTime>,
    /// `api_clients.expires_at`.
    pub expires_at: Option<NaiveDateTime>,
    /// `api_clients.last_seen_at`.
    pub last_seen_at: Option<NaiveDateTime>,
}

impl From<ApiClientRow> for ApiClientRecord {
    fn from(row: ApiClientRow) -> Self {
        Self {
            client_id: row.client_id,
            name: row.name,
            key_hash: row.key_hash,
            created_at: row.created_at,
            updated_at: row.updated_at,
            revoked_at: row.revoked_at,
            expires_at: row.expires_at,
            last_seen_at: row.last_seen_at,
        }
    }
}

impl From<&ApiClientRecord> for ApiClientRow {
    fn from(record: &ApiClientRecord) -> Self {
        Self {
            client_id: record.client_id.clone(),
            name: record.name.clone(),
            key_hash: record.key_hash.clone(),
            created_at: record.created_at,
            updated_at: record.updated_at,
            revoked_at: record.revoked_at,
            expires_at: record.expires_at,
            last_seen_at: record.last_seen_at,
        }
    }
}

/// Every client, revoked ones included, ordered by `client_id`.
///
/// # Errors
///
/// The database's error.
pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<ApiClientRow>> {
    api_clients::table
        .order(api_clients::client_id.asc())
        .select(ApiClientRow::as_select())
        .load(conn)
}

/// Inserts a client.
///
/// # Errors
///
/// The database's error; a taken `client_id` is
/// `DatabaseError(UniqueViolation, _)`.
pub fn insert(conn: &mut DbConnection, row: &ApiClientRow) -> QueryResult<()> {
    diesel::insert_into(api_clients::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Sets `revoked_at`; `false` when no such client exists.
///
/// # Errors
///
/// The database's error.
pub fn revoke(conn: &mut DbConnection, client_id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(api_clients::table.find(client_id))
        .set(api_clients::revoked_at.eq(Some(at)))
        .execute(conn)
        .map(|rows| rows > 0)
}

/// Replaces the key hash and sets `updated_at`; `false` when no such
/// client exists. A revoked client stays revoked.
///
/// # Errors
///
/// The database's error.
pub fn replace_key(
    conn: &mut DbConnection,
    client_id: &str,
    key_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(api_clients::table.find(client_id))
        .set((
            api_clients::key_hash.eq(key_hash),
            api_clients::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|rows| rows > 0)
}

/// Moves `last_seen_at` forward to `at` (never back); `false` when no such
/// client exists or it was already seen at or after `at`.
///
/// # Errors
///
/// The database's error.
pub fn record_last_seen(
    conn: &mut DbConnection,
    client_id: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        api_clients::table.find(client_id).filter(
            api_clients::last_seen_at
                .is_null()
                .or(api_clients::last_seen_at.lt(at)),
        ),
    )
    .set(api_clients::last_seen_at.eq(Some(at)))
    .execute(conn)
    .map(|rows| rows > 0)
}
