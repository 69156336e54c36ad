//! `GET /api/integrasi/customers?no_hp=…` (CONTRACT §2): authenticate →
//! validate → look up.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::{HttpRequest, HttpResponse, web};
use klikorder_auth::AuthenticatedClient;
use klikorder_domain::{Found, PhoneNumber, find_customer};

use super::on_database;
use crate::response::{self, Success};
use crate::{ApiError, AppState, access_log, query};

/// The header naming the client.
const CLIENT_HEADER: HeaderName = HeaderName::from_static("x-api-client");
/// The header holding the key.
const KEY_HEADER: HeaderName = HeaderName::from_static("x-api-key");

/// The lookup handler.
pub(crate) async fn find_by_phone(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let client = authenticate(&req, &state)?;
    access_log::note_client(&req, &client.client_id);

    let phone = no_hp(&req)?;
    access_log::note_phone(&req, &phone);

    let Some(found) = look_up(&state, phone).await? else {
        return Err(ApiError::CustomerNotFound);
    };
    log::debug!(
        "customer {} chosen among {} candidate(s) by {:?}",
        found.customer.id,
        found.candidates,
        found.decided_by
    );
    Ok(response::json(
        StatusCode::OK,
        &Success::found(&found.customer),
    ))
}

/// Checks the credentials headers. A header that is missing, empty, given
/// twice or not valid text is refused here without asking the registry.
fn authenticate(req: &HttpRequest, state: &AppState) -> Result<AuthenticatedClient, ApiError> {
    let (Some(client_id), Some(key)) = (
        credential(req, &CLIENT_HEADER),
        credential(req, &KEY_HEADER),
    ) else {
        return Err(ApiError::Unauthorized);
    };
    Ok(state.registry.authenticate(client_id, key)?)
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

/// Runs the lookup use case in one blocking task, bounded by `db_timeout`.
async fn look_up(state: &AppState, phone: PhoneNumber) -> Result<Option<Found>, ApiError> {
    let directory = Arc::clone(&state.directory);
    let now = (state.clock)();
    let zone = state.time_zone;
    let found = on_database(state.db_timeout, move || {
        find_customer(&*directory, &phone, now, &zone)
    })
    .await??;
    Ok(found)
}
