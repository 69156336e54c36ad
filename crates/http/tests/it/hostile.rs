//! Hostile input over a real socket: oversized targets and headers, slow
//! and idle clients. What actix answers by itself (before the app, so
//! without the contract's JSON) is pinned here too, so an upgrade that
//! changes it shows up.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use klikorder_http::{MAX_HEADER_BYTES, MAX_URI_BYTES, ServerSettings};

use crate::server::{Running, get, start_configured, test_settings};
use crate::support::*;

const URI_TOO_LONG: &str = r#"{"success":false,"message":"URI permintaan terlalu panjang."}"#;
const HEADERS_TOO_LARGE: &str = r#"{"success":false,"message":"Header permintaan terlalu besar."}"#;

/// The request and keep-alive timeouts of [`serve`]: short, so slow
/// clients are quick to test, yet long enough for a loaded machine to send
/// a whole request in time.
const TIMEOUT: Duration = Duration::from_millis(1500);

/// actix computes its deadlines from a clock it refreshes every 500 ms, so
/// one may fire up to that much early.
const EARLIEST: Duration = Duration::from_millis(950);

/// A server with short timeouts.
fn serve() -> Running {
    start_configured(
        state(lenient_directory(), lenient_registry()),
        None,
        ServerSettings {
            client_request_timeout: TIMEOUT,
            keep_alive: TIMEOUT,
            ..test_settings()
        },
    )
}

/// What came back on the socket: status line and headers, and the body.
#[derive(Debug)]
struct Raw {
    head: String,
    body: String,
}

impl Raw {
    fn status(&self) -> u16 {
        self.head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {self:?}"))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Sends `bytes` (stopping quietly if the server closes first), then reads
/// until the server closes the connection.
fn exchange(addr: SocketAddr, bytes: &[u8]) -> Raw {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = stream.write_all(bytes);
    read_all(&mut stream)
}

fn read_all(stream: &mut TcpStream) -> Raw {
    let mut received = Vec::new();
    let mut buffer = [0_u8; 8192];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            // A reset after the answer: the server dropped what we still
            // sent. What arrived before it counts.
            Err(error) if error.kind() == ErrorKind::ConnectionReset => break,
            Err(error) => panic!("reading: {error}"),
        }
    }
    let text = String::from_utf8_lossy(&received).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Raw {
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

fn request_with(target: &str, extra_headers: &str) -> Vec<u8> {
    format!(
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         X-API-Client: {CLIENT}\r\nX-API-Key: {KEY}\r\n{extra_headers}\r\n"
    )
    .into_bytes()
}

#[test]
fn a_10_kb_url_is_414_json() {
    let running = serve();
    let target = format!("{CUSTOMERS}?no_hp={}", "9".repeat(10 * 1024));
    assert!(target.len() > MAX_URI_BYTES);
    let raw = exchange(running.addr, &request_with(&target, ""));
    assert_eq!(raw.status(), 414, "{raw:?}");
    assert_eq!(raw.header("content-type"), Some("application/json"));
    assert!(raw.header("x-request-id").is_some(), "{raw:?}");
    assert_eq!(raw.body, URI_TOO_LONG);

    // Just under the limit, the lookup answers as usual (here: too long).
    let target = format!("{CUSTOMERS}?no_hp={}", "9".repeat(MAX_URI_BYTES - 40));
    let raw = exchange(running.addr, &request_with(&target, ""));
    assert_eq!(raw.status(), 422, "{raw:?}");
    assert_eq!(raw.body, TOO_LONG);
    running.stop();
}

#[test]
fn headers_over_the_apps_limit_are_431_json() {
    let running = serve();
    let junk = format!("X-Junk: {}\r\n", "j".repeat(MAX_HEADER_BYTES + 1));
    let raw = exchange(running.addr, &request_with(CUSTOMERS, &junk));
    assert_eq!(raw.status(), 431, "{raw:?}");
    assert_eq!(raw.header("content-type"), Some("application/json"));
    assert_eq!(raw.body, HEADERS_TOO_LARGE);
    running.stop();
}

/// Past 128 KiB of request head actix answers 431 itself, with an empty
/// body and no `Content-Type`, and closes the connection: the app never
/// sees the request, so it cannot be JSON.
#[test]
fn a_head_over_128_kib_gets_actixs_own_empty_431() {
    let running = serve();
    let junk = format!("X-Junk: {}\r\n", "j".repeat(200 * 1024));
    let raw = exchange(running.addr, &request_with(CUSTOMERS, &junk));
    assert_eq!(raw.status(), 431, "{raw:?}");
    assert_eq!(raw.body, "", "{raw:?}");
    assert_eq!(raw.header("content-type"), None, "{raw:?}");
    // The server is fine afterwards.
    assert_eq!(get(running.addr, "/health", &[]).0, 200);
    running.stop();
}

/// More than 96 headers is "too large" for actix too: 431, empty body, no
/// `Content-Type`.
#[test]
fn over_96_headers_get_actixs_own_empty_431() {
    let running = serve();
    let many: String = (0..100).map(|n| format!("X-H{n}: v\r\n")).collect();
    let raw = exchange(running.addr, &request_with(CUSTOMERS, &many));
    assert_eq!(raw.status(), 431, "{raw:?}");
    assert_eq!(raw.body, "", "{raw:?}");
    assert_eq!(raw.header("content-type"), None, "{raw:?}");
    running.stop();
}

/// A malformed request line or header is actix's parse error: 400, empty
/// body.
#[test]
fn a_malformed_request_gets_actixs_own_empty_400() {
    let running = serve();
    for bytes in [
        &b"GET /health HTTP/1.1\r\nHost localhost\r\n\r\n"[..],
        &b"GET /he alth HTTP/1.1\r\nHost: localhost\r\n\r\n"[..],
        &b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"[..],
    ] {
        let raw = exchange(running.addr, bytes);
        assert_eq!(raw.status(), 400, "{bytes:?}: {raw:?}");
        assert_eq!(raw.body, "", "{raw:?}");
    }
    running.stop();
}

/// A client that sends its headers slower than `client_request_timeout`
/// gets actix's 408 (empty body) and is disconnected.
#[test]
fn a_client_slower_than_the_request_timeout_gets_408_and_is_dropped() {
    let running = serve();
    let mut stream = TcpStream::connect(running.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    // Still trickling, but the deadline counts from the connection's start.
    let _ = stream.write_all(b"X-Slow: 1\r\n");
    let raw = read_all(&mut stream);
    let waited = started.elapsed();
    assert_eq!(raw.status(), 408, "{raw:?}");
    assert_eq!(raw.body, "", "{raw:?}");
    assert!(
        waited >= EARLIEST && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    running.stop();
}

/// A client that connects and sends nothing gets the same 408 at the same
/// deadline.
#[test]
fn a_silent_connection_is_dropped() {
    let running = serve();
    let mut stream = TcpStream::connect(running.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let raw = read_all(&mut stream);
    let waited = started.elapsed();
    assert!(
        waited >= EARLIEST && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    assert_eq!(raw.status(), 408, "{raw:?}");
    assert_eq!(raw.body, "", "{raw:?}");
    running.stop();
}

/// An idle keep-alive connection is closed after `keep_alive`.
#[test]
fn idle_keep_alive_connections_are_closed() {
    let running = serve();
    let mut stream = TcpStream::connect(running.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let started = Instant::now();
    // Reads the answer, then waits until the server closes.
    let raw = read_all(&mut stream);
    let waited = started.elapsed();
    assert_eq!(raw.status(), 200, "{raw:?}");
    assert!(raw.body.starts_with(r#"{"status":"ok"}"#), "{raw:?}");
    assert!(
        waited >= EARLIEST && waited < Duration::from_secs(6),
        "{waited:?}"
    );
    running.stop();
}

/// Many slow clients at once do not hold the (single) worker: a normal
/// request is still answered at once.
#[test]
fn slow_clients_do_not_hold_the_worker() {
    let running = serve();
    let slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut stream = TcpStream::connect(running.addr).unwrap();
            stream.write_all(b"GET /health HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    let started = Instant::now();
    assert_eq!(get(running.addr, "/health", &[]).0, 200);
    assert!(
        // Well before the slow ones time out: they never held the worker.
        started.elapsed() < Duration::from_millis(1200),
        "{:?}",
        started.elapsed()
    );
    drop(slow);
    running.stop();
}
