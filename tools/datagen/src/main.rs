//! `klikorder-datagen`: the dev tool of issue #5 ("Performance at scale").
//!
//! * `klikorder-datagen --database-url URL [--customers N] [--transactions M]
//!   [--seed S] [--lookups-file FILE] [--lookups K] [--truncate]` fills a
//!   (migrated, or migrated here) database of any supported engine with a
//!   realistic synthetic data set and writes lookup inputs, one per line.
//! * `klikorder-datagen query-ceiling --database-url URL --lookups-file FILE`
//!   runs the service's own lookup (`find_customer` over
//!   `DieselCustomerDirectory`) from N threads with no HTTP: the most the
//!   database can give the server.
//!
//! A workspace member but not a default member, and no crate depends on it:
//! it is never part of the served binary. See `docs/benchmarks.md`.

// A command-line tool: its results go to stdout by design.
#![allow(clippy::print_stdout)]

mod ceiling;
mod cpu;
mod load;
mod model;
mod phones;
mod rng;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use chrono::{NaiveDate, Utc};
use clap::{Args, Parser, Subcommand};
use klikorder_persistence::{PoolSettings, build_pool, run_pending_migrations};

/// Synthetic data for the KlikOrder customer lookup, and its query ceiling.
///
/// Without a subcommand it generates data (the flags below).
#[derive(Debug, Parser)]
#[command(
    name = "klikorder-datagen",
    version,
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    generate: GenerateArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill a database with synthetic data (the default).
    Generate(GenerateArgs),
    /// Run the lookup's statements from N threads, no HTTP, and print
    /// `rps=… p50_ms=… p99_ms=… …` on stdout.
    QueryCeiling(CeilingArgs),
    /// Print `engine=… customers=… transactions=… depos=…` for a database.
    Stats(StatsArgs),
}

#[derive(Debug, Args)]
struct StatsArgs {
    /// The database, as for the server's DATABASE_URL.
    #[arg(long)]
    database_url: String,
}

#[derive(Debug, Args)]
struct GenerateArgs {
    /// The database: sqlite://FILE or postgres://USER@HOST:PORT/DB (also
    /// what the persistence crate accepts for other engines). Pending
    /// migrations are applied first.
    #[arg(long)]
    database_url: Option<String>,
    /// Customers to create.
    #[arg(long, default_value_t = 1_000_000)]
    customers: u64,
    /// Transactions to create, over the two years before --end-date.
    #[arg(long, default_value_t = 10_000_000)]
    transactions: u64,
    /// Seed of every random choice: the same seed, sizes and end date give
    /// the same rows and the same lookup inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Last day of the transaction history, YYYY-MM-DD (default: today, UTC,
    /// so that the 30-day rule of the ranking sees recent activity).
    #[arg(long)]
    end_date: Option<NaiveDate>,
    /// Where to write the lookup inputs, one per line: ~80 % numbers
    /// customers hold, ~10 % shared numbers, ~10 % valid numbers nobody
    /// holds, in random input forms.
    #[arg(long)]
    lookups_file: Option<PathBuf>,
    /// How many lookup inputs to write.
    #[arg(long, default_value_t = 100_000)]
    lookups: usize,
    /// Delete the existing depots, customers and transactions first (the
    /// API clients stay). Without it a database that has any is refused.
    #[arg(long)]
    truncate: bool,
}

#[derive(Debug, Args)]
struct CeilingArgs {
    /// The database, as for the server's DATABASE_URL.
    #[arg(long)]
    database_url: String,
    /// Lookup inputs, one per line (as written by the generator).
    #[arg(long)]
    lookups_file: PathBuf,
    /// Concurrent callers (the load generator's connections).
    #[arg(long, default_value_t = 32)]
    threads: usize,
    /// Connections in the pool: use the server's DB_POOL_SIZE.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 4)]
    pool_size: u32,
    /// Seconds to measure.
    #[arg(long, default_value_t = 20.0)]
    duration: f64,
    /// Seconds to run before measuring.
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// APP_TIMEZONE, as the server.
    #[arg(long, default_value = "Asia/Jakarta")]
    app_timezone: String,
    /// CUSTOMER_STATUSES, as the server.
    #[arg(long, default_value = "Verif")]
    customer_statuses: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::QueryCeiling(args)) => query_ceiling(&args),
        Some(Command::Generate(args)) => generate(&args),
        Some(Command::Stats(args)) => stats(&args),
        None => generate(&cli.generate),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("klikorder-datagen: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn generate(args: &GenerateArgs) -> Result<()> {
    let Some(url) = &args.database_url else {
        bail!("--database-url is required (sqlite://FILE or postgres://…)");
    };
    let started = Instant::now();
    let end = args
        .end_date
        .unwrap_or_else(|| Utc::now().date_naive())
        .and_hms_opt(23, 59, 59)
        .context("bad --end-date")?;
    let sizes = model::Sizes {
        seed: args.seed,
        customers: args.customers,
        transactions: args.transactions,
        end,
    };
    let pool = build_pool(
        url,
        &PoolSettings {
            max_size: 1,
            connection_timeout: Duration::from_secs(30),
        },
    )?;
    let applied = run_pending_migrations(&pool)?;
    if !applied.is_empty() {
        eprintln!("applied migrations: {}", applied.join(", "));
    }
    let mut conn = pool.get()?;
    let (customers, transactions, depos) = load::existing_rows(&mut conn)?;
    if customers + transactions + depos > 0 && !args.truncate {
        bail!(
            "the database already has {customers} customers, {transactions} transactions and {depos} depots; \
             pass --truncate to replace them (API clients are kept)"
        );
    }
    eprintln!(
        "generating {} customers, {} transactions (seed {}, history to {}) into {} database",
        args.customers,
        args.transactions,
        args.seed,
        end.date(),
        conn.engine()
    );
    let mut timings = load::Timings::default();
    let at = Instant::now();
    let (book, stats) = model::PhoneBook::assign(&sizes)?;
    eprintln!(
        "  numbers: {} distinct, {} shared by 2–4 customers ({:.1} %; {} customers share only through no_hp_goovi), {} customers with no_hp_goovi",
        stats.distinct,
        stats.shared,
        100.0 * stats.shared as f64 / stats.distinct.max(1) as f64,
        stats.shared_via_goovi,
        stats.with_goovi
    );
    timings.phases.push(("assign numbers", at.elapsed()));
    load::load(
        &mut conn,
        &load::Input {
            sizes: &sizes,
            book: &book,
            truncate: args.truncate,
        },
        &mut timings,
    )?;
    if let Some(path) = &args.lookups_file {
        let inputs = model::lookups(&sizes, &book, args.lookups);
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        for input in &inputs {
            writeln!(file, "{input}")?;
        }
        file.flush()?;
        eprintln!(
            "  wrote {} lookup inputs to {}",
            inputs.len(),
            path.display()
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    let rows = args.customers + args.transactions;
    println!(
        "generated customers={} transactions={} seed={} end_date={} seconds={seconds:.1} rows_per_s={:.0}",
        args.customers,
        args.transactions,
        args.seed,
        end.date(),
        rows as f64 / seconds
    );
    Ok(())
}

fn query_ceiling(args: &CeilingArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.lookups_file)
        .with_context(|| format!("cannot read {}", args.lookups_file.display()))?;
    let inputs: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let settings = ceiling::Settings {
        database_url: args.database_url.clone(),
        inputs,
        threads: args.threads.max(1),
        pool_size: args.pool_size,
        warmup: Duration::from_secs_f64(args.warmup.max(0.0)),
        duration: Duration::from_secs_f64(args.duration.max(0.1)),
        zone: args
            .app_timezone
            .parse()
            .map_err(|_| anyhow::anyhow!("unknown time zone {:?}", args.app_timezone))?,
        statuses: args
            .customer_statuses
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect(),
    };
    ceiling::run(&settings, &mut std::io::stdout().lock())
}

fn stats(args: &StatsArgs) -> Result<()> {
    let pool = build_pool(
        &args.database_url,
        &PoolSettings {
            max_size: 1,
            connection_timeout: Duration::from_secs(10),
        },
    )?;
    let mut conn = pool.get()?;
    let (customers, transactions, depos) = load::existing_rows(&mut conn)?;
    println!(
        "engine={} customers={customers} transactions={transactions} depos={depos}",
        conn.engine()
    );
    Ok(())
}
