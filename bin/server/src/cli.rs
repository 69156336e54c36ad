//! The command line: subcommands and every setting as a flag with its
//! environment variable. Precedence: flag, then environment, then `.env`,
//! then the default.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

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

    /// Address and port to listen on.
    #[arg(
        long,
        env = "BIND_ADDR",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub bind_addr: SocketAddr,

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
    #[arg(long, env = "DB_POOL_SIZE", default_value_t = 8, global = true)]
    pub db_pool_size: u32,

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
    fn a_bad_bind_address_is_refused_by_the_parser() {
        assert!(Cli::try_parse_from(["klikorder-server", "--bind-addr", "localhost"]).is_err());
    }
}
