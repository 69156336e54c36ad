//! The command line: subcommands and every setting as a flag with its
//! environment variable. Precedence: flag, then environment, then `.env`,
//! then the default.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::logging::LogFormat;

/// The default database: a SQLite file in the working directory, created and
/// migrated on start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://klikorder.db";

/// KlikOrder customer lookup: answers partners' `GET
/// /api/integrasi/customers?no_hp=…` with the customer and its depot.
#[derive(Debug, Parser)]
#[command(name = "klikorder-server", version, about, long_about = None)]
pub struct Cli {
    /// What to do; without one, `serve`.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Settings shared by every subcommand.
    #[command(flatten)]
    pub settings: Settings,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve (the default).
    Serve(ServeArgs),
    /// Apply pending migrations and exit; with --check, change nothing and
    /// report what is missing.
    Migrate(MigrateArgs),
    /// Check the database the service points at: tables, columns, indexes,
    /// and stored phone numbers that no input can reach.
    Doctor,
    /// Look a phone number up as the endpoint would, from the command line.
    Lookup(LookupArgs),
    /// Manage the API clients (partners) that may call the endpoint.
    #[command(subcommand)]
    Clients(ClientsCommand),
}

/// Options of `serve`.
#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Load the demo data set and a demo client first, and print a
    /// ready-to-paste `curl` line.
    #[arg(long)]
    pub demo: bool,
}

/// Options of `migrate`.
#[derive(Debug, Default, Args)]
pub struct MigrateArgs {
    /// Change nothing: list every expected table, column or index that is
    /// missing or of an incompatible type, and exit non-zero if any is.
    #[arg(long)]
    pub check: bool,
}

/// Options of `lookup`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The phone number, in any accepted form.
    pub no_hp: String,
    /// List every candidate with its figures and the rule that decided.
    #[arg(long)]
    pub explain: bool,
    /// Print JSON: the endpoint's body, or with --explain the candidates.
    #[arg(long)]
    pub json: bool,
}

/// `clients …`.
#[derive(Debug, Subcommand)]
pub enum ClientsCommand {
    /// Register a client; prints its key once.
    Add {
        /// The `X-API-Client` value, e.g. MEKARI.
        client_id: String,
        /// A description, e.g. "Mekari Qontak production".
        #[arg(long)]
        name: Option<String>,
        /// Read the key from standard input instead of generating one (to
        /// keep a key a partner already holds).
        #[arg(long)]
        key_stdin: bool,
        /// When the client's access ends (UTC): `2027-06-30` (midnight) or
        /// `2027-06-30T17:00:00Z`.
        #[arg(long, value_parser = parse_expiry)]
        expires: Option<chrono::NaiveDateTime>,
    },
    /// List the clients (never their keys).
    List,
    /// Revoke a client: its key stops working within seconds.
    Revoke {
        /// The client to revoke.
        client_id: String,
    },
    /// Give a client a new key (printed once); the old one stops working.
    Rotate {
        /// The client whose key to replace.
        client_id: String,
    },
}

/// Every setting, as a flag and an environment variable.
#[derive(Debug, Args)]
pub struct Settings {
    /// Database: `sqlite://FILE`, `postgres://…` or `mysql://…`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true, hide_env_values = true)]
    pub database_url: String,

    /// A read replica for lookups (`postgres://…`, `mysql://…`, or another
    /// `sqlite://` file); API clients are always read from and written to
    /// DATABASE_URL, the primary.
    #[arg(
        long,
        env = "DATABASE_REPLICA_URL",
        global = true,
        hide_env_values = true
    )]
    pub database_replica_url: Option<String>,

    /// Address and port to listen on.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: SocketAddr,

    /// A second address for the operators' routes (`/health`,
    /// `/health/ready`, `/metrics`), which then leave the public address;
    /// unset, everything is served on BIND_ADDR.
    #[arg(long, env = "ADMIN_BIND_ADDR", global = true)]
    pub admin_bind_addr: Option<SocketAddr>,

    /// Time zone of the stored timestamps (IANA name).
    #[arg(
        long,
        env = "APP_TIMEZONE",
        default_value = "Asia/Jakarta",
        global = true
    )]
    pub app_timezone: String,

    /// Customer statuses the endpoint may return (comma-separated).
    #[arg(
        long,
        env = "CUSTOMER_STATUSES",
        default_value = "Verif",
        global = true
    )]
    pub customer_statuses: String,

    /// Database connections in the pool.
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 4, global = true)]
    pub db_pool_size: u32,

    /// Lookups one PostgreSQL connection carries at a time (pipelined);
    /// more wait for the first connection with a free place. Small keeps
    /// the p99 low when the service shares CPUs with the database; larger
    /// trades latency for throughput (docs/benchmarks.md).
    #[arg(
        long,
        env = "DB_PIPELINE_DEPTH",
        default_value_t = klikorder_persistence::DEFAULT_PIPELINE_DEPTH,
        global = true
    )]
    pub db_pipeline_depth: usize,

    /// How long, in milliseconds, the database part of a request may take
    /// before the answer is 503.
    #[arg(long, env = "DB_TIMEOUT_MS", default_value_t = 2000, global = true)]
    pub db_timeout_ms: u64,

    /// HTTP worker threads (default: one per CPU core).
    #[arg(long, env = "WORKERS", global = true)]
    pub workers: Option<usize>,

    /// Do not apply pending migrations on start (for a database the service
    /// does not own; run `migrate` there deliberately).
    #[arg(long, env = "NO_MIGRATE", global = true)]
    pub no_migrate: bool,

    /// Log filter, as env_logger reads it (e.g. `info`, `warn,klikorder=debug`).
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Log line format: `text`, or `json` for one JSON object per line (for
    /// log shippers).
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value_t = LogFormat::Text,
        global = true
    )]
    pub log_format: LogFormat,

    /// PEM certificate chain (leaf first) for HTTPS on BIND_ADDR; give
    /// TLS_KEY_FILE too. Unset (with TLS_KEY_FILE): plain HTTP, for running
    /// behind a TLS-terminating proxy. The admin address stays plain HTTP.
    #[arg(long, env = "TLS_CERT_FILE", global = true)]
    pub tls_cert_file: Option<PathBuf>,

    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of TLS_CERT_FILE.
    #[arg(long, env = "TLS_KEY_FILE", global = true)]
    pub tls_key_file: Option<PathBuf>,

    /// Lookups per second each authenticated client may make (0: no limit).
    #[arg(
        long,
        env = "RATE_LIMIT_PER_SECOND",
        default_value_t = 50,
        global = true
    )]
    pub rate_limit_per_second: u32,

    /// Lookups a client may make at once above its rate.
    #[arg(long, env = "RATE_LIMIT_BURST", default_value_t = 100, global = true)]
    pub rate_limit_burst: u32,

    /// Failed authentications per minute a source address may make; past
    /// it, every lookup from there is refused (429) until it recovers
    /// (0: no limit).
    #[arg(
        long,
        env = "AUTH_FAILURE_LIMIT_PER_MINUTE",
        default_value_t = 30,
        global = true
    )]
    pub auth_failure_limit_per_minute: u32,

    /// Failed authentications a source address may make at once.
    #[arg(long, env = "AUTH_FAILURE_BURST", default_value_t = 30, global = true)]
    pub auth_failure_burst: u32,

    /// Reverse proxies (comma-separated IPs or CIDR ranges) whose
    /// X-Forwarded-For names the client's address for the failure limit.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", global = true)]
    pub trusted_proxies: String,

    /// Milliseconds a client has to send a request's headers before it gets
    /// 408 and is disconnected.
    #[arg(
        long,
        env = "CLIENT_REQUEST_TIMEOUT_MS",
        default_value_t = 5000,
        global = true
    )]
    pub client_request_timeout_ms: u64,

    /// Seconds an idle keep-alive connection stays open (0: close after
    /// each response).
    #[arg(long, env = "KEEP_ALIVE_SECS", default_value_t = 5, global = true)]
    pub keep_alive_secs: u64,

    /// Concurrent connections per worker; past it, new ones wait.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 2048, global = true)]
    pub max_connections: usize,

    /// Seconds a lookup's answer is kept in memory by number and served
    /// without asking the database (0, the default: no cache). Changes to
    /// customers show once their entry expires.
    #[arg(
        long,
        env = "LOOKUP_CACHE_TTL_SECS",
        default_value_t = 0,
        global = true
    )]
    pub lookup_cache_ttl_secs: u64,

    /// At most this many numbers in the lookup cache (least recently used
    /// leave first).
    #[arg(
        long,
        env = "LOOKUP_CACHE_MAX_ENTRIES",
        default_value_t = 100_000,
        global = true
    )]
    pub lookup_cache_max_entries: u64,
}

/// Reads `--expires`: a date (midnight UTC) or an RFC 3339 time.
fn parse_expiry(text: &str) -> Result<chrono::NaiveDateTime, String> {
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(date.and_time(chrono::NaiveTime::MIN));
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|at| at.naive_utc())
        .map_err(|_| {
            format!(
                "{text:?} is not a date (2027-06-30) or an RFC 3339 time (2027-06-30T17:00:00Z)"
            )
        })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_bare_invocation_serves_with_the_contract_defaults() {
        let cli = Cli::try_parse_from(["klikorder-server"]).unwrap();
        assert!(cli.command.is_none());
        // Defaults only hold when the environment does not set them; the CI
        // environment sets none of these.
        if std::env::var_os("DATABASE_URL").is_none() {
            assert_eq!(cli.settings.database_url, DEFAULT_DATABASE_URL);
        }
        if std::env::var_os("BIND_ADDR").is_none() {
            assert_eq!(cli.settings.bind_addr.to_string(), "127.0.0.1:8080");
        }
    }

    #[test]
    fn settings_can_follow_the_subcommand() {
        let cli = Cli::try_parse_from([
            "klikorder-server",
            "clients",
            "add",
            "MEKARI",
            "--name",
            "Mekari",
            "--database-url",
            "sqlite://x.db",
        ])
        .unwrap();
        assert_eq!(cli.settings.database_url, "sqlite://x.db");
        assert!(matches!(
            cli.command,
            Some(Command::Clients(ClientsCommand::Add { ref client_id, .. })) if client_id == "MEKARI"
        ));
    }

    #[test]
    fn expiry_dates_are_dates_or_rfc3339_times_in_utc() {
        assert_eq!(
            parse_expiry("2027-06-30").unwrap().to_string(),
            "2027-06-30 00:00:00"
        );
        assert_eq!(
            parse_expiry("2027-06-30T17:00:00+07:00")
                .unwrap()
                .to_string(),
            "2027-06-30 10:00:00"
        );
        assert!(parse_expiry("next tuesday").is_err());
    }

    #[test]
    fn a_bad_bind_address_is_refused_by_the_parser() {
        assert!(Cli::try_parse_from(["klikorder-server", "--bind-addr", "localhost"]).is_err());
    }
}
