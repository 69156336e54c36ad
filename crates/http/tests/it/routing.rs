//! Unknown paths, other methods and the health routes (CONTRACT §2.2,
//! §2.3).

use std::time::Duration;

use actix_web::http::{Method, StatusCode};
use actix_web::test::TestRequest;
use klikorder_domain::{DirectoryError, MockCustomerDirectory};

use crate::support::*;

const OK: &str = r#"{"status":"ok"}"#;
const NOT_READY: &str = r#"{"status":"unavailable"}"#;

#[actix_web::test]
async fn an_unknown_path_is_404_endpoint_not_found() {
    for path in [
        "/",
        "/api",
        "/api/integrasi",
        "/api/integrasi/customers/",
        "/api/integrasi/customers/08123456789",
        "/API/INTEGRASI/CUSTOMERS",
        "/health/",
        "/nope?no_hp=08123456789",
    ] {
        let answer = send(
            state(unused_directory(), unused_registry()),
            TestRequest::get()
                .uri(path)
                .insert_header(("X-API-Client", CLIENT))
                .insert_header(("X-API-Key", KEY)),
        )
        .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(answer.content_type, "application/json", "{path}");
        assert_eq!(answer.body, ENDPOINT_NOT_FOUND, "{path}");
    }
}

#[actix_web::test]
async fn an_unknown_path_with_another_method_is_still_404() {
    send(
        state(unused_directory(), unused_registry()),
        TestRequest::post().uri("/nope"),
    )
    .await
    .assert(StatusCode::NOT_FOUND, ENDPOINT_NOT_FOUND);
}

#[actix_web::test]
async fn another_method_on_a_known_path_is_405() {
    for path in [CUSTOMERS, "/health", "/health/ready"] {
        for method in [
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
            Method::HEAD,
        ] {
            let answer = send(
                state(unused_directory(), unused_registry()),
                TestRequest::default()
                    .method(method.clone())
                    .uri(&format!("{path}?no_hp=08123456789"))
                    .insert_header(("X-API-Client", CLIENT))
                    .insert_header(("X-API-Key", KEY))
                    .set_payload(r#"{"no_hp":"08123456789"}"#),
            )
            .await;
            assert_eq!(
                answer.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert_eq!(answer.content_type, "application/json");
            assert_eq!(answer.body, METHOD_NOT_ALLOWED, "{method} {path}");
            assert_eq!(answer.headers.get("allow").unwrap(), "GET");
        }
    }
}

#[actix_web::test]
async fn health_answers_without_credentials_or_database() {
    send(
        state(unused_directory(), unused_registry()),
        TestRequest::get().uri("/health"),
    )
    .await
    .assert(StatusCode::OK, OK);
}

fn pinging(result: fn() -> Result<(), DirectoryError>) -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory.expect_find_candidates().times(0);
    directory.expect_ping().times(1).returning(result);
    directory
}

#[actix_web::test]
async fn ready_when_the_database_answers() {
    send(
        state(pinging(|| Ok(())), unused_registry()),
        TestRequest::get().uri("/health/ready"),
    )
    .await
    .assert(StatusCode::OK, OK);
}

#[actix_web::test]
async fn not_ready_when_the_database_fails() {
    for result in [
        (|| Err(DirectoryError::Unavailable("refused".into()))) as fn() -> _,
        || Err(DirectoryError::Failed("syntax".into())),
    ] {
        send(
            state(pinging(result), unused_registry()),
            TestRequest::get().uri("/health/ready"),
        )
        .await
        .assert(StatusCode::SERVICE_UNAVAILABLE, NOT_READY);
    }
}

#[actix_web::test]
async fn not_ready_when_the_database_is_slow() {
    let mut directory = MockCustomerDirectory::new();
    directory.expect_ping().times(1).returning(|| {
        std::thread::sleep(Duration::from_millis(400));
        Ok(())
    });
    send(
        state_with_timeout(directory, unused_registry(), Duration::from_millis(50)),
        TestRequest::get().uri("/health/ready"),
    )
    .await
    .assert(StatusCode::SERVICE_UNAVAILABLE, NOT_READY);
}
