//! rustls configurations for the eStreamer server and client.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::WebPkiClientVerifier;
use rustls::{
    ClientConfig, DigitallySignedStruct, RootCertStore, ServerConfig, SignatureScheme, SupportedProtocolVersion,
};

use crate::ca::PkiDir;
use crate::files::{read_certs, read_crls, read_key};
use crate::{ClientIdentity, PkiError};

/// Which TLS versions the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerTlsOptions {
    /// Accept TLS 1.2 (what eNcore uses).
    pub tls12: bool,
    /// Accept TLS 1.3.
    pub tls13: bool,
}

impl Default for ServerTlsOptions {
    fn default() -> Self {
        ServerTlsOptions { tls12: true, tls13: true }
    }
}

/// Client-side TLS choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientTlsOptions {
    /// Verify the server certificate against the identity's CA certificates (and the server
    /// name passed to the connection). False mimics eNcore, which verifies nothing.
    pub verify_server: bool,
    /// Offer TLS 1.2.
    pub tls12: bool,
    /// Offer TLS 1.3.
    pub tls13: bool,
}

impl Default for ClientTlsOptions {
    fn default() -> Self {
        ClientTlsOptions { verify_server: true, tls12: true, tls13: true }
    }
}

/// The crypto provider, chosen explicitly rather than via the process-wide default so that
/// another crate enabling a second rustls provider cannot make config building panic.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn versions(tls12: bool, tls13: bool, side: &'static str) -> Result<Vec<&'static SupportedProtocolVersion>, PkiError> {
    let mut v = Vec::new();
    if tls13 {
        v.push(&rustls::version::TLS13);
    }
    if tls12 {
        v.push(&rustls::version::TLS12);
    }
    if v.is_empty() {
        return Err(PkiError::NoTlsVersion { side });
    }
    Ok(v)
}

/// Builds the server configuration from a PKI directory: presents the server certificate
/// (with the CA in the chain) and requires a client certificate issued by the CA and not in
/// the CRL. SNI is neither required nor used (eNcore sends none).
///
/// The CRL is read once here; after a revocation, build a new config for new connections.
pub fn server_config(dir: &Path, opts: &ServerTlsOptions) -> Result<Arc<ServerConfig>, PkiError> {
    let pki = PkiDir::new(dir);
    pki.require_server_files()?;
    let ca_certs = read_certs(&pki.ca_cert())?;
    let mut chain = read_certs(&pki.server_cert())?;
    chain.truncate(1);
    chain.extend(ca_certs.iter().cloned());
    let key = read_key(&pki.server_key())?;

    let mut roots = RootCertStore::empty();
    for ca in &ca_certs {
        roots.add(ca.clone()).map_err(|e| PkiError::Verifier {
            context: format!("CA certificate {}", pki.ca_cert().display()),
            message: e.to_string(),
        })?;
    }
    let crls = if pki.crl().exists() { read_crls(&pki.crl())? } else { Vec::new() };
    let provider = provider();
    let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .with_crls(crls)
        // The CA is the trust anchor and is never revocation-checked; only clients are.
        .only_check_end_entity_revocation()
        .build()
        .map_err(|e| PkiError::Verifier {
            context: format!("client verifier from {} and {}", pki.ca_cert().display(), pki.crl().display()),
            message: e.to_string(),
        })?;

    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions(opts.tls12, opts.tls13, "server")?)
        .map_err(|e| PkiError::Tls { context: "server protocol versions".into(), source: e })?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| PkiError::Tls {
            context: format!(
                "server certificate {} with key {}",
                pki.server_cert().display(),
                pki.server_key().display()
            ),
            source: e,
        })?;
    // No session resumption: a resumed session skips client-certificate verification, so a
    // client revoked after its first connection could keep coming back. eStreamer sessions
    // are long-lived, so a full handshake per connection costs nothing that matters.
    config.session_storage = Arc::new(rustls::server::NoServerSessionStorage {});
    config.send_tls13_tickets = 0;
    Ok(Arc::new(config))
}

/// Builds the client configuration presenting `id`'s certificate and key.
///
/// With `verify_server` the server must present a certificate issued by one of `id.ca_certs`
/// and valid for the server name given to the connection; without it any certificate is
/// accepted (see [`NoServerVerification`]). SNI is never sent, like eNcore.
pub fn client_config(id: &ClientIdentity, opts: &ClientTlsOptions) -> Result<Arc<ClientConfig>, PkiError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&versions(opts.tls12, opts.tls13, "client")?)
        .map_err(|e| PkiError::Tls { context: "client protocol versions".into(), source: e })?;
    let builder = if opts.verify_server {
        if id.ca_certs.is_empty() {
            return Err(PkiError::Verifier {
                context: "server verification".into(),
                message: "the client identity contains no CA certificate to verify the server with (supply the CA, or disable server verification)".into(),
            });
        }
        let mut roots = RootCertStore::empty();
        for ca in &id.ca_certs {
            roots.add(ca.clone()).map_err(|e| PkiError::Verifier {
                context: "CA certificate from the client identity".into(),
                message: e.to_string(),
            })?;
        }
        builder.with_root_certificates(roots)
    } else {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(NoServerVerification::new(provider)))
    };
    let mut config = builder
        .with_client_auth_cert(id.cert_chain.clone(), id.key.clone_key())
        .map_err(|e| PkiError::Tls { context: "client certificate and key".into(), source: e })?;
    config.enable_sni = false;
    Ok(Arc::new(config))
}

/// **Dangerous**: a server-certificate verifier that accepts any certificate for any name.
///
/// This is what eNcore and the Perl SDK do (spec §1.5, §1.13), so the client offers it for
/// compatibility with servers whose CA the operator does not have. The connection is still
/// encrypted and the server still authenticates *us*, but an active attacker can impersonate
/// the server. Handshake signatures are still checked, so the peer must hold the private key
/// of whatever certificate it sent.
#[derive(Debug)]
pub struct NoServerVerification {
    provider: Arc<CryptoProvider>,
}

impl NoServerVerification {
    /// Creates the verifier; `provider` supplies the signature algorithms.
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        NoServerVerification { provider }
    }
}

impl ServerCertVerifier for NoServerVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
