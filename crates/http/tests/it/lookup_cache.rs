//! The optional lookup cache: a number asked again within the time to live
//! is answered without the directory, byte for byte the same; credentials
//! and validation still apply; 404s are kept too; entries expire.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use klikorder_domain::{DirectoryError, MockCustomerDirectory};
use klikorder_http::{LookupCache, LookupCacheSettings, app};

use crate::support::*;

fn cached(directory: MockCustomerDirectory, time_to_live: Duration) -> klikorder_http::AppState {
    state(directory, lenient_registry()).with_lookup_cache(LookupCache::new(LookupCacheSettings {
        time_to_live,
        max_entries: 100,
    }))
}

#[actix_web::test]
async fn a_repeated_number_is_answered_once_by_the_directory() {
    // `times(1)` each: a second query for either number fails the test.
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .withf(|query| query.phone.as_e164() == "+6281521979154")
        .times(1)
        .returning(|_| Ok(only(published_customer())));
    directory
        .expect_find_candidates()
        .withf(|query| query.phone.as_e164() == "+628123456789")
        .times(1)
        .returning(|_| Ok(vec![]));
    let service = test::init_service(app(cached(directory, Duration::from_secs(60)))).await;

    let first =
        answer(test::call_service(&service, lookup("no_hp=081521979154").to_request()).await).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    for spelling in ["081521979154", "%2B6281521979154", "62-815-2197-9154"] {
        let again = answer(
            test::call_service(&service, lookup(&format!("no_hp={spelling}")).to_request()).await,
        )
        .await;
        assert_eq!(again.status, StatusCode::OK, "{spelling}");
        assert_eq!(again.body, first.body, "{spelling}");
        assert_eq!(again.headers.get("cache-control").unwrap(), "no-store");
    }
    for _ in 0..2 {
        answer(test::call_service(&service, lookup("no_hp=08123456789").to_request()).await)
            .await
            .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
    }

    // Credentials and validation are checked before the cache.
    let refused = TestRequest::get()
        .uri(&format!("{CUSTOMERS}?no_hp=081521979154"))
        .insert_header(("X-API-Client", CLIENT))
        .insert_header(("X-API-Key", "ko_wrong-key-000000"));
    answer(test::call_service(&service, refused.to_request()).await)
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    answer(test::call_service(&service, lookup("no_hp=0815219791540000").to_request()).await)
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, FORMAT_INVALID);

    let metrics =
        test::call_and_read_body(&service, TestRequest::get().uri("/metrics").to_request()).await;
    let metrics = String::from_utf8(metrics.to_vec()).unwrap();
    for line in [
        r#"klikorder_lookup_cache_total{result="hit"} 4"#,
        r#"klikorder_lookup_cache_total{result="miss"} 2"#,
        r#"klikorder_lookups_total{outcome="found",rule="only_candidate"} 4"#,
        r#"klikorder_lookups_total{outcome="not_found"} 2"#,
    ] {
        assert!(metrics.contains(line), "{line} missing from\n{metrics}");
    }
}

#[actix_web::test]
async fn failures_are_not_cached_and_entries_expire() {
    let mut directory = MockCustomerDirectory::new();
    let mut calls = mockall::Sequence::new();
    directory
        .expect_find_candidates()
        .times(1)
        .in_sequence(&mut calls)
        .returning(|_| Err(DirectoryError::Unavailable("refused".into())));
    directory
        .expect_find_candidates()
        .times(1)
        .in_sequence(&mut calls)
        .returning(|_| Ok(vec![]));
    directory
        .expect_find_candidates()
        .times(1)
        .in_sequence(&mut calls)
        .returning(|_| Ok(only(published_customer())));
    let service = test::init_service(app(cached(directory, Duration::from_millis(300)))).await;

    answer(test::call_service(&service, lookup("no_hp=081521979154").to_request()).await)
        .await
        .assert(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE);
    // The 503 was not kept: the directory is asked again (and says 404).
    answer(test::call_service(&service, lookup("no_hp=081521979154").to_request()).await)
        .await
        .assert(StatusCode::NOT_FOUND, CUSTOMER_NOT_FOUND);
    // Past the time to live, the customer added meanwhile is found.
    std::thread::sleep(Duration::from_millis(500));
    let found =
        answer(test::call_service(&service, lookup("no_hp=081521979154").to_request()).await).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
}

#[actix_web::test]
async fn the_cache_sits_in_front_of_an_async_directory_too() {
    let mut directory = klikorder_domain::MockAsyncCustomerDirectory::new();
    directory.expect_find_candidates().times(1).returning(|_| {
        let answer = only(published_customer());
        Box::pin(async move { Ok(answer) })
    });
    let state = cached(unused_directory(), Duration::from_secs(60))
        .with_async_directory(std::sync::Arc::new(directory));
    let service = test::init_service(app(state)).await;
    let first =
        answer(test::call_service(&service, lookup("no_hp=081521979154").to_request()).await).await;
    let again =
        answer(test::call_service(&service, lookup("no_hp=%2B6281521979154").to_request()).await)
            .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(again.body, first.body);
}
