//! The query plans of the lookup's two statements, to check (in tests, or
//! by hand on a production-sized database) that they use the indexes.
//!
//! Each function wraps the very statement the lookup runs (same builder,
//! same bind values) in the engine's `EXPLAIN`: `EXPLAIN QUERY PLAN` on
//! SQLite, `EXPLAIN` on PostgreSQL and MySQL. Run `ANALYZE` (MySQL:
//! `ANALYZE TABLE …`) first on a fresh database.
//!
//! MySQL's tabular plan comes back one line per row, as
//! `select_type=SIMPLE table=customers type=index_merge possible_keys=… key=…
//! Extra=Using sort_union(…); Using where` (text columns that MySQL 8 and
//! MariaDB share; NULL columns left out).

use std::marker::PhantomData;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use klikorder_domain::PhoneNumber;

use crate::customers::candidates_query;
use crate::transactions::activity_query;
use crate::{DbConnection, MultiBackend};

/// `<prefix> <query>`, with the query's own bind values; rows of `ST`.
struct Explain<Q, ST> {
    prefix: &'static str,
    query: Q,
    row: PhantomData<ST>,
}

impl<Q, ST> Explain<Q, ST> {
    const fn new(prefix: &'static str, query: Q) -> Self {
        Self {
            prefix,
            query,
            row: PhantomData,
        }
    }
}

impl<Q, ST: 'static> QueryId for Explain<Q, ST> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q, ST> Query for Explain<Q, ST> {
    type SqlType = ST;
}

impl<Q, ST> QueryFragment<MultiBackend> for Explain<Q, ST>
where
    Q: QueryFragment<MultiBackend>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, MultiBackend>) -> QueryResult<()> {
        out.push_sql(self.prefix);
        self.query.walk_ast(out.reborrow())
    }
}

impl<Q, ST> RunQueryDsl<DbConnection> for Explain<Q, ST> {}

/// Runs `query` under the connection's EXPLAIN and returns the plan's lines.
fn explain<Q>(conn: &mut DbConnection, query: Q) -> QueryResult<Vec<String>>
where
    Q: QueryFragment<MultiBackend>,
{
    match conn {
        #[cfg(feature = "postgres")]
        DbConnection::Pg(_) => {
            Explain::<_, diesel::sql_types::Text>::new("EXPLAIN ", query).load::<String>(conn)
        }
        #[cfg(feature = "mysql")]
        DbConnection::Mysql(_) => Explain::<_, diesel::sql_types::Untyped>::new("EXPLAIN ", query)
            .load::<MysqlPlanRow>(conn)
            .map(|rows| rows.iter().map(MysqlPlanRow::line).collect()),
        #[cfg(feature = "sqlite")]
        DbConnection::Sqlite(_) => {
            use diesel::sql_types::{Integer, Text};

            Explain::<_, (Integer, Integer, Integer, Text)>::new("EXPLAIN QUERY PLAN ", query)
                .load::<(i32, i32, i32, String)>(conn)
                .map(|rows| rows.into_iter().map(|(_, _, _, detail)| detail).collect())
        }
    }
}

/// A row of MySQL's (and MariaDB's) tabular `EXPLAIN`: the text columns
/// both servers have (`rows` is text on one and a number on the other).
#[cfg(feature = "mysql")]
#[derive(diesel::QueryableByName)]
struct MysqlPlanRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    select_type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    table: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    r#type: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    possible_keys: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    key: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    r#ref: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    #[diesel(column_name = "Extra")]
    extra: Option<String>,
}

#[cfg(feature = "mysql")]
impl MysqlPlanRow {
    fn line(&self) -> String {
        [
            ("select_type", self.select_type.as_deref()),
            ("table", self.table.as_deref()),
            ("type", self.r#type.as_deref()),
            ("possible_keys", self.possible_keys.as_deref()),
            ("key", self.key.as_deref()),
            ("ref", self.r#ref.as_deref()),
            ("Extra", self.extra.as_deref()),
        ]
        .iter()
        .filter_map(|(name, value)| value.map(|value| format!("{name}={value}")))
        .collect::<Vec<_>>()
        .join(" ")
    }
}

/// The plan of query 1 (the candidates for `phone`), one line per step.
///
/// # Errors
///
/// The database's error.
pub fn explain_candidates(
    conn: &mut DbConnection,
    phone: &PhoneNumber,
    allowed_statuses: &[String],
) -> QueryResult<Vec<String>> {
    let spellings = phone.stored_spellings();
    explain(conn, candidates_query!(&spellings, allowed_statuses))
}

/// The plan of query 2 (the activity figures of `customer_ids`).
///
/// # Errors
///
/// The database's error.
pub fn explain_activity(
    conn: &mut DbConnection,
    customer_ids: &[i64],
    window_start: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    explain(conn, activity_query!(customer_ids, window_start))
}

/// Whether SQLite re-plans the lookup's statements on every call.
///
/// After an `ANALYZE`, the bundled SQLite (built with STAT4) keeps index
/// samples in `sqlite_stat4`, and re-prepares any statement whose bound
/// values could change its plan each time those values change: for the
/// lookup, every call, which halved its throughput (docs/benchmarks.md).
/// [`SQLITE_KEEP_STAT1_ONLY`] drops the samples — but check the plan after
/// it ([`explain_candidates`]): with `sqlite_stat1` alone, a column that is
/// mostly NULL (few `no_hp_goovi`) can make SQLite scan `customers`, which
/// is far worse than re-planning. Always `false` on the other engines.
///
/// # Errors
///
/// The database's error.
pub fn sqlite_replans_every_lookup(conn: &mut DbConnection) -> QueryResult<bool> {
    #[cfg(feature = "sqlite")]
    if let DbConnection::Sqlite(_) = conn {
        use diesel::sql_types::BigInt;

        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let has_table: Count = diesel::sql_query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
        )
        .get_result(conn)?;
        if has_table.n == 0 {
            return Ok(false);
        }
        let samples: Count =
            diesel::sql_query("SELECT COUNT(*) AS n FROM sqlite_stat4").get_result(conn)?;
        return Ok(samples.n > 0);
    }
    let _ = conn;
    Ok(false)
}

/// Drops SQLite's STAT4 samples and reloads the statistics, keeping
/// `sqlite_stat1` (see [`sqlite_replans_every_lookup`]).
pub const SQLITE_KEEP_STAT1_ONLY: &str = "DELETE FROM sqlite_stat4; ANALYZE sqlite_schema;";
