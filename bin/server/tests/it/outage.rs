//! Database outages: with the database's connections cut and new ones
//! refused, under load, requests get the 503 body within DB_TIMEOUT_MS
//! (never a hang or a 500), /health/ready turns 503, and the service
//! recovers by itself within 5 seconds of the database coming back.
//!
//! The outage is made by a TCP proxy between the server and PostgreSQL, so
//! the machine's database server keeps running for every other test.

use std::io::{Read as _, Write as _};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::{Backend, TestServer, demo_key, lookup, request};

const UNAVAILABLE: &str = r#"{"success":false,"message":"Layanan sedang tidak tersedia."}"#;
const DB_TIMEOUT: Duration = Duration::from_millis(1000);

/// Forwards TCP connections to `upstream` until cut.
struct Proxy {
    addr: SocketAddr,
    forwarding: Arc<AtomicBool>,
    /// While set, bytes are held, not delivered: a network that silently
    /// drops packets, which TCP retransmits once it is back.
    paused: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let forwarding = Arc::new(AtomicBool::new(true));
        let paused = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (fwd, streams, hold) = (forwarding.clone(), open.clone(), paused.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if !fwd.load(Ordering::SeqCst) {
                    // Refused: the database is "down".
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                streams
                    .lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                pipe(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    hold.clone(),
                );
                pipe(server, client, hold.clone());
            }
        });
        Self {
            addr,
            forwarding,
            paused,
            open,
        }
    }

    /// Cuts every open connection and refuses new ones.
    fn cut(&self) {
        self.forwarding.store(false, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.forwarding.store(true, Ordering::SeqCst);
    }

    fn pause(&self, paused: bool) {
        self.paused.store(paused, Ordering::SeqCst);
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream, paused: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    while paused.load(Ordering::SeqCst) {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A server for `test` whose PostgreSQL connections go through a [`Proxy`],
/// with the demo data, a short DB_TIMEOUT_MS and a small pool; `None` when no
/// PostgreSQL is configured.
fn behind_proxy(test: &str) -> Option<(Backend, Proxy, TestServer, String)> {
    let backend = Backend::postgres(test)?;
    let direct = url::Url::parse(&backend.url()).unwrap();
    let upstream: SocketAddr = format!(
        "{}:{}",
        direct.host_str().unwrap(),
        direct.port().unwrap_or(5432)
    )
    .parse()
    .unwrap();
    let proxy = Proxy::start(upstream);
    let mut through_proxy = direct.clone();
    through_proxy.set_port(Some(proxy.addr.port())).unwrap();
    let server = TestServer::start(
        backend.workdir(),
        through_proxy.as_str(),
        &[
            "--demo",
            "--db-timeout-ms",
            &DB_TIMEOUT.as_millis().to_string(),
            "--db-pool-size",
            "4",
        ],
    );
    let key = demo_key(&server.banner);
    assert_eq!(lookup(server.addr, "DEMO", &key, EXAMPLE).status, 200);
    Some((backend, proxy, server, key))
}

const EXAMPLE: &str = "?no_hp=081521979154";

/// Under load (`clients` at once, `each` requests each), every answer is the
/// 503 body, within DB_TIMEOUT_MS and a little.
fn assert_unavailable_under_load(addr: SocketAddr, key: &str, clients: usize, each: usize) {
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let key = key.to_owned();
            std::thread::spawn(move || {
                (0..each)
                    .map(|_| {
                        let started = Instant::now();
                        let response = lookup(addr, "DEMO", &key, EXAMPLE);
                        (response.status, response.body, started.elapsed())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for worker in workers {
        for (status, body, elapsed) in worker.join().unwrap() {
            assert_eq!((status, body.as_str()), (503, UNAVAILABLE));
            assert!(
                elapsed < DB_TIMEOUT + Duration::from_millis(500),
                "answered after {elapsed:?}"
            );
        }
    }
    let ready = request(addr, "GET", "/health/ready", &[]);
    assert_eq!(
        (ready.status, ready.body.as_str()),
        (503, r#"{"status":"unavailable"}"#)
    );
    // Liveness is not readiness.
    assert_eq!(request(addr, "GET", "/health", &[]).status, 200);
}

/// Lookups succeed again within 5 seconds, on every pooled connection, and
/// the service is ready.
fn assert_recovers_within_5_seconds(addr: SocketAddr, key: &str) {
    let back = Instant::now();
    loop {
        let response = lookup(addr, "DEMO", key, EXAMPLE);
        if response.status == 200 {
            break;
        }
        assert_eq!(response.status, 503, "{}", response.body);
        assert!(
            back.elapsed() < Duration::from_secs(5),
            "not recovered 5 s after the database returned"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    for _ in 0..20 {
        assert_eq!(lookup(addr, "DEMO", key, EXAMPLE).status, 200);
    }
    assert_eq!(request(addr, "GET", "/health/ready", &[]).status, 200);
}

#[test]
fn a_postgres_outage_is_503_and_the_service_recovers_by_itself() {
    let Some((_backend, proxy, server, key)) =
        behind_proxy("a_postgres_outage_is_503_and_the_service_recovers_by_itself")
    else {
        return;
    };
    proxy.cut();
    assert_unavailable_under_load(server.addr, &key, 4, 10);
    proxy.restore();
    assert_recovers_within_5_seconds(server.addr, &key);
    assert!(
        server.log_shows(" 503 "),
        "the 503s are in the access log:\n{}",
        server.log()
    );
    let log = server.log();
    assert!(!log.contains(&key), "the log contains the API key:\n{log}");
}

/// The network between the service and PostgreSQL silently drops packets
/// (the proxy holds every byte): requests must still answer 503 within the
/// timeout, readiness turns 503, and when the network is back (TCP delivers
/// what it held) the service serves again within 5 seconds.
#[test]
fn a_silent_network_is_503_within_the_timeout_and_recovers() {
    let Some((_backend, proxy, server, key)) =
        behind_proxy("a_silent_network_is_503_within_the_timeout_and_recovers")
    else {
        return;
    };
    proxy.pause(true);
    assert_unavailable_under_load(server.addr, &key, 4, 5);
    proxy.pause(false);
    assert_recovers_within_5_seconds(server.addr, &key);
}

/// SQLite in WAL mode (which every pooled connection sets) never blocks
/// readers: a writer holding the database's write lock, as the KlikOrder app
/// or an operator's `sqlite3` shell might, must not delay lookups.
#[test]
fn a_locked_sqlite_database_does_not_stop_lookups() {
    let backend = Backend::sqlite();
    let dir = backend.workdir().to_owned();
    let server = TestServer::start(&dir, &backend.url(), &["--demo", "--db-timeout-ms", "1000"]);
    let key = {
        let start = server.banner.find("X-API-Key: ").unwrap() + "X-API-Key: ".len();
        server.banner[start..]
            .split('\'')
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        lookup(server.addr, "DEMO", &key, "?no_hp=081521979154").status,
        200
    );
    let lock = std::process::Command::new("sqlite3")
        .arg(dir.join("e2e.db"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut lock) = lock else {
        eprintln!(
            "SKIPPED (sqlite3 command not installed): a_locked_sqlite_database_does_not_stop_lookups"
        );
        return;
    };
    let mut stdin = lock.stdin.take().unwrap();
    stdin
        .write_all(b"BEGIN IMMEDIATE; UPDATE customers SET nama = nama WHERE id = 4832; SELECT 'locked';\n")
        .unwrap();
    stdin.flush().unwrap();
    // Wait until the shell says it holds the lock.
    let mut stdout = lock.stdout.take().unwrap();
    let mut seen = [0u8; 7];
    stdout.read_exact(&mut seen).unwrap();
    assert_eq!(&seen, b"locked\n");
    for _ in 0..5 {
        let started = Instant::now();
        let response = lookup(server.addr, "DEMO", &key, "?no_hp=081521979154");
        assert_eq!(response.status, 200, "{}", response.body);
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{:?}",
            started.elapsed()
        );
    }
    drop(stdin);
    let _ = lock.wait();
}
