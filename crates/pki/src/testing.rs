//! Helpers for tests in this and other crates: ready-made PKIs, bad clients (other CA,
//! expired, wrong host) and an in-memory TLS handshake. Small enough to ship unconditionally.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use time::{Duration, OffsetDateTime};

use crate::{add_client, init_ca, issue_client, IssuedClient, PkiDir, PkiError};

/// Password used by the helpers below.
pub const TEST_PASSWORD: &str = "estreamer-test";

/// A host no test machine has: TEST-NET-1 (RFC 5737), for "wrong host" clients.
pub const WRONG_HOST: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77));

/// Initialises a PKI in `dir` whose server certificate is valid for 127.0.0.1, ::1, localhost.
pub fn good_pki(dir: &Path) -> Result<PkiDir, PkiError> {
    init_ca(dir, &[], &[])
}

/// Issues a client with an explicit validity window, signed by the CA in `dir`, or by the
/// CA in `other_ca` when given (a separate PKI directory, initialised on first use).
///
/// An other-CA client's PKCS#12 carries the other CA; connect it with server verification
/// off (as eNcore does) so that the server's rejection of the client is what gets tested.
pub fn issue_client_with(
    dir: &Path,
    host: &str,
    password: Option<&str>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    other_ca: Option<&Path>,
) -> Result<IssuedClient, PkiError> {
    let signer = match other_ca {
        Some(other) => {
            if !PkiDir::new(other).is_initialised() {
                good_pki(other)?;
            }
            other
        }
        None => dir,
    };
    issue_client(signer, host, password, not_before, not_after)
}

/// A normal client for `host` with [`TEST_PASSWORD`].
pub fn good_client(dir: &Path, host: &str) -> Result<IssuedClient, PkiError> {
    add_client(dir, host, Some(TEST_PASSWORD))
}

/// A client whose certificate expired yesterday (valid from 30 days ago to 1 day ago).
pub fn expired_client(dir: &Path, host: &str) -> Result<IssuedClient, PkiError> {
    let now = OffsetDateTime::now_utc();
    issue_client_with(dir, host, Some(TEST_PASSWORD), now - Duration::days(30), now - Duration::days(1), None)
}

/// A client for `host` issued by a different CA (created in `other_dir` if needed).
pub fn other_ca_client(other_dir: &Path, host: &str) -> Result<IssuedClient, PkiError> {
    let now = OffsetDateTime::now_utc();
    issue_client_with(
        other_dir,
        host,
        Some(TEST_PASSWORD),
        now - Duration::hours(1),
        now + Duration::days(30),
        Some(other_dir),
    )
}

/// A valid client issued for [`WRONG_HOST`], so the server's host check fails on 127.0.0.1.
pub fn wrong_host_client(dir: &Path) -> Result<IssuedClient, PkiError> {
    add_client(dir, &WRONG_HOST.to_string(), Some(TEST_PASSWORD))
}

/// Which side of an in-memory handshake failed, and how.
#[derive(Debug)]
pub enum HandshakeFailure {
    /// The server rejected the handshake (e.g. bad, revoked or missing client certificate).
    Server(rustls::Error),
    /// The client rejected the handshake (e.g. untrusted server certificate).
    Client(rustls::Error),
    /// Moving bytes between the two failed.
    Io(std::io::Error),
    /// Neither side failed but the handshake did not complete.
    Incomplete,
}

impl std::fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HandshakeFailure::Server(e) => write!(f, "server rejected the handshake: {e}"),
            HandshakeFailure::Client(e) => write!(f, "client rejected the handshake: {e}"),
            HandshakeFailure::Io(e) => write!(f, "I/O error moving handshake bytes: {e}"),
            HandshakeFailure::Incomplete => f.write_str("handshake did not complete"),
        }
    }
}

impl std::error::Error for HandshakeFailure {}

/// Runs a complete TLS handshake between the two configs in memory (no sockets) and returns
/// both connections. `server_name` is what the client believes it connects to (used only
/// when the client verifies the server).
pub fn handshake(
    server: Arc<ServerConfig>,
    client: Arc<ClientConfig>,
    server_name: &str,
) -> Result<(ServerConnection, ClientConnection), HandshakeFailure> {
    let name = ServerName::try_from(server_name.to_owned())
        .map_err(|e| HandshakeFailure::Io(std::io::Error::new(std::io::ErrorKind::InvalidInput, e)))?;
    let mut c = ClientConnection::new(client, name).map_err(HandshakeFailure::Client)?;
    let mut s = ServerConnection::new(server).map_err(HandshakeFailure::Server)?;
    // TLS 1.3 client auth finishes on the client before the server has checked the client
    // certificate, so keep pumping until no bytes move rather than stopping when the client
    // says it is done.
    for _ in 0..64 {
        let c_to_s = transfer(&mut *c, &mut *s).map_err(|e| match e {
            Transfer::Io(e) => HandshakeFailure::Io(e),
            Transfer::Tls(e) => {
                // Deliver the server's alert so the client state reflects the failure too.
                let _ = transfer(&mut *s, &mut *c);
                HandshakeFailure::Server(e)
            }
        })?;
        let s_to_c = transfer(&mut *s, &mut *c).map_err(|e| match e {
            Transfer::Io(e) => HandshakeFailure::Io(e),
            Transfer::Tls(e) => {
                let _ = transfer(&mut *c, &mut *s);
                HandshakeFailure::Client(e)
            }
        })?;
        if c_to_s == 0 && s_to_c == 0 {
            break;
        }
    }
    if c.is_handshaking() || s.is_handshaking() {
        return Err(HandshakeFailure::Incomplete);
    }
    Ok((s, c))
}

enum Transfer {
    Io(std::io::Error),
    Tls(rustls::Error),
}

/// Moves every pending TLS byte from `from` to `to` and lets `to` process it; returns the
/// number of bytes moved.
fn transfer<DA, DB>(
    from: &mut rustls::ConnectionCommon<DA>,
    to: &mut rustls::ConnectionCommon<DB>,
) -> Result<usize, Transfer> {
    let mut buf = Vec::new();
    while from.wants_write() {
        from.write_tls(&mut buf).map_err(Transfer::Io)?;
    }
    let moved = buf.len();
    let mut rd = &buf[..];
    while !rd.is_empty() {
        to.read_tls(&mut rd).map_err(Transfer::Io)?;
        to.process_new_packets().map_err(Transfer::Tls)?;
    }
    Ok(moved)
}
