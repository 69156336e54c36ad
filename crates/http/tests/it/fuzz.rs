//! A property-based fuzz of the lookup over the real app (mocks that always
//! succeed): arbitrary query strings (bytes through percent-escapes, broken
//! escapes, repeated keys, huge values) and arbitrary header sets
//! (credentials present, absent, empty, repeated or garbage; junk
//! `X-Request-Id` and `X-Forwarded-For`; random extra headers) from
//! arbitrary peers.
//!
//! Whatever comes in, the answer is one of the contract's statuses (with
//! these mocks: 200, 401, 404, 422, 429; 414 only for a target over
//! [`MAX_URI_BYTES`]), `Content-Type: application/json`, a JSON body with
//! `success: false` on every non-2xx, and no panic. A few oracles on top:
//! no 200 without the right key and exactly one `no_hp`, no 401 with the
//! right key unless the address is refused, a `Retry-After` on every 429.
//!
//! `FUZZ_CASES` sets the number of cases (default 256, so CI stays fast);
//! the test prints how many it tried and how long it took.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use actix_web::http::Uri;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::test::{self, TestRequest};
use klikorder_domain::MockCustomerDirectory;
use klikorder_http::{
    MAX_HEADER_BYTES, MAX_URI_BYTES, RateLimit, RateLimitSettings, RateLimits, app,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

use crate::support::*;

/// Cases when `FUZZ_CASES` is not set.
const DEFAULT_CASES: u32 = 256;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.trim().parse().ok())
        .unwrap_or(DEFAULT_CASES)
}

// --- the query string -------------------------------------------------------

/// Characters a query may hold literally (RFC 3986 `query`, minus `%`).
const QUERY_CHARS: &[u8] = b"ABCXYZabcxyz0123456789-._~!$&'()*+,;=:@/?";

/// One piece of a key or value.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(QUERY_CHARS).prop_map(|c| char::from(c).to_string()),
        3 => any::<u8>().prop_map(|byte| format!("%{byte:02X}")),
        2 => "[0-9]{1,14}",
        1 => Just("%".to_owned()),
        1 => Just("%G1".to_owned()),
        1 => Just("%4".to_owned()),
        1 => Just("+".to_owned()),
        1 => Just("%2B62".to_owned()),
        1 => Just("%20".to_owned()),
        1 => Just("%C3%A9".to_owned()),
        1 => Just("%FF%FE".to_owned()),
        1 => Just("%00".to_owned()),
    ]
}

/// A value: a number someone might type, arbitrary pieces, or a huge run.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(vec![
            "081521979154", "+6281521979154", "6281521979154", "0062 812-3456-789",
            "%2B62%20(812)%203456.789", "0812", "08123456789012345678901234567890123",
            "+16502530000", "", " ", "abc", "0", "%2B", "08%31%32",
        ])
        .prop_map(str::to_owned),
        4 => proptest::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat()),
        1 => (piece(), 1..3000_usize).prop_map(|(piece, times)| piece.repeat(times)),
    ]
}

/// A key: mostly `no_hp` (and near misses), sometimes anything.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => Just("no_hp".to_owned()),
        1 => Just("no%5Fhp".to_owned()),
        1 => Just("NO_HP".to_owned()),
        1 => Just("no_hp[]".to_owned()),
        1 => Just("".to_owned()),
        2 => proptest::collection::vec(piece(), 0..8).prop_map(|pieces| pieces.concat()),
    ]
}

/// A number someone might really send.
fn plausible_number() -> impl Strategy<Value = String> {
    proptest::sample::select(vec![
        "081521979154",
        "%2B6281521979154",
        "6281521979154",
        "0062%20815-2197-9154",
        "%2B62%20(815)%202197.9154",
        "08123456789",
        "+62812+3456+789",
        "0812",
        "+16502530000",
    ])
    .prop_map(str::to_owned)
}

/// A query string: mostly a plausible `no_hp` among other pairs, else
/// pairs, bare keys and stray separators.
fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => (plausible_number(), prop_oneof![Just(String::new()), arbitrary_query()])
            .prop_map(|(number, rest)| {
            if rest.is_empty() { format!("no_hp={number}") } else { format!("{rest}&no_hp={number}") }
        }),
        3 => arbitrary_query(),
    ]
}

fn arbitrary_query() -> impl Strategy<Value = String> {
    let pair = prop_oneof![
        6 => (key(), value()).prop_map(|(key, value)| format!("{key}={value}")),
        1 => key(),
        1 => Just(String::new()),
        1 => (key(), value(), value()).prop_map(|(k, a, b)| format!("{k}={a}={b}")),
    ];
    proptest::collection::vec(pair, 0..5).prop_map(|pairs| pairs.join("&"))
}

// --- the headers --------------------------------------------------------------

/// Bytes a header value may hold: visible ASCII, space, tab and obs-text.
fn header_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            8 => 0x20_u8..=0x7e,
            1 => Just(b'\t'),
            1 => 0x80_u8..=0xff,
        ],
        0..64,
    )
}

/// A credential header: absent, right, wrong, empty, garbage or repeated.
fn credential(right: &'static str) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop_oneof![
        2 => Just(vec![]),
        12 => Just(vec![right.as_bytes().to_vec()]),
        2 => "[A-Za-z0-9_]{1,20}".prop_map(|text| vec![text.into_bytes()]),
        1 => Just(vec![Vec::new()]),
        2 => header_bytes().prop_map(|bytes| vec![bytes]),
        1 => Just(vec![right.as_bytes().to_vec(), right.as_bytes().to_vec()]),
        1 => header_bytes().prop_map(|bytes| vec![right.as_bytes().to_vec(), bytes]),
    ]
}

/// An optional junk header value, sometimes repeated.
fn junk(plausible: &'static [&'static str]) -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop_oneof![
        3 => Just(vec![]),
        2 => proptest::sample::select(plausible).prop_map(|text| vec![text.as_bytes().to_vec()]),
        2 => header_bytes().prop_map(|bytes| vec![bytes]),
        1 => proptest::collection::vec(header_bytes(), 2..4),
        1 => (1..4000_usize).prop_map(|n| vec![b"x".repeat(n)]),
    ]
}

/// Random extra headers.
fn extra_headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    proptest::collection::vec(("[a-z][a-z0-9-]{0,20}", header_bytes()), 0..4)
}

/// The peer: mostly fresh addresses, sometimes one of a few (so the
/// failure limit trips), sometimes none.
fn peer() -> impl Strategy<Value = Option<SocketAddr>> {
    prop_oneof![
        6 => any::<u32>().prop_map(|ip| Some(SocketAddr::from((Ipv4Addr::from(ip), 40_000)))),
        2 => (0_u8..4).prop_map(|n| Some(SocketAddr::from(([203, 0, 113, n], 40_000)))),
        1 => any::<u128>().prop_map(|ip| Some(SocketAddr::new(IpAddr::from(ip.to_be_bytes()), 443))),
        1 => Just(None),
    ]
}

/// One fuzzed request.
#[derive(Debug, Clone)]
struct Input {
    query: String,
    client: Vec<Vec<u8>>,
    key: Vec<Vec<u8>>,
    request_id: Vec<Vec<u8>>,
    forwarded_for: Vec<Vec<u8>>,
    extra: Vec<(String, Vec<u8>)>,
    peer: Option<SocketAddr>,
    /// Sent to the app with tight rate limits instead of the one without.
    limited: bool,
}

fn input() -> impl Strategy<Value = Input> {
    let credentials = prop_oneof![
        1 => Just((vec![CLIENT.as_bytes().to_vec()], vec![KEY.as_bytes().to_vec()])),
        1 => (credential(CLIENT), credential(KEY)),
    ];
    (
        query(),
        credentials,
        junk(&["req-1", "", "a b", "ünï", "../../etc/passwd", "%00"]),
        junk(&[
            "203.0.113.9",
            "unknown",
            "1.1.1.1, 2.2.2.2",
            "[::1]:80",
            "garbage",
        ]),
        extra_headers(),
        peer(),
        proptest::bool::weighted(0.2),
    )
        .prop_map(
            |(query, (client, key), request_id, forwarded_for, extra, peer, limited)| Input {
                query,
                client,
                key,
                request_id,
                forwarded_for,
                extra,
                peer,
                limited,
            },
        )
}

// --- the checks ---------------------------------------------------------------

/// How many times the decoded query gives `no_hp` (as the app reads it).
fn no_hp_count(query: &str) -> usize {
    query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(key, _)| key);
            percent_decoded(key).as_deref() == Some("no_hp")
        })
        .count()
}

fn percent_decoded(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn is_right(values: &[Vec<u8>], right: &str) -> bool {
    values.len() == 1 && values[0] == right.as_bytes()
}

/// A directory that never fails: the published customer for its number,
/// nobody for the rest.
fn directory() -> MockCustomerDirectory {
    let mut directory = MockCustomerDirectory::new();
    directory
        .expect_find_candidates()
        .returning(|query| match query.phone.as_e164() {
            "+6281521979154" => Ok(only(published_customer())),
            _ => Ok(vec![]),
        });
    directory.expect_ping().returning(|| Ok(()));
    directory
}

fn check(input: &Input, target: &str, answer: &Answer) -> Result<(), TestCaseError> {
    let status = answer.status.as_u16();
    let header_total: usize = [
        &input.client,
        &input.key,
        &input.request_id,
        &input.forwarded_for,
    ]
    .iter()
    .flat_map(|values| values.iter())
    .map(Vec::len)
    .sum::<usize>()
        + input
            .extra
            .iter()
            .map(|(n, v)| n.len() + v.len())
            .sum::<usize>();
    let allowed = match status {
        200 | 401 | 404 | 422 | 429 => true,
        414 => target.len() > MAX_URI_BYTES,
        431 => header_total > MAX_HEADER_BYTES,
        _ => false,
    };
    prop_assert!(allowed, "status {status} for {input:?}: {}", answer.body);
    if target.len() > MAX_URI_BYTES {
        prop_assert_eq!(status, 414, "a {}-byte target", target.len());
    }
    prop_assert_eq!(&answer.content_type, "application/json");
    let body: Value = serde_json::from_str(&answer.body)
        .map_err(|e| TestCaseError::fail(format!("not JSON ({e}): {:?}", answer.body)))?;
    let message = body["message"].as_str();
    prop_assert!(message.is_some(), "no message: {}", answer.body);
    if status == 200 {
        prop_assert_eq!(&body["success"], &Value::Bool(true));
        prop_assert_eq!(&body["data"]["id"], &Value::from(4832));
        prop_assert!(is_right(&input.key, KEY), "200 without the key: {input:?}");
        prop_assert_eq!(
            input.client.len(),
            1,
            "200 without one client id: {:?}",
            input
        );
        prop_assert_eq!(no_hp_count(&input.query), 1, "200 for {:?}", input.query);
    } else {
        prop_assert_eq!(&body["success"], &Value::Bool(false), "{}", answer.body);
    }
    if status == 422 {
        let errors = body["errors"]["no_hp"].as_array();
        prop_assert!(
            errors.is_some_and(|errors| errors.len() == 1),
            "{}",
            answer.body
        );
    }
    if status == 429 {
        prop_assert!(input.limited, "429 from the unlimited app: {input:?}");
        let retry_after = answer
            .headers
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        prop_assert!(retry_after.is_some_and(|seconds| seconds >= 1));
    }
    let credentials_present = input.client.len() == 1
        && input.key.len() == 1
        && !input.client[0].is_empty()
        && !input.key[0].is_empty();
    if status == 401 {
        // The right key for a single plain client id is never refused
        // (this registry takes any id with the key).
        let plain_client = credentials_present
            && std::str::from_utf8(&input.client[0]).is_ok_and(|id| id.is_ascii());
        prop_assert!(
            !(plain_client && is_right(&input.key, KEY)),
            "401 with the key: {input:?}"
        );
    }
    if !credentials_present && !input.limited {
        prop_assert!(
            status == 401 || status == 414 || status == 431,
            "{status} without credentials: {input:?}"
        );
    }
    Ok(())
}

#[test]
fn the_lookup_answers_every_input_with_the_contracts_json() {
    let cases = cases();
    let started = Instant::now();
    let tried = Cell::new(0_u64);
    let rejected = Cell::new(0_u64);
    let statuses = RefCell::new(BTreeMap::<u16, u64>::new());
    let system = actix_web::rt::System::new();
    let tight = NonZeroU32::new(2).unwrap();
    let (open, limited) = system.block_on(async {
        let open = test::init_service(app(state(directory(), lenient_registry()))).await;
        let limited = test::init_service(app(state(directory(), lenient_registry())
            .with_rate_limits(RateLimits::new(RateLimitSettings {
                per_client: RateLimit::one_every(Duration::from_secs(3600), tight),
                auth_failures: RateLimit::one_every(Duration::from_secs(3600), tight),
                trusted_proxies: "203.0.113.0/24".parse().unwrap(),
            }))))
        .await;
        (open, limited)
    });
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_global_rejects: cases.saturating_mul(4),
        ..Config::default()
    });
    let result = runner.run(&input(), |input| {
        tried.set(tried.get() + 1);
        let target = format!("{CUSTOMERS}?{}", input.query);
        if Uri::try_from(target.as_str()).is_err() {
            rejected.set(rejected.get() + 1);
            return Err(TestCaseError::reject(
                "not a URI the client library can send",
            ));
        }
        let mut request = TestRequest::get().uri(&target);
        if let Some(peer) = input.peer {
            request = request.peer_addr(peer);
        }
        let named = [
            ("x-api-client", &input.client),
            ("x-api-key", &input.key),
            ("x-request-id", &input.request_id),
            ("x-forwarded-for", &input.forwarded_for),
        ];
        for (name, values) in named {
            for value in values.iter() {
                request = request.append_header((name, HeaderValue::from_bytes(value).unwrap()));
            }
        }
        for (name, value) in &input.extra {
            request = request.append_header((
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_bytes(value).unwrap(),
            ));
        }
        let answer = system.block_on(async {
            if input.limited {
                answer(test::call_service(&limited, request.to_request()).await).await
            } else {
                answer(test::call_service(&open, request.to_request()).await).await
            }
        });
        *statuses
            .borrow_mut()
            .entry(answer.status.as_u16())
            .or_default() += 1;
        check(&input, &target, &answer)
    });
    let elapsed = started.elapsed();
    eprintln!(
        "fuzz: {cases} cases passed ({} inputs generated, {} not sendable as a URI) in {elapsed:.1?}; \
         statuses {:?}",
        tried.get(),
        rejected.get(),
        statuses.borrow(),
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}
