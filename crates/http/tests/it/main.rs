//! The HTTP adapter end to end through `actix_web::test`, with mocked ports
//! and a fixed clock: every row of CONTRACT §2, the processing order, the
//! access log, request ids, metrics, the OpenAPI description and its
//! examples, rate limits, a property-based fuzz of the lookup, and the real
//! server on a socket (with an admin listener, over HTTPS, against hostile
//! clients, and the docs page in headless Chromium).

// Helpers outside `#[test]` functions are test code too; clippy's
// `allow-unwrap-in-tests` does not see that in an integration binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access_log;
mod admin;
mod async_directory;
mod auth;
mod customers;
mod docs_page;
mod fuzz;
mod hostile;
mod lookup_cache;
mod metrics;
mod openapi;
mod rate_limit;
mod request_id;
mod routing;
mod server;
mod support;
mod tls;
mod validation;
