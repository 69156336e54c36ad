//! Wiring and start-up: database, migrations, registry, HTTP server.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use klikorder_auth::SnapshotRegistry;
use klikorder_http::{AppState, ServerSettings};
use klikorder_persistence::{
    DbPool, DieselApiClientStore, DieselCustomerDirectory, PoolSettings, build_pool,
    run_pending_migrations,
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
    let pool = build_pool(
        &config.database_url,
        &PoolSettings {
            max_size: config.db_pool_size,
            connection_timeout: config.db_timeout,
        },
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
    let _pool = open_database(&Config {
        migrate_on_start: false,
        ..config.clone()
    })?;
    anyhow::bail!("migrate --check is not available yet")
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

        let pool = open_database(config)?;
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

        let state = AppState {
            directory: Arc::new(DieselCustomerDirectory::new(
                pool,
                config.customer_statuses.clone(),
            )),
            registry,
            time_zone: config.time_zone,
            db_timeout: config.db_timeout,
            clock: Arc::new(chrono::Utc::now),
        };
        let listener = TcpListener::bind(config.bind_addr)
            .with_context(|| format!("cannot listen on {}", config.bind_addr))?;
        let address: SocketAddr = listener.local_addr()?;
        let settings = ServerSettings {
            workers: config.workers,
            ..ServerSettings::default()
        };
        let server = klikorder_http::run(listener, state, &settings)
            .with_context(|| format!("cannot serve on {address}"))?;

        let mut out = std::io::stdout().lock();
        writeln!(out, "klikorder-server listening on http://{address}")?;
        if let Some(session) = demo_session {
            session.print(&mut out, address)?;
        }
        out.flush()?;
        drop(out);
        log::info!(
            "serving on http://{address} with {} workers, database {}, ready in {:?}",
            config.workers,
            config.database_url_redacted(),
            started.elapsed()
        );
        server.await.context("the HTTP server failed")?;
        log::info!("stopped");
        Ok(())
    })
}
