//! The client crate's one error type, and which errors are worth a reconnect.
//!
//! Display texts never repeat their source: the source is kept (`#[source]`) and printed once by
//! whoever walks the chain ([`chain`] here, `cmd::error_chain` in the CLI).

use std::path::PathBuf;

/// Why a TLS handshake (or the first read after it) failed, in plain words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsFailure {
    /// The server's certificate was not issued by a CA in the client's PKCS#12.
    UnknownCa,
    /// The server's certificate is expired, not yet valid, or not for this address.
    BadServerCertificate,
    /// The server refused the client certificate (unknown CA, revoked, expired) with an alert.
    CertificateRefused,
    /// Client and server have no TLS version in common.
    VersionMismatch,
    /// Anything else (reset, unexpected message): may pass on a later attempt.
    Other,
}

impl TlsFailure {
    /// Classify a rustls error.
    pub fn of(e: &rustls::Error) -> TlsFailure {
        use rustls::{AlertDescription as A, CertificateError as C, Error as E};
        match e {
            E::InvalidCertificate(C::UnknownIssuer | C::BadSignature) => TlsFailure::UnknownCa,
            E::InvalidCertificate(_) => TlsFailure::BadServerCertificate,
            E::AlertReceived(A::ProtocolVersion) => TlsFailure::VersionMismatch,
            E::PeerIncompatible(_) => TlsFailure::VersionMismatch,
            E::AlertReceived(
                A::BadCertificate
                | A::UnknownCA
                | A::CertificateRevoked
                | A::CertificateExpired
                | A::CertificateUnknown
                | A::UnsupportedCertificate
                | A::AccessDenied
                | A::CertificateRequired,
            ) => TlsFailure::CertificateRefused,
            E::AlertReceived(A::HandshakeFailure) => TlsFailure::VersionMismatch,
            _ => TlsFailure::Other,
        }
    }

    /// Classify an I/O error from a TLS stream (rustls errors travel inside `io::Error`).
    pub fn of_io(e: &std::io::Error) -> TlsFailure {
        e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()).map_or(TlsFailure::Other, TlsFailure::of)
    }

    /// The explanation an operator reads.
    pub fn explain(self) -> &'static str {
        match self {
            TlsFailure::UnknownCa => {
                "the server's certificate was not issued by a CA in the PKCS#12 (unknown CA): wrong server, \
                 or a PKCS#12 from another FMC"
            }
            TlsFailure::BadServerCertificate => {
                "the server's certificate is not valid (expired, not yet valid, or not issued for this address)"
            }
            TlsFailure::CertificateRefused => {
                "the server refused this client's certificate (not issued by its CA, revoked or expired)"
            }
            TlsFailure::VersionMismatch => "client and server have no TLS version in common (see --tls)",
            TlsFailure::Other => "the TLS handshake failed",
        }
    }

    /// Whether trying again cannot help.
    pub fn is_permanent(self) -> bool {
        self != TlsFailure::Other
    }
}

/// Everything that can end a client run or one of its connections.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Bad `host:port`.
    #[error("bad server address {0:?}: expected HOST:PORT (IPv6 as [addr]:port)")]
    Address(String),
    /// TCP connect failure (refused, unreachable, name not resolved).
    #[error("cannot connect to {server}")]
    Connect {
        /// Server.
        server: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Connect or handshake took too long.
    #[error("connecting to {server}: no answer within {secs} s")]
    ConnectTimeout {
        /// Server.
        server: String,
        /// The limit.
        secs: u64,
    },
    /// TLS handshake failure.
    #[error("TLS with {server}: {}", kind.explain())]
    Tls {
        /// Server.
        server: String,
        /// What kind of failure.
        kind: TlsFailure,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The server broke the protocol.
    #[error("protocol error from {server}")]
    Protocol {
        /// Server.
        server: String,
        /// Cause.
        #[source]
        source: estreamer_wire::WireError,
    },
    /// The session's deadline passed (no answer to the request, or no message at all for the idle limit).
    #[error("{server} went silent")]
    Timeout {
        /// Server.
        server: String,
        /// Which deadline.
        #[source]
        source: estreamer_wire::WireError,
    },
    /// The server sent an Error message (it closes the connection after it).
    #[error("{server} sent Error {code}: {text}")]
    ServerError {
        /// Server.
        server: String,
        /// Error code.
        code: i32,
        /// Error text.
        text: String,
    },
    /// Socket I/O.
    #[error("connection to {server} lost")]
    Io {
        /// Server.
        server: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The server closed the connection cleanly.
    #[error("{server} closed the connection")]
    Closed {
        /// Server.
        server: String,
    },
    /// The server closed the connection right after the handshake, before sending anything
    /// (eStreamer's post-connection identity check closes without an Error message).
    #[error(
        "{server} closed the connection right after the TLS handshake without a word: it refused this client \
         (the certificate's host does not match the address the server sees, or the certificate was revoked)"
    )]
    ClosedEarly {
        /// Server.
        server: String,
    },
    /// Output failure.
    #[error("output")]
    Output(#[source] estreamer_output::OutputError),
    /// Bookmark file failure.
    #[error("bookmark {path}")]
    Bookmark {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Metadata cache file failure.
    #[error("metadata cache {path}")]
    Cache {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Multi-server configuration file.
    #[error("configuration {path}: {reason}")]
    Config {
        /// File.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A password file could not be read.
    #[error("password file {path}")]
    PasswordFile {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// PKI failure (PKCS#12 password, certificate and key).
    #[error("client identity")]
    Pki(#[source] estreamer_pki::PkiError),
    /// Starting a thread or a runtime failed.
    #[error("starting {what}")]
    Start {
        /// What.
        what: &'static str,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl From<estreamer_pki::PkiError> for ClientError {
    fn from(e: estreamer_pki::PkiError) -> Self {
        ClientError::Pki(e)
    }
}

impl ClientError {
    /// Whether retrying cannot help: bad address, refused or unverifiable certificates,
    /// identity, output and state-file errors. Disconnects, timeouts, Error messages, protocol
    /// errors and connection refusals are transient (the server may be restarting).
    /// [`ClientError::ClosedEarly`] is judged by the reconnect loop (permanent on the first
    /// connection or twice in a row).
    pub fn is_permanent(&self) -> bool {
        match self {
            ClientError::Address(_)
            | ClientError::Output(_)
            | ClientError::Bookmark { .. }
            | ClientError::Cache { .. }
            | ClientError::Config { .. }
            | ClientError::PasswordFile { .. }
            | ClientError::Pki(_)
            | ClientError::Start { .. } => true,
            ClientError::Tls { kind, .. } => kind.is_permanent(),
            ClientError::ClosedEarly { .. } => true,
            ClientError::Connect { .. }
            | ClientError::ConnectTimeout { .. }
            | ClientError::Protocol { .. }
            | ClientError::Timeout { .. }
            | ClientError::ServerError { .. }
            | ClientError::Io { .. }
            | ClientError::Closed { .. } => false,
        }
    }
}

/// An error and its causes on one line, each text once.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut cur = Some(e);
    while let Some(c) = cur {
        let text = c.to_string();
        if !text.is_empty() && !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        cur = c.source();
    }
    out
}
