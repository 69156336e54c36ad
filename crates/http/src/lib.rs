#![doc = include_str!("../README.md")]

mod access_log;
mod error;
mod fallback;
mod query;
mod response;
mod routes;
mod server;
mod state;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{ErrorHandlers, from_fn};
use actix_web::{App, web};

pub use access_log::ACCESS_LOG_TARGET;
pub use error::ApiError;
pub use server::{ServerSettings, run};
pub use state::{AppState, Clock};

/// The exact 200 body the endpoint sends for `customer` (CONTRACT §2.1):
/// for the CLI's `lookup` and the demo, which must print what a partner gets.
///
/// # Errors
///
/// Only if serialization fails, which plain strings and numbers cannot.
pub fn found_body(customer: &klikorder_domain::Customer) -> Result<String, serde_json::Error> {
    serde_json::to_string(&response::Success::found(customer))
}

/// The complete application: the routes of CONTRACT §2, the contract's JSON
/// for every error (actix's own included) and the access log.
///
/// Call it once per worker (`HttpServer::new(move || app(state.clone()))`,
/// which [`run`] does), or hand it to `actix_web::test::init_service` in
/// tests.
///
/// Middleware order, outermost first: the access log (so it sees the final
/// status), then the fallback that turns any non-JSON error response into
/// the contract's JSON, then the routes.
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
    App::new()
        .app_data(web::Data::new(state))
        .configure(routes::configure)
        .default_service(web::to(routes::endpoint_not_found))
        .wrap(ErrorHandlers::new().default_handler(fallback::to_contract_json))
        .wrap(from_fn(access_log::access_log))
}
