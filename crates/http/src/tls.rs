//! Native HTTPS: a certificate chain and its private key, from PEM files,
//! served with rustls (TLS 1.3 and 1.2, the `ring` provider).
//!
//! Everything is checked when the files are loaded, so a bad file stops
//! the start-up with one message naming it, never the first handshake.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::pem::{self, PemObject as _};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A loaded, checked TLS server configuration (cheap to clone).
#[derive(Clone)]
pub struct Tls {
    config: Arc<ServerConfig>,
    certificate_file: PathBuf,
}

impl Tls {
    /// Loads the certificate chain (leaf first, then intermediates) from
    /// `certificate_file` and the matching private key (PKCS#8, PKCS#1 or
    /// SEC1) from `key_file`, both PEM.
    ///
    /// # Errors
    ///
    /// When a file cannot be read, holds no certificate or key, is not
    /// valid PEM, or the key does not belong to the certificate; each
    /// message names the file.
    pub fn from_pem_files(certificate_file: &Path, key_file: &Path) -> Result<Self, TlsError> {
        let certificate_pem =
            std::fs::read(certificate_file).map_err(|source| TlsError::ReadCertificate {
                path: certificate_file.to_owned(),
                source,
            })?;
        let key_pem = std::fs::read(key_file).map_err(|source| TlsError::ReadKey {
            path: key_file.to_owned(),
            source,
        })?;
        let chain = CertificateDer::pem_slice_iter(&certificate_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| TlsError::BadCertificate {
                path: certificate_file.to_owned(),
                reason: pem_reason(&error),
            })?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: certificate_file.to_owned(),
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|error| match error {
            pem::Error::NoItemsFound => TlsError::NoKey {
                path: key_file.to_owned(),
            },
            other => TlsError::BadKey {
                path: key_file.to_owned(),
                reason: pem_reason(&other),
            },
        })?;
        // ring, not aws-lc-rs: it builds with a C compiler alone (no cmake,
        // no nasm), which is all a fresh machine has. rustls 0.23.48 marks
        // it deprecated because it lacks post-quantum key exchange
        // (X25519MLKEM768); the classical groups (X25519, P-256, P-384)
        // remain sound today. See docs/security.md.
        #[allow(deprecated)]
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .and_then(|builder| builder.with_no_client_auth().with_single_cert(chain, key))
            .map_err(|source| TlsError::Rejected {
                certificate_file: certificate_file.to_owned(),
                key_file: key_file.to_owned(),
                source,
            })?;
        Ok(Self {
            config: Arc::new(config),
            certificate_file: certificate_file.to_owned(),
        })
    }

    /// The rustls configuration, for the listener.
    pub(crate) fn server_config(&self) -> ServerConfig {
        ServerConfig::clone(&self.config)
    }
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Tls")
            .field("certificate_file", &self.certificate_file)
            .finish_non_exhaustive()
    }
}

/// Why the TLS certificate or key cannot be used. Each message names the
/// file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The certificate file cannot be read.
    #[error("cannot read the TLS certificate file {}", path.display())]
    ReadCertificate {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The key file cannot be read.
    #[error("cannot read the TLS private key file {}", path.display())]
    ReadKey {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The certificate file holds no `CERTIFICATE` PEM section.
    #[error(
        "the TLS certificate file {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        path.display()
    )]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// The certificate file is not valid PEM.
    #[error("the TLS certificate file {} is not valid PEM: {reason}", path.display())]
    BadCertificate {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The key file holds no private key PEM section.
    #[error(
        "the TLS private key file {} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)",
        path.display()
    )]
    NoKey {
        /// The file.
        path: PathBuf,
    },
    /// The key file is not valid PEM.
    #[error("the TLS private key file {} is not valid PEM: {reason}", path.display())]
    BadKey {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// rustls refused the pair: a malformed certificate, an unsupported key,
    /// or a key that is not the certificate's.
    #[error(
        "the TLS certificate {} and private key {} cannot be used together",
        certificate_file.display(),
        key_file.display()
    )]
    Rejected {
        /// The certificate file.
        certificate_file: PathBuf,
        /// The key file.
        key_file: PathBuf,
        /// rustls's reason.
        #[source]
        source: rustls::Error,
    },
}

/// A PEM parse error in words (its own `Display` prints byte arrays).
fn pem_reason(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a section has no -----END …----- line".to_owned(),
        pem::Error::IllegalSectionStart { .. } => {
            "a -----BEGIN …----- line is malformed".to_owned()
        }
        pem::Error::Base64Decode(_) => "a section is not valid base64".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use super::*;

    struct Files {
        dir: tempfile::TempDir,
    }

    impl Files {
        fn new() -> Self {
            Self {
                dir: tempfile::tempdir().unwrap(),
            }
        }

        fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
            let path = self.dir.path().join(name);
            std::fs::write(&path, contents).unwrap();
            path
        }
    }

    fn self_signed() -> (String, String) {
        let certified = rcgen::generate_simple_self_signed(["localhost".to_owned()]).unwrap();
        (certified.cert.pem(), certified.signing_key.serialize_pem())
    }

    fn message(error: &TlsError) -> String {
        let mut text = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    #[test]
    fn a_matching_pair_loads() {
        let files = Files::new();
        let (cert, key) = self_signed();
        let tls = Tls::from_pem_files(
            &files.write("cert.pem", cert.as_bytes()),
            &files.write("key.pem", key.as_bytes()),
        )
        .unwrap();
        assert!(format!("{tls:?}").contains("cert.pem"));
        assert!(!format!("{tls:?}").contains("PRIVATE"));
    }

    #[test]
    fn every_bad_file_is_named() {
        let files = Files::new();
        let (cert, key) = self_signed();
        let (other_cert, _) = self_signed();
        let good_cert = files.write("cert.pem", cert.as_bytes());
        let good_key = files.write("key.pem", key.as_bytes());
        let missing = files.dir.path().join("missing.pem");
        let garbage = files.write("garbage.pem", b"not a certificate at all\n");
        let broken = files.write(
            "broken.pem",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
        );
        let unterminated = files.write("unterminated.pem", b"-----BEGIN CERTIFICATE-----\nAAAA\n");
        let fake_der = files.write(
            "fake-der.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let other = files.write("other.pem", other_cert.as_bytes());
        let cases = [
            (&missing, &good_key, "cannot read the TLS certificate file"),
            (&good_cert, &missing, "cannot read the TLS private key file"),
            (&garbage, &good_key, "holds no PEM certificate"),
            (&good_cert, &garbage, "holds no PEM private key"),
            (&good_cert, &good_cert, "holds no PEM private key"),
            (&broken, &good_key, "not valid base64"),
            (&unterminated, &good_key, "has no -----END"),
            (&fake_der, &good_key, "cannot be used together"),
            (&other, &good_key, "cannot be used together"),
        ];
        for (cert, key, expected) in cases {
            let error = Tls::from_pem_files(cert, key).unwrap_err();
            let text = message(&error);
            assert!(text.contains(expected), "{text}");
            let named = if text.contains("private key file") {
                key
            } else {
                cert
            };
            assert!(
                text.contains(&named.display().to_string()),
                "{text} should name {}",
                named.display()
            );
            assert!(!text.contains('\n'), "one line: {text}");
        }
    }
}
