//! The routes of CONTRACT §2, the operators' routes and the documentation.
//!
//! They come in two groups, so that the server can keep the operators'
//! routes off the public listener (`ADMIN_BIND_ADDR`): [`public`] (the
//! lookup and its documentation, for partners) and [`admin`] (health and
//! metrics). Every resource is GET-only and answers 405 to other methods.

pub(crate) mod customers;
pub(crate) mod docs;
pub(crate) mod health;
pub(crate) mod metrics;

use crate::AppState;

use actix_web::dev::HttpServiceFactory;
use actix_web::{Handler, HttpRequest, HttpResponse, Responder, web};

use crate::{ApiError, access_log};

/// The customer lookup path.
pub(crate) const CUSTOMERS_PATH: &str = "/api/integrasi/customers";
/// Liveness.
pub(crate) const HEALTH_PATH: &str = "/health";
/// Readiness.
pub(crate) const READY_PATH: &str = "/health/ready";
/// Prometheus metrics.
pub(crate) const METRICS_PATH: &str = "/metrics";
/// The OpenAPI description.
pub(crate) const OPENAPI_PATH: &str = "/openapi.json";
/// The documentation page (redirects to [`DOCS_FILES_PATH`]'s index).
pub(crate) const DOCS_PATH: &str = "/docs";
/// The documentation page's files; `{file}` may be empty (the index).
pub(crate) const DOCS_FILES_PATH: &str = "/docs/{file:.*}";

/// Every path as the OpenAPI description spells it, for the test that
/// checks that each registered route is described.
#[cfg(test)]
pub(crate) const DESCRIBED_PATHS: &[&str] = &[
    CUSTOMERS_PATH,
    HEALTH_PATH,
    READY_PATH,
    METRICS_PATH,
    OPENAPI_PATH,
    DOCS_PATH,
    "/docs/{file}",
];

/// The partners' routes: the lookup, `/openapi.json` and `/docs`.
pub(crate) fn public(cfg: &mut web::ServiceConfig) {
    cfg.service(get_only(CUSTOMERS_PATH, customers::find_by_phone))
        .service(get_only(OPENAPI_PATH, docs::openapi_json))
        .service(get_only(DOCS_PATH, docs::redirect))
        .service(get_only(DOCS_FILES_PATH, docs::file));
}

/// The operators' routes: `/health`, `/health/ready` and `/metrics`.
pub(crate) fn admin(cfg: &mut web::ServiceConfig) {
    cfg.service(get_only(HEALTH_PATH, health::live))
        .service(get_only(READY_PATH, health::ready))
        .service(get_only(METRICS_PATH, metrics::render));
}

/// A resource that answers GET with `handler` and 405 to any other method
/// (HEAD included, as the contract's routes always have).
fn get_only<F, Args>(path: &str, handler: F) -> impl HttpServiceFactory + use<F, Args>
where
    F: Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: Responder + 'static,
{
    web::resource(path)
        .route(web::get().to(handler))
        .default_service(web::to(method_not_allowed))
}

/// Registers every route on one listener (no separate admin listener).
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    public(cfg);
    admin(cfg);
}

/// The app's default service: 404 "Endpoint tidak ditemukan."
///
/// It marks the request as unmatched for the metrics: with an admin
/// listener, a path may match a route of the *other* listener's scope,
/// and the path alone would then name a route that did not answer.
pub(crate) async fn endpoint_not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    access_log::note_unmatched(&req);
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
    state: &AppState,
    work: impl FnOnce() -> R + Send + 'static,
) -> Result<R, ApiError>
where
    R: Send + 'static,
{
    let limit = state.db_timeout;
    let permits = state.database_permits.clone();
    let bounded = async move {
        // The permit moves into the blocking task and is released when the
        // work ends, even if this request has already answered 503.
        let permit = match permits {
            Some(permits) => Some(permits.acquire_owned().await),
            None => None,
        };
        web::block(move || {
            let _permit = permit;
            work()
        })
        .await
    };
    match actix_web::rt::time::timeout(limit, bounded).await {
        Ok(done) => Ok(done?),
        Err(_elapsed) => Err(ApiError::Timeout(limit)),
    }
}

/// Awaits async database work on this worker, bounded by the state's
/// `db_timeout`; past it the work is dropped (abandoned) and the answer is
/// 503.
async fn on_async_database<R>(
    state: &AppState,
    work: impl std::future::Future<Output = R>,
) -> Result<R, ApiError> {
    let limit = state.db_timeout;
    actix_web::rt::time::timeout(limit, work)
        .await
        .map_err(|_elapsed| ApiError::Timeout(limit))
}
