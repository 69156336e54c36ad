//! Authentication comes first: CONTRACT §2 "authenticate → validate → look
//! up" and the 401 row of §2.2.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::http::header::HeaderValue;
use actix_web::test::TestRequest;
use klikorder_auth::{AuthError, AuthenticatedClient, MockApiKeyRegistry};

use crate::support::*;

fn without_credentials(query: &str) -> TestRequest {
    TestRequest::get().uri(&format!("{CUSTOMERS}?{query}"))
}

#[actix_web::test]
async fn missing_headers_are_401_without_asking_anyone() {
    let requests = [
        without_credentials("no_hp=08123456789"),
        without_credentials("no_hp=08123456789").insert_header(("X-API-Client", CLIENT)),
        without_credentials("no_hp=08123456789").insert_header(("X-API-Key", KEY)),
    ];
    for request in requests {
        send(state(unused_directory(), unused_registry()), request)
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn empty_headers_are_401() {
    let requests = [
        without_credentials("no_hp=08123456789")
            .insert_header(("X-API-Client", ""))
            .insert_header(("X-API-Key", KEY)),
        without_credentials("no_hp=08123456789")
            .insert_header(("X-API-Client", CLIENT))
            .insert_header(("X-API-Key", "")),
    ];
    for request in requests {
        send(state(unused_directory(), unused_registry()), request)
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn a_header_that_is_not_text_is_401() {
    let not_utf8 = HeaderValue::from_bytes(b"k\xffey").unwrap();
    let request = without_credentials("no_hp=08123456789")
        .insert_header(("X-API-Client", CLIENT))
        .insert_header(("X-API-Key", not_utf8));
    send(state(unused_directory(), unused_registry()), request)
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
}

#[actix_web::test]
async fn a_repeated_header_is_401() {
    let request = without_credentials("no_hp=08123456789")
        .insert_header(("X-API-Client", CLIENT))
        .append_header(("X-API-Key", KEY))
        .append_header(("X-API-Key", "another"));
    send(state(unused_directory(), unused_registry()), request)
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
}

#[actix_web::test]
async fn header_names_are_case_insensitive() {
    let request = without_credentials("no_hp=081521979154")
        .insert_header(("x-api-client", CLIENT))
        .insert_header(("X-Api-KEY", KEY));
    let answer = send(
        state(
            directory_for("+6281521979154", only(published_customer())),
            accepting_registry(),
        ),
        request,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_refused_key_is_the_same_401_as_anything_else() {
    for refusal in [
        AuthError::Rejected,
        AuthError::MissingCredentials,
        AuthError::UnknownClient,
    ] {
        let mut registry = MockApiKeyRegistry::new();
        registry
            .expect_authenticate()
            .withf(|client, key| client == "NOBODY" && key == "wrong")
            .times(1)
            .return_once(move |_, _| Err(refusal));
        let request = without_credentials("no_hp=08123456789")
            .insert_header(("X-API-Client", "NOBODY"))
            .insert_header(("X-API-Key", "wrong"));
        send(state(unused_directory(), registry), request)
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn a_401_wins_over_any_query() {
    for query in [
        "",
        "no_hp=",
        "no_hp=abc",
        "no_hp=%ZZ",
        "no_hp=1&no_hp=2",
        "no_hp=081234567890123456789012345678901",
    ] {
        send(
            state(unused_directory(), refusing_registry()),
            lookup(query),
        )
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
        send(
            state(unused_directory(), unused_registry()),
            without_credentials(query),
        )
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
}

#[actix_web::test]
async fn the_registry_gets_the_headers_as_sent() {
    let mut registry = MockApiKeyRegistry::new();
    registry
        .expect_authenticate()
        .withf(|client, key| client == "partner.two" && key == "ko_AbC-123_xyz")
        .times(1)
        .returning(|client, _| {
            Ok(AuthenticatedClient {
                client_id: Arc::from(client),
            })
        });
    let request = without_credentials("no_hp=08123456789")
        .insert_header(("X-API-Client", "partner.two"))
        .insert_header(("X-API-Key", "ko_AbC-123_xyz"));
    send(
        state(directory_for("+628123456789", vec![]), registry),
        request,
    )
    .await
    .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
}

#[actix_web::test]
async fn a_registry_whose_store_is_down_is_503() {
    let mut registry = MockApiKeyRegistry::new();
    registry.expect_authenticate().times(1).returning(|_, _| {
        Err(AuthError::Store(klikorder_domain::StoreError::Unavailable(
            "down".into(),
        )))
    });
    send(
        state(unused_directory(), registry),
        lookup("no_hp=08123456789"),
    )
    .await
    .assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
}
