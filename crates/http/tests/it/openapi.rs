//! The OpenAPI description served at `/openapi.json`: it carries what the
//! published document says, and every example in it is, byte for byte,
//! what the app answers.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use klikorder_domain::{DirectoryError, MockCustomerDirectory};
use klikorder_http::{AppState, RateLimit, RateLimitSettings, RateLimits};
use serde_json::Value;

use crate::support::*;

/// The description, as the app serves it.
async fn served_description() -> Value {
    let answer = send(
        state(unused_directory(), unused_registry()),
        TestRequest::get().uri("/openapi.json"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, "application/json");
    serde_json::from_str(&answer.body).unwrap()
}

/// One example of a response in the description.
#[derive(Debug)]
struct Example {
    method: String,
    path: String,
    status: u16,
    name: String,
    content_type: String,
    value: Value,
}

/// Every example of every response of every operation.
fn examples(description: &Value) -> Vec<Example> {
    let mut found = Vec::new();
    for (path, item) in description["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (content_type, media) in content {
                    let mut add = |name: &str, value: &Value| {
                        found.push(Example {
                            method: method.clone(),
                            path: path.clone(),
                            status: status.parse().unwrap(),
                            name: name.to_owned(),
                            content_type: content_type.clone(),
                            value: value.clone(),
                        });
                    };
                    if let Some(value) = media.get("example") {
                        add("", value);
                    }
                    for (name, example) in media
                        .get("examples")
                        .and_then(Value::as_object)
                        .into_iter()
                        .flatten()
                    {
                        add(name, &example["value"]);
                    }
                }
            }
        }
    }
    found
}

fn failing(error: fn() -> DirectoryError) -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .times(1)
        .returning(move |_| Err(error()));
    directory
}

fn pinging(result: fn() -> Result<(), DirectoryError>) -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory.expect_ping().times(1).returning(result);
    directory
}

fn idle() -> AppState {
    state(unused_directory(), unused_registry())
}

/// The state and request that produce the example `name` of `status` for
/// `method path`; `None` for an example this table does not know (which
/// fails the test: every example must be checked).
async fn scenario(
    method: &str,
    path: &str,
    status: u16,
    name: &str,
) -> Option<(AppState, TestRequest)> {
    let accepted = |directory| state(directory, accepting_registry());
    Some(match (method, path, status, name) {
        ("get", CUSTOMERS, 200, "found") => (
            accepted(directory_for("+6281521979154", only(published_customer()))),
            lookup("no_hp=081521979154"),
        ),
        ("get", CUSTOMERS, 401, "unauthorized") => (
            state(unused_directory(), refusing_registry()),
            lookup("no_hp=081521979154"),
        ),
        ("get", CUSTOMERS, 404, "customer_not_found") => (
            accepted(directory_for("+628123456789", vec![])),
            lookup("no_hp=08123456789"),
        ),
        ("get", CUSTOMERS, 404, "endpoint_not_found") => (
            idle(),
            TestRequest::get().uri("/api/integrasi/customer?no_hp=08123456789"),
        ),
        ("get", CUSTOMERS, 405, "method_not_allowed") => {
            (idle(), TestRequest::post().uri(CUSTOMERS))
        }
        ("get", CUSTOMERS, 422, "empty") => (accepted(unused_directory()), lookup("no_hp=")),
        ("get", CUSTOMERS, 422, "too_long") => (
            accepted(unused_directory()),
            lookup(&format!("no_hp={}", "1".repeat(33))),
        ),
        ("get", CUSTOMERS, 422, "invalid_format") => {
            (accepted(unused_directory()), lookup("no_hp=abc"))
        }
        ("get", CUSTOMERS, 429, "too_many_requests") => {
            // A client with a budget of one lookup an hour, already spent.
            let state = state(lenient_directory(), lenient_registry()).with_rate_limits(
                RateLimits::new(RateLimitSettings {
                    per_client: RateLimit::one_every(
                        std::time::Duration::from_secs(3600),
                        std::num::NonZeroU32::MIN,
                    ),
                    ..RateLimitSettings::default()
                }),
            );
            let spent = send(state.clone(), lookup("no_hp=081521979154")).await;
            assert_eq!(spent.status, StatusCode::OK);
            (state, lookup("no_hp=081521979154"))
        }
        ("get", CUSTOMERS, 500, "internal") => (
            accepted(failing(|| DirectoryError::Failed("syntax error".into()))),
            lookup("no_hp=08123456789"),
        ),
        ("get", CUSTOMERS, 503, "unavailable") => (
            accepted(failing(|| DirectoryError::Unavailable("refused".into()))),
            lookup("no_hp=08123456789"),
        ),
        ("get", "/health", 200, "ok") => (idle(), TestRequest::get().uri("/health")),
        ("get", "/health/ready", 200, "ok") => (
            state(pinging(|| Ok(())), unused_registry()),
            TestRequest::get().uri("/health/ready"),
        ),
        ("get", "/health/ready", 503, "unavailable") => (
            state(
                pinging(|| Err(DirectoryError::Unavailable("refused".into()))),
                unused_registry(),
            ),
            TestRequest::get().uri("/health/ready"),
        ),
        ("get", path, 405, "method_not_allowed") => (idle(), TestRequest::post().uri(path)),
        ("get", "/docs/{file}", 404, "endpoint_not_found") => {
            (idle(), TestRequest::get().uri("/docs/no-such-file.js"))
        }
        _ => return None,
    })
}

#[actix_web::test]
async fn the_description_is_openapi_3_1_and_served_as_generated() {
    let served = served_description().await;
    assert_eq!(served["openapi"], "3.1.0");
    assert_eq!(
        served,
        serde_json::to_value(klikorder_http::openapi()).unwrap()
    );
}

#[actix_web::test]
async fn every_route_is_described() {
    let served = served_description().await;
    let paths: BTreeSet<&str> = served["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        paths,
        BTreeSet::from([
            CUSTOMERS,
            "/health",
            "/health/ready",
            "/metrics",
            "/openapi.json",
            "/docs",
            "/docs/{file}",
        ])
    );
}

#[actix_web::test]
async fn every_example_is_what_the_app_answers() {
    let served = served_description().await;
    let examples = examples(&served);
    let mut checked = BTreeSet::new();
    for example in &examples {
        let Example {
            method,
            path,
            status,
            name,
            content_type,
            value,
        } = example;
        let Some((state, request)) = scenario(method, path, *status, name).await else {
            panic!("no scenario produces the example {example:?}: add one to `scenario`");
        };
        let answer = send(state, request).await;
        assert_eq!(
            answer.status.as_u16(),
            *status,
            "{example:?}: {}",
            answer.body
        );
        assert_eq!(&answer.content_type, content_type, "{example:?}");
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        assert_eq!(&body, value, "{method} {path} {status} {name}");
        // The same bytes, keys in the same order: the example is what a
        // partner receives, not merely an equivalent object.
        assert_eq!(
            serde_json::to_string(value).unwrap(),
            answer.body,
            "{example:?}"
        );
        checked.insert((path.as_str(), *status, name.as_str()));
    }
    // Every response of the published document and of CONTRACT §2.2 has
    // its example.
    for expected in [
        (CUSTOMERS, 200, "found"),
        (CUSTOMERS, 401, "unauthorized"),
        (CUSTOMERS, 404, "customer_not_found"),
        (CUSTOMERS, 404, "endpoint_not_found"),
        (CUSTOMERS, 405, "method_not_allowed"),
        (CUSTOMERS, 422, "empty"),
        (CUSTOMERS, 422, "too_long"),
        (CUSTOMERS, 422, "invalid_format"),
        (CUSTOMERS, 429, "too_many_requests"),
        (CUSTOMERS, 500, "internal"),
        (CUSTOMERS, 503, "unavailable"),
        ("/health", 200, "ok"),
        ("/health/ready", 200, "ok"),
        ("/health/ready", 503, "unavailable"),
    ] {
        assert!(checked.contains(&expected), "no example for {expected:?}");
    }
}

#[actix_web::test]
async fn the_description_carries_the_published_document() {
    let served = served_description().await;
    let operation = &served["paths"][CUSTOMERS]["get"];

    let parameters = operation["parameters"].as_array().unwrap();
    assert_eq!(parameters.len(), 1, "{parameters:?}");
    let no_hp = &parameters[0];
    assert_eq!(no_hp["name"], "no_hp");
    assert_eq!(no_hp["in"], "query");
    assert_eq!(no_hp["required"], true);
    assert_eq!(no_hp["schema"]["maxLength"], 32);

    let security = &served["components"]["securitySchemes"];
    for header in ["X-API-Client", "X-API-Key"] {
        assert_eq!(security[header]["type"], "apiKey");
        assert_eq!(security[header]["in"], "header");
        assert_eq!(security[header]["name"], header);
    }
    assert_eq!(
        operation["security"],
        serde_json::json!([{"X-API-Client": [], "X-API-Key": []}])
    );

    let description = operation["description"].as_str().unwrap();
    for text in [
        // The accepted forms.
        "`08123456789`",
        "`628123456789`",
        "`+628123456789`",
        // The four business rules, in Indonesian and English.
        "Memiliki transaksi dalam 30 hari terakhir.",
        "Jumlah transaksi terbanyak dalam 30 hari terakhir.",
        "Tanggal transaksi terakhir paling baru.",
        "Data pelanggan yang dibuat paling baru.",
        "Has a transaction in the",
        "The most recently created",
        "`no_hp` dan\n   `no_hp_goovi`",
        "X-API-Client",
        "X-API-Key",
    ] {
        assert!(
            description.contains(text),
            "{text:?} missing from:\n{description}"
        );
    }
    let about = served["info"]["description"].as_str().unwrap();
    assert!(about.contains("HTTPS"), "{about}");
    assert!(about.contains("+62xxxxxxxxxx"), "{about}");
    assert_eq!(served["info"]["version"], "1.0.0");
}

#[actix_web::test]
async fn the_found_example_keeps_the_contract_key_order() {
    let served = served_description().await;
    let example = &served["paths"][CUSTOMERS]["get"]["responses"]["200"]["content"]["application/json"]
        ["examples"]["found"]["value"];
    let text = serde_json::to_string(example).unwrap();
    assert_eq!(
        keys_in_order(&text),
        [
            "success",
            "message",
            "data",
            "id",
            "kode",
            "nama",
            "nama_pemilik",
            "kontak_person",
            "no_hp",
            "no_hp_goovi",
            "status_pelanggan",
            "keperluan_pelanggan",
            "latitude",
            "longitude",
            "alamat_lengkap",
            "kelurahan",
            "kecamatan",
            "kota",
            "provinsi",
            "depo",
            "id",
            "kode",
            "nama",
        ]
    );
}
