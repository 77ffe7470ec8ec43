//! `estreamer client test`: connect once, show what the server presented and answered, and
//! explain a failure in plain words.

use std::io::ErrorKind;
use std::path::PathBuf;
use std::time::Duration;

use estreamer_pki::ClientTlsOptions;
use estreamer_wire::message::{flags, ErrorMessage, Message, StreamingService, TIMESTAMP_NOW};
use estreamer_wire::session::{ClientConfig, ClientEvent, ClientSession};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::connect::{connect, describe_chain, CertSummary};
use crate::error::{ClientError, TlsFailure};

/// What to test.
#[derive(Debug, Clone)]
pub struct TestOptions {
    /// HOST:PORT.
    pub server: String,
    /// PKCS#12 file.
    pub pkcs12: PathBuf,
    /// Its password.
    pub password: String,
    /// TLS versions and verification.
    pub tls: ClientTlsOptions,
    /// Request flags (extended mode gets a Streaming Information back).
    pub flags: u32,
    /// Limit for the connection and for the server's answer.
    pub timeout: Duration,
}

impl TestOptions {
    /// eNcore's request flags, TLS 1.2 and 1.3, a 10 s limit.
    pub fn new(server: impl Into<String>, pkcs12: impl Into<PathBuf>, password: impl Into<String>) -> TestOptions {
        TestOptions {
            server: server.into(),
            pkcs12: pkcs12.into(),
            password: password.into(),
            tls: ClientTlsOptions::default(),
            flags: flags::ENCORE_DEFAULT,
            timeout: Duration::from_secs(10),
        }
    }
}

/// The server's first answer to a "now" request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAnswer {
    /// Extended mode: the services it offers.
    StreamingInformation(Vec<StreamingService>),
    /// Legacy mode: some other message (a keepalive or data).
    Message(String),
}

/// A successful test.
#[derive(Debug, Clone)]
pub struct TestReport {
    /// The certificate chain the server presented, leaf first.
    pub chain: Vec<CertSummary>,
    /// TLS version negotiated.
    pub tls_version: String,
    /// What the server answered.
    pub answer: FirstAnswer,
}

/// A failed test: the error, its plain explanation, and the server's chain when one was seen.
#[derive(Debug)]
pub struct Diagnosis {
    /// The error.
    pub error: ClientError,
    /// What it means and what to check.
    pub explanation: String,
    /// The server's certificates, if the handshake got that far.
    pub chain: Vec<CertSummary>,
}

/// The plain-words explanation of an error met while connecting.
pub fn explain(e: &ClientError) -> String {
    match e {
        ClientError::Address(_) => "the server address is not HOST:PORT (IPv6 as [addr]:port)".into(),
        ClientError::Pki(estreamer_pki::PkiError::Pkcs12 { .. }) => {
            "wrong PKCS#12 password (or the file is not a PKCS#12 bundle): check --password / --password-file".into()
        }
        ClientError::Pki(_) => "the PKCS#12 file cannot be read or used".into(),
        ClientError::Connect { source, .. } if source.kind() == ErrorKind::ConnectionRefused => {
            "port closed: connection refused — nothing listens there (wrong port, or the eStreamer service is \
             not running or not enabled)"
                .into()
        }
        ClientError::Connect { .. } => {
            "cannot reach the server (name not resolved, no route, or the network refused the connection)".into()
        }
        ClientError::ConnectTimeout { .. } => {
            "timeout: no TCP/TLS answer in time (a firewall drops the packets, the host is down, or the port \
             does not speak TLS)"
                .into()
        }
        ClientError::Tls { kind, .. } => kind.explain().to_string(),
        ClientError::ClosedEarly { .. } => {
            "refused because of the address or the certificate: the server closed the connection right after \
             the TLS handshake without an Error message, which is what eStreamer does when the client \
             certificate's host does not match the address it sees (NAT?) or the certificate was revoked"
                .into()
        }
        ClientError::Timeout { .. } => {
            "timeout: the TLS session is up but the server never answered the request".into()
        }
        ClientError::ServerError { code, text, .. } => format!("the server refused the request: Error {code}: {text}"),
        ClientError::Io { .. } | ClientError::Closed { .. } => "the connection broke during the test".into(),
        ClientError::Protocol { .. } => "the server's answer is not eStreamer".into(),
        other => other.to_string(),
    }
}

fn diagnosis(error: ClientError, chain: Vec<CertSummary>) -> Diagnosis {
    Diagnosis { explanation: explain(&error), error, chain }
}

/// Connect, send a "now" request, read the first answer, say goodbye.
pub async fn test_connection(opts: &TestOptions) -> Result<TestReport, Diagnosis> {
    let identity = estreamer_pki::load_pkcs12_file(&opts.pkcs12, &opts.password)
        .map_err(|e| diagnosis(ClientError::Pki(e), vec![]))?;
    let tls = estreamer_pki::client_config(&identity, &opts.tls).map_err(|e| diagnosis(ClientError::Pki(e), vec![]))?;
    let stream = match connect(&opts.server, &tls, opts.timeout).await {
        Ok(s) => s,
        Err(e) => {
            // Show what the server presented even when we could not verify it.
            let chain = match &e {
                ClientError::Tls { kind: TlsFailure::UnknownCa | TlsFailure::BadServerCertificate, .. } => {
                    let insecure = ClientTlsOptions { verify_server: false, ..opts.tls };
                    match estreamer_pki::client_config(&identity, &insecure) {
                        Ok(cfg) => match connect(&opts.server, &cfg, opts.timeout).await {
                            Ok(s) => describe_chain(s.get_ref().1.peer_certificates().unwrap_or_default()),
                            Err(_) => vec![],
                        },
                        Err(_) => vec![],
                    }
                }
                _ => vec![],
            };
            return Err(diagnosis(e, chain));
        }
    };
    let (chain, tls_version) = {
        let conn = stream.get_ref().1;
        (
            describe_chain(conn.peer_certificates().unwrap_or_default()),
            conn.protocol_version().map_or_else(|| "?".into(), |v| format!("{v:?}")),
        )
    };
    let server = opts.server.clone();
    let mut session = ClientSession::new(
        ClientConfig { initial_timestamp: TIMESTAMP_NOW, flags: opts.flags, ..ClientConfig::default() },
        0,
    );
    let (mut rd, mut wr) = tokio::io::split(stream);
    let fail = |e: ClientError, chain: &Vec<CertSummary>| diagnosis(e, chain.clone());
    if let Some(req) = session.poll_transmit() {
        wr.write_all(&req).await.map_err(|source| fail(ClientError::Io { server: server.clone(), source }, &chain))?;
    }
    let mut buf = vec![0u8; 64 * 1024];
    let mut received_any = false;
    let answer = async {
        loop {
            if let Some(ev) = session.poll_event() {
                match ev {
                    ClientEvent::StreamingInformation(s) => return Ok(FirstAnswer::StreamingInformation(s)),
                    ClientEvent::ServerError(e) => {
                        return Err(ClientError::ServerError {
                            server: server.clone(),
                            code: e.code,
                            text: e.text_lossy().to_string(),
                        })
                    }
                    ClientEvent::Keepalive => return Ok(FirstAnswer::Message("Null (keepalive)".into())),
                    ClientEvent::Record(r) => {
                        return Ok(FirstAnswer::Message(format!("Event Data (record type {})", r.record_type)))
                    }
                    other => return Ok(FirstAnswer::Message(format!("{other:?}"))),
                }
            }
            match rd.read(&mut buf).await {
                Ok(0) if !received_any => return Err(ClientError::ClosedEarly { server: server.clone() }),
                Ok(0) => return Err(ClientError::Closed { server: server.clone() }),
                Ok(n) => {
                    received_any = true;
                    session
                        .receive(&buf[..n], 0)
                        .map_err(|source| ClientError::Protocol { server: server.clone(), source })?;
                }
                Err(e) => {
                    let kind = TlsFailure::of_io(&e);
                    return Err(if kind != TlsFailure::Other {
                        ClientError::Tls { server: server.clone(), kind, source: e }
                    } else if !received_any {
                        ClientError::ClosedEarly { server: server.clone() }
                    } else {
                        ClientError::Io { server: server.clone(), source: e }
                    });
                }
            }
        }
    };
    let answer = match tokio::time::timeout(opts.timeout, answer).await {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => return Err(fail(e, &chain)),
        Err(_) => {
            let source = estreamer_wire::WireError::Timeout {
                what: "the server's answer to the request",
                after_ms: opts.timeout.as_millis() as u64,
            };
            return Err(fail(ClientError::Timeout { server: server.clone(), source }, &chain));
        }
    };
    // Goodbye (Error −1), like a polite client; no Streaming Request is sent.
    if let Ok(bye) = Message::Error(ErrorMessage::new(-1, "client closing")).to_bytes() {
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.write_all(&bye)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    Ok(TestReport { chain, tls_version, answer })
}
