//! `GET /metrics`: requests by route pattern, status and client; latency;
//! lookups by outcome and deciding rule; database errors; pool gauges; and
//! never a number or a key.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use chrono::NaiveDate;
use klikorder_auth::{AuthenticatedClient, MockApiKeyRegistry};
use klikorder_domain::{
    Candidate, Customer, DirectoryError, MockCustomerDirectory, TransactionActivity,
};
use klikorder_http::{PoolStats, app};

use crate::support::*;

/// A registry accepting `CLIENT` / `KEY` any number of times.
fn registry() -> MockApiKeyRegistry {
    let mut registry = MockApiKeyRegistry::new();
    registry.expect_authenticate().returning(|client, key| {
        if client == CLIENT && key == KEY {
            Ok(AuthenticatedClient {
                client_id: client.into(),
            })
        } else {
            Err(klikorder_auth::AuthError::Rejected)
        }
    });
    registry
}

fn candidate(id: i64, recent_transactions: u64) -> Candidate {
    Candidate {
        customer: Customer {
            id,
            kode: format!("PEL-{id}"),
            nama: format!("Pelanggan {id}"),
            ..Customer::default()
        },
        activity: Some(TransactionActivity {
            recent_transactions,
            last_transaction: NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(10, 0, 0),
        }),
    }
}

/// A directory answering by number: one customer, two ranked by the
/// recent count, none, or an outage.
fn directory() -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .returning(|query| match query.phone.as_e164() {
            "+6281521979154" => Ok(only(published_customer())),
            "+628111111111" => Ok(vec![candidate(1, 1), candidate(2, 5)]),
            "+628222222222" => Err(DirectoryError::Unavailable("refused".into())),
            _ => Ok(vec![]),
        });
    directory
}

#[actix_web::test]
async fn metrics_count_requests_lookups_and_errors_without_secrets() {
    let state = state(directory(), registry()).with_pool_stats(|| PoolStats::new(8, 3, 1));
    let app = test::init_service(app(state)).await;
    let secret_key = "ko_metrics-wrong-key-73b1";
    let requests = [
        (lookup("no_hp=081521979154"), StatusCode::OK),
        (lookup("no_hp=08111111111"), StatusCode::OK),
        (lookup("no_hp=08123456789"), StatusCode::NOT_FOUND),
        (lookup("no_hp=08222222222"), StatusCode::SERVICE_UNAVAILABLE),
        (lookup("no_hp=abc"), StatusCode::UNPROCESSABLE_ENTITY),
        (
            TestRequest::get()
                .uri(&format!("{CUSTOMERS}?no_hp=08567890123"))
                .insert_header(("X-API-Client", "INTRUDER"))
                .insert_header(("X-API-Key", secret_key)),
            StatusCode::UNAUTHORIZED,
        ),
        (
            TestRequest::get().uri("/wp-admin/08567890123"),
            StatusCode::NOT_FOUND,
        ),
        (TestRequest::get().uri("/health"), StatusCode::OK),
    ];
    for (request, status) in requests {
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), status);
    }
    let response = test::call_service(&app, TestRequest::get().uri("/metrics").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get("content-type").unwrap(),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    let text = String::from_utf8(test::read_body(response).await.to_vec()).unwrap();

    for line in [
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="200",client="MEKARI"} 2"#,
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="404",client="MEKARI"} 1"#,
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="503",client="MEKARI"} 1"#,
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="422",client="MEKARI"} 1"#,
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="401",client="-"} 1"#,
        r#"klikorder_http_requests_total{route="unmatched",status="404",client="-"} 1"#,
        r#"klikorder_http_requests_total{route="/health",status="200",client="-"} 1"#,
        r#"klikorder_http_request_duration_seconds_count{route="/api/integrasi/customers"} 6"#,
        r#"klikorder_lookups_total{outcome="found",rule="only_candidate"} 1"#,
        r#"klikorder_lookups_total{outcome="found",rule="recent_count"} 1"#,
        r#"klikorder_lookups_total{outcome="not_found"} 1"#,
        r#"klikorder_lookups_total{outcome="invalid"} 1"#,
        r#"klikorder_lookups_total{outcome="error"} 1"#,
        r#"klikorder_database_errors_total{operation="lookup",kind="unavailable"} 1"#,
        r#"klikorder_db_pool_connections{state="in_use"} 2"#,
        r#"klikorder_db_pool_connections{state="idle"} 1"#,
        "klikorder_db_pool_max_connections 8",
        "# TYPE klikorder_http_request_duration_seconds histogram",
        "# HELP klikorder_lookups_total ",
    ] {
        assert!(text.contains(line), "{line} missing from:\n{text}");
    }
    for secret in [
        "0815",
        "6281521979154",
        "81521979154",
        "08567890123",
        "8567890123",
        "INTRUDER",
        secret_key,
        KEY,
        "wp-admin",
        "no_hp=",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into:\n{text}");
    }
}

#[actix_web::test]
async fn each_app_has_its_own_metrics() {
    let first = test::init_service(app(state(unused_directory(), unused_registry()))).await;
    let second = test::init_service(app(state(unused_directory(), unused_registry()))).await;
    test::call_service(&first, TestRequest::get().uri("/health").to_request()).await;
    let metrics_of = |body: actix_web::web::Bytes| String::from_utf8(body.to_vec()).unwrap();
    let second_text = metrics_of(
        test::call_and_read_body(&second, TestRequest::get().uri("/metrics").to_request()).await,
    );
    assert!(!second_text.contains(r#"route="/health""#), "{second_text}");
    let first_text = metrics_of(
        test::call_and_read_body(&first, TestRequest::get().uri("/metrics").to_request()).await,
    );
    assert!(first_text.contains(r#"route="/health""#), "{first_text}");
    assert!(
        !first_text.contains("klikorder_db_pool_connections{"),
        "{first_text}"
    );
}

#[actix_web::test]
async fn a_failed_readiness_check_is_a_database_error() {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_ping()
        .returning(|| Err(DirectoryError::Failed("syntax".into())));
    let app = test::init_service(app(state(directory, unused_registry()))).await;
    let ready =
        test::call_service(&app, TestRequest::get().uri("/health/ready").to_request()).await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let text =
        test::call_and_read_body(&app, TestRequest::get().uri("/metrics").to_request()).await;
    let text = String::from_utf8(text.to_vec()).unwrap();
    assert!(
        text.contains(r#"klikorder_database_errors_total{operation="readiness",kind="failed"} 1"#),
        "{text}"
    );
}
