//! `GET /health` and `GET /health/ready` (CONTRACT §2.3): no credentials, no
//! customer data.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::on_database;
use crate::AppState;
use crate::error::Chain;
use crate::response::{self, Health};

/// 200 while the process serves.
pub(crate) async fn live() -> HttpResponse {
    response::json(StatusCode::OK, &Health::OK)
}

/// 200 when the directory answers a ping within `db_timeout`, else 503.
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let directory = Arc::clone(&state.directory);
    let outcome = on_database(state.db_timeout, move || directory.ping()).await;
    let failure = match outcome {
        Ok(Ok(())) => return response::json(StatusCode::OK, &Health::OK),
        Ok(Err(error)) => Chain(&error).to_string(),
        Err(error) => Chain(&error).to_string(),
    };
    log::warn!("readiness check failed: {failure}");
    response::json(StatusCode::SERVICE_UNAVAILABLE, &Health::UNAVAILABLE)
}
