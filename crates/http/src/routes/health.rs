//! `GET /health` and `GET /health/ready` (CONTRACT §2.3): no credentials, no
//! customer data.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};

use super::{on_async_database, on_database};
use crate::error::Chain;
use crate::metrics::Operation;
use crate::response::{self, Health};
use crate::{ApiError, AppState};

/// 200 while the process serves.
#[utoipa::path(
    get,
    path = "/health",
    tag = "Operasional / Operations",
    summary = "Layanan hidup / Liveness",
    description = "**ID** — 200 selama proses melayani; tanpa kredensial, tanpa basis data. \
Hanya di alamat admin bila `ADMIN_BIND_ADDR` diatur.\n\n\
**EN** — 200 while the process serves; no credentials, no database. Only on the admin address \
when `ADMIN_BIND_ADDR` is set.",
    responses(
        (status = 200, description = "Hidup. / Alive.", body = Health,
            examples(("ok" = (summary = "OK", value = json!({"status": "ok"}))))),
        (status = 405, description = "Metode selain GET. / A method other than GET.",
            body = crate::response::Failure<'static>,
            examples(("method_not_allowed" = (
                summary = "Metode tidak diizinkan / Method not allowed",
                value = json!({"success": false, "message": "Metode tidak diizinkan."})
            )))),
    )
)]
pub(crate) async fn live() -> HttpResponse {
    response::json(StatusCode::OK, &Health::OK)
}

/// 200 when the directory answers a ping within `db_timeout`, else 503.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "Operasional / Operations",
    summary = "Siap melayani / Readiness",
    description = "**ID** — 200 bila basis data menjawab dalam batas waktu (`DB_TIMEOUT_MS`), \
selain itu 503. Tanpa kredensial, tanpa data pelanggan. Hanya di alamat admin bila \
`ADMIN_BIND_ADDR` diatur.\n\n\
**EN** — 200 when the database answers a query within the deadline (`DB_TIMEOUT_MS`), else \
503. No credentials, no customer data. Only on the admin address when `ADMIN_BIND_ADDR` is set.",
    responses(
        (status = 200, description = "Basis data menjawab. / The database answers.", body = Health,
            examples(("ok" = (summary = "OK", value = json!({"status": "ok"}))))),
        (status = 405, description = "Metode selain GET. / A method other than GET.",
            body = crate::response::Failure<'static>,
            examples(("method_not_allowed" = (
                summary = "Metode tidak diizinkan / Method not allowed",
                value = json!({"success": false, "message": "Metode tidak diizinkan."})
            )))),
        (status = 503, description = "Basis data tidak menjawab. / The database does not answer.",
            body = Health,
            examples(("unavailable" = (
                summary = "Tidak tersedia / Unavailable",
                value = json!({"status": "unavailable"})
            )))),
    )
)]
pub(crate) async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let outcome = if let Some(directory) = &state.async_directory {
        on_async_database(&state, directory.ping()).await
    } else {
        let directory = Arc::clone(&state.directory);
        on_database(&state, move || directory.ping()).await
    };
    let failure = match outcome {
        Ok(Ok(())) => return response::json(StatusCode::OK, &Health::OK),
        Ok(Err(error)) => {
            let failure = Chain(&error).to_string();
            state
                .metrics
                .database_error(Operation::Readiness, &ApiError::from(error));
            failure
        }
        Err(error) => {
            state.metrics.database_error(Operation::Readiness, &error);
            Chain(&error).to_string()
        }
    };
    log::warn!("readiness check failed: {failure}");
    response::json(StatusCode::SERVICE_UNAVAILABLE, &Health::UNAVAILABLE)
}
