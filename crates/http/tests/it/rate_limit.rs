//! Rate limits of the lookup: per client after authentication, failed
//! authentications per source address before it, 429 with `Retry-After`
//! and the contract's JSON shape; health, metrics and docs unlimited.
//!
//! Rates are one per hour and bursts of 1–3, with a clock the tests
//! advance: nothing recovers while a test runs unless it says so.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use klikorder_http::{
    AppState, RateLimit, RateLimitClock, RateLimitSettings, RateLimits, TrustedProxies, app,
};

use crate::support::*;

const HOUR: Duration = Duration::from_secs(3600);
const OTHER: &str = "QONTAK";
const ATTACKER: &str = "203.0.113.66:40000";
const PARTNER: &str = "198.51.100.7:50000";

fn one_an_hour(burst: u32) -> Option<RateLimit> {
    RateLimit::one_every(HOUR, NonZeroU32::new(burst).unwrap())
}

/// The lenient mocks, with `settings` on a clock the test holds.
fn limited(settings: RateLimitSettings) -> (AppState, RateLimitClock) {
    let clock = RateLimitClock::new();
    let state = state(lenient_directory(), lenient_registry())
        .with_rate_limits(RateLimits::with_clock(settings, clock.clone()));
    (state, clock)
}

fn from(peer: &str, client: &str, key: &str) -> TestRequest {
    TestRequest::get()
        .uri(&format!("{CUSTOMERS}?no_hp=081521979154"))
        .peer_addr(peer.parse::<SocketAddr>().unwrap())
        .insert_header(("X-API-Client", client))
        .insert_header(("X-API-Key", key))
}

/// Sends `request` to `app` and reads the answer.
macro_rules! call {
    ($app:expr, $request:expr $(,)?) => {
        answer(test::call_service($app, $request.to_request()).await)
    };
}

#[track_caller]
fn assert_too_many(answer: &Answer) -> u64 {
    answer.assert(StatusCode::TOO_MANY_REQUESTS, TOO_MANY_REQUESTS);
    let seconds: u64 = answer
        .headers
        .get("retry-after")
        .expect("a Retry-After header")
        .to_str()
        .unwrap()
        .parse()
        .expect("whole seconds");
    assert!(seconds >= 1, "Retry-After {seconds}");
    seconds
}

#[actix_web::test]
async fn a_client_over_its_rate_gets_429_until_it_recovers() {
    let (state, clock) = limited(RateLimitSettings {
        per_client: one_an_hour(2),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    for _ in 0..2 {
        assert_eq!(
            call!(&app, from(PARTNER, CLIENT, KEY)).await.status,
            StatusCode::OK
        );
    }
    let refused = call!(&app, from(PARTNER, CLIENT, KEY)).await;
    let seconds = assert_too_many(&refused);
    assert!((3000..=3600).contains(&seconds), "Retry-After {seconds}");
    // Another client has its own budget, from the same address too.
    assert_eq!(
        call!(&app, from(PARTNER, OTHER, KEY)).await.status,
        StatusCode::OK
    );
    clock.advance(HOUR);
    assert_eq!(
        call!(&app, from(PARTNER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
    assert_too_many(&call!(&app, from(PARTNER, CLIENT, KEY)).await);
}

#[actix_web::test]
async fn wrong_keys_do_not_spend_the_clients_budget() {
    let (state, _clock) = limited(RateLimitSettings {
        per_client: one_an_hour(1),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    for _ in 0..5 {
        call!(&app, from(ATTACKER, CLIENT, "ko_guess"))
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    assert_eq!(
        call!(&app, from(PARTNER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn an_address_that_fails_too_often_is_refused_even_with_the_right_key() {
    let (state, clock) = limited(RateLimitSettings {
        auth_failures: one_an_hour(3),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    for _ in 0..3 {
        call!(&app, from(ATTACKER, CLIENT, "ko_guess"))
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    // The failure that goes over the budget is already refused…
    assert_too_many(&call!(&app, from(ATTACKER, CLIENT, "ko_guess")).await);
    // …and so is everything else from there, right key included, without
    // the registry being asked (its answer would leak through timing).
    assert_too_many(&call!(&app, from(ATTACKER, CLIENT, KEY)).await);
    assert_too_many(&call!(&app, from("203.0.113.66:1", OTHER, KEY)).await);
    // Other addresses are not affected.
    assert_eq!(
        call!(&app, from(PARTNER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
    // Neither are the operators' routes nor the documentation.
    for path in ["/health", "/metrics", "/openapi.json"] {
        let request = TestRequest::get()
            .uri(path)
            .peer_addr(ATTACKER.parse().unwrap());
        assert_eq!(call!(&app, request).await.status, StatusCode::OK, "{path}");
    }
    // Once a cell is back, one more guess; the next one is over again, and
    // refuses everything again.
    clock.advance(HOUR);
    call!(&app, from(ATTACKER, CLIENT, "ko_guess"))
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    assert_too_many(&call!(&app, from(ATTACKER, CLIENT, "ko_guess")).await);
    assert_too_many(&call!(&app, from(ATTACKER, CLIENT, KEY)).await);
    clock.advance(HOUR);
    assert_eq!(
        call!(&app, from(ATTACKER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn requests_without_credentials_guess_nothing_and_are_not_counted() {
    let (state, _clock) = limited(RateLimitSettings {
        auth_failures: one_an_hour(1),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    for _ in 0..5 {
        let request = TestRequest::get()
            .uri(&format!("{CUSTOMERS}?no_hp=081521979154"))
            .peer_addr(ATTACKER.parse().unwrap());
        call!(&app, request)
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    assert_eq!(
        call!(&app, from(ATTACKER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn behind_a_trusted_proxy_the_forwarded_address_counts() {
    let (state, _clock) = limited(RateLimitSettings {
        auth_failures: one_an_hour(1),
        trusted_proxies: "10.0.0.0/8".parse::<TrustedProxies>().unwrap(),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    let via_proxy = |forwarded: &str, key: &str| {
        from("10.0.0.2:3456", CLIENT, key).insert_header(("X-Forwarded-For", forwarded))
    };
    call!(&app, via_proxy("203.0.113.66", "ko_guess"))
        .await
        .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    assert_too_many(&call!(&app, via_proxy("203.0.113.66", "ko_guess")).await);
    // A client of the proxy's cannot pretend to be someone else by writing
    // on the left of the header: the proxy's appended entry decides.
    assert_too_many(&call!(&app, via_proxy("198.51.100.7, 203.0.113.66", KEY)).await);
    // The partner behind the same proxy is not affected.
    assert_eq!(
        call!(&app, via_proxy("198.51.100.7", KEY)).await.status,
        StatusCode::OK
    );
}

#[actix_web::test]
async fn an_untrusted_peer_cannot_choose_its_address() {
    let (state, _clock) = limited(RateLimitSettings {
        auth_failures: one_an_hour(1),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    for (n, forwarded) in ["1.1.1.1", "2.2.2.2"].into_iter().enumerate() {
        let answer = call!(
            &app,
            from(ATTACKER, CLIENT, "ko_guess").insert_header(("X-Forwarded-For", forwarded)),
        )
        .await;
        if n == 0 {
            answer.assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
        } else {
            assert_too_many(&answer);
        }
    }
}

#[actix_web::test]
async fn rate_limited_lookups_are_counted_and_logged() {
    capture_logs();
    let (state, _clock) = limited(RateLimitSettings {
        per_client: one_an_hour(1),
        auth_failures: one_an_hour(1),
        ..RateLimitSettings::default()
    });
    let app = test::init_service(app(state)).await;
    let marker = "ratelimit-log-marker";
    let tagged = |request: TestRequest| request.insert_header(("X-Request-Id", marker));
    call!(&app, tagged(from(PARTNER, CLIENT, KEY))).await;
    call!(&app, tagged(from(PARTNER, CLIENT, KEY))).await;
    call!(&app, tagged(from(ATTACKER, CLIENT, "ko_guess"))).await;
    call!(&app, tagged(from(ATTACKER, CLIENT, "ko_guess"))).await;
    let metrics = call!(&app, TestRequest::get().uri("/metrics")).await.body;
    assert!(
        metrics.contains(r#"klikorder_rate_limited_total{limit="client"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"klikorder_rate_limited_total{limit="address"} 1"#),
        "{metrics}"
    );
    let lines = captured_with(marker);
    assert_eq!(
        lines.iter().filter(|line| line.contains(" 429 ")).count(),
        2,
        "{lines:#?}"
    );
    // The client that went over its rate is named; the key never is.
    assert!(
        lines
            .iter()
            .any(|line| line.contains(" 429 ") && line.contains("client=MEKARI"))
    );
    assert!(lines.iter().all(|line| !line.contains("ko_guess")));
}

#[actix_web::test]
async fn without_settings_nothing_is_limited() {
    let app = test::init_service(app(state(lenient_directory(), lenient_registry()))).await;
    for _ in 0..50 {
        call!(&app, from(ATTACKER, CLIENT, "ko_guess"))
            .await
            .assert(StatusCode::UNAUTHORIZED, UNAUTHORIZED);
    }
    assert_eq!(
        call!(&app, from(ATTACKER, CLIENT, KEY)).await.status,
        StatusCode::OK
    );
}
