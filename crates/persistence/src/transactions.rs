//! `transactions` rows and the activity query.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::DbConnection;
use crate::prepared::{PreparedBySql, on_engine};
use crate::schema::transactions;

/// A `transactions` row (named so it never clashes with database
/// transactions).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = transactions)]
#[diesel(treat_none_as_default_value = false)]
#[cfg_attr(feature = "postgres", diesel(check_for_backend(diesel::pg::Pg)))]
#[cfg_attr(feature = "mysql", diesel(check_for_backend(diesel::mysql::Mysql)))]
#[cfg_attr(feature = "sqlite", diesel(check_for_backend(diesel::sqlite::Sqlite)))]
pub struct CustomerTransaction {
    /// `transactions.id`.
    pub id: i64,
    /// `transactions.customer_id`.
    pub customer_id: i64,
    /// `transactions.tanggal_transaksi` (local time).
    pub tanggal_transaksi: NaiveDateTime,
    /// `transactions.created_at`.
    pub created_at: Option<NaiveDateTime>,
}

/// One customer's transaction figures, as the activity query returns them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct ActivityRow {
    /// `transactions.customer_id`.
    pub customer_id: i64,
    /// Transactions at or after the window start.
    pub recent_transactions: i64,
    /// The latest `tanggal_transaksi`.
    pub last_transaction: Option<NaiveDateTime>,
}

/// The activity query: for each of `customer_ids` that has transactions, how
/// many fall at or after `window_start` and the latest date. One grouped
/// statement that the index on `(customer_id, tanggal_transaksi)` covers:
///
/// ```sql
/// SELECT customer_id,
///        COUNT(CASE WHEN tanggal_transaksi >= ? THEN 1 END),
///        MAX(tanggal_transaksi)
/// FROM transactions WHERE customer_id IN (…) GROUP BY customer_id
/// ```
///
/// `COUNT(CASE …)` (not `SUM`) keeps the count a BIGINT on every engine.
/// A macro, so [`crate::plan`] explains the very statement the lookup runs.
macro_rules! activity_query {
    ($customer_ids:expr, $window_start:expr) => {
        $crate::schema::transactions::table
            .filter($crate::schema::transactions::customer_id.eq_any($customer_ids))
            .group_by($crate::schema::transactions::customer_id)
            .select((
                $crate::schema::transactions::customer_id,
                diesel::dsl::count(diesel::dsl::case_when(
                    $crate::schema::transactions::tanggal_transaksi.ge($window_start),
                    diesel::dsl::sql::<diesel::sql_types::Integer>("1"),
                )),
                diesel::dsl::max($crate::schema::transactions::tanggal_transaksi),
            ))
    };
}
pub(crate) use activity_query;

/// Runs the activity query (see [`CustomerTransaction`]'s module) for `customer_ids`; customers
/// without transactions have no row.
///
/// # Errors
///
/// The database's error.
pub fn activity(
    conn: &mut DbConnection,
    customer_ids: &[i64],
    window_start: NaiveDateTime,
) -> QueryResult<Vec<ActivityRow>> {
    // Kept prepared per number of ids (see `crate::prepared`), up to a
    // bound: a number shared by more customers is rare and runs unprepared.
    if customer_ids.len() > MAX_PREPARED_IDS {
        return activity_query!(customer_ids, window_start).load(conn);
    }
    on_engine!(conn, |inner| {
        PreparedBySql(activity_query!(customer_ids, window_start)).load::<ActivityRow>(inner)
    })
}

/// The most customer ids for which the activity statement stays prepared.
const MAX_PREPARED_IDS: usize = 16;

/// Inserts transactions (in batches); returns how many rows were inserted.
/// Run it inside a transaction for speed and atomicity.
///
/// # Errors
///
/// The database's error (for example an unknown `customer_id`).
pub fn insert(conn: &mut DbConnection, rows: &[CustomerTransaction]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(crate::BATCH_ROWS) {
        inserted += crate::each_engine!(conn, inner => {
            diesel::insert_into(transactions::table).values(chunk).execute(inner)
        })?;
    }
    Ok(inserted)
}
