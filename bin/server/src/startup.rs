//! Wiring and start-up: database, migrations, registry, HTTP server.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use klikorder_auth::SnapshotRegistry;
use klikorder_domain::AsyncCustomerDirectory;
use klikorder_http::{AppState, LookupCache, PoolStats, RateLimits, ServerSettings, Tls};
use klikorder_persistence::{
    AsyncPgDirectory, DbPool, DieselApiClientStore, DieselCustomerDirectory, Engine,
    InlineCustomerDirectory, PoolSettings, PoolWaits, build_observed_pool, run_pending_migrations,
};

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::demo;

/// How often a running server reloads the API clients, so `clients add /
/// revoke / rotate` from another process take effect within 5 seconds.
const REGISTRY_REFRESH: Duration = Duration::from_secs(2);

/// Opens the pool and, unless told not to, applies pending migrations.
///
/// # Errors
///
/// When the database cannot be opened or migrated.
pub fn open_database(config: &Config) -> anyhow::Result<DbPool> {
    open_observed_database(config, Arc::new(PoolWaits::default()))
}

/// [`open_database`], counting the pool's checkout waits into `waits`.
///
/// # Errors
///
/// As [`open_database`].
fn open_observed_database(config: &Config, waits: Arc<PoolWaits>) -> anyhow::Result<DbPool> {
    let pool = build_observed_pool(
        &config.database_url,
        &PoolSettings {
            max_size: config.db_pool_size,
            connection_timeout: config.db_timeout,
        },
        waits,
    )
    .with_context(|| {
        format!(
            "cannot open the database {}",
            config.database_url_redacted()
        )
    })?;
    if config.migrate_on_start {
        apply_migrations(&pool)?;
    }
    Ok(pool)
}

fn apply_migrations(pool: &DbPool) -> anyhow::Result<Vec<String>> {
    // The persistence crate logs each migration it applies.
    run_pending_migrations(pool).context("cannot apply the migrations")
}

/// `migrate`: applies pending migrations and says what it did.
///
/// # Errors
///
/// When the database cannot be opened or migrated.
pub fn migrate(config: &Config) -> anyhow::Result<()> {
    let config = Config {
        migrate_on_start: false,
        ..config.clone()
    };
    let pool = open_database(&config)?;
    let applied = apply_migrations(&pool)?;
    let mut out = std::io::stdout().lock();
    if applied.is_empty() {
        writeln!(out, "The database is up to date; no migration was pending.")?;
    } else {
        writeln!(out, "Applied {} migration(s):", applied.len())?;
        for version in applied {
            writeln!(out, "  {version}")?;
        }
    }
    Ok(())
}

/// `migrate --check`: compares the database with what the service expects,
/// changing nothing.
///
/// # Errors
///
/// When the database cannot be opened, or something expected is missing.
pub fn check_schema(config: &Config) -> anyhow::Result<()> {
    let pool = open_database(&Config {
        migrate_on_start: false,
        ..config.clone()
    })?;
    let mut conn = pool.get().context("cannot get a database connection")?;
    let problems =
        klikorder_persistence::check_schema(&mut conn).context("cannot read the schema")?;
    let mut out = std::io::stdout().lock();
    if problems.is_empty() {
        writeln!(
            out,
            "{}: every table, column and index the service needs is present; nothing was changed.",
            config.database_url_redacted()
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}: {} problem(s):",
        config.database_url_redacted(),
        problems.len()
    )?;
    for problem in &problems {
        writeln!(out, "  - {problem}")?;
    }
    out.flush()?;
    anyhow::bail!(
        "the database lacks {} thing(s) the service needs (listed above); nothing was changed",
        problems.len()
    )
}

/// `serve`: starts the service and runs until SIGINT or SIGTERM; in-flight
/// requests finish first.
///
/// # Errors
///
/// When anything needed to serve cannot be set up (database, port, …).
pub fn serve(config: &Config, args: &ServeArgs) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async {
        let started = Instant::now();
        // libphonenumber's metadata costs tens of milliseconds to load: pay it
        // now, not on the first request.
        klikorder_domain::warm_up();
        log::debug!("phone metadata loaded in {:?}", started.elapsed());

        // Before the database: a bad certificate should not wait for it.
        let tls = config
            .tls
            .as_ref()
            .map(|files| Tls::from_pem_files(&files.certificate, &files.key))
            .transpose()
            .context("cannot set up HTTPS (TLS_CERT_FILE, TLS_KEY_FILE)")?;
        let scheme = if tls.is_some() { "https" } else { "http" };

        // Lookups read from the replica when there is one; the API clients
        // (and the demo rows) always live on the primary.
        let waits = Arc::new(PoolWaits::default());
        let (pool, lookup_pool) = match &config.database_replica_url {
            None => {
                let pool = open_observed_database(config, Arc::clone(&waits))?;
                (pool.clone(), pool)
            }
            Some(replica) => {
                let pool = open_database(config)?;
                let replica = Config {
                    database_url: replica.clone(),
                    database_replica_url: None,
                    migrate_on_start: false,
                    ..config.clone()
                };
                let lookup_pool = open_observed_database(&replica, Arc::clone(&waits))?;
                log::info!(
                    "lookups read from the replica {}",
                    replica.database_url_redacted()
                );
                (pool, lookup_pool)
            }
        };
        let demo_session = if args.demo {
            Some(demo::load(config, &pool)?)
        } else {
            None
        };
        let store = Arc::new(DieselApiClientStore::new(pool.clone()));
        let registry =
            Arc::new(SnapshotRegistry::load(store).context("cannot load the API clients")?);
        registry
            .spawn_refresher(REGISTRY_REFRESH)
            .context("cannot start the API client refresher")?;

        let lookup_url = config
            .database_replica_url
            .as_deref()
            .unwrap_or(&config.database_url);
        let stats_pool = lookup_pool.clone();
        let blocking_directory =
            DieselCustomerDirectory::new(lookup_pool, config.customer_statuses.clone());
        let async_directory = async_lookups(config, lookup_url, &blocking_directory);
        let state = AppState::new(
            Arc::new(blocking_directory),
            registry,
            config.time_zone,
            config.db_timeout,
        )
        .with_pool_stats(move || {
            let state = stats_pool.state();
            PoolStats::new(
                stats_pool.max_size(),
                state.connections,
                state.idle_connections,
            )
            .with_waits(waits.waits(), waits.waited_micros(), waits.timeouts())
        })
        .with_rate_limits(RateLimits::new(config.rate_limits.clone()))
        // As many requests at the database as it has connections: the rest
        // wait on the async side instead of parking threads on the pool.
        .with_database_concurrency(usize::try_from(config.db_pool_size).unwrap_or(usize::MAX));
        let state = match async_directory {
            Some(directory) => state.with_async_directory(directory),
            None => state,
        };
        let state = match config.lookup_cache {
            Some(settings) => {
                log::info!(
                    "lookup cache on: answers kept {} s, at most {} numbers",
                    settings.time_to_live.as_secs(),
                    settings.max_entries
                );
                state.with_lookup_cache(LookupCache::new(settings))
            }
            None => state,
        };
        let listener = TcpListener::bind(config.bind_addr)
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        let address: SocketAddr = listener.local_addr()?;
        let admin_listener = config
            .admin_bind_addr
            .map(|admin| {
                TcpListener::bind(admin)
                    .with_context(|| format!("cannot listen on {admin} (ADMIN_BIND_ADDR)"))
            })
            .transpose()?;
        let admin_address = admin_listener
            .as_ref()
            .map(TcpListener::local_addr)
            .transpose()?;
        let settings = ServerSettings {
            workers: config.workers,
            max_connections: config.max_connections,
            client_request_timeout: config.client_request_timeout,
            keep_alive: config.keep_alive,
            tls,
            ..ServerSettings::default()
        };
        let server = klikorder_http::run(listener, admin_listener, state, &settings)
            .with_context(|| format!("cannot serve on {address}"))?;

        let mut out = std::io::stdout().lock();
        // Before the "listening" line, which tools wait for: once it is
        // printed, both addresses are known.
        if let Some(admin) = admin_address {
            writeln!(
                out,
                "klikorder-server admin (/health, /health/ready, /metrics) on http://{admin}"
            )?;
        }
        writeln!(out, "klikorder-server listening on {scheme}://{address}")?;
        if let Some(session) = demo_session {
            session.print(&mut out, &format!("{scheme}://{address}"))?;
        }
        out.flush()?;
        drop(out);
        log::info!(
            "serving on {scheme}://{address} with {} workers, database {}, ready in {:?}",
            config.workers,
            config.database_url_redacted(),
            started.elapsed()
        );
        server.await.context("the HTTP server failed")?;
        log::info!("stopped");
        Ok(())
    })
}

/// How lookups reach the database at `url` without a blocking thread:
/// PostgreSQL over the async driver (`DB_POOL_SIZE` connections spread over
/// the workers), SQLite inline on the worker when the pool has a connection
/// per worker. `None` — lookups on the pooled connections through the
/// blocking pool — otherwise: MySQL, a smaller SQLite pool, and a PostgreSQL
/// URL the async driver cannot serve (one that may use TLS).
fn async_lookups(
    config: &Config,
    url: &str,
    blocking: &DieselCustomerDirectory,
) -> Option<Arc<dyn AsyncCustomerDirectory>> {
    match Engine::from_url(url).ok()? {
        // Inline only while every worker can have a connection at once: a
        // worker must never wait for the pool with its event loop stopped.
        Engine::Sqlite
            if usize::try_from(config.db_pool_size).unwrap_or(usize::MAX) >= config.workers =>
        {
            log::info!("lookups run inline on the workers (SQLite)");
            Some(Arc::new(InlineCustomerDirectory::new(blocking.clone())))
        }
        Engine::Sqlite => {
            log::info!(
                "lookups on the blocking pool: DB_POOL_SIZE {} < {} workers (SQLite runs them inline when the pool has one connection per worker)",
                config.db_pool_size,
                config.workers
            );
            None
        }
        Engine::Postgres => match AsyncPgDirectory::new(
            url,
            config.customer_statuses.clone(),
            usize::try_from(config.db_pool_size).unwrap_or(usize::MAX),
            config.workers,
            config.db_timeout,
            config.db_pipeline_depth,
        ) {
            Ok(directory) => {
                log::info!(
                    "lookups over the async PostgreSQL driver ({} connections)",
                    directory.max_connections()
                );
                Some(Arc::new(directory))
            }
            Err(error) => {
                log::warn!(
                    "lookups over the pooled connections instead of the async driver: {error}"
                );
                None
            }
        },
        _ => None,
    }
}
