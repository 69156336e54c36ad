//! The `ErrorHandlers` default handler: whatever error response reaches it
//! without a JSON body (actix's own 404 / 405, extractor errors, payload
//! errors, a handler error that is not an [`ApiError`](crate::ApiError)) is
//! replaced by the contract's JSON for its status.

use actix_web::Result;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::ErrorHandlerResponse;

use crate::response::{self, Failure};

/// Leaves JSON error responses (ours) alone and rewrites any other one.
pub(crate) fn to_contract_json<B>(res: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>> {
    if is_json(res.response().headers()) {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let (req, original) = res.into_parts();
    if status.is_server_error() {
        match original.error() {
            Some(error) => log::error!("answering {status} for {}: {error:?}", req.path()),
            None => log::error!("answering {status} for {}", req.path()),
        }
    }
    let replacement = response::json(status, &Failure::new(message_for(status)));
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, replacement).map_into_right_body(),
    ))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"))
}

/// The contract's message for a status; statuses the contract has no row for
/// get a generic client or server message.
fn message_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::UNAUTHORIZED => response::UNAUTHORIZED,
        StatusCode::NOT_FOUND => response::ENDPOINT_NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => response::METHOD_NOT_ALLOWED,
        StatusCode::TOO_MANY_REQUESTS => response::TOO_MANY_REQUESTS,
        StatusCode::URI_TOO_LONG => response::URI_TOO_LONG,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => response::HEADERS_TOO_LARGE,
        StatusCode::SERVICE_UNAVAILABLE => response::UNAVAILABLE,
        status if status.is_server_error() => response::INTERNAL,
        _ => response::BAD_REQUEST,
    }
}

#[cfg(test)]
mod tests {
    use actix_web::middleware::ErrorHandlers;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;

    #[actix_web::test]
    async fn actix_errors_become_contract_json() {
        let app = test::init_service(
            App::new()
                .wrap(ErrorHandlers::new().default_handler(to_contract_json))
                .route(
                    "/number/{n}",
                    web::get().to(|n: web::Path<u32>| async move {
                        HttpResponse::Ok().body(n.to_string())
                    }),
                )
                .route(
                    "/payload",
                    web::post().to(|_: web::Json<u32>| async { HttpResponse::Ok().finish() }),
                )
                .route(
                    "/boom",
                    web::get()
                        .to(|| async { HttpResponse::BadGateway().body("upstream said: secret") }),
                )
                .route(
                    "/json",
                    web::get().to(|| async {
                        HttpResponse::Conflict()
                            .content_type("application/json")
                            .body("{}")
                    }),
                ),
        )
        .await;
        let cases = [
            (
                test::TestRequest::get().uri("/number/abc"),
                StatusCode::NOT_FOUND,
                r#"{"success":false,"message":"Endpoint tidak ditemukan."}"#,
            ),
            (
                test::TestRequest::post()
                    .uri("/payload")
                    .insert_header((header::CONTENT_TYPE, "application/json"))
                    .set_payload("nope"),
                StatusCode::BAD_REQUEST,
                r#"{"success":false,"message":"Permintaan tidak valid."}"#,
            ),
            (
                test::TestRequest::get().uri("/nowhere"),
                StatusCode::NOT_FOUND,
                r#"{"success":false,"message":"Endpoint tidak ditemukan."}"#,
            ),
            (
                test::TestRequest::get().uri("/boom"),
                StatusCode::BAD_GATEWAY,
                r#"{"success":false,"message":"Terjadi kesalahan pada server."}"#,
            ),
            (
                test::TestRequest::get().uri("/json"),
                StatusCode::CONFLICT,
                "{}",
            ),
        ];
        for (request, status, body) in cases {
            let response = test::call_service(&app, request.to_request()).await;
            assert_eq!(response.status(), status);
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE).unwrap(),
                "application/json"
            );
            assert_eq!(test::read_body(response).await, body.as_bytes());
        }
    }
}
