#![doc = include_str!("../README.md")]

mod access_log;
mod cache;
mod error;
mod fallback;
mod limits;
mod listener;
mod metrics;
mod openapi;
mod query;
mod rate_limit;
mod request_id;
mod response;
mod routes;
mod server;
mod state;
mod tls;

use std::net::SocketAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Service as _, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, guard, web};

pub use access_log::ACCESS_LOG_TARGET;
pub use cache::{LookupCache, LookupCacheSettings};
pub use error::ApiError;
pub use limits::{MAX_HEADER_BYTES, MAX_URI_BYTES};
pub use metrics::{Metrics, PoolStats, PoolStatsFn};
pub use openapi::openapi;
pub use rate_limit::{
    HOUSEKEEPING_EVERY, MAX_TRACKED_ADDRESSES, RateLimit, RateLimitClock, RateLimitSettings,
    RateLimits, TrustedProxies, TrustedProxyError,
};
pub use request_id::REQUEST_ID_HEADER;
pub use server::{ServerSettings, run};
pub use state::{AppState, Clock};
pub use tls::{Tls, TlsError};

/// The exact 200 body the endpoint sends for `customer` (CONTRACT §2.1):
/// for the CLI's `lookup` and the demo, which must print what a partner gets.
///
/// # Errors
///
/// Only if serialization fails, which plain strings and numbers cannot.
pub fn found_body(customer: &klikorder_domain::Customer) -> Result<String, serde_json::Error> {
    serde_json::to_string(&response::Success::found(customer))
}

/// The complete application on one listener: the routes of CONTRACT §2,
/// `/metrics`, `/openapi.json`, `/docs`, the contract's JSON for every
/// error (actix's own included), `X-Request-Id` and the access log.
///
/// Hand it to `actix_web::test::init_service` in tests; [`run`] builds the
/// same app for each worker (with the operators' routes on their own
/// listener when it is given one).
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    build(state, None)
}

/// The app; with `admin` (the admin listener's address), `/health`,
/// `/health/ready` and `/metrics` answer only on that listener and the
/// partners' routes only on the others: elsewhere they are unknown paths
/// (404 "Endpoint tidak ditemukan.").
///
/// Middleware order, outermost first: the request id (so every response
/// carries it), the access log (so it sees the final status), the size
/// limits ([`MAX_URI_BYTES`], [`MAX_HEADER_BYTES`]), the fallback that
/// turns any non-JSON error response into the contract's JSON, the
/// listener tag, then the routes. The rate limits are the lookup
/// handler's own (they sit between its authentication steps).
pub(crate) fn build(
    state: AppState,
    admin: Option<SocketAddr>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let app = App::new().app_data(web::Data::new(state));
    let app = match admin {
        None => app.configure(routes::configure),
        // Each scope takes every path of its listener, so an unknown path
        // gets the app's JSON 404 and a known one on the wrong listener too.
        Some(_) => app
            .service(
                web::scope("")
                    .guard(guard::fn_guard(listener::is_admin))
                    .configure(routes::admin),
            )
            .service(web::scope("").configure(routes::public)),
    };
    app.default_service(web::to(routes::endpoint_not_found))
        .wrap_fn(move |req, service| {
            listener::tag(&req, admin);
            service.call(req)
        })
        .wrap(ErrorHandlers::new().default_handler(fallback::to_contract_json))
        .wrap(from_fn(limits::reject_oversized))
        .wrap(from_fn(access_log::access_log))
        .wrap(from_fn(request_id::request_id))
}
