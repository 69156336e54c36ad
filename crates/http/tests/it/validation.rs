//! Validation of `no_hp` (the 422 rows of CONTRACT §2.2, and §3's input
//! forms as they arrive in a query string). None of these reach the
//! directory unless valid.

use actix_web::http::StatusCode;

use crate::support::*;

async fn assert_422(query: &str, body: &str) {
    let answer = send(
        state(unused_directory(), accepting_registry()),
        lookup(query),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    assert_eq!(answer.content_type, "application/json", "{query}");
    assert_eq!(answer.body, body, "{query}");
}

#[actix_web::test]
async fn a_missing_empty_or_blank_number_is_required() {
    for query in [
        "",
        "no_hp",
        "no_hp=",
        "no_hp=%20%20",
        "no_hp=+++",
        "no_hp=%09",
        "other=08123456789",
        "NO_HP=08123456789",
        "no_hp%5B%5D=08123456789",
    ] {
        assert_422(query, REQUIRED).await;
    }
}

#[actix_web::test]
async fn a_number_over_32_characters_is_too_long() {
    let thirty_three = "0".repeat(33);
    assert_422(&format!("no_hp={thirty_three}"), TOO_LONG).await;
    // 33 characters, separators included.
    assert_422("no_hp=0812-3456-7890-1234-5678-9012-345", TOO_LONG).await;
}

#[actix_web::test]
async fn an_invalid_number_is_format_invalid() {
    for query in [
        "no_hp=abc",
        "no_hp=0812345678a",
        "no_hp=0812",
        "no_hp=%2B16502530000",
        "no_hp=081234567890123",
        "no_hp=08123456789%2F1",
        "no_hp=%00",
    ] {
        assert_422(query, FORMAT_INVALID).await;
    }
}

#[actix_web::test]
async fn a_repeated_number_is_format_invalid() {
    assert_422("no_hp=08123456789&no_hp=08123456789", FORMAT_INVALID).await;
    assert_422("no_hp=08123456789&no_hp=", FORMAT_INVALID).await;
}

#[actix_web::test]
async fn bad_percent_encoding_is_format_invalid_never_a_plain_400() {
    for query in [
        "no_hp=%ZZ",
        "no_hp=0812%2",
        "no_hp=%",
        "no_hp=%FF%FE",
        "x=%zz&no_hp=08123456789",
    ] {
        assert_422(query, FORMAT_INVALID).await;
    }
}

#[actix_web::test]
async fn the_limit_counts_the_decoded_characters() {
    // "+62", 17 spaces and "812-3456-789": 32 characters once decoded,
    // a valid number once the separators are dropped.
    let padded = |spaces: usize| format!("no_hp=%2B62{}812-3456-789", "%20".repeat(spaces));
    send(
        state(directory_for("+628123456789", vec![]), accepting_registry()),
        lookup(&padded(17)),
    )
    .await
    .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
    assert_422(&padded(18), TOO_LONG).await;
}

#[actix_web::test]
async fn every_accepted_spelling_reaches_the_directory_normalized() {
    for query in [
        "no_hp=08123456789",
        "no_hp=628123456789",
        "no_hp=%2B628123456789",
        "no_hp=+628123456789",
        "no_hp=0062%20812-3456-789",
        "no_hp=0062+812-3456-789",
        "no_hp=%2B62%20(812)%203456.789",
        "no_hp=+62+(812)+3456.789",
        "no_hp=%200812%203456%20789%20",
        "foo=bar&no_hp=08123456789&baz",
    ] {
        let answer = send(
            state(directory_for("+628123456789", vec![]), accepting_registry()),
            lookup(query),
        )
        .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{query}: {}",
            answer.body
        );
        assert_eq!(answer.body, CUSTOMER_NOT_FOUND, "{query}");
    }
}
