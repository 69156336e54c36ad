//! The query ceiling: the service's own lookup (`find_customer` over
//! `DieselCustomerDirectory`, the very statements the server runs) called
//! from N threads over a pool of the server's size, with no HTTP.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use chrono::Utc;
use chrono_tz::Tz;
use klikorder_domain::{PhoneNumber, find_customer};
use klikorder_persistence::{DieselCustomerDirectory, PoolSettings, build_pool};

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

/// Runs the ceiling and prints one `key=value …` line on stdout.
pub fn run(settings: &Settings, out: &mut impl std::io::Write) -> Result<()> {
    if settings.inputs.is_empty() {
        bail!("the lookups file has no input");
    }
    // Normalized up front: the ceiling is the database side of a lookup
    // (the server normalizes on its HTTP workers). Under 32 threads on 2
    // cores, `PhoneNumber::parse` is far dearer than its single-thread
    // criterion figure (regex caches are thrown away under contention), and
    // would make the harness, not the database, the limit.
    let inputs: Vec<PhoneNumber> = settings
        .inputs
        .iter()
        .map(|input| {
            PhoneNumber::parse(input).with_context(|| format!("invalid lookup input {input:?}"))
        })
        .collect::<Result<_>>()?;
    let inputs = Arc::new(inputs);
    klikorder_domain::warm_up();
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
    let database = postgres_database(&settings.database_url);
    let phase = Arc::new(AtomicU8::new(WARMING));
    let handles: Vec<_> = (0..settings.threads)
        .map(|t| {
            let directory = Arc::clone(&directory);
            let inputs = Arc::clone(&inputs);
            let phase = Arc::clone(&phase);
            let zone = settings.zone;
            let threads = settings.threads.max(1);
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
                    let outcome = find_customer(&*directory, phone, Utc::now(), &zone)
                        .map_err(|e| e.to_string());
                    let took = started.elapsed();
                    if state == MEASURING && phase.load(Ordering::Relaxed) == MEASURING {
                        result
                            .latencies_ns
                            .push(u64::try_from(took.as_nanos()).unwrap_or(u64::MAX));
                        match outcome {
                            Ok(Some(_)) => result.found += 1,
                            Ok(None) => result.not_found += 1,
                            Err(error) => {
                                result.errors += 1;
                                result.first_error.get_or_insert(error);
                            }
                        }
                    }
                }
                result
            })
        })
        .collect();
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
        let Ok(part) = handle.join() else {
            bail!("a caller thread panicked");
        };
        total.latencies_ns.extend(part.latencies_ns);
        total.found += part.found;
        total.not_found += part.not_found;
        total.errors += part.errors;
        if total.first_error.is_none() {
            total.first_error = part.first_error;
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
