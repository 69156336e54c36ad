//! The validated configuration, built once from the command line and
//! passed down explicitly; no library reads the environment.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use chrono_tz::Tz;
use klikorder_http::{LookupCacheSettings, RateLimit, RateLimitSettings, TrustedProxies};

use crate::cli::Settings;

/// The largest `DB_PIPELINE_DEPTH`: past a few, the depth only lengthens
/// the queue behind a descheduled backend.
const MAX_PIPELINE_DEPTH: usize = 64;

/// Everything the server needs to start, checked.
#[derive(Debug, Clone)]
pub struct Config {
    /// The database URL; secret, use [`Config::database_url_redacted`] in
    /// messages.
    pub database_url: String,
    /// Where lookups read from, when not the primary; secret like
    /// `database_url`.
    pub database_replica_url: Option<String>,
    /// Where to listen.
    pub bind_addr: SocketAddr,
    /// Where the operators' routes listen, when apart from `bind_addr`.
    pub admin_bind_addr: Option<SocketAddr>,
    /// The zone stored timestamps are in.
    pub time_zone: Tz,
    /// Statuses the endpoint may return.
    pub customer_statuses: Vec<String>,
    /// Pool size.
    pub db_pool_size: u32,
    /// Bound on the database part of a request, and on waiting for a pooled
    /// connection.
    pub db_timeout: Duration,
    /// Lookups one connection of the async PostgreSQL driver carries at a
    /// time.
    pub db_pipeline_depth: usize,
    /// HTTP worker threads.
    pub workers: usize,
    /// Whether to apply pending migrations before doing anything else.
    pub migrate_on_start: bool,
    /// HTTPS on `bind_addr` with these files; `None`: plain HTTP.
    pub tls: Option<TlsFiles>,
    /// The lookup's rate limits.
    pub rate_limits: RateLimitSettings,
    /// How long a client has to send a request's headers.
    pub client_request_timeout: Duration,
    /// How long an idle keep-alive connection stays open (zero: none).
    pub keep_alive: Duration,
    /// Concurrent connections per worker.
    pub max_connections: usize,
    /// The lookup cache; `None`: off.
    pub lookup_cache: Option<LookupCacheSettings>,
}

/// The PEM files of HTTPS (`TLS_CERT_FILE`, `TLS_KEY_FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain.
    pub certificate: PathBuf,
    /// Its private key.
    pub key: PathBuf,
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
        if settings
            .admin_bind_addr
            .is_some_and(|admin| admin == settings.bind_addr && admin.port() != 0)
        {
            bail!(
                "ADMIN_BIND_ADDR {} is BIND_ADDR too: give the admin routes another port, or unset it",
                settings.bind_addr
            );
        }
        if settings.db_pool_size == 0 {
            bail!("DB_POOL_SIZE must be at least 1");
        }
        if settings.db_timeout_ms == 0 {
            bail!("DB_TIMEOUT_MS must be at least 1");
        }
        if !(1..=MAX_PIPELINE_DEPTH).contains(&settings.db_pipeline_depth) {
            bail!(
                "DB_PIPELINE_DEPTH must be between 1 and {MAX_PIPELINE_DEPTH} (lookups per connection at a time; default 2)"
            );
        }
        let workers = match settings.workers {
            Some(0) => bail!("WORKERS must be at least 1"),
            Some(workers) => workers,
            None => std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
        };
        let tls = match (&settings.tls_cert_file, &settings.tls_key_file) {
            (Some(certificate), Some(key)) => Some(TlsFiles {
                certificate: certificate.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            (Some(_), None) => bail!(
                "TLS_CERT_FILE is set but TLS_KEY_FILE is not: give both (HTTPS) or neither (plain HTTP)"
            ),
            (None, Some(_)) => bail!(
                "TLS_KEY_FILE is set but TLS_CERT_FILE is not: give both (HTTPS) or neither (plain HTTP)"
            ),
        };
        let rate_limits = RateLimitSettings {
            per_client: limit(
                settings.rate_limit_per_second,
                settings.rate_limit_burst,
                "RATE_LIMIT_BURST",
                RateLimit::per_second,
            )?,
            auth_failures: limit(
                settings.auth_failure_limit_per_minute,
                settings.auth_failure_burst,
                "AUTH_FAILURE_BURST",
                RateLimit::per_minute,
            )?,
            trusted_proxies: settings
                .trusted_proxies
                .parse::<TrustedProxies>()
                .context("TRUSTED_PROXIES")?,
        };
        if settings.client_request_timeout_ms == 0 {
            bail!("CLIENT_REQUEST_TIMEOUT_MS must be at least 1");
        }
        if settings.max_connections == 0 {
            bail!("MAX_CONNECTIONS must be at least 1");
        }
        klikorder_persistence::Engine::from_url(&settings.database_url)
            .with_context(|| format!("DATABASE_URL {}", redact(&settings.database_url)))?;
        if let Some(replica) = &settings.database_replica_url {
            klikorder_persistence::Engine::from_url(replica)
                .with_context(|| format!("DATABASE_REPLICA_URL {}", redact(replica)))?;
        }
        Ok(Self {
            database_url: settings.database_url.clone(),
            database_replica_url: settings.database_replica_url.clone(),
            bind_addr: settings.bind_addr,
            admin_bind_addr: settings.admin_bind_addr,
            time_zone,
            customer_statuses,
            db_pool_size: settings.db_pool_size,
            db_timeout: Duration::from_millis(settings.db_timeout_ms),
            db_pipeline_depth: settings.db_pipeline_depth,
            workers,
            migrate_on_start: !settings.no_migrate,
            tls,
            rate_limits,
            client_request_timeout: Duration::from_millis(settings.client_request_timeout_ms),
            keep_alive: Duration::from_secs(settings.keep_alive_secs),
            max_connections: settings.max_connections,
            lookup_cache: (settings.lookup_cache_ttl_secs > 0).then(|| LookupCacheSettings {
                time_to_live: Duration::from_secs(settings.lookup_cache_ttl_secs),
                max_entries: settings.lookup_cache_max_entries.max(1),
            }),
        })
    }

    /// The database URL with any password replaced by `***`.
    #[must_use]
    pub fn database_url_redacted(&self) -> String {
        redact(&self.database_url)
    }
}

/// A rate of `rate` per unit with bursts of `burst`; `None` when `rate` is
/// 0 (the limit is off).
fn limit(
    rate: u32,
    burst: u32,
    burst_variable: &str,
    per_unit: fn(NonZeroU32, NonZeroU32) -> RateLimit,
) -> anyhow::Result<Option<RateLimit>> {
    let Some(rate) = NonZeroU32::new(rate) else {
        return Ok(None);
    };
    let Some(burst) = NonZeroU32::new(burst) else {
        bail!(
            "{burst_variable} must be at least 1 while its rate is on (set the rate to 0 to turn the limit off)"
        );
    };
    Ok(Some(per_unit(rate, burst)))
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
            (&["--db-pipeline-depth", "0"][..], "DB_PIPELINE_DEPTH"),
            (&["--db-pipeline-depth", "1000"][..], "DB_PIPELINE_DEPTH"),
            (
                &[
                    "--bind-addr",
                    "127.0.0.1:9000",
                    "--admin-bind-addr",
                    "127.0.0.1:9000",
                ][..],
                "ADMIN_BIND_ADDR",
            ),
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
    fn the_admin_address_is_optional() {
        if std::env::var_os("ADMIN_BIND_ADDR").is_none() {
            assert_eq!(config(&[]).unwrap().admin_bind_addr, None);
        }
        let split = config(&["--admin-bind-addr", "127.0.0.1:9090"]).unwrap();
        assert_eq!(
            split.admin_bind_addr,
            Some("127.0.0.1:9090".parse().unwrap())
        );
    }

    #[test]
    fn tls_needs_both_files() {
        let both = config(&["--tls-cert-file", "c.pem", "--tls-key-file", "k.pem"]).unwrap();
        assert_eq!(
            both.tls,
            Some(TlsFiles {
                certificate: "c.pem".into(),
                key: "k.pem".into()
            })
        );
        for (args, message) in [
            (&["--tls-cert-file", "c.pem"][..], "TLS_KEY_FILE is not"),
            (&["--tls-key-file", "k.pem"][..], "TLS_CERT_FILE is not"),
        ] {
            let error = format!("{:#}", config(args).unwrap_err());
            assert!(error.contains(message), "{error}");
        }
    }

    #[test]
    fn rate_limits_and_connection_limits_are_checked() {
        let off = config(&[
            "--rate-limit-per-second",
            "0",
            "--auth-failure-limit-per-minute",
            "0",
            "--rate-limit-burst",
            "0",
        ])
        .unwrap();
        assert_eq!(off.rate_limits.per_client, None);
        assert_eq!(off.rate_limits.auth_failures, None);
        let on = config(&[
            "--rate-limit-per-second",
            "5",
            "--rate-limit-burst",
            "7",
            "--trusted-proxies",
            "10.0.0.0/8, ::1",
        ])
        .unwrap();
        let per_client = on.rate_limits.per_client.unwrap();
        assert_eq!(per_client.burst().get(), 7);
        assert_eq!(per_client.interval(), Duration::from_millis(200));
        assert!(
            on.rate_limits
                .trusted_proxies
                .contains("10.1.2.3".parse().unwrap())
        );
        for (args, variable) in [
            (&["--rate-limit-burst", "0"][..], "RATE_LIMIT_BURST"),
            (&["--auth-failure-burst", "0"][..], "AUTH_FAILURE_BURST"),
            (
                &["--trusted-proxies", "proxy.internal"][..],
                "TRUSTED_PROXIES",
            ),
            (
                &["--client-request-timeout-ms", "0"][..],
                "CLIENT_REQUEST_TIMEOUT_MS",
            ),
            (&["--max-connections", "0"][..], "MAX_CONNECTIONS"),
        ] {
            let message = format!("{:#}", config(args).unwrap_err());
            assert!(message.contains(variable), "{message}");
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
