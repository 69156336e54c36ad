//! The routes of CONTRACT §2.

mod customers;
mod health;

use std::time::Duration;

use actix_web::{HttpResponse, web};

use crate::ApiError;

/// The customer lookup path.
pub(crate) const CUSTOMERS_PATH: &str = "/api/integrasi/customers";

/// Registers every route. Each resource answers 405 to other methods.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(CUSTOMERS_PATH)
            .route(web::get().to(customers::find_by_phone))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/health")
            .route(web::get().to(health::live))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/health/ready")
            .route(web::get().to(health::ready))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The app's default service: 404 "Endpoint tidak ditemukan."
pub(crate) async fn endpoint_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::EndpointNotFound)
}

/// A known path with a method it does not take: 405.
async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// Runs database work on the blocking pool (`web::block`), bounded by
/// `limit`. Past the limit the task keeps running to completion on its
/// thread, but the request is answered 503 at once.
async fn on_database<R>(
    limit: Duration,
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ApiError>
where
    R: Send + 'static,
{
    match actix_web::rt::time::timeout(limit, web::block(work)).await {
        Ok(done) => Ok(done?),
        Err(_elapsed) => Err(ApiError::Timeout(limit)),
    }
}
