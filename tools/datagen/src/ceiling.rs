//! The query ceiling: the service's own lookup over the directory the
//! server uses, with no HTTP, and as many connections as the server.
//!
//! On PostgreSQL that is `find_customer_async` over `AsyncPgDirectory`:
//! one thread per core (as the server's workers), each a current-thread
//! runtime running its share of the N concurrent callers. Elsewhere it is
//! `find_customer` over `DieselCustomerDirectory` from N threads over a pool
//! of the server's size.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use chrono::Utc;
use chrono_tz::Tz;
use klikorder_domain::{DirectoryError, Found, PhoneNumber, find_customer, find_customer_async};
use klikorder_persistence::{
    AsyncPgDirectory, DieselCustomerDirectory, Engine, PoolSettings, build_pool,
};

use crate::cpu::Snapshot;

const WARMING: u8 = 0;
const MEASURING: u8 = 1;
const STOPPING: u8 = 2;

/// What to run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Database URL.
    pub database_url: String,
    /// Lookup inputs, one per line.
    pub inputs: Vec<String>,
    /// Concurrent callers.
    pub threads: usize,
    /// Connections in the pool (the server's `DB_POOL_SIZE`).
    pub pool_size: u32,
    /// Warm-up before measuring.
    pub warmup: Duration,
    /// How long to measure.
    pub duration: Duration,
    /// `APP_TIMEZONE`.
    pub zone: Tz,
    /// `CUSTOMER_STATUSES`.
    pub statuses: Vec<String>,
}

#[derive(Debug, Default)]
struct ThreadResult {
    latencies_ns: Vec<u64>,
    found: u64,
    not_found: u64,
    errors: u64,
    first_error: Option<String>,
}

impl ThreadResult {
    /// Counts one lookup if it ran while measuring.
    fn record(
        &mut self,
        phase: &AtomicU8,
        state: u8,
        took: Duration,
        outcome: Result<Option<Found>, DirectoryError>,
    ) {
        if state != MEASURING || phase.load(Ordering::Relaxed) != MEASURING {
            return;
        }
        self.latencies_ns
            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
        match outcome {
            Ok(Some(_)) => self.found += 1,
            Ok(None) => self.not_found += 1,
            Err(error) => {
                self.errors += 1;
                self.first_error.get_or_insert(error.to_string());
            }
        }
    }

    fn merge(&mut self, part: Self) {
        self.latencies_ns.extend(part.latencies_ns);
        self.found += part.found;
        self.not_found += part.not_found;
        self.errors += part.errors;
        if self.first_error.is_none() {
            self.first_error = part.first_error;
        }
    }
}

/// Threads that each return their callers' results.
type Callers = Vec<std::thread::JoinHandle<Vec<ThreadResult>>>;

/// `settings.threads` threads calling the blocking directory over a pool.
fn blocking_callers(
    settings: &Settings,
    inputs: &Arc<Vec<PhoneNumber>>,
    phase: &Arc<AtomicU8>,
) -> Result<Callers> {
    let pool = build_pool(
        &settings.database_url,
        &PoolSettings {
            max_size: settings.pool_size,
            connection_timeout: Duration::from_secs(10),
        },
    )?;
    let directory = Arc::new(DieselCustomerDirectory::new(
        pool,
        settings.statuses.clone(),
    ));
    let threads = settings.threads.max(1);
    Ok((0..threads)
        .map(|t| {
            let directory = Arc::clone(&directory);
            let inputs = Arc::clone(inputs);
            let phase = Arc::clone(phase);
            let zone = settings.zone;
            std::thread::spawn(move || {
                let mut result = ThreadResult::default();
                let mut i = t * inputs.len() / threads;
                loop {
                    let state = phase.load(Ordering::Relaxed);
                    if state == STOPPING {
                        break;
                    }
                    let phone = &inputs[i % inputs.len()];
                    i += 1;
                    let started = Instant::now();
                    let outcome = find_customer(&*directory, phone, Utc::now(), &zone);
                    result.record(&phase, state, started.elapsed(), outcome);
                }
                vec![result]
            })
        })
        .collect())
}

/// One thread per core, each a current-thread runtime running its share of
/// `settings.threads` concurrent callers of the async directory.
fn async_callers(
    settings: &Settings,
    inputs: &Arc<Vec<PhoneNumber>>,
    phase: &Arc<AtomicU8>,
) -> Result<Callers> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let directory = Arc::new(AsyncPgDirectory::new(
        &settings.database_url,
        settings.statuses.clone(),
        usize::try_from(settings.pool_size)?,
        cores,
        Duration::from_secs(10),
        // No pipeline bound: every caller may be in flight at once, the
        // most the database can be made to do (the server bounds it for
        // its tail latency; the ceiling is throughput only).
        settings.threads.max(1),
    )?);
    let callers = settings.threads.max(1);
    let runtimes = (0..cores)
        .map(|_| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .context("cannot start the callers' runtimes")?;
    Ok(runtimes
        .into_iter()
        .enumerate()
        .map(|(core, runtime)| {
            let directory = Arc::clone(&directory);
            let inputs = Arc::clone(inputs);
            let phase = Arc::clone(phase);
            let zone = settings.zone;
            std::thread::spawn(move || {
                runtime.block_on(async move {
                    let mut tasks = tokio::task::JoinSet::new();
                    for t in (core..callers).step_by(cores) {
                        let directory = Arc::clone(&directory);
                        let inputs = Arc::clone(&inputs);
                        let phase = Arc::clone(&phase);
                        tasks.spawn(async move {
                            let mut result = ThreadResult::default();
                            let mut i = t * inputs.len() / callers;
                            loop {
                                let state = phase.load(Ordering::Relaxed);
                                if state == STOPPING {
                                    break;
                                }
                                let phone = &inputs[i % inputs.len()];
                                i += 1;
                                let started = Instant::now();
                                let outcome =
                                    find_customer_async(&*directory, phone, Utc::now(), &zone)
                                        .await;
                                result.record(&phase, state, started.elapsed(), outcome);
                            }
                            result
                        });
                    }
                    tasks.join_all().await
                })
            })
        })
        .collect())
}

/// Runs the ceiling and prints one `key=value …` line on stdout.
pub fn run(settings: &Settings, out: &mut impl std::io::Write) -> Result<()> {
    if settings.inputs.is_empty() {
        bail!("the lookups file has no input");
    }
    // Normalized up front: the ceiling is the database side of a lookup
    // (the server normalizes on its HTTP workers).
    let inputs: Vec<PhoneNumber> = settings
        .inputs
        .iter()
        .map(|input| {
            PhoneNumber::parse(input).with_context(|| format!("invalid lookup input {input:?}"))
        })
        .collect::<Result<_>>()?;
    let inputs = Arc::new(inputs);
    klikorder_domain::warm_up();
    let database = postgres_database(&settings.database_url);
    let phase = Arc::new(AtomicU8::new(WARMING));
    let handles = if Engine::from_url(&settings.database_url)? == Engine::Postgres {
        async_callers(settings, &inputs, &phase)?
    } else {
        blocking_callers(settings, &inputs, &phase)?
    };
    std::thread::sleep(settings.warmup);
    let before = Snapshot::take(database.as_deref());
    let started = Instant::now();
    phase.store(MEASURING, Ordering::Relaxed);
    std::thread::sleep(settings.duration);
    phase.store(STOPPING, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let after = Snapshot::take(database.as_deref());
    let mut total = ThreadResult::default();
    for handle in handles {
        let Ok(parts) = handle.join() else {
            bail!("a caller thread panicked");
        };
        for part in parts {
            total.merge(part);
        }
    }
    total.latencies_ns.sort_unstable();
    let n = total.latencies_ns.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let rank = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        total.latencies_ns[rank] as f64 / 1e6
    };
    let (machine, own, db, others) = before.until(&after);
    let per = |seconds: f64| {
        if n == 0 {
            0.0
        } else {
            seconds * 1e6 / n as f64
        }
    };
    if let Some(error) = &total.first_error {
        eprintln!("query-ceiling: {} errors; first: {error}", total.errors);
    }
    writeln!(
        out,
        "rps={:.0} p50_ms={:.3} p90_ms={:.3} p99_ms={:.3} max_ms={:.3} lookups={n} found={} not_found={} errors={} \
         seconds={elapsed:.2} threads={} pool={} harness_cpu_us_per_lookup={:.1} db_cpu_us_per_lookup={:.1} \
         machine_cpu_s={machine:.2} others_cpu_s={others:.2} others_cpu_cores={:.2}",
        n as f64 / elapsed,
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0),
        total.found,
        total.not_found,
        total.errors,
        settings.threads,
        settings.pool_size,
        per(own),
        per(db),
        others / elapsed,
    )?;
    Ok(())
}

/// The database name of a PostgreSQL URL, to find its backends.
fn postgres_database(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let path = rest.split_once('/')?.1;
    let name = path.split(['?', '#']).next()?;
    (!name.is_empty()).then(|| name.to_owned())
}
