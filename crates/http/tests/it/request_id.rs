//! `X-Request-Id`: echoed when sane, generated otherwise, on every
//! response, and in the access log line.

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use klikorder_http::ACCESS_LOG_TARGET;

use crate::support::*;

fn is_generated(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

fn request_id(answer: &Answer) -> String {
    answer
        .headers
        .get("x-request-id")
        .expect("an X-Request-Id header")
        .to_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn a_sane_request_id_is_echoed() {
    for id in ["abc", "partner.req_42-x", &"7".repeat(64)] {
        let answer = send(
            state(unused_directory(), unused_registry()),
            TestRequest::get()
                .uri("/health")
                .insert_header(("X-Request-Id", id)),
        )
        .await;
        assert_eq!(request_id(&answer), id);
    }
}

#[actix_web::test]
async fn a_missing_request_id_is_generated_and_differs_each_time() {
    let mut seen = Vec::new();
    for _ in 0..3 {
        let answer = send(
            state(unused_directory(), unused_registry()),
            TestRequest::get().uri("/health"),
        )
        .await;
        let id = request_id(&answer);
        assert!(is_generated(&id), "{id}");
        assert!(!seen.contains(&id));
        seen.push(id);
    }
}

#[actix_web::test]
async fn an_insane_request_id_is_refused_and_replaced() {
    for id in [
        "",
        "has space",
        "semi;colon",
        "quote\"d",
        "slash/ed",
        &"x".repeat(65),
    ] {
        let answer = send(
            state(unused_directory(), unused_registry()),
            TestRequest::get()
                .uri("/health")
                .insert_header(("X-Request-Id", id)),
        )
        .await;
        let sent_back = request_id(&answer);
        assert_ne!(sent_back, id);
        assert!(is_generated(&sent_back), "{id:?} → {sent_back}");
    }
    let answer = send(
        state(unused_directory(), unused_registry()),
        TestRequest::get()
            .uri("/health")
            .append_header(("X-Request-Id", "one"))
            .append_header(("X-Request-Id", "two")),
    )
    .await;
    assert!(is_generated(&request_id(&answer)));
}

#[actix_web::test]
async fn every_kind_of_answer_carries_it() {
    let cases = [
        (TestRequest::get().uri("/nope"), StatusCode::NOT_FOUND),
        (
            TestRequest::put().uri("/health"),
            StatusCode::METHOD_NOT_ALLOWED,
        ),
        (TestRequest::get().uri(CUSTOMERS), StatusCode::UNAUTHORIZED),
        (TestRequest::get().uri("/openapi.json"), StatusCode::OK),
        (TestRequest::get().uri("/metrics"), StatusCode::OK),
        (TestRequest::get().uri("/docs"), StatusCode::FOUND),
    ];
    for (request, status) in cases {
        let answer = send(state(unused_directory(), unused_registry()), request).await;
        assert_eq!(answer.status, status);
        assert!(is_generated(&request_id(&answer)));
    }
}

#[actix_web::test]
async fn the_access_log_line_carries_the_request_id() {
    capture_logs();
    let id = "log-line-request-id-7f3a";
    let answer = send(
        state(unused_directory(), unused_registry()),
        TestRequest::get()
            .uri("/request-id-log-404")
            .insert_header(("X-Request-Id", id)),
    )
    .await;
    answer.assert(StatusCode::NOT_FOUND, ENDPOINT_NOT_FOUND);
    let lines = captured_with(id);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "INFO {ACCESS_LOG_TARGET} GET /request-id-log-404 404 request_id={id} "
        )),
        "{lines:?}"
    );
}

#[actix_web::test]
async fn the_access_log_line_carries_its_fields_as_key_values() {
    capture_logs();
    let id = "log-fields-request-id-91c2";
    let answer = send(
        state(
            directory_for("+6281521979154", only(published_customer())),
            accepting_registry(),
        ),
        lookup("no_hp=081521979154").insert_header(("X-Request-Id", id)),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    let records = captured_fields_with(id);
    assert_eq!(records.len(), 1, "{records:?}");
    let fields: std::collections::HashMap<_, _> = records[0].iter().cloned().collect();
    assert_eq!(fields["method"], "GET");
    assert_eq!(fields["path"], CUSTOMERS);
    assert_eq!(fields["status"], "200");
    assert_eq!(fields["client_id"], CLIENT);
    assert_eq!(fields["no_hp"], "+62815****154");
    assert_eq!(fields["request_id"], id);
    assert!(fields["latency_ms"].parse::<f64>().unwrap() >= 0.0);
}
