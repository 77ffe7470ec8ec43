//! PKIs for tests: ready-made directories, bad clients (other CA, expired, wrong host), one
//! cached PKI per test binary, and an in-memory TLS handshake.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use time::{Duration, OffsetDateTime};

use estreamer_pki::{add_client, init_ca, issue_client, IssuedClient, PkiDir, PkiError};

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

/// A PKI made once per test binary (RSA, like `ca init`'s default) with one client of each
/// kind. Read-only: tests that revoke or change files make their own with [`good_pki`].
pub struct SharedPki {
    /// The PKI directory (server certificate valid for 127.0.0.1, ::1 and localhost).
    pub dir: std::path::PathBuf,
    /// A good client for 127.0.0.1, password [`TEST_PASSWORD`].
    pub client: IssuedClient,
    /// `client`'s PKCS#12, written to a file.
    pub client_p12: std::path::PathBuf,
    /// A good client for ::1.
    pub client_v6: IssuedClient,
    /// A client for 127.0.0.1 issued by another CA.
    pub other_ca: IssuedClient,
    /// A client for 127.0.0.1 whose certificate expired.
    pub expired: IssuedClient,
    /// A client for 127.0.0.1 whose certificate is not valid yet.
    pub not_yet_valid: IssuedClient,
    /// A client for [`WRONG_HOST`].
    pub wrong_host: IssuedClient,
    /// A client for 127.0.0.1 that was revoked (in the CRL from the start).
    pub revoked: IssuedClient,
    /// A sensor (ingest role) for 127.0.0.1, password [`TEST_PASSWORD`].
    pub sensor: IssuedClient,
    /// `sensor`'s PKCS#12, written to a file.
    pub sensor_p12: std::path::PathBuf,
    _tmp: tempfile::TempDir,
}

impl SharedPki {
    /// The good client's identity.
    pub fn identity(&self) -> estreamer_pki::ClientIdentity {
        identity(&self.client)
    }

    /// The sensor's identity.
    pub fn sensor_identity(&self) -> estreamer_pki::ClientIdentity {
        identity(&self.sensor)
    }

    /// The server configuration of this PKI.
    pub fn server_tls(&self) -> Arc<ServerConfig> {
        estreamer_pki::server_config(&self.dir, &estreamer_pki::ServerTlsOptions::default()).expect("server config")
    }
}

/// The identity of an issued client (loaded from its PKCS#12).
pub fn identity(issued: &IssuedClient) -> estreamer_pki::ClientIdentity {
    estreamer_pki::load_pkcs12(&issued.pkcs12, &issued.password).expect("load test PKCS#12")
}

fn make_shared() -> Result<SharedPki, PkiError> {
    let tmp = tempfile::Builder::new()
        .prefix("estreamer-test-pki-")
        .tempdir()
        .map_err(|e| PkiError::Io { path: std::env::temp_dir(), source: e })?;
    let dir = tmp.path().join("pki");
    good_pki(&dir)?;
    let client = good_client(&dir, "127.0.0.1")?;
    let client_p12 = tmp.path().join("client.pkcs12");
    estreamer_pki::write_secret_file(&client_p12, &client.pkcs12)?;
    let client_v6 = good_client(&dir, "::1")?;
    let other_ca = other_ca_client(&tmp.path().join("other-ca"), "127.0.0.1")?;
    let expired = expired_client(&dir, "127.0.0.1")?;
    let now = OffsetDateTime::now_utc();
    let not_yet_valid = issue_client_with(
        &dir,
        "127.0.0.1",
        Some(TEST_PASSWORD),
        now + Duration::days(1),
        now + Duration::days(30),
        None,
    )?;
    let wrong_host = wrong_host_client(&dir)?;
    let revoked = good_client(&dir, "127.0.0.1")?;
    estreamer_pki::revoke_client(&dir, &revoked.serial_hex)?;
    let sensor = estreamer_pki::add_sensor(&dir, "127.0.0.1", Some(TEST_PASSWORD))?;
    let sensor_p12 = tmp.path().join("sensor.pkcs12");
    estreamer_pki::write_secret_file(&sensor_p12, &sensor.pkcs12)?;
    Ok(SharedPki {
        dir,
        client,
        client_p12,
        client_v6,
        other_ca,
        expired,
        not_yet_valid,
        wrong_host,
        revoked,
        sensor,
        sensor_p12,
        _tmp: tmp,
    })
}

/// The PKI of this test binary, made on first use. Its temporary directory lives as long as
/// the process (statics are never dropped), so it is left in the system's temp directory.
pub fn shared_pki() -> &'static SharedPki {
    static PKI: std::sync::OnceLock<SharedPki> = std::sync::OnceLock::new();
    PKI.get_or_init(|| make_shared().expect("making the shared test PKI"))
}

/// A client identity whose certificate signs itself (no CA issued it).
pub fn self_signed_identity(host: &str) -> estreamer_pki::ClientIdentity {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = rcgen::CertificateParams::new(vec![host.to_string()]).expect("params");
    params.distinguished_name.push(rcgen::DnType::CommonName, host);
    params.distinguished_name.push(rcgen::DnType::OrganizationName, estreamer_pki::CLIENT_ORGANIZATION);
    let cert = params.self_signed(&key).expect("self-signed certificate");
    estreamer_pki::ClientIdentity {
        cert_chain: vec![cert.der().clone()],
        key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        ca_certs: Vec::new(),
    }
}
