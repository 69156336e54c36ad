//! `X-Request-Id`: one id per request, on its response and its access log
//! line, so a partner's complaint ("request 4f0c… failed") can be found in
//! the logs.
//!
//! A caller (a partner, a proxy) may send its own id, which is kept when it
//! is sane: 1–64 characters of `[A-Za-z0-9._-]`. Anything else (missing,
//! empty, too long, other characters, sent twice) is replaced by a fresh id,
//! so a log line never carries text a client chose beyond that alphabet.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// The header carrying the request id, on requests and responses.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

const HEADER: HeaderName = HeaderName::from_static(REQUEST_ID_HEADER);

/// The longest id taken from a request.
const MAX_LEN: usize = 64;

/// The id of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestId(Arc<str>);

impl RequestId {
    /// The caller's id when it is sane, else a new one.
    pub(crate) fn for_request(headers: &HeaderMap) -> Self {
        let mut values = headers.get_all(&HEADER);
        match (values.next(), values.next()) {
            (Some(value), None) => value
                .to_str()
                .ok()
                .filter(|id| is_sane(id))
                .map_or_else(Self::generate, |id| Self(Arc::from(id))),
            _ => Self::generate(),
        }
    }

    /// 128 bits as 32 lowercase hex digits: a per-thread key drawn once
    /// from the operating system (`getrandom`), and a per-thread counter
    /// mixed through splitmix64. Ids only need to be unique, not secret;
    /// one `getrandom` per request was a system call on every request.
    pub(crate) fn generate() -> Self {
        let bytes = THREAD_IDS.with(ThreadIds::next);
        let mut hex = String::with_capacity(32);
        for byte in bytes {
            hex.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            hex.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
        Self(Arc::from(hex))
    }

    /// The id as text.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

thread_local! {
    static THREAD_IDS: ThreadIds = ThreadIds::seeded();
}

/// A thread's request-id source: a random key and a counter.
struct ThreadIds {
    key: [u64; 2],
    counter: std::cell::Cell<u64>,
}

impl ThreadIds {
    fn seeded() -> Self {
        let mut bytes = [0_u8; 16];
        if getrandom::fill(&mut bytes).is_err() {
            bytes = fallback_bits();
        }
        let (high, low) = bytes.split_at(8);
        Self {
            key: [
                u64::from_le_bytes(high.try_into().unwrap_or_default()),
                u64::from_le_bytes(low.try_into().unwrap_or_default()),
            ],
            counter: std::cell::Cell::new(0),
        }
    }

    /// Distinct for every call on this thread: splitmix64 is a bijection of
    /// the counter (plus the key), and the two halves use different keys.
    fn next(&self) -> [u8; 16] {
        let count = self.counter.get();
        self.counter.set(count.wrapping_add(1));
        let mut bits = [0_u8; 16];
        bits[..8].copy_from_slice(&splitmix64(count ^ self.key[0]).to_le_bytes());
        bits[8..].copy_from_slice(&splitmix64(count.wrapping_add(self.key[1])).to_le_bytes());
        bits
    }
}

const fn splitmix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Bits for a thread's key if the operating system has none to give: a
/// process-wide counter and the time, still distinct per thread.
fn fallback_bits() -> [u8; 16] {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let mut bits = [0_u8; 16];
    bits[..8].copy_from_slice(&count.to_be_bytes());
    bits[8..].copy_from_slice(&nanos.to_be_bytes()[8..]);
    bits
}

/// 1–64 characters of `[A-Za-z0-9._-]`.
fn is_sane(id: &str) -> bool {
    (1..=MAX_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-'))
}

/// The id of `req`, set by the middleware (`None` outside it, e.g. in unit
/// tests of a single handler).
pub(crate) fn of(req: &ServiceRequest) -> Option<RequestId> {
    req.extensions().get::<RequestId>().cloned()
}

/// The middleware, for `actix_web::middleware::from_fn`: outermost, so the
/// id is known to everything inside and lands on every response, the
/// contract's error bodies included.
pub(crate) async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = RequestId::for_request(req.headers());
    // Only sane or generated ids get here, so this cannot fail; if it ever
    // did, the response simply goes without the header.
    let value = HeaderValue::from_str(id.as_str()).ok();
    req.extensions_mut().insert(id);
    let mut response = next.call(req).await?;
    if let Some(value) = value {
        response.headers_mut().insert(HEADER, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            map.append(HEADER, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn a_sane_id_is_kept() {
        for id in ["a", "req-42", "A.b_C-9", &"x".repeat(64)] {
            assert_eq!(RequestId::for_request(&headers(&[id])).as_str(), id);
        }
    }

    #[test]
    fn an_insane_id_is_replaced() {
        for id in ["", "has space", "semi;colon", "ünï", &"x".repeat(65), "a/b"] {
            let kept = RequestId::for_request(&headers(&[id]));
            assert_ne!(kept.as_str(), id);
            assert_eq!(kept.as_str().len(), 32);
        }
        let twice = RequestId::for_request(&headers(&["one", "two"]));
        assert_eq!(twice.as_str().len(), 32);
    }

    #[test]
    fn generated_ids_are_32_hex_digits_and_differ() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        for id in [&a, &b] {
            assert_eq!(id.as_str().len(), 32);
            assert!(id.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(is_sane(id.as_str()));
        }
    }

    #[test]
    fn ids_are_distinct_across_calls_and_threads() {
        let ids: Vec<String> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..4)
                .map(|_| {
                    scope.spawn(|| {
                        (0..10_000)
                            .map(|_| RequestId::generate().as_str().to_owned())
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|worker| worker.join().unwrap())
                .collect()
        });
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn the_fallback_differs_between_calls() {
        assert_ne!(fallback_bits(), fallback_bits());
    }
}
