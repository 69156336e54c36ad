//! [`ApiError`]: every way a request can fail, and the contract's answer
//! for each.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use actix_web::error::BlockingError;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use klikorder_auth::AuthError;
use klikorder_domain::{DirectoryError, PhoneError, StoreError};

use crate::response::{self, Failure};

/// Why a request failed. The only [`ResponseError`] of the service: each
/// variant renders one row of CONTRACT §2.2.
///
/// | variant | status | `message` |
/// |---|---|---|
/// | [`Unauthorized`](Self::Unauthorized) | 401 | `Unauthorized.` |
/// | [`InvalidPhone`](Self::InvalidPhone), [`MalformedQuery`](Self::MalformedQuery) | 422 | `Validasi gagal.` + `errors.no_hp` |
/// | [`CustomerNotFound`](Self::CustomerNotFound) | 404 | `Pelanggan tidak ditemukan.` |
/// | [`EndpointNotFound`](Self::EndpointNotFound) | 404 | `Endpoint tidak ditemukan.` |
/// | [`MethodNotAllowed`](Self::MethodNotAllowed) | 405 | `Metode tidak diizinkan.` |
/// | [`TooManyRequests`](Self::TooManyRequests) | 429, with `Retry-After` | `Terlalu banyak permintaan.` |
/// | [`UriTooLong`](Self::UriTooLong) | 414 | `URI permintaan terlalu panjang.` |
/// | [`HeadersTooLarge`](Self::HeadersTooLarge) | 431 | `Header permintaan terlalu besar.` |
/// | [`Timeout`](Self::Timeout), [`Directory`](Self::Directory) (`Unavailable`), [`Registry`](Self::Registry) (store unavailable) | 503 | `Layanan sedang tidak tersedia.` |
/// | any other [`Directory`](Self::Directory) / [`Registry`](Self::Registry), [`Blocking`](Self::Blocking), [`Documentation`](Self::Documentation) | 500 | `Terjadi kesalahan pada server.` |
///
/// A 5xx is logged (`log::error!`, with the whole source chain) when its
/// response is built; its body is the fixed message only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// Credentials missing, empty, not valid UTF-8, or refused. One variant
    /// whatever the reason, so the answer does not tell them apart.
    #[error("the API credentials are missing or were refused")]
    Unauthorized,
    /// `no_hp` is missing, too long or not a valid Indonesian number.
    #[error("the no_hp query parameter is not acceptable")]
    InvalidPhone(#[source] PhoneError),
    /// The query string cannot be decoded (bad percent-encoding, not UTF-8)
    /// or gives `no_hp` more than once.
    #[error("the query string is malformed or repeats no_hp")]
    MalformedQuery,
    /// No allowed customer holds the number.
    #[error("no customer matches the number")]
    CustomerNotFound,
    /// No route has this path.
    #[error("no route matches the path")]
    EndpointNotFound,
    /// The route exists but not for this method.
    #[error("the route does not accept this method")]
    MethodNotAllowed,
    /// A rate limit refused the request; a retry may succeed after the
    /// duration (sent as `Retry-After`, in whole seconds, at least 1).
    #[error("rate limited; retry after {0:?}")]
    TooManyRequests(Duration),
    /// The request target is longer than [`MAX_URI_BYTES`](crate::MAX_URI_BYTES).
    #[error("the request target is too long")]
    UriTooLong,
    /// The headers are larger than [`MAX_HEADER_BYTES`](crate::MAX_HEADER_BYTES).
    #[error("the request headers are too large")]
    HeadersTooLarge,
    /// The database part of the request took longer than `DB_TIMEOUT_MS`.
    #[error("the database did not answer within {0:?}")]
    Timeout(Duration),
    /// The customer directory failed.
    #[error("the customer directory failed")]
    Directory(#[source] DirectoryError),
    /// The API key registry failed for a reason other than the credentials.
    #[error("the API key registry failed")]
    Registry(#[source] AuthError),
    /// The blocking task that ran the database work panicked or was lost.
    #[error("the database task did not complete")]
    Blocking(#[source] BlockingError),
    /// The documentation (the OpenAPI description or a Swagger UI file)
    /// could not be produced; the cause is logged where it happened.
    #[error("the documentation could not be produced")]
    Documentation,
}

impl ApiError {
    /// The contract's 422 detail for `no_hp`, when this is a 422.
    fn no_hp_detail(&self) -> Option<&'static str> {
        match self {
            Self::InvalidPhone(PhoneError::Missing) => Some(response::NO_HP_REQUIRED),
            Self::InvalidPhone(PhoneError::TooLong) => Some(response::NO_HP_TOO_LONG),
            Self::InvalidPhone(_) | Self::MalformedQuery => Some(response::NO_HP_INVALID),
            _ => None,
        }
    }

    /// The contract's `message` for this error.
    fn message(&self) -> &'static str {
        match self.status_code() {
            StatusCode::UNAUTHORIZED => response::UNAUTHORIZED,
            StatusCode::UNPROCESSABLE_ENTITY => response::VALIDATION_FAILED,
            StatusCode::NOT_FOUND if matches!(self, Self::CustomerNotFound) => {
                response::CUSTOMER_NOT_FOUND
            }
            StatusCode::NOT_FOUND => response::ENDPOINT_NOT_FOUND,
            StatusCode::METHOD_NOT_ALLOWED => response::METHOD_NOT_ALLOWED,
            StatusCode::TOO_MANY_REQUESTS => response::TOO_MANY_REQUESTS,
            StatusCode::URI_TOO_LONG => response::URI_TOO_LONG,
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => response::HEADERS_TOO_LARGE,
            StatusCode::SERVICE_UNAVAILABLE => response::UNAVAILABLE,
            _ => response::INTERNAL,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::InvalidPhone(_) | Self::MalformedQuery => StatusCode::UNPROCESSABLE_ENTITY,
            Self::CustomerNotFound | Self::EndpointNotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Timeout(_)
            | Self::Directory(DirectoryError::Unavailable(_))
            | Self::Registry(AuthError::Store(StoreError::Unavailable(_))) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Directory(_) | Self::Registry(_) | Self::Blocking(_) | Self::Documentation => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            log::error!("answering {status}: {}; {self:?}", Chain(self));
        }
        let body = match self.no_hp_detail() {
            Some(detail) => Failure::invalid_no_hp(detail),
            None => Failure::new(self.message()),
        };
        let mut response = response::json(status, &body);
        if status == StatusCode::METHOD_NOT_ALLOWED {
            // Every route of the service is GET-only.
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET"));
        }
        if let Self::TooManyRequests(wait) = self {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs(*wait)),
            );
        }
        response
    }
}

impl From<PhoneError> for ApiError {
    fn from(error: PhoneError) -> Self {
        Self::InvalidPhone(error)
    }
}

impl From<AuthError> for ApiError {
    /// Anything about the presented credentials is a 401; a failing store
    /// or random source is a 5xx.
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::MissingCredentials
            | AuthError::Rejected
            | AuthError::InvalidClientId
            | AuthError::UnknownClient
            | AuthError::WeakKey { .. } => Self::Unauthorized,
            other => Self::Registry(other),
        }
    }
}

impl From<DirectoryError> for ApiError {
    fn from(error: DirectoryError) -> Self {
        Self::Directory(error)
    }
}

impl From<BlockingError> for ApiError {
    fn from(error: BlockingError) -> Self {
        Self::Blocking(error)
    }
}

/// `Retry-After` in whole seconds: rounded up, and at least 1 (a `0`
/// would invite an immediate retry that is still refused).
fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// An error and its sources, `: `-separated, for a single log line.
pub(crate) struct Chain<'a>(pub(crate) &'a (dyn StdError + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            f.write_str(": ")?;
            write!(f, "{cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;

    use super::*;

    async fn body_of(error: ApiError) -> (StatusCode, String) {
        let response = error.error_response();
        let status = response.status();
        let bytes = to_bytes(response.into_body()).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[actix_web::test]
    async fn credential_errors_are_one_401() {
        for error in [
            AuthError::MissingCredentials,
            AuthError::Rejected,
            AuthError::UnknownClient,
            AuthError::InvalidClientId,
        ] {
            let (status, body) = body_of(error.into()).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert_eq!(body, r#"{"success":false,"message":"Unauthorized."}"#);
        }
    }

    #[actix_web::test]
    async fn an_unavailable_client_store_is_503_and_a_failed_one_500() {
        let unavailable = AuthError::Store(StoreError::Unavailable("down".into()));
        assert_eq!(
            body_of(unavailable.into()).await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let failed = AuthError::Store(StoreError::Failed("syntax".into()));
        assert_eq!(
            body_of(failed.into()).await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[actix_web::test]
    async fn directory_errors_split_into_503_and_500_without_their_cause() {
        let secret = "postgres://klik:hunter2@db/klik";
        let (status, body) = body_of(DirectoryError::Unavailable(secret.into()).into()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            body,
            r#"{"success":false,"message":"Layanan sedang tidak tersedia."}"#
        );
        for error in [
            DirectoryError::Failed(secret.into()),
            DirectoryError::Contract("several candidates without figures"),
        ] {
            let (status, body) = body_of(error.into()).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert_eq!(
                body,
                r#"{"success":false,"message":"Terjadi kesalahan pada server."}"#
            );
        }
    }

    #[actix_web::test]
    async fn a_timeout_is_503_and_a_lost_task_500() {
        assert_eq!(
            body_of(ApiError::Timeout(Duration::from_millis(5))).await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        let lost = actix_web::web::block(|| panic!("lost (test)"))
            .await
            .unwrap_err();
        assert_eq!(
            body_of(lost.into()).await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[actix_web::test]
    async fn phone_errors_pick_their_422_detail() {
        let cases = [
            (PhoneError::Missing, "The no hp field is required."),
            (
                PhoneError::TooLong,
                "The no hp field must not be greater than 32 characters.",
            ),
            (PhoneError::Invalid, "The no hp field format is invalid."),
        ];
        for (error, detail) in cases {
            let (status, body) = body_of(error.into()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(
                body,
                format!(
                    r#"{{"success":false,"message":"Validasi gagal.","errors":{{"no_hp":["{detail}"]}}}}"#
                )
            );
        }
    }

    #[actix_web::test]
    async fn method_not_allowed_says_what_is() {
        let response = ApiError::MethodNotAllowed.error_response();
        assert_eq!(response.headers().get(header::ALLOW).unwrap(), "GET");
    }

    #[actix_web::test]
    async fn rate_limited_answers_say_when_to_come_back() {
        for (wait, seconds) in [
            (Duration::ZERO, "1"),
            (Duration::from_millis(1), "1"),
            (Duration::from_secs(2), "2"),
            (Duration::from_millis(2001), "3"),
        ] {
            let response = ApiError::TooManyRequests(wait).error_response();
            assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(
                response.headers().get(header::RETRY_AFTER).unwrap(),
                seconds
            );
        }
        let (status, body) = body_of(ApiError::TooManyRequests(Duration::from_secs(1))).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            body,
            r#"{"success":false,"message":"Terlalu banyak permintaan."}"#
        );
        assert_eq!(
            body_of(ApiError::UriTooLong).await,
            (
                StatusCode::URI_TOO_LONG,
                r#"{"success":false,"message":"URI permintaan terlalu panjang."}"#.to_owned()
            )
        );
        assert_eq!(
            body_of(ApiError::HeadersTooLarge).await,
            (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                r#"{"success":false,"message":"Header permintaan terlalu besar."}"#.to_owned()
            )
        );
    }

    #[test]
    fn the_chain_lists_every_source() {
        let error = ApiError::from(DirectoryError::Failed("relation missing".into()));
        assert_eq!(
            Chain(&error).to_string(),
            "the customer directory failed: the customer database query failed: relation missing"
        );
    }
}
