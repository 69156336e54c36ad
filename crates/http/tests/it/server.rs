//! The real server on a socket: it serves the app, and a stop signal lets
//! in-flight requests finish.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, mpsc};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use klikorder_domain::MockCustomerDirectory;
use klikorder_http::{AppState, ServerSettings, run};

use crate::support::*;

/// Servers started with [`start`] share this lock for as long as they run;
/// the test that sends stop signals to the whole process holds it
/// exclusively, so its signals never stop another test's server.
static SIGNALS: RwLock<()> = RwLock::new(());

pub struct Running {
    pub addr: SocketAddr,
    pub handle: ServerHandle,
    pub thread: JoinHandle<std::io::Result<()>>,
    _signals: Option<RwLockReadGuard<'static, ()>>,
}

impl Running {
    /// Stops the server and waits for its thread.
    pub fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(true));
        wait_for(self.thread);
    }
}

/// Serves `state` on a port of its own, in a thread with its own actix
/// system (a signal stops that system).
pub fn start(state: AppState) -> Running {
    start_with(state, None)
}

/// As [`start`], with the operators' routes on `admin` when given.
pub fn start_with(state: AppState, admin: Option<TcpListener>) -> Running {
    start_configured(state, admin, test_settings())
}

/// The settings of the test servers: one worker, a 10 s shutdown.
pub fn test_settings() -> ServerSettings {
    ServerSettings {
        workers: 1,
        shutdown_timeout: Duration::from_secs(10),
        ..ServerSettings::default()
    }
}

/// As [`start_with`], with `settings`.
pub fn start_configured(
    state: AppState,
    admin: Option<TcpListener>,
    settings: ServerSettings,
) -> Running {
    let shared = SIGNALS.read().unwrap_or_else(PoisonError::into_inner);
    Running {
        _signals: Some(shared),
        ..spawn(state, admin, settings)
    }
}

/// Starts a server without taking the signal lock (for the signal test,
/// which holds it exclusively).
fn spawn(state: AppState, admin: Option<TcpListener>, settings: ServerSettings) -> Running {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (handle_tx, handle_rx) = mpsc::channel();
    let thread = thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = run(listener, admin, state, &settings)?;
            handle_tx.send(server.handle()).unwrap();
            server.await
        })
    });
    let handle = handle_rx.recv().unwrap();
    Running {
        addr,
        handle,
        thread,
        _signals: None,
    }
}

/// A blocking HTTP/1.1 GET; returns the status code and the body.
pub fn get(addr: SocketAddr, target: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (status, _, body) = call(addr, "GET", target, headers);
    (status, body)
}

/// A blocking HTTP/1.1 request; returns the status code, the head and the
/// body.
pub fn call(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    (status, head.to_owned(), body.to_owned())
}

fn wait_for(thread: JoinHandle<std::io::Result<()>>) {
    for _ in 0..100 {
        if thread.is_finished() {
            thread.join().unwrap().unwrap();
            return;
        }
        thread::sleep(Duration::from_millis(100));
    }
    panic!("the server did not stop");
}

#[test]
fn serves_the_app_over_tcp() {
    let running = start(state(
        directory_for("+628123456789", vec![]),
        accepting_registry(),
    ));
    assert_eq!(
        get(running.addr, "/health", &[]),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
    assert_eq!(
        get(
            running.addr,
            "/api/integrasi/customers?no_hp=+628123456789",
            &[("X-API-Client", CLIENT), ("X-API-Key", KEY)],
        ),
        (404, CUSTOMER_NOT_FOUND.to_owned())
    );
    assert_eq!(
        get(running.addr, "/api/integrasi/customers?no_hp=0812", &[]),
        (401, UNAUTHORIZED.to_owned())
    );
    actix_web::rt::System::new().block_on(running.handle.stop(true));
    wait_for(running.thread);
}

/// SIGTERM and SIGINT both stop the server gracefully: a request in
/// progress when the signal arrives still gets its answer. The only test
/// that sends signals to this process; `run` installs the handlers before
/// the first request can be answered.
#[test]
fn a_stop_signal_lets_the_request_in_flight_finish() {
    // No other test's server may be running while the signals fly.
    let _exclusive = SIGNALS.write().unwrap_or_else(PoisonError::into_inner);
    for signal in ["TERM", "INT"] {
        let mut directory = MockCustomerDirectory::new();
        directory.expect_find_candidates().times(1).returning(|_| {
            thread::sleep(Duration::from_millis(700));
            Ok(only(published_customer()))
        });
        let running = spawn(
            state(directory, accepting_registry()),
            None,
            test_settings(),
        );
        assert_eq!(get(running.addr, "/health", &[]).0, 200);

        let addr = running.addr;
        let in_flight = thread::spawn(move || {
            get(
                addr,
                "/api/integrasi/customers?no_hp=081521979154",
                &[("X-API-Client", CLIENT), ("X-API-Key", KEY)],
            )
        });
        thread::sleep(Duration::from_millis(250));
        let sent = std::process::Command::new("kill")
            .args(["-s", signal, &std::process::id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());

        let (status, body) = in_flight.join().unwrap();
        assert_eq!(status, 200, "SIG{signal}: {body}");
        assert!(body.contains(r#""id":4832"#), "SIG{signal}: {body}");
        wait_for(running.thread);
        assert!(
            TcpStream::connect(running.addr).is_err(),
            "still accepting after SIG{signal}"
        );
    }
}
