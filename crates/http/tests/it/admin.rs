//! `run` with an admin listener: the operators' routes only there, the
//! partners' routes only on the public one, and the contract's 404 / 405
//! JSON on both.

use std::net::TcpListener;

use crate::server::{call, get, start_with};
use crate::support::*;

const OK: &str = r#"{"status":"ok"}"#;

#[test]
fn operators_routes_live_only_on_the_admin_listener() {
    let admin = TcpListener::bind("127.0.0.1:0").unwrap();
    let admin_addr = admin.local_addr().unwrap();
    let running = start_with(
        state(directory_for("+628123456789", vec![]), accepting_registry()),
        Some(admin),
    );
    let public = running.addr;

    // The admin listener: health and metrics, nothing of the partners'.
    assert_eq!(get(admin_addr, "/health", &[]), (200, OK.to_owned()));
    let (status, metrics) = get(admin_addr, "/metrics", &[]);
    assert_eq!(status, 200, "{metrics}");
    for path in [
        "/api/integrasi/customers?no_hp=08123456789",
        "/docs/",
        "/openapi.json",
        "/nope",
    ] {
        assert_eq!(
            get(
                admin_addr,
                path,
                &[("X-API-Client", CLIENT), ("X-API-Key", KEY)]
            ),
            (404, ENDPOINT_NOT_FOUND.to_owned()),
            "admin {path}"
        );
    }
    let (status, head, body) = call(admin_addr, "POST", "/metrics", &[]);
    assert_eq!((status, body.as_str()), (405, METHOD_NOT_ALLOWED), "{head}");
    assert!(head.to_ascii_lowercase().contains("allow: get"), "{head}");
    assert!(
        head.to_ascii_lowercase().contains("x-request-id: "),
        "{head}"
    );

    // The public listener: the lookup and the docs, no health or metrics.
    for path in ["/health", "/health/ready", "/metrics", "/nope"] {
        assert_eq!(
            get(public, path, &[]),
            (404, ENDPOINT_NOT_FOUND.to_owned()),
            "public {path}"
        );
    }
    assert_eq!(
        call(public, "POST", "/metrics", &[]).0,
        404,
        "a hidden route does not even answer 405"
    );
    assert_eq!(
        get(
            public,
            "/api/integrasi/customers?no_hp=08123456789",
            &[("X-API-Client", CLIENT), ("X-API-Key", KEY)],
        ),
        (404, CUSTOMER_NOT_FOUND.to_owned())
    );
    assert_eq!(
        call(public, "DELETE", "/api/integrasi/customers", &[]).2,
        METHOD_NOT_ALLOWED
    );
    assert_eq!(get(public, "/openapi.json", &[]).0, 200);
    assert_eq!(get(public, "/docs/", &[]).0, 200);

    // One set of metrics for both listeners, counted by route pattern.
    let (_, metrics) = get(admin_addr, "/metrics", &[]);
    assert!(
        metrics.contains(
            r#"klikorder_http_requests_total{route="/api/integrasi/customers",status="404",client="MEKARI"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"klikorder_http_requests_total{route="unmatched",status="404",client="-"}"#
        ),
        "{metrics}"
    );
    running.stop();
}
