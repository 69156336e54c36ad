//! `customers` rows and the candidate lookup.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use klikorder_domain::{ActivityScope, Candidate, CandidateQuery, TransactionActivity};

use crate::depos::DepoRecord;
use crate::prepared::{PreparedBySql, on_engine};
use crate::schema::customers;
use crate::{DbConnection, transactions};

/// A `customers` row as the lookup reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = customers)]
#[cfg_attr(feature = "postgres", diesel(check_for_backend(diesel::pg::Pg)))]
#[cfg_attr(feature = "mysql", diesel(check_for_backend(diesel::mysql::Mysql)))]
#[cfg_attr(feature = "sqlite", diesel(check_for_backend(diesel::sqlite::Sqlite)))]
pub struct CustomerRecord {
    /// `customers.id`.
    pub id: i64,
    /// `customers.kode`.
    pub kode: String,
    /// `customers.nama`.
    pub nama: String,
    /// `customers.nama_pemilik`.
    pub nama_pemilik: Option<String>,
    /// `customers.kontak_person`.
    pub kontak_person: Option<String>,
    /// `customers.no_hp`, as stored.
    pub no_hp: Option<String>,
    /// `customers.no_hp_goovi`, as stored.
    pub no_hp_goovi: Option<String>,
    /// `customers.status_pelanggan`.
    pub status_pelanggan: Option<String>,
    /// `customers.keperluan_pelanggan`.
    pub keperluan_pelanggan: Option<String>,
    /// `customers.latitude`, as stored text.
    pub latitude: Option<String>,
    /// `customers.longitude`, as stored text.
    pub longitude: Option<String>,
    /// `customers.alamat_lengkap`.
    pub alamat_lengkap: Option<String>,
    /// `customers.kelurahan`.
    pub kelurahan: Option<String>,
    /// `customers.kecamatan`.
    pub kecamatan: Option<String>,
    /// `customers.kota`.
    pub kota: Option<String>,
    /// `customers.provinsi`.
    pub provinsi: Option<String>,
    /// `customers.created_at`.
    pub created_at: Option<NaiveDateTime>,
}

impl CustomerRecord {
    /// The domain's customer: this row with its depot.
    #[must_use]
    pub fn into_domain(self, depo: Option<DepoRecord>) -> klikorder_domain::Customer {
        klikorder_domain::Customer {
            id: self.id,
            kode: self.kode,
            nama: self.nama,
            nama_pemilik: self.nama_pemilik,
            kontak_person: self.kontak_person,
            no_hp: self.no_hp,
            no_hp_goovi: self.no_hp_goovi,
            status_pelanggan: self.status_pelanggan,
            keperluan_pelanggan: self.keperluan_pelanggan,
            latitude: self.latitude,
            longitude: self.longitude,
            alamat_lengkap: self.alamat_lengkap,
            kelurahan: self.kelurahan,
            kecamatan: self.kecamatan,
            kota: self.kota,
            provinsi: self.provinsi,
            created_at: self.created_at,
            depo: depo.map(Into::into),
        }
    }
}

/// A full `customers` row to insert (demo data, tests). `None` is NULL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Insertable)]
#[diesel(table_name = customers)]
#[diesel(treat_none_as_default_value = false)]
pub struct NewCustomer {
    /// `customers.id`.
    pub id: i64,
    /// `customers.kode`, unique.
    pub kode: String,
    /// `customers.nama`.
    pub nama: String,
    /// `customers.nama_pemilik`.
    pub nama_pemilik: Option<String>,
    /// `customers.kontak_person`.
    pub kontak_person: Option<String>,
    /// `customers.no_hp`.
    pub no_hp: Option<String>,
    /// `customers.no_hp_goovi`.
    pub no_hp_goovi: Option<String>,
    /// `customers.status_pelanggan`.
    pub status_pelanggan: Option<String>,
    /// `customers.keperluan_pelanggan`.
    pub keperluan_pelanggan: Option<String>,
    /// `customers.latitude`.
    pub latitude: Option<String>,
    /// `customers.longitude`.
    pub longitude: Option<String>,
    /// `customers.alamat_lengkap`.
    pub alamat_lengkap: Option<String>,
    /// `customers.kelurahan`.
    pub kelurahan: Option<String>,
    /// `customers.kecamatan`.
    pub kecamatan: Option<String>,
    /// `customers.kota`.
    pub kota: Option<String>,
    /// `customers.provinsi`.
    pub provinsi: Option<String>,
    /// `customers.depo_id`.
    pub depo_id: Option<i64>,
    /// `customers.created_at`.
    pub created_at: Option<NaiveDateTime>,
    /// `customers.updated_at`.
    pub updated_at: Option<NaiveDateTime>,
    /// `customers.deleted_at`; set means soft-deleted.
    pub deleted_at: Option<NaiveDateTime>,
}

/// Query 1 of the lookup: the customers that hold one of `spellings` in
/// `no_hp` or `no_hp_goovi`, not soft-deleted, with an allowed status, each
/// with its depot (LEFT JOIN). Plain comparisons on the indexed columns, no
/// function around them, so each engine combines the two indexes:
///
/// ```sql
/// SELECT customers.…, depos.id, depos.kode, depos.nama
/// FROM customers LEFT OUTER JOIN depos ON customers.depo_id = depos.id
/// WHERE (customers.no_hp IN (?, ?, ?) OR customers.no_hp_goovi IN (?, ?, ?))
///   AND customers.deleted_at IS NULL
///   AND customers.status_pelanggan IN (?)
/// ```
///
/// (PostgreSQL gets `= ANY($1)` for each `IN` list, which its indexes serve
/// the same way.) MySQL compares under the columns' collation, which may
/// ignore case and trailing spaces: [`find_candidates`] keeps only the rows
/// that match exactly.
/// A macro, so [`crate::plan`] explains the very statement the lookup runs.
/// The third argument, the backend whose SQL to build, defaults to
/// [`MultiBackend`](crate::MultiBackend); the async PostgreSQL directory
/// renders the same query for `diesel::pg::Pg`.
macro_rules! candidates_query {
    ($spellings:expr, $allowed_statuses:expr) => {
        $crate::customers::candidates_query!($spellings, $allowed_statuses, $crate::MultiBackend)
    };
    ($spellings:expr, $allowed_statuses:expr, $backend:ty) => {
        $crate::schema::customers::table
            .left_join($crate::schema::depos::table)
            .filter(
                $crate::schema::customers::no_hp
                    .eq_any($spellings)
                    .or($crate::schema::customers::no_hp_goovi.eq_any($spellings)),
            )
            .filter($crate::schema::customers::deleted_at.is_null())
            .filter($crate::schema::customers::status_pelanggan.eq_any($allowed_statuses))
            .select((
                <$crate::customers::CustomerRecord as diesel::SelectableHelper<$backend>>::as_select(),
                <Option<$crate::depos::DepoRecord> as diesel::SelectableHelper<$backend>>::as_select(),
            ))
    };
}
pub(crate) use candidates_query;

/// The lookup on one connection: query 1 (the candidates), then — only when
/// `query.activity` needs them — query 2 (their activity figures, see
/// [`transactions::activity`]). At most two statements.
///
/// With [`ActivityScope::WhenSeveral`] a single candidate comes back without
/// figures; otherwise every candidate has them (zeros and `None` for a
/// customer without transactions).
///
/// # Errors
///
/// The database's error.
pub fn find_candidates(
    conn: &mut DbConnection,
    query: &CandidateQuery,
    allowed_statuses: &[String],
) -> QueryResult<Vec<Candidate>> {
    let spellings = query.phone.stored_spellings();
    let mut rows: Vec<(CustomerRecord, Option<DepoRecord>)> = on_engine!(conn, |inner, Db| {
        PreparedBySql(candidates_query!(&spellings, allowed_statuses, Db)).load(inner)
    })?;
    // MySQL compares strings under the column's collation: Laravel's
    // utf8mb4_unicode_ci finds `verif` for `Verif` (and ignores trailing
    // spaces). Keep the rows that match exactly, as the other engines do.
    rows.retain(|(customer, _)| {
        let exact =
            |stored: &Option<String>| stored.as_ref().is_some_and(|n| spellings.contains(n));
        (exact(&customer.no_hp) || exact(&customer.no_hp_goovi))
            && customer
                .status_pelanggan
                .as_ref()
                .is_some_and(|status| allowed_statuses.contains(status))
    });
    let figures = if wants_activity(query.activity, rows.len()) {
        let ids: Vec<i64> = rows.iter().map(|(customer, _)| customer.id).collect();
        Some(transactions::activity(conn, &ids, query.window_start)?)
    } else {
        None
    };
    Ok(into_candidates(rows, figures))
}

/// Whether a lookup asking for `scope` needs query 2 for `candidates` rows.
pub(crate) const fn wants_activity(scope: ActivityScope, candidates: usize) -> bool {
    match scope {
        ActivityScope::WhenSeveral => candidates > 1,
        ActivityScope::Always => candidates > 0,
    }
}

/// The domain's candidates from query 1's rows and, when it ran, query 2's:
/// a candidate without a row of figures has none (zero, `None`).
pub(crate) fn into_candidates(
    rows: Vec<(CustomerRecord, Option<DepoRecord>)>,
    figures: Option<Vec<transactions::ActivityRow>>,
) -> Vec<Candidate> {
    let figures: Option<HashMap<i64, TransactionActivity>> = figures.map(|rows| {
        rows.into_iter()
            .map(|row| {
                (
                    row.customer_id,
                    TransactionActivity {
                        recent_transactions: u64::try_from(row.recent_transactions).unwrap_or(0),
                        last_transaction: row.last_transaction,
                    },
                )
            })
            .collect()
    });
    rows.into_iter()
        .map(|(customer, depo)| Candidate {
            activity: figures
                .as_ref()
                .map(|by_id| by_id.get(&customer.id).copied().unwrap_or_default()),
            customer: customer.into_domain(depo),
        })
        .collect()
}

/// Inserts customers (in batches); returns how many rows were inserted.
/// Run it inside a transaction for speed and atomicity.
///
/// # Errors
///
/// The database's error (for example a duplicate `kode`).
pub fn insert(conn: &mut DbConnection, rows: &[NewCustomer]) -> QueryResult<usize> {
    let mut inserted = 0;
    for chunk in rows.chunks(crate::BATCH_ROWS) {
        inserted += crate::each_engine!(conn, inner => {
            diesel::insert_into(customers::table).values(chunk).execute(inner)
        })?;
    }
    Ok(inserted)
}

/// `(id, no_hp, no_hp_goovi)` of a customer, as stored.
pub type StoredNumbers = (i64, Option<String>, Option<String>);

/// A page of stored phone numbers, for checking them in bulk (the server's
/// `doctor`): `(id, no_hp, no_hp_goovi)` of up to `limit` customers with
/// `id > after_id`, ordered by `id`, soft-deleted and any status included.
/// Keyset pagination: pass the last id of a page to get the next one; an
/// empty page is the end. Each page is one statement over the primary key,
/// so scanning a large table never holds a long transaction or lock.
///
/// ```no_run
/// # fn scan(conn: &mut klikorder_persistence::DbConnection) -> diesel::QueryResult<()> {
/// use klikorder_persistence::customers::scan_stored_phone_numbers;
///
/// let mut after = i64::MIN;
/// loop {
///     let page = scan_stored_phone_numbers(conn, after, 1000)?;
///     let Some(&(last, _, _)) = page.last() else { break };
///     for (id, no_hp, no_hp_goovi) in &page { /* … */ }
///     after = last;
/// }
/// # Ok(()) }
/// ```
///
/// # Errors
///
/// The database's error.
pub fn scan_stored_phone_numbers(
    conn: &mut DbConnection,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<StoredNumbers>> {
    customers::table
        .filter(customers::id.gt(after_id))
        .order(customers::id.asc())
        .limit(limit.max(0))
        .select((customers::id, customers::no_hp, customers::no_hp_goovi))
        .load(conn)
}

/// How many rows `customers` has (soft-deleted and any status included).
///
/// # Errors
///
/// The database's error.
pub fn count_customers(conn: &mut DbConnection) -> QueryResult<i64> {
    customers::table.count().get_result(conn)
}
