//! The HTTP adapter end to end through `actix_web::test`, with mocked ports
//! and a fixed clock: every row of CONTRACT §2, the processing order, the
//! access log, and the real server on a socket.

// Helpers outside `#[test]` functions are test code too; clippy's
// `allow-unwrap-in-tests` does not see that in an integration binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_log;
mod auth;
mod customers;
mod routing;
mod server;
mod support;
mod validation;
