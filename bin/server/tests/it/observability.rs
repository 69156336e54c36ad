//! Operators and integrators, end to end: the admin listener
//! (`--admin-bind-addr`) keeps `/health` and `/metrics` off the public
//! address, `/metrics` counts what happened (pool gauges included),
//! `X-Request-Id` comes back and lands in the access log, `--log-format
//! json` writes one JSON object per line, and the docs stay public.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::support::{Backend, Response, TestServer, demo_key, lookup, request};

const ENDPOINT_NOT_FOUND: &str = r#"{"success":false,"message":"Endpoint tidak ditemukan."}"#;

/// The admin address the server printed.
fn admin_addr(banner: &str) -> SocketAddr {
    banner
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                "klikorder-server admin (/health, /health/ready, /metrics) on http://",
            )
        })
        .unwrap_or_else(|| panic!("no admin address in:\n{banner}"))
        .parse()
        .unwrap()
}

fn get(addr: SocketAddr, target: &str) -> Response {
    request(addr, "GET", target, &[])
}

/// The parsed JSON log lines, once one of them satisfies `ready` (the
/// access line is written just after the response is sent).
fn json_log(
    server: &TestServer,
    ready: impl Fn(&serde_json::Value) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = server.log();
        let lines: Vec<serde_json::Value> = log
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
            })
            .collect();
        if lines.iter().any(&ready) {
            return lines;
        }
        assert!(
            Instant::now() < deadline,
            "the expected line never came:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn operators_and_integrators(backend: &Backend) {
    let url = backend.url();
    let server = TestServer::start(
        backend.workdir(),
        &url,
        &[
            "--demo",
            "--admin-bind-addr",
            "127.0.0.1:0",
            "--log-format",
            "json",
        ],
    );
    let public = server.addr;
    let admin = admin_addr(&server.banner);
    let key = demo_key(&server.banner);

    // A lookup with the caller's request id: echoed, and in the log.
    let request_id = "e2e-observability-1";
    let found = request(
        public,
        "GET",
        "/api/integrasi/customers?no_hp=081521979154",
        &[
            ("X-API-Client", "DEMO"),
            ("X-API-Key", &key),
            ("X-Request-Id", request_id),
        ],
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.header("x-request-id"), Some(request_id));
    // Without one, a fresh id.
    let not_found = lookup(public, "DEMO", &key, "?no_hp=08119998887");
    assert_eq!(not_found.status, 404);
    let generated = not_found.header("x-request-id").unwrap();
    assert_eq!(generated.len(), 32, "{generated}");

    // Operators' routes only on the admin address; partners' only public.
    for path in ["/health", "/health/ready", "/metrics"] {
        let response = get(public, path);
        assert_eq!(
            (response.status, response.body.as_str()),
            (404, ENDPOINT_NOT_FOUND),
            "public {path}"
        );
        assert_eq!(get(admin, path).status, 200, "admin {path}");
    }
    let hidden = lookup(admin, "DEMO", &key, "?no_hp=081521979154");
    assert_eq!(
        (hidden.status, hidden.body.as_str()),
        (404, ENDPOINT_NOT_FOUND)
    );
    assert_eq!(get(public, "/openapi.json").json()["openapi"], "3.1.0");
    let docs = get(public, "/docs/");
    assert_eq!(docs.status, 200);
    assert!(docs.body.contains("swagger-ui"), "{}", docs.body);

    // The metrics saw it all, by route pattern and client, with the pool.
    let metrics = get(admin, "/metrics");
    assert_eq!(
        metrics.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    for line in [
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="200",client="DEMO"} 1"#,
        r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="404",client="DEMO"} 1"#,
        // The three operators' paths on the public address and the lookup
        // on the admin one: no route answered there.
        r#"klikorder_http_requests_total{route="unmatched",status="404",client="-"} 4"#,
        r#"klikorder_lookups_total{outcome="found",rule="only_candidate"} 1"#,
        r#"klikorder_lookups_total{outcome="not_found"} 1"#,
        r#"klikorder_db_pool_connections{state="in_use"} "#,
        "klikorder_db_pool_max_connections ",
        "klikorder_http_request_duration_seconds_bucket{",
    ] {
        assert!(
            metrics.body.contains(line),
            "{line} missing from:\n{}",
            metrics.body
        );
    }
    for secret in ["81521979154", "8119998887", key.as_str()] {
        assert!(!metrics.body.contains(secret), "{secret} in the metrics");
    }

    // Every log line is JSON; the access line has its fields.
    let lines = json_log(&server, |line| line["request_id"] == request_id);
    for line in &lines {
        for field in ["timestamp", "level", "target", "message"] {
            assert!(line[field].is_string(), "{field} missing: {line}");
        }
    }
    let access = lines
        .iter()
        .find(|line| line["request_id"] == request_id)
        .unwrap();
    assert_eq!(access["target"], "klikorder::access");
    assert_eq!(access["method"], "GET");
    assert_eq!(access["path"], "/api/integrasi/customers");
    assert_eq!(access["status"], 200);
    assert_eq!(access["client_id"], "DEMO");
    assert_eq!(access["no_hp"], "+62815****154");
    assert!(access["latency_ms"].as_f64().unwrap() >= 0.0, "{access}");
    let log = server.log();
    for secret in ["81521979154", key.as_str()] {
        assert!(!log.contains(secret), "{secret} in the log");
    }
    assert!(server.terminate().success());
}

#[test]
fn operators_and_integrators_on_sqlite() {
    operators_and_integrators(&Backend::sqlite());
}

#[test]
fn operators_and_integrators_on_postgres() {
    if let Some(backend) = Backend::postgres("operators_and_integrators_on_postgres") {
        operators_and_integrators(&backend);
    }
}

#[test]
fn without_an_admin_address_everything_is_on_one_listener() {
    let backend = Backend::sqlite();
    let server = TestServer::start(backend.workdir(), &backend.url(), &[]);
    assert!(!server.banner.contains("admin"), "{}", server.banner);
    for path in [
        "/health",
        "/health/ready",
        "/metrics",
        "/openapi.json",
        "/docs/",
    ] {
        assert_eq!(get(server.addr, path).status, 200, "{path}");
    }
    // The default text format still carries the request id.
    let response = request(
        server.addr,
        "GET",
        "/health",
        &[("X-Request-Id", "e2e-text-log-7")],
    );
    assert_eq!(response.header("x-request-id"), Some("e2e-text-log-7"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("request_id=e2e-text-log-7") {
        assert!(Instant::now() < deadline, "{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(server.terminate().success());
}
