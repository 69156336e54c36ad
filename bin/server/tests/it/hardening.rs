//! Hardening, end to end: HTTPS from TLS_CERT_FILE / TLS_KEY_FILE with a
//! certificate made at test time (and plain HTTP refused on that port, the
//! admin listener still plain), a bad or half-given certificate stopping
//! the start with one line, and the rate limits of the real binary.

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, ServerName};

use crate::support::{Backend, TestServer, command, demo_key, lookup, request};

const TOO_MANY: &str = r#"{"success":false,"message":"Terlalu banyak permintaan."}"#;
const UNAUTHORIZED: &str = r#"{"success":false,"message":"Unauthorized."}"#;
const PUBLISHED: &str = r#"{"success":true,"message":"Data pelanggan berhasil ditemukan.","data":{"id":4832,"kode":"PEL-mbre36zt-Z7K52","nama":"Winda WINNNN","nama_pemilik":"Winda","kontak_person":"Winda","no_hp":"+6281521979154","no_hp_goovi":null,"status_pelanggan":"Verif","keperluan_pelanggan":"Pribadi","latitude":"-7.669444","longitude":"110.838317","alamat_lengkap":"GXH8+JVJ, Semitau Hilir","kelurahan":"Semitau Hilir","kecamatan":"Semitau","kota":"Kapuas Hulu Regency","provinsi":"Kalimantan Barat","depo":{"id":30,"kode":"DPS30","nama":"Depo Pontianak"}}}"#;

/// A self-signed certificate for `localhost`, as PEM files in `dir`.
fn certificate(dir: &Path) -> (CertificateDer<'static>, PathBuf, PathBuf) {
    let certified = rcgen::generate_simple_self_signed(["localhost".to_owned()]).unwrap();
    let cert_file = dir.join("cert.pem");
    let key_file = dir.join("key.pem");
    std::fs::write(&cert_file, certified.cert.pem()).unwrap();
    std::fs::write(&key_file, certified.signing_key.serialize_pem()).unwrap();
    (certified.cert.der().clone(), cert_file, key_file)
}

/// One HTTP/1.1 GET over TLS, trusting only `trusted`; the status and body.
fn https_get(
    addr: SocketAddr,
    trusted: &CertificateDer<'static>,
    target: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    #[allow(deprecated)] // ring, as the server; see klikorder_http::Tls.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let socket = TcpStream::connect(addr).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let mut head = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut received = Vec::new();
    if let Err(error) = stream.read_to_end(&mut received) {
        assert!(
            error.kind() == ErrorKind::UnexpectedEof && !received.is_empty(),
            "{error}"
        );
    }
    let text = String::from_utf8(received).unwrap();
    let status = text.split(' ').nth(1).unwrap().parse().unwrap();
    let body = text.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[test]
fn https_serves_the_published_example() {
    let backend = Backend::sqlite();
    let (trusted, cert_file, key_file) = certificate(backend.workdir());
    let server = TestServer::start(
        backend.workdir(),
        &backend.url(),
        &[
            "--demo",
            "--tls-cert-file",
            cert_file.to_str().unwrap(),
            "--tls-key-file",
            key_file.to_str().unwrap(),
            "--admin-bind-addr",
            "127.0.0.1:0",
        ],
    );
    assert!(server.https, "{}", server.banner);
    let key = demo_key(&server.banner);

    let (status, body) = https_get(
        server.addr,
        &trusted,
        "/api/integrasi/customers?no_hp=081521979154",
        &[
            ("X-API-Client", "DEMO"),
            ("X-API-Key", &key),
            ("Accept", "application/json"),
        ],
    );
    assert_eq!((status, body.as_str()), (200, PUBLISHED));

    // Plain HTTP to the TLS port gets no HTTP answer.
    let mut plain = TcpStream::connect(server.addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = plain.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut received = Vec::new();
    let _ = plain.read_to_end(&mut received);
    assert!(
        !received.starts_with(b"HTTP/"),
        "plain HTTP was answered: {:?}",
        String::from_utf8_lossy(&received)
    );

    // The admin listener stays plain HTTP.
    let admin: SocketAddr = server
        .banner
        .lines()
        .find_map(|line| {
            line.strip_prefix(
                "klikorder-server admin (/health, /health/ready, /metrics) on http://",
            )
        })
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(request(admin, "GET", "/health", &[]).status, 200);
    assert!(server.terminate().success());
}

/// Runs `serve` with `args` and returns its exit status and stderr.
fn failed_start(workdir: &Path, args: &[&str]) -> String {
    let database = format!("sqlite://{}", workdir.join("e2e.db").display());
    let output = command(workdir, &database)
        .args(["serve", "--bind-addr", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success(), "it started with {args:?}");
    assert!(
        !String::from_utf8_lossy(&output.stdout).contains("listening"),
        "{args:?}"
    );
    String::from_utf8(output.stderr).unwrap()
}

#[test]
fn a_bad_certificate_stops_the_start_with_one_line_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert_file, key_file) = certificate(dir.path());
    let garbage = dir.path().join("garbage.pem");
    std::fs::write(&garbage, "this is not a certificate\n").unwrap();
    let missing = dir.path().join("missing.pem");
    let cert = cert_file.to_str().unwrap();
    let key = key_file.to_str().unwrap();
    let cases = [
        (
            vec![
                "--tls-cert-file",
                missing.to_str().unwrap(),
                "--tls-key-file",
                key,
            ],
            missing.to_str().unwrap(),
        ),
        (
            vec![
                "--tls-cert-file",
                garbage.to_str().unwrap(),
                "--tls-key-file",
                key,
            ],
            garbage.to_str().unwrap(),
        ),
        (
            vec![
                "--tls-cert-file",
                cert,
                "--tls-key-file",
                garbage.to_str().unwrap(),
            ],
            garbage.to_str().unwrap(),
        ),
        (vec!["--tls-cert-file", cert], "TLS_KEY_FILE"),
        (vec!["--tls-key-file", key], "TLS_CERT_FILE"),
    ];
    for (args, named) in cases {
        let stderr = failed_start(dir.path(), &args);
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("klikorder-server: error: "),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(named), "{args:?}: {stderr}");
    }
}

#[test]
fn rate_limits_refuse_with_429_and_retry_after() {
    let backend = Backend::sqlite();
    let server = TestServer::start(
        backend.workdir(),
        &backend.url(),
        &[
            "--demo",
            "--rate-limit-per-second",
            "1",
            "--rate-limit-burst",
            "1",
            "--auth-failure-limit-per-minute",
            "1",
            "--auth-failure-burst",
            "1",
        ],
    );
    let key = demo_key(&server.banner);

    // A client over its rate (one a second): the second lookup in a row.
    assert_eq!(
        lookup(server.addr, "DEMO", &key, "?no_hp=081521979154").status,
        200
    );
    let refused = lookup(server.addr, "DEMO", &key, "?no_hp=081521979154");
    assert_eq!((refused.status, refused.body.as_str()), (429, TOO_MANY));
    assert_eq!(refused.header("content-type"), Some("application/json"));
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");

    // Failed authentications from this address (one a minute): the second
    // is refused, and so is the right key afterwards.
    let wrong = lookup(server.addr, "DEMO", "ko_wrong", "?no_hp=081521979154");
    assert_eq!((wrong.status, wrong.body.as_str()), (401, UNAUTHORIZED));
    let over = lookup(server.addr, "DEMO", "ko_wrong", "?no_hp=081521979154");
    assert_eq!((over.status, over.body.as_str()), (429, TOO_MANY));
    std::thread::sleep(Duration::from_millis(1100));
    let blocked = lookup(server.addr, "DEMO", &key, "?no_hp=081521979154");
    assert_eq!((blocked.status, blocked.body.as_str()), (429, TOO_MANY));
    let retry: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((50..=60).contains(&retry), "Retry-After {retry}");

    // Health is not limited.
    assert_eq!(request(server.addr, "GET", "/health", &[]).status, 200);
    let metrics = request(server.addr, "GET", "/metrics", &[]).body;
    assert!(
        metrics.contains(r#"klikorder_rate_limited_total{limit="client"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"klikorder_rate_limited_total{limit="address"} 2"#),
        "{metrics}"
    );
    assert!(server.terminate().success());
}
