//! `GET /api/integrasi/customers?no_hp=…` (CONTRACT §2): authenticate
//! (within the rate limits) → validate → look up.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use klikorder_auth::AuthenticatedClient;
use klikorder_domain::{Found, PhoneNumber, find_customer, find_customer_async};

use super::{on_async_database, on_database};
use crate::cache::CachedLookup;
use crate::metrics::{Limit, Operation, Outcome};
use crate::response::{self, Failure, Success};
use crate::{ApiError, AppState, access_log, query};

/// The header naming the client.
const CLIENT_HEADER: HeaderName = HeaderName::from_static("x-api-client");
/// The header holding the key.
const KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// The lookup handler.
#[utoipa::path(
    get,
    path = "/api/integrasi/customers",
    operation_id = "getCustomerByPhone",
    tag = "Pelanggan / Customers",
    summary = "Cari pelanggan berdasarkan nomor handphone / Get customer by phone number",
    description = crate::openapi::LOOKUP_DESCRIPTION,
    params(
        ("no_hp" = String, Query, max_length = 32, example = "08123456789",
            description = "Nomor handphone pelanggan yang dicari (`08…`, `628…`, `+628…`; paling \
banyak 32 karakter). / The phone number to look up (`08…`, `628…`, `+628…`; at most 32 \
characters)."),
    ),
    security(("X-API-Client" = [], "X-API-Key" = [])),
    responses(
        (status = 200, description = "Pelanggan ditemukan. / The customer was found.",
            body = Success<'static>,
            examples(("found" = (
                summary = "Contoh dari dokumen v1.0.0 / The example of the v1.0.0 document",
                value = json!({
                    "success": true,
                    "message": "Data pelanggan berhasil ditemukan.",
                    "data": {
                        "id": 4832,
                        "kode": "PEL-mbre36zt-Z7K52",
                        "nama": "Winda WINNNN",
                        "nama_pemilik": "Winda",
                        "kontak_person": "Winda",
                        "no_hp": "+6281521979154",
                        "no_hp_goovi": null,
                        "status_pelanggan": "Verif",
                        "keperluan_pelanggan": "Pribadi",
                        "latitude": "-7.669444",
                        "longitude": "110.838317",
                        "alamat_lengkap": "GXH8+JVJ, Semitau Hilir",
                        "kelurahan": "Semitau Hilir",
                        "kecamatan": "Semitau",
                        "kota": "Kapuas Hulu Regency",
                        "provinsi": "Kalimantan Barat",
                        "depo": {
                            "id": 30,
                            "kode": "DPS30",
                            "nama": "Depo Pontianak"
                        }
                    }
                })
            )))),
        (status = 401, description = "`X-API-Client` atau `X-API-Key` tidak ada atau kosong, client \
tidak dikenal atau dicabut, atau key salah. / `X-API-Client` or `X-API-Key` missing or empty, an \
unknown or revoked client, or a wrong key.",
            body = Failure<'static>,
            examples(("unauthorized" = (
                summary = "Unauthorized",
                value = json!({"success": false, "message": "Unauthorized."})
            )))),
        (status = 404, description = "Tidak ada pelanggan dengan nomor itu, atau path tidak dikenal. / \
No customer holds the number, or the path is unknown.",
            body = Failure<'static>,
            examples(
                ("customer_not_found" = (
                    summary = "Pelanggan tidak ditemukan / No customer holds the number",
                    value = json!({"success": false, "message": "Pelanggan tidak ditemukan."})
                )),
                ("endpoint_not_found" = (
                    summary = "Endpoint tidak ditemukan / Unknown path",
                    value = json!({"success": false, "message": "Endpoint tidak ditemukan."})
                )),
            )),
        (status = 405, description = "Metode selain GET pada path ini. / A method other than GET on \
this path.",
            body = Failure<'static>,
            examples(("method_not_allowed" = (
                summary = "Metode tidak diizinkan / Method not allowed",
                value = json!({"success": false, "message": "Metode tidak diizinkan."})
            )))),
        (status = 422, description = "`no_hp` tidak ada atau kosong, lebih dari 32 karakter, atau \
bukan nomor Indonesia yang valid (termasuk query string yang rusak atau `no_hp` ganda). / `no_hp` \
missing or empty, longer than 32 characters, or not a valid Indonesian number (a malformed query \
string or a repeated `no_hp` included).",
            body = Failure<'static>,
            examples(
                ("empty" = (
                    summary = "no_hp kosong / no_hp missing",
                    value = json!({
                        "success": false,
                        "message": "Validasi gagal.",
                        "errors": {"no_hp": ["The no hp field is required."]}
                    })
                )),
                ("invalid_format" = (
                    summary = "Format tidak valid / Not a valid Indonesian number",
                    value = json!({
                        "success": false,
                        "message": "Validasi gagal.",
                        "errors": {"no_hp": ["The no hp field format is invalid."]}
                    })
                )),
                ("too_long" = (
                    summary = "Lebih dari 32 karakter / Longer than 32 characters",
                    value = json!({
                        "success": false,
                        "message": "Validasi gagal.",
                        "errors": {"no_hp": ["The no hp field must not be greater than 32 characters."]}
                    })
                )),
            )),
        (status = 429, description = "Terlalu banyak permintaan: client ini melewati batas lajunya, \
atau alamat asal ini terlalu sering gagal autentikasi (maka semua permintaannya ditolak, meski \
kredensialnya benar). Coba lagi setelah `Retry-After` detik. / Too many requests: this client is \
over its rate, or this source address failed authentication too often (then all its requests are \
refused, even with the right credentials). Retry after `Retry-After` seconds.",
            body = Failure<'static>,
            headers(("Retry-After" = u64, description = "Detik sebelum mencoba lagi (minimal 1). / \
Seconds to wait before retrying (at least 1).")),
            examples(("too_many_requests" = (
                summary = "Terlalu banyak permintaan / Too many requests",
                value = json!({"success": false, "message": "Terlalu banyak permintaan."})
            )))),
        (status = 500, description = "Kesalahan tak terduga. / Anything unexpected.",
            body = Failure<'static>,
            examples(("internal" = (
                summary = "Kesalahan server / Server error",
                value = json!({"success": false, "message": "Terjadi kesalahan pada server."})
            )))),
        (status = 503, description = "Basis data tidak dapat dihubungi tepat waktu. / The database \
cannot be reached in time.",
            body = Failure<'static>,
            examples(("unavailable" = (
                summary = "Layanan tidak tersedia / Service unavailable",
                value = json!({"success": false, "message": "Layanan sedang tidak tersedia."})
            )))),
    )
)]
pub(crate) async fn find_by_phone(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    authenticate(&req, &state)?;

    let phone = no_hp(&req).inspect_err(|_| state.metrics.lookup_outcome(Outcome::Invalid))?;
    access_log::note_phone(&req, &phone);

    let Some(cache) = &state.lookup_cache else {
        let found = look_up(&state, &phone).await?;
        return answer(&state, found.as_ref(), &phone).map(|(response, _)| response);
    };
    if let Some(cached) = cache.get(&phone) {
        state.metrics.lookup_cache(true);
        let CachedLookup::Found { body, decided_by } = cached else {
            state.metrics.lookup_outcome(Outcome::NotFound);
            return Err(ApiError::CustomerNotFound);
        };
        state.metrics.lookup_found(decided_by);
        return Ok(response::json_bytes(StatusCode::OK, body));
    }
    state.metrics.lookup_cache(false);
    let found = look_up(&state, &phone).await?;
    let answered = answer(&state, found.as_ref(), &phone);
    // Kept: the 200 body as sent, or the 404; never a failure.
    match (&found, &answered) {
        (None, _) => cache.insert(&phone, CachedLookup::NotFound),
        (Some(found), Ok((_, Some(body)))) => cache.insert(
            &phone,
            CachedLookup::Found {
                body: body.clone(),
                decided_by: found.decided_by,
            },
        ),
        _ => {}
    }
    answered.map(|(response, _)| response)
}

/// The answer to a lookup that went to the database, counted in the
/// metrics: 200 with the customer (and its body, for the cache) or 404.
fn answer(
    state: &AppState,
    found: Option<&Found>,
    phone: &PhoneNumber,
) -> Result<(HttpResponse, Option<Bytes>), ApiError> {
    let Some(found) = found else {
        state.metrics.lookup_outcome(Outcome::NotFound);
        return Err(ApiError::CustomerNotFound);
    };
    state.metrics.lookup_found(found.decided_by);
    log::debug!(
        "customer {} chosen among {} candidate(s) by {:?}",
        found.customer.id,
        found.candidates,
        found.decided_by
    );
    let body = response::serialize(&Success::found_for(&found.customer, Some(phone)));
    Ok(match body {
        Some(body) => (
            response::json_bytes(StatusCode::OK, body.clone()),
            Some(body),
        ),
        None => (response::internal_error(), None),
    })
}

/// Checks the credentials headers, within the rate limits:
///
/// 1. a source address over its failed-authentication budget gets 429,
///    whatever it presents;
/// 2. a header that is missing, empty, given twice or not valid text is
///    refused (401) without asking the registry, and without counting as
///    a failure: it guesses nothing;
/// 3. credentials the registry refuses are 401 and count against the
///    source address; the failure that exhausts its budget is already 429;
/// 4. an authenticated client over its own rate gets 429. Only now, so
///    that nobody without the key can spend a partner's budget.
fn authenticate(req: &HttpRequest, state: &AppState) -> Result<AuthenticatedClient, ApiError> {
    let limits = &state.rate_limits;
    let refused = |limit: Limit, wait| {
        state.metrics.rate_limited(limit);
        ApiError::TooManyRequests(wait)
    };
    let source = limits.source_of(req);
    limits
        .check_source(source)
        .map_err(|wait| refused(Limit::Address, wait))?;
    let (Some(client_id), Some(key)) = (
        credential(req, &CLIENT_HEADER),
        credential(req, &KEY_HEADER),
    ) else {
        return Err(ApiError::Unauthorized);
    };
    let client = match state
        .registry
        .authenticate(client_id, key)
        .map_err(ApiError::from)
    {
        Ok(client) => client,
        Err(ApiError::Unauthorized) => {
            return Err(match limits.count_failure(source) {
                Ok(()) => ApiError::Unauthorized,
                Err(wait) => refused(Limit::Address, wait),
            });
        }
        Err(other) => return Err(other),
    };
    access_log::note_client(req, &client.client_id);
    limits
        .check_client(&client.client_id)
        .map_err(|wait| refused(Limit::Client, wait))?;
    Ok(client)
}

fn credential<'r>(req: &'r HttpRequest, name: &HeaderName) -> Option<&'r str> {
    let mut values = req.headers().get_all(name);
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok().filter(|value| !value.is_empty())
}

/// Reads and validates `no_hp`.
fn no_hp(req: &HttpRequest) -> Result<PhoneNumber, ApiError> {
    let raw = query::single_value(req.query_string(), "no_hp")
        .map_err(|_| ApiError::MalformedQuery)?
        .unwrap_or_default();
    Ok(PhoneNumber::parse(&raw)?)
}

/// Runs the lookup use case, bounded by `db_timeout`: awaited on this
/// worker over an async directory, else in one blocking task. Failures are
/// counted in the metrics.
async fn look_up(state: &AppState, phone: &PhoneNumber) -> Result<Option<Found>, ApiError> {
    let now = (state.clock)();
    let zone = state.time_zone;
    let found = if let Some(directory) = &state.async_directory {
        let lookup = find_customer_async(&**directory, phone, now, &zone);
        on_async_database(state, lookup)
            .await
            .and_then(|found| Ok(found?))
    } else {
        let directory = Arc::clone(&state.directory);
        let phone = phone.clone();
        on_database(state, move || {
            find_customer(&*directory, &phone, now, &zone)
        })
        .await
        .and_then(|found| Ok(found?))
    };
    found.inspect_err(|error| {
        state.metrics.lookup_outcome(Outcome::Error);
        state.metrics.database_error(Operation::Lookup, error);
    })
}
