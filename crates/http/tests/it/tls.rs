//! HTTPS with [`Tls`]: a certificate made at test time, a rustls client
//! that trusts only it, TLS 1.3 and 1.2; plain HTTP on the TLS port gets
//! no HTTP answer; the admin listener stays plain HTTP.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use klikorder_http::{ServerSettings, Tls};
use rustls::pki_types::{CertificateDer, ServerName};

use crate::server::{get, start_configured, test_settings};
use crate::support::*;

/// A self-signed certificate for `localhost`, written as PEM files.
pub struct TestCertificate {
    pub der: CertificateDer<'static>,
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl TestCertificate {
    pub fn new() -> Self {
        let certified = rcgen::generate_simple_self_signed(["localhost".to_owned()]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let cert_file = dir.path().join("cert.pem");
        let key_file = dir.path().join("key.pem");
        std::fs::write(&cert_file, certified.cert.pem()).unwrap();
        std::fs::write(&key_file, certified.signing_key.serialize_pem()).unwrap();
        Self {
            der: certified.cert.der().clone(),
            cert_file,
            key_file,
            _dir: dir,
        }
    }

    pub fn tls(&self) -> Tls {
        Tls::from_pem_files(&self.cert_file, &self.key_file).unwrap()
    }
}

/// One HTTP/1.1 request over TLS, trusting only `trusted`, with the given
/// protocol versions; returns the status and the body.
pub fn https_get(
    addr: SocketAddr,
    trusted: &CertificateDer<'static>,
    versions: &[&'static rustls::SupportedProtocolVersion],
    target: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, String), std::io::Error> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(trusted.clone()).unwrap();
    #[allow(deprecated)] // ring, as the server uses; see `Tls`.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connection =
        rustls::ClientConnection::new(Arc::new(config), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let socket = TcpStream::connect(addr)?;
    socket.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut stream = rustls::StreamOwned::new(connection, socket);
    let mut request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes())?;
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => {}
        // A peer that closes without close_notify; the answer is complete
        // (Connection: close).
        Err(error) if error.kind() == ErrorKind::UnexpectedEof && !received.is_empty() => {}
        Err(error) => return Err(error),
    }
    let text = String::from_utf8(received).unwrap();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok((status, body.to_owned()))
}

#[test]
fn https_serves_the_app_with_tls_1_3_and_1_2() {
    let certificate = TestCertificate::new();
    let admin = TcpListener::bind("127.0.0.1:0").unwrap();
    let admin_addr = admin.local_addr().unwrap();
    let running = start_configured(
        state(lenient_directory(), lenient_registry()),
        Some(admin),
        ServerSettings {
            tls: Some(certificate.tls()),
            ..test_settings()
        },
    );
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let (status, body) = https_get(
            running.addr,
            &certificate.der,
            versions,
            "/api/integrasi/customers?no_hp=081521979154",
            &[("X-API-Client", CLIENT), ("X-API-Key", KEY)],
        )
        .unwrap();
        assert_eq!(status, 200, "{versions:?}: {body}");
        assert!(
            body.contains(r#""id":4832,"kode":"PEL-mbre36zt-Z7K52""#),
            "{body}"
        );
    }

    // Plain HTTP on the TLS port: no HTTP answer, only a closed connection.
    let mut plain = TcpStream::connect(running.addr).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let _ = plain.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    let mut received = Vec::new();
    let _ = plain.read_to_end(&mut received);
    assert!(
        !received.starts_with(b"HTTP/"),
        "plain HTTP got an answer: {:?}",
        String::from_utf8_lossy(&received)
    );

    // The admin listener stays plain HTTP.
    assert_eq!(
        get(admin_addr, "/health", &[]),
        (200, r#"{"status":"ok"}"#.to_owned())
    );
    running.stop();
}

#[test]
fn a_client_that_does_not_trust_the_certificate_is_refused() {
    let certificate = TestCertificate::new();
    let stranger = TestCertificate::new();
    let running = start_configured(
        state(unused_directory(), unused_registry()),
        None,
        ServerSettings {
            tls: Some(certificate.tls()),
            ..test_settings()
        },
    );
    let error = https_get(
        running.addr,
        &stranger.der,
        &[&rustls::version::TLS13],
        "/health",
        &[],
    )
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidData, "{error}");
    running.stop();
}
