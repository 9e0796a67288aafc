//! TLS for PostgreSQL connections: libpq's `sslmode` and `sslrootcert` URL parameters, over rustls.
//!
//! The driver (tokio-postgres) knows `sslmode=disable|prefer|require` only and has no `sslrootcert`, while
//! managed databases (DigitalOcean's among them) hand out URLs with `sslmode=require` and a CA file for
//! `verify-full`. So these two parameters, taken out of the URL when `--db` is parsed, are turned here
//! into a rustls configuration with libpq's meanings:
//!
//! | sslmode | encrypted | certificate checked against the CA | host name checked |
//! |---|---|---|---|
//! | disable | never | - | - |
//! | prefer (default) | if the server offers it | no | no |
//! | require | yes | only if a CA is given or `~/.postgresql/root.crt` exists (as libpq) | no |
//! | verify-ca | yes | yes | no |
//! | verify-full | yes | yes | yes |
//!
//! `sslrootcert=PATH` names a PEM file of CA certificates; `sslrootcert=system` uses the Mozilla roots built
//! into stagecraft and, as in libpq, requires (and defaults to) `verify-full`. Without it, `verify-*` and
//! `require` use `~/.postgresql/root.crt` when it exists, as libpq does.

use std::path::Path;
use std::sync::Arc;

use postgres::config::SslMode as DriverSslMode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::ingest::pg_url::{RootCert, SslMode, TlsParams};

impl TlsParams {
    /// Whether the server's certificate chain is checked against trusted CAs; `ca_found`: whether a CA is
    /// named or libpq's default file exists.
    fn checks_chain(&self, ca_found: bool) -> bool {
        match self.mode {
            SslMode::VerifyCa | SslMode::VerifyFull => true,
            // libpq: "if a root CA file exists, require behaves like verify-ca".
            SslMode::Require => ca_found,
            SslMode::Disable | SslMode::Prefer => false,
        }
    }
}

/// The driver's own `sslmode`: whether TLS is tried, and whether its absence is an error.
pub fn driver_mode(params: &TlsParams) -> DriverSslMode {
    match params.mode {
        SslMode::Disable => DriverSslMode::Disable,
        SslMode::Prefer => DriverSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => DriverSslMode::Require,
    }
}

/// The rustls connector for these parameters. `home` is where libpq's default `~/.postgresql/root.crt`
/// is looked for.
pub fn connector(params: &TlsParams, home: Option<&Path>) -> Result<MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?;
    let default_ca = home
        .map(|h| h.join(".postgresql").join("root.crt"))
        .filter(|path| path.is_file());
    let ca = params.root_cert.clone().or(default_ca.map(RootCert::File));
    let chain = if params.checks_chain(ca.is_some()) {
        let roots = Arc::new(load_roots(params.mode, ca.as_ref())?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| format!("cannot use the CA certificates: {e}"))?;
        Some(webpki)
    } else {
        None
    };
    let verifier = Verifier {
        chain,
        check_name: params.mode == SslMode::VerifyFull,
        algorithms: provider.signature_verification_algorithms,
    };
    let config = builder
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

fn load_roots(mode: SslMode, ca: Option<&RootCert>) -> Result<RootCertStore, String> {
    let path = match ca {
        Some(RootCert::System) => {
            return Ok(RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            });
        }
        Some(RootCert::File(path)) => path.clone(),
        None => {
            let mode = if mode == SslMode::VerifyFull {
                "verify-full"
            } else {
                "verify-ca"
            };
            return Err(format!(
                "has sslmode={mode} but no CA to check the server against; add sslrootcert=PATH \
                 (the server's CA certificate, e.g. the one on a DigitalOcean database's Connection \
                 details page), or sslrootcert=system for publicly trusted servers"
            ));
        }
    };
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(&path)
        .map_err(|e| format!("cannot read sslrootcert {}: {e}", path.display()))?;
    for cert in certs {
        let cert = cert.map_err(|e| {
            format!(
                "sslrootcert {} is not a PEM certificate file: {e}",
                path.display()
            )
        })?;
        roots.add(cert).map_err(|e| {
            format!(
                "sslrootcert {} holds a certificate rustls cannot use: {e}",
                path.display()
            )
        })?;
    }
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert {} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(roots)
}

/// libpq's checks of the server's certificate. Without `chain` (`prefer`, and `require` without a CA) any
/// certificate is accepted: encrypted, but not authenticated. With it the chain must lead to a trusted CA,
/// and with `check_name` (`verify-full`) also name the URL's host. The handshake signatures are always
/// checked, so the session key belongs to whoever holds the certificate.
#[derive(Debug)]
struct Verifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        // webpki checks the name last, so this error means everything else held.
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// A hint for TLS failures the driver reports in its own words.
pub fn hint(message: &str, params: &TlsParams) -> Option<&'static str> {
    if message.contains("invalid peer certificate") {
        return Some(if params.mode == SslMode::VerifyFull {
            "the server's certificate was not accepted: check that sslrootcert is the CA that signed it and \
             that the URL's host is a name on the certificate (sslmode=verify-ca skips the name check)"
        } else {
            "the server's certificate was not accepted: check that sslrootcert is the CA that signed it"
        });
    }
    if message.contains("server does not support TLS") || message.contains("TLS was required") {
        return Some(
            "the server does not offer TLS; enable ssl on the server, or use sslmode=prefer or disable",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn require_checks_the_chain_only_with_a_ca_as_libpq_does() {
        let params = |mode| TlsParams {
            mode,
            root_cert: None,
        };
        assert!(!params(SslMode::Require).checks_chain(false));
        assert!(params(SslMode::Require).checks_chain(true));
        assert!(params(SslMode::VerifyCa).checks_chain(false));
        assert!(!params(SslMode::Prefer).checks_chain(true));
        // libpq's default CA file makes require check the chain.
        let home = tempfile::tempdir().unwrap();
        std::fs::create_dir(home.path().join(".postgresql")).unwrap();
        std::fs::write(home.path().join(".postgresql").join("root.crt"), "junk").unwrap();
        let err = connector(&params(SslMode::Require), Some(home.path()))
            .err()
            .unwrap();
        assert!(err.contains("holds no PEM certificate"), "{err}");
    }

    #[test]
    fn verify_modes_need_a_ca() {
        let home = tempfile::tempdir().unwrap();
        let params = TlsParams {
            mode: SslMode::VerifyFull,
            root_cert: None,
        };
        let err = connector(&params, Some(home.path())).err().unwrap();
        assert!(err.contains("add sslrootcert=PATH"), "{err}");

        let not_pem = home.path().join("ca.crt");
        std::fs::write(&not_pem, "hello").unwrap();
        let params = TlsParams {
            mode: SslMode::VerifyCa,
            root_cert: Some(RootCert::File(not_pem)),
        };
        let err = connector(&params, None).err().unwrap();
        assert!(err.contains("holds no PEM certificate"), "{err}");

        let missing = TlsParams {
            mode: SslMode::VerifyCa,
            root_cert: Some(RootCert::File(home.path().join("nope.crt"))),
        };
        let err = connector(&missing, None).err().unwrap();
        assert!(err.contains("cannot read sslrootcert"), "{err}");

        let system = TlsParams {
            mode: SslMode::VerifyFull,
            root_cert: Some(RootCert::System),
        };
        assert!(connector(&system, None).is_ok());
    }
}
