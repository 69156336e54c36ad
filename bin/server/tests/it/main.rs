//! End-to-end tests: the real binary on a free port, over real HTTP,
//! against a fresh SQLite file and (when TEST_POSTGRES_URL is set) a fresh
//! PostgreSQL database.

// clippy's allow-unwrap-in-tests covers `#[test]` functions, not the helpers
// of an integration-test binary; a failed unwrap here is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod hardening;
mod lookup;
mod observability;
mod outage;
mod replica;
mod streaming_replica;
mod support;
