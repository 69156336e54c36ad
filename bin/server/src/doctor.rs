//! `doctor`: checks the database the service points at.

use crate::config::Config;

/// Runs every check and prints what it finds.
///
/// # Errors
///
/// When the database cannot be opened or a check finds a problem.
pub fn run(config: &Config) -> anyhow::Result<()> {
    let _ = config;
    anyhow::bail!("doctor is not available yet")
}
