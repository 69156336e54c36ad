//! [`AsyncCustomerDirectory`] over PostgreSQL with an async driver
//! (tokio-postgres, the driver under diesel-async): the lookup's hot path.
//!
//! Why not the pooled diesel connections: each lookup over them hands the
//! request from the HTTP worker to a blocking thread and back, and blocks
//! that thread on the socket; on 2 cores those hand-offs cost more CPU than
//! the query (docs/benchmarks.md). Here the HTTP worker itself sends the
//! query and awaits the answer, and concurrent lookups share a connection
//! (tokio-postgres pipelines them).
//!
//! The statements are still diesel's: their text is rendered once from the
//! same query builders as [`crate::customers::find_candidates`] (for
//! `diesel::pg::Pg`), prepared once per connection, and their rows are read
//! in the builders' column order; the engine tests check that both paths
//! return the same candidates.
//!
//! Connections: `connections` in all, spread over the threads that call
//! (each thread keeps to its own share, so a connection's I/O runs on the
//! thread whose requests use it). A connection is opened on first use, and
//! replaced when it closes or when a query on it is abandoned before its
//! answer (a deadline passed: the network may be stalled), so the
//! directory recovers from an outage without a restart. A connection
//! carries a few lookups at a time (the pipeline depth); more wait in their
//! thread's queue for the first connection with a free place.

use std::cell::Cell;
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{QueryBuilder, QueryFragment};
use klikorder_domain::{
    AsyncCustomerDirectory, Candidate, CandidateQuery, DirectoryError, PortFuture,
};
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, NoTls, Row, Statement};

use crate::customers::{CustomerRecord, candidates_query, into_candidates, wants_activity};
use crate::depos::DepoRecord;
use crate::transactions::{ActivityRow, activity_query};

/// Why an [`AsyncPgDirectory`] cannot be built for a URL.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AsyncPgError {
    /// The URL is not one tokio-postgres understands.
    #[error("the async PostgreSQL driver cannot read this URL: {0}")]
    Url(String),
    /// The connection could use TLS (libpq's default `sslmode=prefer` to a
    /// remote server), and this driver is built without it: it would send
    /// customers' data in clear where the pooled connections encrypt it.
    #[error(
        "the async PostgreSQL driver is built without TLS, and this URL may use it \
         (a remote host without sslmode=disable)"
    )]
    TlsRequired,
    /// A statement could not be rendered (a bug).
    #[error("rendering the lookup's SQL failed: {0}")]
    Render(diesel::result::Error),
}

/// The lookup over PostgreSQL without blocking a thread.
///
/// Must be called from within a tokio runtime (each connection's I/O task
/// is spawned on the runtime of the thread that opened it), such as an
/// actix-web worker.
#[derive(Clone)]
pub struct AsyncPgDirectory {
    inner: Arc<Inner>,
}

struct Inner {
    config: tokio_postgres::Config,
    statements: Statements,
    allowed_statuses: Vec<String>,
    /// Thread `t` uses the slots `t`, `t + threads`, `t + 2·threads`, ….
    slots: Vec<Slot>,
    threads: usize,
    /// Thread `t`'s lookups queue at `gates[t]` (first come, first served)
    /// for a place on one of its slots, `pipeline_depth` places each.
    gates: Vec<tokio::sync::Semaphore>,
}

/// The default pipeline depth: lookups one connection carries at a time.
///
/// Why a bound: a connection's lookups are answered in order, so when the
/// kernel deschedules its backend (CPU shared with the service and other
/// backends), every lookup queued on it waits for it. With a bound, the
/// rest wait in their thread's queue and go to whichever connection frees
/// a place first. On 2 cores at 1M customers, a depth of 2 kept p99 at
/// 4–10 ms where an unbounded pipeline reached 20–300 ms, for up to a tenth
/// less throughput (docs/benchmarks.md).
pub const DEFAULT_PIPELINE_DEPTH: usize = 2;

/// The two statements' text, rendered from diesel's builders.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Statements {
    /// Query 1; binds `$1`, `$2`: the spellings (for `no_hp`, `no_hp_goovi`),
    /// `$3`: the allowed statuses.
    candidates: String,
    /// Query 2; binds `$1`: the window start, `$2`: the customer ids.
    activity: String,
}

impl Statements {
    fn render() -> Result<Self, diesel::result::Error> {
        let none: Vec<String> = Vec::new();
        let ids: Vec<i64> = Vec::new();
        let epoch = NaiveDateTime::default();
        Ok(Self {
            candidates: sql(&candidates_query!(&none, &none, Pg))?,
            activity: sql(&activity_query!(&ids, epoch))?,
        })
    }
}

fn sql(query: &impl QueryFragment<Pg>) -> Result<String, diesel::result::Error> {
    let mut builder = diesel::pg::PgQueryBuilder::default();
    query.to_sql(&mut builder, &Pg)?;
    Ok(builder.finish())
}

/// One connection's place: the open connection, if any, and a lock that
/// lets one caller at a time open it.
#[derive(Default)]
struct Slot {
    open: Mutex<Option<Arc<Connection>>>,
    opening: tokio::sync::Mutex<()>,
    /// Lookups on this slot now.
    in_flight: AtomicUsize,
}

impl Slot {
    fn current(&self) -> Option<Arc<Connection>> {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.as_ref()
            .filter(|conn| !conn.client.is_closed())
            .cloned()
    }

    /// Forgets `conn` if it is still this slot's connection.
    fn discard(&self, conn: &Arc<Connection>) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open
            .as_ref()
            .is_some_and(|current| Arc::ptr_eq(current, conn))
        {
            *open = None;
        }
    }
}

/// One lookup's place on a slot; given back when dropped.
struct Place<'a> {
    slot: &'a Slot,
    _permit: Option<tokio::sync::SemaphorePermit<'a>>,
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        self.slot.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// An open connection with the lookup's statements prepared on it.
struct Connection {
    client: Client,
    candidates: Statement,
    activity: Statement,
}

/// The numbers of the live threads that have called: thread number `n`
/// uses share `n % threads` of the connections.
static THREAD_NUMBERS: Mutex<Vec<bool>> = Mutex::new(Vec::new());

/// A calling thread's number, the lowest free one when it first calls, and
/// its turn counter. The number is given back when the thread ends, so a
/// worker that replaces one that died (actix restarts a worker after a
/// panic) takes over the dead one's share instead of doubling up on
/// another's.
struct ThreadNumber {
    number: usize,
    turn: Cell<usize>,
}

impl ThreadNumber {
    fn claim(numbers: &Mutex<Vec<bool>>) -> usize {
        let mut taken = numbers.lock().unwrap_or_else(PoisonError::into_inner);
        match taken.iter().position(|taken| !taken) {
            Some(free) => {
                taken[free] = true;
                free
            }
            None => {
                taken.push(true);
                taken.len() - 1
            }
        }
    }

    fn release(numbers: &Mutex<Vec<bool>>, number: usize) {
        let mut taken = numbers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(taken) = taken.get_mut(number) {
            *taken = false;
        }
    }
}

impl Drop for ThreadNumber {
    fn drop(&mut self) {
        Self::release(&THREAD_NUMBERS, self.number);
    }
}

thread_local! {
    /// This thread's number and turn counter.
    static THREAD: ThreadNumber = ThreadNumber {
        number: ThreadNumber::claim(&THREAD_NUMBERS),
        turn: Cell::new(0),
    };
}

impl AsyncPgDirectory {
    /// A directory over the PostgreSQL database at `url` (a libpq-style URL,
    /// `postgres://user:password@host:port/db?…`), returning only customers
    /// whose status is one of `allowed_statuses`, with `connections` in all
    /// spread over `threads` calling threads (the HTTP workers), each
    /// carrying at most `pipeline_depth` lookups at a time (at least one;
    /// [`DEFAULT_PIPELINE_DEPTH`] says why a small one). Nothing connects
    /// until the first lookup.
    ///
    /// `connect_timeout` bounds opening a connection when the URL sets none,
    /// and is the connections' `statement_timeout` and `lock_timeout`: the
    /// server ends a lookup the service has stopped waiting for.
    ///
    /// # Errors
    ///
    /// [`AsyncPgError`] when the URL cannot be used by this driver (the
    /// caller may fall back to [`crate::DieselCustomerDirectory`]).
    pub fn new(
        url: &str,
        allowed_statuses: Vec<String>,
        connections: usize,
        threads: usize,
        connect_timeout: Duration,
        pipeline_depth: usize,
    ) -> Result<Self, AsyncPgError> {
        let mut config = tokio_postgres::Config::from_str(url)
            // The driver's message names the part it could not read; the
            // URL itself (and its password) is left out.
            .map_err(|error| AsyncPgError::Url(error.to_string()))?;
        if !plaintext_is_what_libpq_would_do(&config) {
            return Err(AsyncPgError::TlsRequired);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(connect_timeout);
        }
        // The server stops a lookup that outlives the service's deadline
        // (a table locked by a migration, say) instead of keeping it, and
        // its connection, waiting.
        let deadline_ms = connect_timeout.as_millis().max(1);
        let limits = format!("-c statement_timeout={deadline_ms} -c lock_timeout={deadline_ms}");
        let options = match config.get_options() {
            Some(options) => format!("{options} {limits}"),
            None => limits,
        };
        config.options(&options);
        if config.get_application_name().is_none() {
            config.application_name("klikorder-server");
        }
        let threads = threads.max(1);
        // Exactly `connections`, but at least one per thread.
        let total = connections.max(threads);
        let gates = (0..threads)
            .map(|thread| {
                let own = (total - thread).div_ceil(threads);
                tokio::sync::Semaphore::new(
                    own.saturating_mul(pipeline_depth.max(1))
                        .min(tokio::sync::Semaphore::MAX_PERMITS),
                )
            })
            .collect();
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                statements: Statements::render().map_err(AsyncPgError::Render)?,
                allowed_statuses,
                slots: (0..total).map(|_| Slot::default()).collect(),
                threads,
                gates,
            }),
        })
    }

    /// How many connections it opens at most.
    #[must_use]
    pub fn max_connections(&self) -> usize {
        self.inner.slots.len()
    }

    /// How many connections are open now.
    #[must_use]
    pub fn open_connections(&self) -> usize {
        self.inner
            .slots
            .iter()
            .filter(|slot| slot.current().is_some())
            .count()
    }
}

impl Inner {
    /// A place for one lookup on one of this thread's connections: waits
    /// (first come, first served) while they all carry the pipeline depth,
    /// then takes the connection with the fewest lookups in flight (ties
    /// in turn).
    async fn place(&self) -> Place<'_> {
        let (first, round) = THREAD.with(|thread| {
            let round = thread.turn.get();
            thread.turn.set(round.wrapping_add(1));
            (thread.number % self.threads, round)
        });
        // The gates are never closed, so this always gets a permit.
        let permit = self.gates[first].acquire().await.ok();
        let own = (self.slots.len() - first).div_ceil(self.threads);
        let slot = (0..own)
            .map(|k| &self.slots[first + self.threads * ((round + k) % own)])
            .min_by_key(|slot| slot.in_flight.load(Ordering::Relaxed))
            .unwrap_or(&self.slots[first]);
        slot.in_flight.fetch_add(1, Ordering::Relaxed);
        Place {
            slot,
            _permit: permit,
        }
    }

    async fn connection(&self, slot: &Slot) -> Result<Arc<Connection>, DirectoryError> {
        if let Some(conn) = slot.current() {
            return Ok(conn);
        }
        let _opening = slot.opening.lock().await;
        if let Some(conn) = slot.current() {
            return Ok(conn);
        }
        let conn = Arc::new(self.open().await.map_err(unavailable)?);
        *slot.open.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&conn));
        Ok(conn)
    }

    async fn open(&self) -> Result<Connection, tokio_postgres::Error> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                log::warn!("lookup database connection closed: {error}");
            }
        });
        // As on the pooled connections (connection.rs): keep the generic
        // plan of the array-parameter statements instead of re-planning.
        client
            .batch_execute("SET plan_cache_mode = force_generic_plan")
            .await?;
        let candidates = client.prepare(&self.statements.candidates).await?;
        let activity = client.prepare(&self.statements.activity).await?;
        log::debug!("lookup database connection opened");
        Ok(Connection {
            client,
            candidates,
            activity,
        })
    }

    async fn find_candidates(
        &self,
        query: CandidateQuery,
    ) -> Result<Vec<Candidate>, DirectoryError> {
        let place = self.place().await;
        let slot = place.slot;
        let conn = self.connection(slot).await?;
        // Until the answers are in, dropping this future (a deadline) drops
        // the guard, which cancels the query and retires the connection: it
        // may be stalled.
        let guard = AbandonGuard {
            slot,
            conn: &conn,
            armed: true,
        };
        let answered = self.run_lookup(&conn, &query).await;
        guard.disarm();
        answered.map_err(|error| query_error(slot, &conn, error))
    }

    /// The lookup's statements on `conn`.
    async fn run_lookup(
        &self,
        conn: &Connection,
        query: &CandidateQuery,
    ) -> Result<Vec<Candidate>, tokio_postgres::Error> {
        let spellings = query.phone.stored_spellings();
        let spellings: &[String] = &spellings;
        let rows = conn
            .client
            .query(
                &conn.candidates,
                &[&spellings, &spellings, &self.allowed_statuses],
            )
            .await?
            .iter()
            .map(candidate_row)
            .collect::<Result<Vec<_>, _>>()?;
        let figures = if wants_activity(query.activity, rows.len()) {
            let ids: Vec<i64> = rows.iter().map(|(customer, _)| customer.id).collect();
            let figures = conn
                .client
                .query(&conn.activity, &[&query.window_start, &ids])
                .await?
                .iter()
                .map(activity_row)
                .collect::<Result<Vec<_>, _>>()?;
            Some(figures)
        } else {
            None
        };
        Ok(into_candidates(rows, figures))
    }

    async fn ping(&self) -> Result<(), DirectoryError> {
        let place = self.place().await;
        let slot = place.slot;
        let conn = self.connection(slot).await?;
        let guard = AbandonGuard {
            slot,
            conn: &conn,
            armed: true,
        };
        let answered = conn.client.simple_query("SELECT 1").await;
        guard.disarm();
        answered
            .map(drop)
            .map_err(|error| query_error(slot, &conn, error))
    }
}

/// Retires a connection whose query was abandoned mid-way.
struct AbandonGuard<'a> {
    slot: &'a Slot,
    conn: &'a Arc<Connection>,
    armed: bool,
}

impl AbandonGuard<'_> {
    fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for AbandonGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.slot.discard(self.conn);
            // Ask the server to stop the query too (statement_timeout is the
            // backstop when this cannot run: no runtime, server unreachable).
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                let cancel = self.conn.client.cancel_token();
                runtime.spawn(async move {
                    let _ = cancel.cancel_query(NoTls).await;
                });
            }
        }
    }
}

fn unavailable(error: tokio_postgres::Error) -> DirectoryError {
    DirectoryError::Unavailable(Box::new(error))
}

/// The connection is gone or going ([`DirectoryError::Unavailable`], and
/// the slot opens a new one next time): closed, an I/O error, or the server
/// ending the session (FATAL, such as an administrator's kill or a
/// shutdown: SQLSTATE classes 57 and 08, which include a statement that
/// outlived `statement_timeout`). Anything else — the database refusing the
/// statement, a row that does not decode — is [`DirectoryError::Failed`]
/// on a connection that stays.
fn query_error(
    slot: &Slot,
    conn: &Arc<Connection>,
    error: tokio_postgres::Error,
) -> DirectoryError {
    let session_ended = error.as_db_error().is_some_and(|db| {
        let code = db.code().code();
        matches!(db.severity(), "FATAL" | "PANIC")
            || code.starts_with("57")
            || code.starts_with("08")
    });
    let io_failed = std::error::Error::source(&error)
        .is_some_and(|source| source.downcast_ref::<std::io::Error>().is_some());
    if conn.client.is_closed() || session_ended || io_failed {
        slot.discard(conn);
        DirectoryError::Unavailable(Box::new(error))
    } else {
        DirectoryError::Failed(Box::new(error))
    }
}

/// Whether connecting without TLS is what libpq would do for this URL too:
/// `sslmode=disable`, or every host is this machine (a unix socket or a
/// loopback address), where TLS protects nothing.
fn plaintext_is_what_libpq_would_do(config: &tokio_postgres::Config) -> bool {
    use tokio_postgres::config::Host;

    match config.get_ssl_mode() {
        SslMode::Disable => return true,
        SslMode::Require => return false,
        _ => {}
    }
    !config.get_hosts().is_empty()
        && config.get_hosts().iter().all(|host| match host {
            Host::Unix(_) => true,
            Host::Tcp(name) => {
                name == "localhost"
                    || name
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|address| address.is_loopback())
            }
        })
}

/// A row of query 1, in the builder's column order: the 17 columns of
/// [`CustomerRecord`], then the depot's id, kode and nama (NULL without one).
fn candidate_row(row: &Row) -> Result<(CustomerRecord, Option<DepoRecord>), tokio_postgres::Error> {
    let customer = CustomerRecord {
        id: row.try_get(0)?,
        kode: row.try_get(1)?,
        nama: row.try_get(2)?,
        nama_pemilik: row.try_get(3)?,
        kontak_person: row.try_get(4)?,
        no_hp: row.try_get(5)?,
        no_hp_goovi: row.try_get(6)?,
        status_pelanggan: row.try_get(7)?,
        keperluan_pelanggan: row.try_get(8)?,
        latitude: row.try_get(9)?,
        longitude: row.try_get(10)?,
        alamat_lengkap: row.try_get(11)?,
        kelurahan: row.try_get(12)?,
        kecamatan: row.try_get(13)?,
        kota: row.try_get(14)?,
        provinsi: row.try_get(15)?,
        created_at: row.try_get(16)?,
    };
    let depo = match row.try_get::<_, Option<i64>>(17)? {
        Some(id) => Some(DepoRecord {
            id,
            kode: row.try_get(18)?,
            nama: row.try_get(19)?,
        }),
        None => None,
    };
    Ok((customer, depo))
}

/// A row of query 2: customer id, recent count, latest date.
fn activity_row(row: &Row) -> Result<ActivityRow, tokio_postgres::Error> {
    Ok(ActivityRow {
        customer_id: row.try_get(0)?,
        recent_transactions: row.try_get(1)?,
        last_transaction: row.try_get(2)?,
    })
}

impl AsyncCustomerDirectory for AsyncPgDirectory {
    fn find_candidates(
        &self,
        query: CandidateQuery,
    ) -> PortFuture<Result<Vec<Candidate>, DirectoryError>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move { inner.find_candidates(query).await })
    }

    fn ping(&self) -> PortFuture<Result<(), DirectoryError>> {
        let inner = Arc::clone(&self.inner);
        Box::pin(async move { inner.ping().await })
    }
}

impl std::fmt::Debug for AsyncPgDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config holds the password: leave it out.
        f.debug_struct("AsyncPgDirectory")
            .field("connections", &self.inner.slots.len())
            .field("threads", &self.inner.threads)
            .field("allowed_statuses", &self.inner.allowed_statuses)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_diesels_with_array_binds_in_the_expected_order() {
        let statements = Statements::render().unwrap();
        let candidates = &statements.candidates;
        let no_hp = candidates.find(r#""customers"."no_hp" = ANY($1)"#).unwrap();
        let goovi = candidates
            .find(r#""customers"."no_hp_goovi" = ANY($2)"#)
            .unwrap();
        let status = candidates
            .find(r#""customers"."status_pelanggan" = ANY($3)"#)
            .unwrap();
        assert!(no_hp < goovi && goovi < status, "{candidates}");
        assert!(candidates.contains("LEFT OUTER JOIN"), "{candidates}");
        assert!(!candidates.contains("$4"), "{candidates}");
        // The row reader's column order: the customer's 17, then the depot.
        let select = &candidates[..candidates.find(" FROM ").unwrap()];
        let columns: Vec<&str> = select.split(", ").collect();
        assert_eq!(columns.len(), 20, "{select}");
        assert!(columns[0].ends_with(r#""customers"."id""#), "{select}");
        assert_eq!(columns[16], r#""customers"."created_at""#);
        assert_eq!(columns[17], r#""depos"."id""#);
        assert_eq!(columns[19], r#""depos"."nama""#);

        let activity = &statements.activity;
        let window = activity.find(">= $1").unwrap();
        let ids = activity
            .find(r#""transactions"."customer_id" = ANY($2)"#)
            .unwrap();
        assert!(window < ids, "{activity}");
        assert!(!activity.contains("$3"), "{activity}");
    }

    #[test]
    fn urls_it_cannot_serve_are_refused_without_showing_the_password() {
        let tls = AsyncPgDirectory::new(
            "postgres://app:s3cret@db.example/klikorder?sslmode=require",
            vec![],
            4,
            2,
            Duration::from_secs(1),
            2,
        )
        .unwrap_err();
        assert!(matches!(tls, AsyncPgError::TlsRequired));
        // libpq's default (prefer) to a remote host would use TLS when the
        // server offers it: not this driver's to serve either.
        for remote in [
            "postgres://app:s3cret@db.example/klikorder",
            "postgres://app:s3cret@10.0.0.5:5432/klikorder?sslmode=prefer",
        ] {
            let refused = AsyncPgDirectory::new(remote, vec![], 4, 2, Duration::from_secs(1), 2);
            assert!(
                matches!(refused, Err(AsyncPgError::TlsRequired)),
                "{remote}"
            );
        }
        for plaintext in [
            "postgres://app:s3cret@db.example/klikorder?sslmode=disable",
            "postgres://app@127.0.0.1:5432/klikorder",
            "postgres://app@localhost/klikorder",
            "postgres://app@[::1]:5432/klikorder",
            "postgresql:///klikorder?host=/var/run/postgresql",
        ] {
            AsyncPgDirectory::new(plaintext, vec![], 4, 2, Duration::from_secs(1), 2)
                .unwrap_or_else(|error| panic!("{plaintext}: {error}"));
        }
        let bad = AsyncPgDirectory::new(
            "postgres://app:s3cret@db.example/klikorder?nonsense=1",
            vec![],
            4,
            2,
            Duration::from_secs(1),
            2,
        )
        .unwrap_err();
        assert!(!bad.to_string().contains("s3cret"), "{bad}");
    }

    /// A directory that never connects (nothing listens on port 1): its
    /// `connections`, calling `threads` and pipeline `depth`.
    fn unconnected(connections: usize, threads: usize, depth: usize) -> AsyncPgDirectory {
        AsyncPgDirectory::new(
            "postgres://postgres@127.0.0.1:1/none",
            vec![],
            connections,
            threads,
            Duration::from_secs(1),
            depth,
        )
        .unwrap()
    }

    #[test]
    fn connections_are_spread_over_the_threads() {
        let directory = unconnected(4, 2, 2);
        assert_eq!(directory.max_connections(), 4);
        assert_eq!(directory.open_connections(), 0);
        let odd = unconnected(5, 2, 2);
        assert_eq!(odd.max_connections(), 5);
        let many_workers = unconnected(4, 8, 2);
        assert_eq!(many_workers.max_connections(), 8, "at least one per worker");
    }

    /// Polls `future` once, without a runtime.
    fn poll_once<F: std::future::Future>(future: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        match future.poll(&mut context) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }

    #[test]
    fn lookups_take_the_least_busy_connection_and_queue_past_the_depth() {
        // One thread, two connections, two lookups each.
        let directory = unconnected(2, 1, 2);
        let inner = &directory.inner;
        let index = |place: &Place<'_>| {
            inner
                .slots
                .iter()
                .position(|candidate| std::ptr::eq(candidate, place.slot))
                .unwrap()
        };
        let take = || poll_once(std::pin::pin!(inner.place())).expect("a free place");
        let first = take();
        let second = take();
        // The second goes to the idle connection, not behind the first…
        assert_ne!(index(&first), index(&second));
        // …and so does the next once that is idle again (round robin would
        // put it behind the first).
        let idle = index(&second);
        drop(second);
        let second = take();
        assert_eq!(index(&second), idle);
        let third = take();
        let fourth = take();
        assert_ne!(index(&third), index(&fourth));
        let busy = |slot: usize| inner.slots[slot].in_flight.load(Ordering::Relaxed);
        assert_eq!((busy(0), busy(1)), (2, 2));

        // Both connections carry two: the fifth waits…
        let mut fifth = std::pin::pin!(inner.place());
        assert!(poll_once(fifth.as_mut()).is_none());
        // …until a place frees, and takes that one.
        let freed = index(&second);
        drop(second);
        let fifth = poll_once(fifth.as_mut()).expect("the freed place");
        assert_eq!(index(&fifth), freed);
        assert_eq!((busy(0), busy(1)), (2, 2));
        drop((first, third, fourth, fifth));
        assert_eq!((busy(0), busy(1)), (0, 0));
    }

    #[test]
    fn each_thread_keeps_to_its_own_slots() {
        let directory = unconnected(5, 2, 2);
        let inner = &directory.inner;
        let index = |slot: &Slot| {
            inner
                .slots
                .iter()
                .position(|candidate| std::ptr::eq(candidate, slot))
                .unwrap()
        };
        // Five slots over two shares: threads numbered even use 0, 2, 4 and
        // odd ones 1, 3. Two threads at once get different numbers; whether
        // those differ in parity depends on the tests running meanwhile
        // (numbers are process-wide), so pairs until both shares were seen.
        let expected = [
            std::collections::BTreeSet::from([0, 2, 4]),
            std::collections::BTreeSet::from([1, 3]),
        ];
        let mut seen = [false, false];
        for _ in 0..50 {
            let both_numbered = std::sync::Barrier::new(2);
            let pair: Vec<(usize, std::collections::BTreeSet<usize>)> =
                std::thread::scope(|scope| {
                    let threads: Vec<_> = (0..2)
                        .map(|_| {
                            scope.spawn(|| {
                                let runtime = tokio::runtime::Builder::new_current_thread()
                                    .build()
                                    .unwrap();
                                let used = (0..12)
                                    .map(|_| index(runtime.block_on(inner.place()).slot))
                                    .collect();
                                // Hold the number until the other thread has one.
                                both_numbered.wait();
                                (THREAD.with(|thread| thread.number % 2), used)
                            })
                        })
                        .collect();
                    threads.into_iter().map(|t| t.join().unwrap()).collect()
                });
            for (share, used) in pair {
                assert_eq!(used, expected[share], "a thread of share {share}");
                seen[share] = true;
            }
            if seen == [true, true] {
                return;
            }
        }
        panic!("fifty pairs of threads, all numbered alike: {seen:?}");
    }

    #[test]
    fn a_thread_that_ends_gives_its_number_to_the_next() {
        let numbers = Mutex::new(Vec::new());
        let claim = || ThreadNumber::claim(&numbers);
        assert_eq!((claim(), claim(), claim()), (0, 1, 2));
        // The second worker dies; its replacement takes its number (and so
        // its share of the connections), not a fourth.
        ThreadNumber::release(&numbers, 1);
        assert_eq!(claim(), 1);
        assert_eq!(claim(), 3);
    }
}
