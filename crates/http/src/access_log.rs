//! One `info` line per request, through `log`, and the request metrics.
//!
//! ```text
//! GET /api/integrasi/customers 200 request_id=4f0c9a… 3.2ms client=MEKARI no_hp=+62812****789
//! ```
//!
//! Handlers note what they learnt (the authenticated client, the validated
//! number) in the request's extensions; the middleware reads it once the
//! response is ready. The line never holds the key, the raw number or the
//! query string: the path is logged without its query and the number only
//! [masked](klikorder_domain::PhoneNumber::masked).
//!
//! The same fields travel as `log` key-values (`method`, `path`, `status`,
//! `latency_ms`, `client_id`, `no_hp`, `request_id`), so a structured
//! logger (the server's `LOG_FORMAT=json`) can write them as fields instead
//! of parsing the text.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, web};
use klikorder_domain::PhoneNumber;

use crate::{AppState, request_id};

/// The `log` target of the access log lines, for filtering
/// (`RUST_LOG=klikorder::access=info`).
pub const ACCESS_LOG_TARGET: &str = "klikorder::access";

/// The longest path logged as is; longer ones (scanners) are cut.
const MAX_LOGGED_PATH: usize = 200;

/// What a handler learnt about the request.
#[derive(Debug, Clone, Default)]
struct AccessNote {
    client_id: Option<Arc<str>>,
    masked_phone: Option<String>,
    /// No route answered (the app's default service did).
    unmatched: bool,
}

/// The note, shared between the middleware and the handler through the
/// request's extensions (the middleware cannot keep the request itself:
/// routing needs it unshared).
#[derive(Debug, Clone, Default)]
struct SharedNote(Rc<RefCell<AccessNote>>);

/// Applies `change` to the request's note, if the access log is on.
fn update(req: &HttpRequest, change: impl FnOnce(&mut AccessNote)) {
    if let Some(SharedNote(note)) = req.extensions().get::<SharedNote>() {
        change(&mut note.borrow_mut());
    }
}

/// Notes the client whose credentials were accepted.
pub(crate) fn note_client(req: &HttpRequest, client_id: &Arc<str>) {
    update(req, |note| note.client_id = Some(Arc::clone(client_id)));
}

/// Notes the validated number, masked.
pub(crate) fn note_phone(req: &HttpRequest, phone: &PhoneNumber) {
    update(req, |note| note.masked_phone = Some(phone.masked()));
}

/// Notes that no route answered the request.
pub(crate) fn note_unmatched(req: &HttpRequest) {
    update(req, |note| note.unmatched = true);
}

/// The access log middleware, for `actix_web::middleware::from_fn`: logs
/// the line and counts the request in the app's metrics.
pub(crate) async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = LoggedPath(req.path()).to_string();
    let request_id = request_id::of(&req);
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let shared = SharedNote::default();
    req.extensions_mut().insert(shared.clone());
    let result = next.call(req).await;
    let elapsed = started.elapsed();
    let (status, route) = match &result {
        Ok(response) => (response.status(), response.request().match_pattern()),
        Err(error) => (error.as_response_error().status_code(), None),
    };
    let note = shared.0.borrow().clone();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let request_id = request_id.as_ref().map(request_id::RequestId::as_str);
    log::info!(
        target: ACCESS_LOG_TARGET,
        method = method.as_str(),
        path = path.as_str(),
        status = status.as_u16(),
        latency_ms = (latency_ms * 1000.0).round() / 1000.0,
        client_id = note.client_id.as_deref(),
        no_hp = note.masked_phone.as_deref(),
        request_id = request_id;
        "{} {} {} request_id={} {:.1}ms client={} no_hp={}",
        method,
        path,
        status.as_u16(),
        request_id.unwrap_or("-"),
        latency_ms,
        note.client_id.as_deref().unwrap_or("-"),
        note.masked_phone.as_deref().unwrap_or("-"),
    );
    if let Some(state) = state {
        state.metrics.request(
            route.as_deref().filter(|_| !note.unmatched),
            status.as_u16(),
            note.client_id.as_deref(),
            elapsed,
        );
    }
    result
}

/// The path, cut at [`MAX_LOGGED_PATH`] characters.
struct LoggedPath<'a>(&'a str);

impl fmt::Display for LoggedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(MAX_LOGGED_PATH) {
            Some((cut, _)) => write!(f, "{}…", &self.0[..cut]),
            None => f.write_str(self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_paths_are_logged_whole_and_long_ones_cut() {
        assert_eq!(LoggedPath("/health").to_string(), "/health");
        let long = format!("/{}", "a".repeat(300));
        let logged = LoggedPath(&long).to_string();
        assert_eq!(logged.chars().count(), MAX_LOGGED_PATH + 1);
        assert!(logged.ends_with('…'));
    }

    #[test]
    fn notes_accumulate_in_the_request() {
        let req = actix_web::test::TestRequest::default().to_http_request();
        let shared = SharedNote::default();
        req.extensions_mut().insert(shared.clone());
        let phone = PhoneNumber::parse("08123456789").unwrap();
        note_phone(&req, &phone);
        note_client(&req, &Arc::from("MEKARI"));
        let note = shared.0.borrow().clone();
        assert_eq!(note.client_id.as_deref(), Some("MEKARI"));
        assert_eq!(note.masked_phone.as_deref(), Some("+62812****789"));
    }
}
