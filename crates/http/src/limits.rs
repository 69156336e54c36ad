//! Size limits on what a request may carry, answered with the contract's
//! JSON.
//!
//! actix itself refuses a request head over 128 KiB (431) or with more than
//! 96 headers (400), with an empty body, before the app sees it; these
//! tighter limits are ours, so a partner gets JSON and the handlers, the
//! access log and the metrics never work on megabytes of junk. The lookup
//! needs a few hundred bytes of either.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError as _};

use crate::ApiError;

/// The longest request target (path and query string, in bytes) the app
/// takes; longer ones get 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// The most header bytes (names and values) the app takes; more gets 431.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// The middleware, for `actix_web::middleware::from_fn`.
pub(crate) async fn reject_oversized(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let refusal = if target_len(&req) > MAX_URI_BYTES {
        Some(ApiError::UriTooLong)
    } else if header_bytes(&req) > MAX_HEADER_BYTES {
        Some(ApiError::HeadersTooLarge)
    } else {
        None
    };
    match refusal {
        // A response, not an `Err`: the middlewares outside (request id,
        // access log) see it like any other.
        Some(error) => Ok(req
            .into_response(error.error_response())
            .map_into_right_body()),
        None => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

/// The request target as sent: path and query, plus scheme and authority in
/// the absolute form.
fn target_len(req: &ServiceRequest) -> usize {
    let uri = req.uri();
    uri.path_and_query()
        .map_or(0, |target| target.as_str().len())
        + uri
            .authority()
            .map_or(0, |authority| authority.as_str().len())
        + uri.scheme_str().map_or(0, str::len)
}

fn header_bytes(req: &ServiceRequest) -> usize {
    req.headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use actix_web::http::StatusCode;
    use actix_web::middleware::from_fn;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[actix_web::test]
    async fn oversized_targets_and_headers_get_json() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(reject_oversized))
                .default_service(web::to(|| async { HttpResponse::Ok().finish() })),
        )
        .await;
        let at_limit = format!("/?q={}", "a".repeat(MAX_URI_BYTES - 4));
        let over = format!("/?q={}", "a".repeat(MAX_URI_BYTES - 3));
        let cases = [
            (test::TestRequest::get().uri(&at_limit), StatusCode::OK),
            (
                test::TestRequest::get().uri(&over),
                StatusCode::URI_TOO_LONG,
            ),
            (
                test::TestRequest::get()
                    .uri("/")
                    .insert_header(("x-junk", "b".repeat(MAX_HEADER_BYTES))),
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ),
            (
                test::TestRequest::get()
                    .uri("/")
                    .insert_header(("x-junk", "b".repeat(MAX_HEADER_BYTES - 6))),
                StatusCode::OK,
            ),
        ];
        for (request, status) in cases {
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(response.status(), status);
            if status != StatusCode::OK {
                assert_eq!(
                    response.headers().get("content-type").unwrap(),
                    "application/json"
                );
            }
        }
    }
}
