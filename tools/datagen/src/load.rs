//! Loading the generated rows: COPY FROM STDIN on PostgreSQL (indexes and
//! foreign keys dropped around the load, then rebuilt, then ANALYZE);
//! batched multi-row INSERTs in one transaction on the other engines.

use std::io::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection as _;
use diesel::prelude::*;
use diesel::sql_types::Text;
use indicatif::{ProgressBar, ProgressStyle};
use klikorder_persistence::customers::NewCustomer;
use klikorder_persistence::depos::NewDepo;
use klikorder_persistence::schema::{customers, depos, transactions};
use klikorder_persistence::transactions::CustomerTransaction;
use klikorder_persistence::{DbConnection, Engine};

use crate::model::{self, CustomerMaker, PhoneBook, Sizes};

/// Rows of data per write to the COPY stream / per insert call.
const CHUNK_ROWS: usize = 20_000;

/// How long each phase took.
#[derive(Debug, Default)]
pub struct Timings {
    /// Named phases, in order.
    pub phases: Vec<(&'static str, Duration)>,
}

impl Timings {
    fn record(&mut self, name: &'static str, since: Instant) -> Instant {
        let now = Instant::now();
        self.phases.push((name, now - since));
        eprintln!("  {name}: {:.1} s", (now - since).as_secs_f64());
        now
    }
}

/// A progress bar with rows/s.
pub fn bar(prefix: &'static str, len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len).with_prefix(prefix);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix:>13} [{bar:32}] {human_pos}/{human_len} rows, {per_sec}, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// How many rows the three tables hold.
pub fn existing_rows(conn: &mut DbConnection) -> Result<(i64, i64, i64)> {
    Ok((
        customers::table.count().get_result(conn)?,
        transactions::table.count().get_result(conn)?,
        depos::table.count().get_result(conn)?,
    ))
}

/// What the loaders need.
pub struct Input<'a> {
    /// Sizes, seed and dates.
    pub sizes: &'a Sizes,
    /// Who holds which number.
    pub book: &'a PhoneBook,
    /// Whether rows must be removed first.
    pub truncate: bool,
}

/// Loads everything into `conn`.
pub fn load(conn: &mut DbConnection, input: &Input<'_>, timings: &mut Timings) -> Result<()> {
    if let DbConnection::Pg(pg) = conn {
        postgres(pg, input, timings)
    } else {
        generic(conn, input, timings)
    }
}

// ---------------------------------------------------------------- PostgreSQL

#[derive(QueryableByName)]
struct Statement {
    #[diesel(sql_type = Text)]
    undo: String,
    #[diesel(sql_type = Text)]
    redo: String,
}

fn postgres(pg: &mut PgConnection, input: &Input<'_>, timings: &mut Timings) -> Result<()> {
    let mut at = Instant::now();
    pg.batch_execute(
        "SET maintenance_work_mem = '1GB'; SET synchronous_commit = off; \
         SET max_parallel_maintenance_workers = 2;",
    )?;
    pg.transaction(|pg| -> Result<()> {
        // Foreign keys from or to the three tables, and their plain
        // indexes (not those behind a primary key or unique constraint):
        // dropped for the load, rebuilt after it from their own definitions,
        // so indexes that later migrations add are handled the same way.
        let tables = "('public.customers'::regclass, 'public.transactions'::regclass, 'public.depos'::regclass)";
        let foreign_keys: Vec<Statement> = diesel::sql_query(format!(
            "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname) AS undo,
                    format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,
                           pg_get_constraintdef(oid)) AS redo
             FROM pg_constraint
             WHERE contype = 'f' AND (conrelid IN {tables} OR confrelid IN {tables})
             ORDER BY conname"
        ))
        .load(pg)
        .context("cannot list the foreign keys")?;
        let indexes: Vec<Statement> = diesel::sql_query(format!(
            "SELECT format('DROP INDEX %s', i.indexrelid::regclass) AS undo,
                    pg_get_indexdef(i.indexrelid) AS redo
             FROM pg_index i
             WHERE i.indrelid IN {tables}
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
             ORDER BY i.indexrelid::regclass::text"
        ))
        .load(pg)
        .context("cannot list the indexes")?;
        for statement in foreign_keys.iter().chain(&indexes) {
            pg.batch_execute(&statement.undo)
                .with_context(|| statement.undo.clone())?;
        }
        // Always TRUNCATE (the tables are empty unless --truncate): COPY
        // FREEZE needs a table truncated in this transaction, and then
        // writes the rows frozen and all-visible, so no VACUUM is needed
        // before index-only scans work.
        pg.batch_execute("TRUNCATE depos, customers, transactions")?;
        at = timings.record("drop indexes and foreign keys, truncate", at);

        copy_depos(pg, input.sizes)?;
        let active_from = copy_customers(pg, input)?;
        at = timings.record("COPY depos and customers", at);
        copy_transactions(pg, input.sizes, &active_from)?;
        at = timings.record("COPY transactions", at);

        let spinner = ProgressBar::new_spinner().with_prefix("indexes");
        for statement in indexes.iter().chain(&foreign_keys) {
            spinner.set_message(statement.redo.clone());
            spinner.tick();
            pg.batch_execute(&statement.redo)
                .with_context(|| statement.redo.clone())?;
        }
        spinner.finish_and_clear();
        for table in ["depos", "customers", "transactions"] {
            pg.batch_execute(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 GREATEST((SELECT MAX(id) FROM {table}), 1))"
            ))?;
        }
        at = timings.record("rebuild indexes and foreign keys", at);
        Ok(())
    })?;
    at = timings.record("commit", at);
    pg.batch_execute("ANALYZE depos; ANALYZE customers; ANALYZE transactions;")?;
    timings.record("ANALYZE", at);
    Ok(())
}

fn io_error(error: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(error))
}

/// COPY text format: tab-separated, `\N` for NULL. The generated text has
/// no tab, newline or backslash, so nothing needs escaping.
fn push_text(out: &mut Vec<u8>, value: Option<&str>) {
    match value {
        Some(text) => out.extend_from_slice(text.as_bytes()),
        None => out.extend_from_slice(b"\\N"),
    }
}

fn push_time(out: &mut Vec<u8>, value: Option<NaiveDateTime>) {
    match value {
        Some(at) => model::push_timestamp(out, at),
        None => out.extend_from_slice(b"\\N"),
    }
}

fn copy_depos(pg: &mut PgConnection, sizes: &Sizes) -> Result<()> {
    let rows = model::depos(sizes);
    diesel::copy_from(depos::table)
        .from_raw_data(
            (
                depos::id,
                depos::kode,
                depos::nama,
                depos::created_at,
                depos::updated_at,
            ),
            |out: &mut dyn std::io::Write| -> QueryResult<()> {
                let mut buf = Vec::new();
                for depo in &rows {
                    write!(buf, "{}\t{}\t{}\t", depo.id, depo.kode, depo.nama).map_err(io_error)?;
                    push_time(&mut buf, depo.created_at);
                    buf.push(b'\t');
                    push_time(&mut buf, depo.updated_at);
                    buf.push(b'\n');
                }
                out.write_all(&buf).map_err(io_error)
            },
        )
        .with_freeze(true)
        .execute(pg)
        .context("COPY depos failed")?;
    Ok(())
}

fn copy_customers(pg: &mut PgConnection, input: &Input<'_>) -> Result<Vec<u32>> {
    let maker = std::cell::RefCell::new(CustomerMaker::new(input.sizes, input.book));
    let progress = bar("customers", input.sizes.customers);
    diesel::copy_from(customers::table)
        .from_raw_data(
            (
                customers::id,
                customers::kode,
                customers::nama,
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
                customers::depo_id,
                customers::created_at,
                customers::updated_at,
                customers::deleted_at,
            ),
            |out: &mut dyn std::io::Write| -> QueryResult<()> {
                let mut maker = maker.borrow_mut();
                let mut buf = Vec::with_capacity(CHUNK_ROWS * 320);
                loop {
                    buf.clear();
                    let mut rows = 0;
                    while rows < CHUNK_ROWS {
                        let Some(c) = maker.next_customer() else {
                            break;
                        };
                        customer_line(&mut buf, &c).map_err(io_error)?;
                        rows += 1;
                    }
                    if rows == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf).map_err(io_error)?;
                    progress.inc(rows as u64);
                }
            },
        )
        .with_freeze(true)
        .execute(pg)
        .context("COPY customers failed")?;
    progress.finish_and_clear();
    Ok(maker.into_inner().active_from)
}

fn customer_line(buf: &mut Vec<u8>, c: &NewCustomer) -> std::io::Result<()> {
    write!(buf, "{}\t{}\t{}\t", c.id, c.kode, c.nama)?;
    for text in [
        &c.nama_pemilik,
        &c.kontak_person,
        &c.no_hp,
        &c.no_hp_goovi,
        &c.status_pelanggan,
        &c.keperluan_pelanggan,
        &c.latitude,
        &c.longitude,
        &c.alamat_lengkap,
        &c.kelurahan,
        &c.kecamatan,
        &c.kota,
        &c.provinsi,
    ] {
        push_text(buf, text.as_deref());
        buf.push(b'\t');
    }
    match c.depo_id {
        Some(id) => write!(buf, "{id}\t")?,
        None => buf.extend_from_slice(b"\\N\t"),
    }
    push_time(buf, c.created_at);
    buf.push(b'\t');
    push_time(buf, c.updated_at);
    buf.push(b'\t');
    push_time(buf, c.deleted_at);
    buf.push(b'\n');
    Ok(())
}

/// Turns the packed `(time, customer)` rows into transaction rows.
struct TransactionRows<'a> {
    packed: &'a [u64],
    next: usize,
    start: NaiveDateTime,
}

impl TransactionRows<'_> {
    fn next_row(&mut self) -> Option<CustomerTransaction> {
        let packed = *self.packed.get(self.next)?;
        self.next += 1;
        let at = self.start + chrono::TimeDelta::seconds((packed >> 32) as i64);
        let customer_id = (packed & 0xffff_ffff) as i64;
        // created_at: a little after the sale, missing for 1 in 64 rows.
        let mix = crate::rng::mix64(packed ^ self.next as u64);
        let created_at = (!mix.is_multiple_of(64))
            .then(|| at + chrono::TimeDelta::seconds(((mix >> 8) % 900) as i64));
        Some(CustomerTransaction {
            id: self.next as i64,
            customer_id,
            tanggal_transaksi: at,
            created_at,
        })
    }
}

fn copy_transactions(pg: &mut PgConnection, sizes: &Sizes, active_from: &[u32]) -> Result<()> {
    let spinner = ProgressBar::new_spinner().with_message("drawing transactions");
    spinner.tick();
    let (packed, stats) = model::transactions(sizes, active_from)?;
    spinner.finish_and_clear();
    print_activity(&stats);
    let rows = std::cell::RefCell::new(TransactionRows {
        packed: &packed,
        next: 0,
        start: sizes.start(),
    });
    let progress = bar("transactions", packed.len() as u64);
    diesel::copy_from(transactions::table)
        .from_raw_data(
            (
                transactions::id,
                transactions::customer_id,
                transactions::tanggal_transaksi,
                transactions::created_at,
            ),
            |out: &mut dyn std::io::Write| -> QueryResult<()> {
                let mut rows = rows.borrow_mut();
                let mut buf = Vec::with_capacity(CHUNK_ROWS * 64);
                loop {
                    buf.clear();
                    let mut count = 0;
                    while count < CHUNK_ROWS {
                        let Some(t) = rows.next_row() else { break };
                        write!(buf, "{}\t{}\t", t.id, t.customer_id).map_err(io_error)?;
                        model::push_timestamp(&mut buf, t.tanggal_transaksi);
                        buf.push(b'\t');
                        push_time(&mut buf, t.created_at);
                        buf.push(b'\n');
                        count += 1;
                    }
                    if count == 0 {
                        return Ok(());
                    }
                    out.write_all(&buf).map_err(io_error)?;
                    progress.inc(count as u64);
                }
            },
        )
        .with_freeze(true)
        .execute(pg)
        .context("COPY transactions failed")?;
    progress.finish_and_clear();
    Ok(())
}

fn print_activity(stats: &model::ActivityStats) {
    eprintln!(
        "  activity: {} customers without transactions; among the others median {}, p99 {}, max {}; {} with ≥ 1,000",
        stats.without, stats.median_active, stats.p99_active, stats.max, stats.over_1000
    );
}

// ------------------------------------------------- SQLite (and other engines)

#[derive(QueryableByName)]
struct SqliteIndex {
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    sql: String,
}

fn generic(conn: &mut DbConnection, input: &Input<'_>, timings: &mut Timings) -> Result<()> {
    let mut at = Instant::now();
    let sqlite = conn.engine() == Engine::Sqlite;
    if sqlite {
        // One writer, no crash safety needed while loading: no fsync, a
        // rollback journal (not a WAL as large as the data), no FK checks.
        conn.batch_execute(
            "PRAGMA synchronous = OFF; PRAGMA journal_mode = DELETE; \
             PRAGMA foreign_keys = OFF; PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY;",
        )?;
    }
    conn.transaction(|conn| -> Result<()> {
        if input.truncate {
            conn.batch_execute(
                "DELETE FROM transactions; DELETE FROM customers; DELETE FROM depos;",
            )?;
        }
        // SQLite: build the secondary indexes once, after the load.
        let indexes: Vec<SqliteIndex> = if sqlite {
            diesel::sql_query(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL \
                 AND tbl_name IN ('customers', 'transactions', 'depos') ORDER BY name",
            )
            .load(conn)?
        } else {
            Vec::new()
        };
        for index in &indexes {
            conn.batch_execute(&format!("DROP INDEX \"{}\"", index.name))?;
        }
        let rows: Vec<NewDepo> = model::depos(input.sizes);
        klikorder_persistence::depos::insert(conn, &rows)?;

        let mut maker = CustomerMaker::new(input.sizes, input.book);
        let progress = bar("customers", input.sizes.customers);
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        loop {
            chunk.clear();
            chunk.extend(std::iter::from_fn(|| maker.next_customer()).take(CHUNK_ROWS));
            if chunk.is_empty() {
                break;
            }
            klikorder_persistence::customers::insert(conn, &chunk)?;
            progress.inc(chunk.len() as u64);
        }
        progress.finish_and_clear();
        at = timings.record("insert depos and customers", at);

        let (packed, stats) = model::transactions(input.sizes, &maker.active_from)?;
        print_activity(&stats);
        let mut rows = TransactionRows {
            packed: &packed,
            next: 0,
            start: input.sizes.start(),
        };
        let progress = bar("transactions", packed.len() as u64);
        let mut chunk = Vec::with_capacity(CHUNK_ROWS);
        loop {
            chunk.clear();
            chunk.extend(std::iter::from_fn(|| rows.next_row()).take(CHUNK_ROWS));
            if chunk.is_empty() {
                break;
            }
            klikorder_persistence::transactions::insert(conn, &chunk)?;
            progress.inc(chunk.len() as u64);
        }
        progress.finish_and_clear();
        at = timings.record("insert transactions", at);
        for index in &indexes {
            conn.batch_execute(&index.sql)?;
        }
        at = timings.record("rebuild indexes", at);
        Ok(())
    })?;
    if sqlite {
        conn.batch_execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; ANALYZE;")?;
        keep_sqlite_stat1_only(conn)?;
    } else {
        conn.batch_execute("ANALYZE TABLE depos, customers, transactions")?;
    }
    timings.record("ANALYZE", at);
    Ok(())
}

/// Drops SQLite's STAT4 samples when the lookup's plans still use the
/// indexes without them: with samples, SQLite re-plans the lookup on every
/// call (`plan::sqlite_replans_every_lookup`). Kept otherwise, and said so.
fn keep_sqlite_stat1_only(conn: &mut DbConnection) -> Result<()> {
    use klikorder_persistence::plan;

    conn.batch_execute(plan::SQLITE_KEEP_STAT1_ONLY)?;
    let probe = klikorder_domain::PhoneNumber::parse("081234567890")?;
    let lines = plan::explain_candidates(conn, &probe, &["Verif".to_owned()])?;
    if lines.iter().any(|line| line.starts_with("SCAN customers")) {
        conn.batch_execute("ANALYZE")?;
        eprintln!("  kept sqlite_stat4: without it SQLite would scan customers ({lines:?})");
    } else {
        eprintln!(
            "  dropped sqlite_stat4 (SQLite would re-plan every lookup; the plan without it: {lines:?})"
        );
    }
    Ok(())
}
