//! `serve --demo`: the demo data set, a demo client, and what to paste.

use std::io::Write;

use anyhow::Context as _;
use klikorder_auth::{ApiKey, AuthError};
use klikorder_domain::{PhoneNumber, StoreError, find_customer};
use klikorder_persistence::demo::{DemoScenario, load_demo_data};
use klikorder_persistence::{DbPool, DieselApiClientStore, DieselCustomerDirectory};

use crate::config::Config;

/// The client id the demo registers.
pub const DEMO_CLIENT: &str = "DEMO";

/// What `serve --demo` prints once the server listens.
pub struct DemoSession {
    key: ApiKey,
    scenarios: Vec<DemoScenario>,
    /// The body the endpoint answers for the published example, computed
    /// by the real lookup on the loaded data.
    example_answer: String,
}

/// Loads (or refreshes) the demo rows and gives the demo client a fresh key.
///
/// # Errors
///
/// When the rows or the client cannot be written.
pub fn load(config: &Config, pool: &DbPool) -> anyhow::Result<DemoSession> {
    let now_local = chrono::Utc::now()
        .with_timezone(&config.time_zone)
        .naive_local();
    let scenarios = load_demo_data(pool, now_local).context("cannot load the demo data")?;
    let store = DieselApiClientStore::new(pool.clone());
    let now = chrono::Utc::now().naive_utc();
    let key = match klikorder_auth::register_client(
        &store,
        DEMO_CLIENT,
        Some("Demo client created by serve --demo"),
        None,
        None,
        now,
    ) {
        Err(AuthError::Store(StoreError::AlreadyExists)) => {
            klikorder_auth::rotate_key(&store, DEMO_CLIENT, now)
        }
        other => other,
    }
    .context("cannot register the demo client")?;
    let directory = DieselCustomerDirectory::new(pool.clone(), config.customer_statuses.clone());
    let example = PhoneNumber::parse(EXAMPLE_NO_HP)?;
    let found = find_customer(&directory, &example, chrono::Utc::now(), &config.time_zone)
        .context("cannot look the demo customer up")?
        .context("the demo customer is not found (is Verif in CUSTOMER_STATUSES?)")?;
    let example_answer = klikorder_http::found_body(&found.customer)?;
    log::warn!(
        "demo data and the {DEMO_CLIENT} client are loaded; never run --demo against a production database"
    );
    Ok(DemoSession {
        key,
        scenarios,
        example_answer,
    })
}

impl DemoSession {
    /// Prints the curl line (against `base_url`, `http://…` or `https://…`)
    /// for the published example and the numbers that
    /// exercise each ranking rule.
    ///
    /// # Errors
    ///
    /// When stdout cannot be written.
    pub fn print(&self, out: &mut impl Write, base_url: &str) -> std::io::Result<()> {
        let curl = |no_hp: &str| {
            format!(
                "curl -s -H 'X-API-Client: {DEMO_CLIENT}' -H 'X-API-Key: {}' -H 'Accept: application/json' \
                 '{base_url}/api/integrasi/customers?no_hp={no_hp}'",
                self.key.expose()
            )
        };
        writeln!(out)?;
        writeln!(out, "Demo data loaded. Try the published example:")?;
        writeln!(out)?;
        writeln!(out, "  {}", curl(EXAMPLE_NO_HP))?;
        writeln!(out)?;
        writeln!(
            out,
            "It answers 200 with customer 4832 (Winda WINNNN, Depo Pontianak, no_hp +6281521979154):"
        )?;
        writeln!(out, "{}", self.example_answer)?;
        writeln!(out)?;
        writeln!(
            out,
            "More numbers, one per ranking rule (put one after no_hp= above; write a space as %20 and + as %2B):"
        )?;
        for scenario in &self.scenarios {
            writeln!(
                out,
                "  {:<16} -> customer {:>6}  decided by: {}  ({})",
                scenario.no_hp,
                scenario.expected_customer_id,
                scenario.decided_by,
                scenario.description
            )?;
        }
        writeln!(out)?;
        writeln!(out, "{DEMO_BANNER_END}")?;
        Ok(())
    }
}

/// The last line of the demo banner.
const DEMO_BANNER_END: &str = "Stop the server with Ctrl-C.";

/// The number of the published example's customer, as a partner might send it.
const EXAMPLE_NO_HP: &str = "081521979154";
