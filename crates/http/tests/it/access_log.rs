//! The access log: one line per request, masked number, never the key.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use klikorder_auth::{AuthenticatedClient, MockApiKeyRegistry};
use klikorder_http::ACCESS_LOG_TARGET;

use crate::support::*;

/// A registry accepting `client_id` with any key.
fn accepting(client_id: &'static str) -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry
        .expect_authenticate()
        .times(1)
        .returning(move |_, _| {
            Ok(AuthenticatedClient {
                client_id: Arc::from(client_id),
            })
        });
    registry
}

#[actix_web::test]
async fn a_lookup_logs_one_line_with_the_masked_number_only() {
    capture_logs();
    let marker = "client-log-200";
    let key = "ko_secret-key-for-log-test-200";
    let request = TestRequest::get()
        .uri(&format!(
            "{CUSTOMERS}?no_hp=0857-1122-3344&extra=0857-1122-3344"
        ))
        .insert_header(("X-API-Client", marker))
        .insert_header(("X-API-Key", key));
    let answer = send(
        state(
            directory_for("+6285711223344", only(published_customer())),
            accepting(marker),
        ),
        request,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);

    let lines = captured_with(marker);
    assert_eq!(lines.len(), 1, "{lines:?}");
    let line = &lines[0];
    assert!(
        line.starts_with(&format!(
            "INFO {ACCESS_LOG_TARGET} GET /api/integrasi/customers 200 "
        )),
        "{line}"
    );
    assert!(line.contains("ms client=client-log-200"), "{line}");
    assert!(line.ends_with(" no_hp=+62857****344"), "{line}");
    for leaked in captured() {
        for secret in [
            key,
            "0857-1122-3344",
            "085711223344",
            "6285711223344",
            "85711223344",
            "no_hp=0857",
            "extra=",
        ] {
            assert!(!leaked.contains(secret), "{secret} leaked in {leaked}");
        }
    }
}

#[actix_web::test]
async fn a_refused_request_logs_no_client_and_no_key() {
    capture_logs();
    let key = "ko_secret-key-for-log-test-401";
    let request = TestRequest::get()
        .uri(&format!("{CUSTOMERS}?no_hp=0857-9988-7766"))
        .insert_header(("X-API-Client", "client-log-401"))
        .insert_header(("X-API-Key", key));
    send(state(unused_directory(), refusing_registry()), request)
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    for line in captured() {
        assert!(!line.contains(key), "the key leaked in {line}");
        assert!(
            !line.contains("client-log-401"),
            "an unproven client in {line}"
        );
        // Whole spellings only: a random request id may hold any 4 digits.
        for number in ["0857-9988-7766", "085799887766", "85799887766"] {
            assert!(!line.contains(number), "the number leaked in {line}");
        }
    }
}

#[actix_web::test]
async fn an_invalid_number_is_logged_as_a_dash() {
    capture_logs();
    let marker = "client-log-422";
    let request = TestRequest::get()
        .uri(&format!("{CUSTOMERS}?no_hp=0812-ABC-422"))
        .insert_header(("X-API-Client", marker))
        .insert_header(("X-API-Key", KEY));
    send(state(unused_directory(), accepting(marker)), request)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, FORMAT_INVALID);
    let lines = captured_with(marker);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains(" 422 "), "{lines:?}");
    assert!(
        lines[0].ends_with("client=client-log-422 no_hp=-"),
        "{lines:?}"
    );
    assert!(captured().iter().all(|line| !line.contains("ABC-422")));
}

#[actix_web::test]
async fn unknown_paths_are_logged_without_their_query() {
    capture_logs();
    let path = "/unknown-log-404";
    send(
        state(unused_directory(), unused_registry()),
        TestRequest::post().uri(&format!("{path}?no_hp=081200004040")),
    )
    .await
    .assert(StatusCode::NOT_FOUND, ENDPOINT_NOT_FOUND);
    let lines = captured_with(path);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("INFO {ACCESS_LOG_TARGET} POST {path} 404 ")),
        "{lines:?}"
    );
    assert!(lines[0].ends_with("client=- no_hp=-"), "{lines:?}");
    assert!(captured().iter().all(|line| !line.contains("081200004040")));
}
