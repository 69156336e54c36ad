//! `GET /metrics`: the app's Prometheus metrics, in the text exposition
//! format (see [`crate::metrics`] for what is counted).

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};

use crate::AppState;

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The metrics, with the pool's state read now.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "Operasional / Operations",
    summary = "Metrik Prometheus / Prometheus metrics",
    description = "**ID** — Metrik dalam format teks Prometheus: jumlah request per pola rute, \
status dan client; histogram latensi; hasil pencarian (`found` beserta aturan prioritas yang \
menentukan, `not_found`, `invalid`, `error`); kesalahan basis data; koneksi pool. Tanpa nomor \
handphone maupun key. Hanya di alamat admin bila `ADMIN_BIND_ADDR` diatur.\n\n\
**EN** — Metrics in the Prometheus text format: requests by route pattern, status and client; \
a latency histogram; lookups by outcome (`found` with the ranking rule that decided, \
`not_found`, `invalid`, `error`); database errors; pool connections. Never a phone number or a \
key. Only on the admin address when `ADMIN_BIND_ADDR` is set.",
    responses(
        (status = 200, description = "Metrik. / The metrics.", body = String,
            content_type = "text/plain; version=0.0.4; charset=utf-8"),
        (status = 405, description = "Metode selain GET. / A method other than GET.",
            body = crate::response::Failure<'static>,
            examples(("method_not_allowed" = (
                summary = "Metode tidak diizinkan / Method not allowed",
                value = json!({"success": false, "message": "Metode tidak diizinkan."})
            )))),
    )
)]
pub(crate) async fn render(state: web::Data<AppState>) -> HttpResponse {
    let pool = state.pool_stats.as_ref().map(|read| read());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(state.metrics.render(pool))
}
