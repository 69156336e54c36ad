//! The endpoint over real HTTP: the published example, every ranking rule
//! through the demo data, every error, clients managed from the CLI while
//! the server runs, and what the log may not contain.

use std::time::{Duration, Instant};

use crate::support::{Backend, TestServer, add_client, cli, demo_key, lookup, request};

/// The published example's answer (api-doc-v1.0.0), compact, keys in order.
const PUBLISHED_EXAMPLE: &str = r#"{"success":true,"message":"Data pelanggan berhasil ditemukan.","data":{"id":4832,"kode":"PEL-mbre36zt-Z7K52","nama":"Winda WINNNN","nama_pemilik":"Winda","kontak_person":"Winda","no_hp":"+6281521979154","no_hp_goovi":null,"status_pelanggan":"Verif","keperluan_pelanggan":"Pribadi","latitude":"-7.669444","longitude":"110.838317","alamat_lengkap":"GXH8+JVJ, Semitau Hilir","kelurahan":"Semitau Hilir","kecamatan":"Semitau","kota":"Kapuas Hulu Regency","provinsi":"Kalimantan Barat","depo":{"id":30,"kode":"DPS30","nama":"Depo Pontianak"}}}"#;

const UNAUTHORIZED: &str = r#"{"success":false,"message":"Unauthorized."}"#;
const NOT_FOUND: &str = r#"{"success":false,"message":"Pelanggan tidak ditemukan."}"#;

fn validation(message: &str) -> String {
    format!(r#"{{"success":false,"message":"Validasi gagal.","errors":{{"no_hp":["{message}"]}}}}"#)
}

/// `(no_hp, expected id)` for each scenario line of the banner.
fn demo_scenarios(banner: &str) -> Vec<(String, i64)> {
    banner
        .lines()
        .filter(|line| line.contains("decided by:"))
        .map(|line| {
            let (no_hp, rest) = line.trim().split_once(" -> customer ").unwrap();
            let id = rest.split_whitespace().next().unwrap().parse().unwrap();
            (no_hp.trim().to_owned(), id)
        })
        .collect()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'A'..=b'Z' | b'a'..=b'z' | b'-' | b'.' | b'_' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn the_whole_contract(backend: &Backend) {
    let url = backend.url();
    // This test makes dozens of failed authentications on purpose; the
    // per-address failure limit has its own tests (hardening.rs), so it is
    // off here to keep each 401 a 401.
    let server = TestServer::start(
        backend.workdir(),
        &url,
        &["--demo", "--auth-failure-limit-per-minute", "0"],
    );
    let addr = server.addr;
    let key = demo_key(&server.banner);

    // The published example, byte for byte, in every input form.
    for typed in [
        "081521979154",
        "6281521979154",
        "+6281521979154",
        "0062 815-2197-9154",
        "(0815) 2197.9154",
    ] {
        let response = lookup(addr, "DEMO", &key, &format!("?no_hp={}", encode(typed)));
        assert_eq!(response.status, 200, "{typed}: {}", response.body);
        assert_eq!(response.body, PUBLISHED_EXAMPLE, "{typed}");
        assert_eq!(response.header("content-type"), Some("application/json"));
    }
    // A `+` left unencoded reads as a space and still normalizes.
    let response = lookup(addr, "DEMO", &key, "?no_hp=+6281521979154");
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, PUBLISHED_EXAMPLE)
    );
    // The banner promises this exact answer.
    assert!(
        server.banner.contains(PUBLISHED_EXAMPLE),
        "{}",
        server.banner
    );

    // Every ranking rule, through the demo's duplicates.
    let scenarios = demo_scenarios(&server.banner);
    assert!(
        scenarios.len() >= 6,
        "the demo shows every rule: {}",
        server.banner
    );
    for (no_hp, expected) in &scenarios {
        let response = lookup(addr, "DEMO", &key, &format!("?no_hp={}", encode(no_hp)));
        assert_eq!(response.status, 200, "{no_hp}: {}", response.body);
        assert_eq!(response.json()["data"]["id"], *expected, "{no_hp}");
    }

    // 401: missing, empty, unknown client, wrong key — one body; before validation.
    for headers in [
        vec![],
        vec![("X-API-Client", "DEMO")],
        vec![("X-API-Key", key.as_str())],
        vec![("X-API-Client", ""), ("X-API-Key", key.as_str())],
        vec![("X-API-Client", "NOPE"), ("X-API-Key", key.as_str())],
        vec![("X-API-Client", "DEMO"), ("X-API-Key", "wrong")],
        vec![("x-api-client", "DEMO"), ("x-api-key", "wrong")],
    ] {
        for query in ["?no_hp=081521979154", "", "?no_hp=garbage"] {
            let response = request(
                addr,
                "GET",
                &format!("/api/integrasi/customers{query}"),
                &headers,
            );
            assert_eq!(
                (response.status, response.body.as_str()),
                (401, UNAUTHORIZED),
                "{headers:?} {query}"
            );
            assert_eq!(response.header("content-type"), Some("application/json"));
        }
    }
    // Header names are case-insensitive.
    let response = request(
        addr,
        "GET",
        "/api/integrasi/customers?no_hp=081521979154",
        &[("x-api-client", "DEMO"), ("X-Api-Key", &key)],
    );
    assert_eq!(response.status, 200);

    // 422s.
    let required = validation("The no hp field is required.");
    let too_long = validation("The no hp field must not be greater than 32 characters.");
    let invalid = validation("The no hp field format is invalid.");
    for (query, body) in [
        ("", &required),
        ("?no_hp=", &required),
        ("?no_hp=%20%20", &required),
        ("?other=1", &required),
        (&format!("?no_hp={}", "1".repeat(33)) as &str, &too_long),
        ("?no_hp=abc", &invalid),
        ("?no_hp=%2B1%20650%20253%200000", &invalid),
        ("?no_hp=0812&no_hp=0813", &invalid),
        ("?no_hp=%ZZ", &invalid),
    ] {
        let response = lookup(addr, "DEMO", &key, query);
        assert_eq!((response.status, &response.body), (422, body), "{query}");
    }

    // 404s and 405.
    let response = lookup(addr, "DEMO", &key, "?no_hp=08119998887");
    assert_eq!((response.status, response.body.as_str()), (404, NOT_FOUND));
    let response = request(addr, "GET", "/api/integrasi/nothing", &[]);
    assert_eq!(
        (response.status, response.body.as_str()),
        (
            404,
            r#"{"success":false,"message":"Endpoint tidak ditemukan."}"#
        )
    );
    let response = request(
        addr,
        "POST",
        "/api/integrasi/customers?no_hp=081521979154",
        &[],
    );
    assert_eq!(
        (response.status, response.body.as_str()),
        (
            405,
            r#"{"success":false,"message":"Metode tidak diizinkan."}"#
        )
    );

    // Health.
    let response = request(addr, "GET", "/health", &[]);
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, r#"{"status":"ok"}"#)
    );
    let response = request(addr, "GET", "/health/ready", &[]);
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, r#"{"status":"ok"}"#)
    );

    // Clients managed from another process take effect on the running server.
    let partner_key = add_client(backend.workdir(), &url, "MEKARI");
    wait_for_status(addr, "MEKARI", &partner_key, 200);
    let rotated = cli(
        backend.workdir(),
        &url,
        &["clients", "rotate", "MEKARI"],
        "",
    );
    assert!(rotated.status.success());
    let new_key = String::from_utf8(rotated.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    wait_for_status(addr, "MEKARI", &new_key, 200);
    wait_for_status(addr, "MEKARI", &partner_key, 401);
    let revoked = cli(
        backend.workdir(),
        &url,
        &["clients", "revoke", "MEKARI"],
        "",
    );
    assert!(revoked.status.success());
    wait_for_status(addr, "MEKARI", &new_key, 401);

    // Nothing secret in the log.
    assert!(
        server.log_shows("+62815****154"),
        "the access log shows masked numbers:\n{}",
        server.log()
    );
    let log = server.log();
    for secret in [
        key.as_str(),
        partner_key.as_str(),
        new_key.as_str(),
        "81521979154",
        "6281521979154",
    ] {
        assert!(!log.contains(secret), "the log contains {secret:?}:\n{log}");
    }

    // SIGTERM stops it cleanly.
    assert!(server.terminate().success());
}

/// Polls until the client's credentials give `status` (the registry reloads
/// every few seconds); fails after the contract's 5 seconds plus slack.
fn wait_for_status(addr: std::net::SocketAddr, client: &str, key: &str, status: u16) {
    let started = Instant::now();
    loop {
        let response = lookup(addr, client, key, "?no_hp=081521979154");
        if response.status == status {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(6),
            "still {} after {:?}, expected {status}",
            response.status,
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_whole_contract_on_sqlite() {
    the_whole_contract(&Backend::sqlite());
}

#[test]
fn the_whole_contract_on_postgres() {
    if let Some(backend) = Backend::postgres("the_whole_contract_on_postgres") {
        the_whole_contract(&backend);
    }
}

#[cfg(feature = "mysql")]
#[test]
fn the_whole_contract_on_mysql() {
    if let Some(backend) = Backend::mysql("the_whole_contract_on_mysql") {
        the_whole_contract(&backend);
    }
}
