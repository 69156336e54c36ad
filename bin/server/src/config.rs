//! The validated configuration, built once from the command line and
//! passed down explicitly; no library reads the environment.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono_tz::Tz;

use crate::cli::Settings;

/// Everything the server needs to start, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database URL; secret, use [`Config::database_url_redacted`] in
    /// messages.
    pub database_url: String,
    /// Where to listen.
    pub bind_addr: SocketAddr,
    /// The zone stored timestamps are in.
    pub time_zone: Tz,
    /// Statuses the endpoint may return.
    pub customer_statuses: Vec<String>,
    /// Pool size.
    pub db_pool_size: u32,
    /// Bound on the database part of a request, and on waiting for a pooled
    /// connection.
    pub db_timeout: Duration,
    /// HTTP worker threads.
    pub workers: usize,
    /// Whether to apply pending migrations before doing anything else.
    pub migrate_on_start: bool,
}

impl Config {
    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// One message per bad setting, naming the variable.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        let time_zone: Tz = settings.app_timezone.parse().map_err(|_| {
            anyhow::anyhow!(
                "APP_TIMEZONE {:?} is not an IANA time zone name such as Asia/Jakarta",
                settings.app_timezone
            )
        })?;
        let customer_statuses: Vec<String> = settings
            .customer_statuses
            .split(',')
            .map(str::trim)
            .filter(|status| !status.is_empty())
            .map(str::to_owned)
            .collect();
        if customer_statuses.is_empty() {
            bail!("CUSTOMER_STATUSES is empty: name at least one status, e.g. Verif");
        }
        if settings.db_pool_size == 0 {
            bail!("DB_POOL_SIZE must be at least 1");
        }
        if settings.db_timeout_ms == 0 {
            bail!("DB_TIMEOUT_MS must be at least 1");
        }
        let workers = match settings.workers {
            Some(0) => bail!("WORKERS must be at least 1"),
            Some(workers) => workers,
            None => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
        };
        klikorder_persistence::Engine::from_url(&settings.database_url)
            .with_context(|| format!("DATABASE_URL {}", redact(&settings.database_url)))?;
        Ok(Self {
            database_url: settings.database_url.clone(),
            bind_addr: settings.bind_addr,
            time_zone,
            customer_statuses,
            db_pool_size: settings.db_pool_size,
            db_timeout: Duration::from_millis(settings.db_timeout_ms),
            workers,
            migrate_on_start: !settings.no_migrate,
        })
    }

    /// The database URL with any password replaced by `***`.
    #[must_use]
    pub fn database_url_redacted(&self) -> String {
        redact(&self.database_url)
    }
}

/// Hides the password of a URL, for messages and logs.
#[must_use]
pub fn redact(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            if parsed.set_password(Some("***")).is_ok() {
                parsed.to_string()
            } else {
                "<database url>".to_owned()
            }
        }
        Ok(_) => database_url.to_owned(),
        Err(_) => "<unparseable database url>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::Cli;

    fn config(args: &[&str]) -> anyhow::Result<Config> {
        let mut argv = vec!["klikorder-server", "--database-url", "sqlite://test.db"];
        argv.extend_from_slice(args);
        Config::from_settings(&Cli::try_parse_from(argv)?.settings)
    }

    #[test]
    fn statuses_are_a_trimmed_comma_separated_list() {
        let config = config(&["--customer-statuses", " Verif, Aktif ,,"]).unwrap();
        assert_eq!(config.customer_statuses, ["Verif", "Aktif"]);
    }

    #[test]
    fn bad_settings_name_their_variable() {
        for (args, variable) in [
            (&["--app-timezone", "Mars/Olympus"][..], "APP_TIMEZONE"),
            (&["--customer-statuses", " , "][..], "CUSTOMER_STATUSES"),
            (&["--db-pool-size", "0"][..], "DB_POOL_SIZE"),
            (&["--db-timeout-ms", "0"][..], "DB_TIMEOUT_MS"),
            (
                &["--database-url", "postgress://u:secret@h/db"][..],
                "DATABASE_URL",
            ),
        ] {
            let message = format!("{:#}", config(args).unwrap_err());
            assert!(message.contains(variable), "{message}");
            assert!(!message.contains("secret"), "{message}");
        }
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://app:s3cret@db.internal:5432/klikorder"),
            "postgres://app:***@db.internal:5432/klikorder"
        );
        assert_eq!(redact("sqlite://klikorder.db"), "sqlite://klikorder.db");
    }
}
