//! `src/schema.rs` against each engine's migrated database: every column's
//! name, type family and nullability, both ways, and every column loads.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use klikorder_persistence::DbConnection;
use klikorder_persistence::schema::{api_clients, customers, depos, transactions};
use klikorder_persistence::test_support::TestDatabase;

engine_tests!(schema_matches_the_migrated_database, every_column_loads);

/// A column as both sides describe it: name, type family, nullable.
type Column = (String, &'static str, bool);

/// The type family of a diesel SQL type, and whether it is nullable.
trait Family {
    const FAMILY: &'static str;
    const NULLABLE: bool = false;
}
impl Family for BigInt {
    const FAMILY: &'static str = "bigint";
}
impl Family for Text {
    const FAMILY: &'static str = "text";
}
impl Family for Timestamp {
    const FAMILY: &'static str = "timestamp";
}
impl<T: Family + diesel::sql_types::SqlType> Family for Nullable<T> {
    const FAMILY: &'static str = T::FAMILY;
    const NULLABLE: bool = true;
}

/// The columns of `$table` as schema.rs declares them; listing one that does
/// not exist fails to compile, and `declared_names` catches one left out.
macro_rules! declared {
    ($table:ident: $($column:ident),* $(,)?) => {
        vec![$((
            <$table::$column as diesel::Column>::NAME.to_owned(),
            <<$table::$column as diesel::Expression>::SqlType as Family>::FAMILY,
            <<$table::$column as diesel::Expression>::SqlType as Family>::NULLABLE,
        )),*]
    };
}

#[cfg(feature = "sqlite")]
type NamesBackend = diesel::sqlite::Sqlite;
#[cfg(all(not(feature = "sqlite"), feature = "postgres"))]
type NamesBackend = diesel::pg::Pg;
#[cfg(all(not(feature = "sqlite"), not(feature = "postgres")))]
type NamesBackend = diesel::mysql::Mysql;

/// Every column name of a table per schema.rs, from the SQL diesel writes
/// for `SELECT <all columns>`.
macro_rules! declared_names {
    ($table:ident) => {{
        let sql =
            diesel::debug_query::<NamesBackend, _>(&$table::table.select($table::all_columns))
                .to_string();
        let list = sql
            .trim_start_matches("SELECT ")
            .split(" FROM ")
            .next()
            .unwrap()
            .to_owned();
        list.split(", ")
            .map(|qualified| {
                qualified
                    .rsplit('.')
                    .next()
                    .unwrap()
                    .trim_matches(|c| c == '`' || c == '"')
                    .to_owned()
            })
            .collect::<BTreeSet<String>>()
    }};
}

fn expected_tables() -> Vec<(&'static str, Vec<Column>, BTreeSet<String>)> {
    vec![
        (
            "api_clients",
            declared!(api_clients: client_id, name, key_hash, created_at, updated_at, revoked_at, expires_at, last_seen_at),
            declared_names!(api_clients),
        ),
        (
            "customers",
            declared!(customers: id, kode, nama, nama_pemilik, kontak_person, no_hp, no_hp_goovi,
                status_pelanggan, keperluan_pelanggan, latitude, longitude, alamat_lengkap,
                kelurahan, kecamatan, kota, provinsi, depo_id, created_at, updated_at, deleted_at),
            declared_names!(customers),
        ),
        (
            "depos",
            declared!(depos: id, kode, nama, created_at, updated_at),
            declared_names!(depos),
        ),
        (
            "transactions",
            declared!(transactions: id, customer_id, tanggal_transaksi, created_at),
            declared_names!(transactions),
        ),
    ]
}

#[cfg(feature = "sqlite")]
#[derive(QueryableByName)]
struct SqliteColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    r#type: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    notnull: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pk: i32,
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
#[derive(QueryableByName)]
struct PgColumn {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Text)]
    is_nullable: String,
}

/// The columns of `table` in the database, with each engine's type names
/// mapped to the families of [`Family`].
fn actual(conn: &mut DbConnection, table: &str) -> Vec<Column> {
    let family = |declared: &str| -> &'static str {
        let declared = declared.to_ascii_lowercase();
        match declared.as_str() {
            "bigint" | "integer" => "bigint",
            "text" | "character varying" => "text",
            "timestamp" | "timestamp without time zone" | "datetime" => "timestamp",
            _ if declared.starts_with("varchar") => "text",
            _ => panic!("unexpected column type {declared} in {table}"),
        }
    };
    match conn {
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => diesel::sql_query(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind::<Text, _>(table)
        .load::<SqliteColumn>(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.name, family(&c.r#type), c.notnull == 0 && c.pk == 0))
        .collect(),
        #[cfg(feature = "postgres")]
        DbConnection::Pg(_) => diesel::sql_query(
            "SELECT column_name::text AS name, data_type::text AS data_type, \
             is_nullable::text AS is_nullable FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind::<Text, _>(table)
        .load::<PgColumn>(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.name, family(&c.data_type), c.is_nullable == "YES"))
        .collect(),
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => diesel::sql_query(
            "SELECT CAST(COLUMN_NAME AS CHAR) AS name, CAST(DATA_TYPE AS CHAR) AS data_type, \
             CAST(IS_NULLABLE AS CHAR) AS is_nullable FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
        )
        .bind::<Text, _>(table)
        .load::<PgColumn>(conn)
        .unwrap()
        .into_iter()
        .map(|c| (c.name, family(&c.data_type), c.is_nullable == "YES"))
        .collect(),
    }
}

fn schema_matches_the_migrated_database(db: &TestDatabase) {
    let mut conn = db.connection().unwrap();
    for (table, declared, names) in expected_tables() {
        let listed: BTreeSet<String> = declared.iter().map(|c| c.0.clone()).collect();
        assert_eq!(listed, names, "the test's list of {table} is out of date");
        let in_database = actual(&mut conn, table);
        assert_eq!(in_database, declared, "{} table {table}", db.engine());
    }
}

fn every_column_loads(db: &TestDatabase) {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 4)
        .and_then(|d| d.and_hms_opt(10, 0, 0))
        .unwrap();
    klikorder_persistence::demo::load_demo_data(db.pool(), now).unwrap();
    let mut conn = db.connection().unwrap();
    type Stamp = Option<chrono::NaiveDateTime>;
    type Str = Option<String>;
    type Contact = (
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
        Str,
    );
    type CustomerRow = (
        i64,
        String,
        String,
        Contact,
        Option<i64>,
        Stamp,
        Stamp,
        Stamp,
    );
    let customers: Vec<CustomerRow> = customers::table
        .select((
            customers::id,
            customers::kode,
            customers::nama,
            (
                customers::nama_pemilik,
                customers::kontak_person,
                customers::no_hp,
                customers::no_hp_goovi,
                customers::status_pelanggan,
                customers::keperluan_pelanggan,
                customers::latitude,
                customers::longitude,
                customers::alamat_lengkap,
                customers::kelurahan,
                customers::kecamatan,
                customers::kota,
                customers::provinsi,
            ),
            customers::depo_id,
            customers::created_at,
            customers::updated_at,
            customers::deleted_at,
        ))
        .load(&mut conn)
        .unwrap();
    assert!(customers.iter().any(|c| c.0 == 4832 && c.4 == Some(30)));
    assert!(
        customers.iter().any(|c| c.7.is_some()),
        "a soft-deleted one"
    );
    let depos: Vec<(i64, String, String, Stamp, Stamp)> = depos::table
        .select(depos::all_columns)
        .load(&mut conn)
        .unwrap();
    assert_eq!(depos.len(), 2);
    let transactions: Vec<(i64, i64, chrono::NaiveDateTime, Stamp)> = transactions::table
        .select(transactions::all_columns)
        .load(&mut conn)
        .unwrap();
    assert!(!transactions.is_empty());
    diesel::insert_into(api_clients::table)
        .values((
            api_clients::client_id.eq("MEKARI"),
            api_clients::name.eq(None::<String>),
            api_clients::key_hash.eq("sha256$s$d"),
            api_clients::created_at.eq(now),
            api_clients::updated_at.eq(now),
            api_clients::revoked_at.eq(Some(now)),
            api_clients::expires_at.eq(Some(now)),
            api_clients::last_seen_at.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(&mut conn)
        .unwrap();
    /// `api_clients` by position: id, name, hash, created, updated,
    /// revoked, expires, last seen.
    type ClientTuple = (
        String,
        Str,
        String,
        chrono::NaiveDateTime,
        chrono::NaiveDateTime,
        Stamp,
        Stamp,
        Stamp,
    );
    let clients: Vec<ClientTuple> = api_clients::table
        .select(api_clients::all_columns)
        .load(&mut conn)
        .unwrap();
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].5, Some(now));
    assert_eq!((clients[0].6, clients[0].7), (Some(now), None));
}
