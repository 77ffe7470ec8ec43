//! The crate's single error type.

use std::net::IpAddr;
use std::path::PathBuf;

/// Everything that can go wrong in the PKI crate; each message names the file, host or check.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file or directory operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// File or directory involved.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },

    /// `init_ca` found an existing CA and refused to overwrite it.
    #[error("a CA already exists in {dir} ({existing} is present); refusing to overwrite it")]
    AlreadyExists {
        /// PKI directory.
        dir: PathBuf,
        /// The file that is already there.
        existing: PathBuf,
    },

    /// A PKI file that must exist is missing.
    #[error("no usable PKI in {dir}: {missing} is missing (initialise the CA first)")]
    NotInitialised {
        /// PKI directory.
        dir: PathBuf,
        /// The missing file.
        missing: PathBuf,
    },

    /// A PEM file could not be parsed or held no usable item.
    #[error("cannot read {what} from PEM file {path}: {message}")]
    Pem {
        /// What was expected (certificate, private key, CRL...).
        what: &'static str,
        /// File involved.
        path: PathBuf,
        /// Details.
        message: String,
    },

    /// Key or certificate generation/signing failed.
    #[error("cannot generate {what}: {source}")]
    Generate {
        /// What was being generated.
        what: String,
        /// Underlying rcgen error.
        source: rcgen::Error,
    },

    /// The client host given for registration is neither an IP address nor a DNS name.
    #[error("invalid client host {host:?}: {reason}")]
    InvalidHost {
        /// Host as given.
        host: String,
        /// Why it was rejected.
        reason: String,
    },

    /// The client registry (clients.json) is unreadable or malformed.
    #[error("client registry {path} is invalid: {message}")]
    Registry {
        /// Registry file.
        path: PathBuf,
        /// Details.
        message: String,
    },

    /// No registered client matches a host or serial.
    #[error("no client matching {query:?} in registry {path}")]
    UnknownClient {
        /// Host or serial searched for.
        query: String,
        /// Registry file.
        path: PathBuf,
    },

    /// A PKCS#12 bundle could not be written or read.
    #[error("PKCS#12 {source_name}: {message}")]
    Pkcs12 {
        /// File name, or a description of where the bytes came from.
        source_name: String,
        /// Details (wrong password, no key, ...).
        message: String,
    },

    /// A DER certificate could not be parsed.
    #[error("cannot parse certificate ({context}): {message}")]
    Certificate {
        /// Which certificate.
        context: String,
        /// Details.
        message: String,
    },

    /// rustls refused to build a configuration.
    #[error("TLS configuration error ({context}): {source}")]
    Tls {
        /// What was being built.
        context: String,
        /// Underlying rustls error.
        source: rustls::Error,
    },

    /// The rustls certificate verifier could not be built (bad CA, bad CRL...).
    #[error("cannot build certificate verifier ({context}): {message}")]
    Verifier {
        /// What was being built.
        context: String,
        /// Details.
        message: String,
    },

    /// TLS options disable every protocol version.
    #[error("TLS options for the {side} enable neither TLS 1.2 nor TLS 1.3")]
    NoTlsVersion {
        /// "server" or "client".
        side: &'static str,
    },

    /// Post-handshake check: the TCP peer does not match the host in the client certificate.
    #[error(
        "client host check failed: peer address {peer} does not match certificate host(s) {cert_hosts} ({detail})"
    )]
    HostMismatch {
        /// Peer address (after IPv4-mapped normalisation).
        peer: IpAddr,
        /// Hosts found in the certificate (CN and SANs).
        cert_hosts: String,
        /// What was tried (DNS results, errors).
        detail: String,
    },

    /// Post-handshake check: the certificate subject lacks the required value.
    #[error("client subject check failed for peer {peer}: subject {subject:?} does not contain {required:?}")]
    SubjectMismatch {
        /// Peer address.
        peer: IpAddr,
        /// Subject DN of the client certificate.
        subject: String,
        /// Required substring.
        required: String,
    },

    /// The certificate's role is not the one this port admits: a client certificate on the
    /// ingest endpoint, or a sensor certificate on the event port.
    #[error(
        "peer {peer}: certificate {subject:?} is a {role} certificate; this port admits {port_role} certificates only"
    )]
    RoleMismatch {
        /// Peer address.
        peer: IpAddr,
        /// Subject DN of the certificate.
        subject: String,
        /// The certificate's role.
        role: crate::Role,
        /// The role the port admits.
        port_role: crate::Role,
    },
}

impl PkiError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PkiError::Io { path: path.into(), source }
    }

    /// Wraps an rcgen error with what was being generated.
    pub(crate) fn generate(what: impl Into<String>, source: rcgen::Error) -> Self {
        PkiError::Generate { what: what.into(), source }
    }
}
