//! Real TLS connections to a service on loopback, and reading whole messages from them.

use std::net::SocketAddr;
use std::sync::Arc;

use estreamer_pki::{ClientIdentity, ClientTlsOptions};
use estreamer_wire::message::{EventStreamRequest, Message, StreamingService, HEADER_LEN};
use estreamer_wire::session::ENCORE_5_2_11_EVENTS;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// A TLS client connection.
pub type Tls = TlsStream<TcpStream>;

/// Connect over TLS from `from` (a loopback address of the caller's choice, or any) with
/// `identity`; the server is not verified (like eNcore), so a test fails on the server's
/// decision, not the client's.
pub async fn tls_connect_from(
    addr: SocketAddr,
    from: Option<std::net::IpAddr>,
    identity: &ClientIdentity,
) -> std::io::Result<Tls> {
    let tcp = tcp_from(addr, from).await?;
    let opts = ClientTlsOptions { verify_server: false, ..ClientTlsOptions::default() };
    let cfg = estreamer_pki::client_config(identity, &opts).map_err(std::io::Error::other)?;
    let name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
    TlsConnector::from(cfg).connect(name, tcp).await
}

/// Connect over TLS with `identity`.
pub async fn tls_connect(addr: SocketAddr, identity: &ClientIdentity) -> std::io::Result<Tls> {
    tls_connect_from(addr, None, identity).await
}

/// A plain TCP connection from a chosen local address.
pub async fn tcp_from(addr: SocketAddr, from: Option<std::net::IpAddr>) -> std::io::Result<TcpStream> {
    let socket = if addr.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
    if let Some(ip) = from {
        socket.bind(SocketAddr::new(ip, 0))?;
    }
    socket.connect(addr).await
}

/// Read one whole message; `None` at a clean end of stream (or a reset after the last one).
pub async fn read_message<R: AsyncReadExt + Unpin>(r: &mut R) -> Option<Message> {
    let mut head = [0u8; HEADER_LEN];
    r.read_exact(&mut head).await.ok()?;
    let len = u32::from_be_bytes([head[4], head[5], head[6], head[7]]) as usize;
    let mut frame = head.to_vec();
    frame.resize(HEADER_LEN + len, 0);
    r.read_exact(&mut frame[HEADER_LEN..]).await.ok()?;
    Some(Message::decode(&frame).expect("the server sends well-formed messages"))
}

/// Every message until the connection ends.
pub async fn read_all<R: AsyncReadExt + Unpin>(r: &mut R) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(m) = read_message(r).await {
        out.push(m);
    }
    out
}

/// Send eNcore 5.2.11's Event Stream Request and, after the 2051, its Streaming Request.
pub async fn encore_subscribe<S: AsyncReadExt + AsyncWriteExt + Unpin>(s: &mut S, initial_timestamp: u32) {
    let flags = estreamer_wire::message::flags::ENCORE_DEFAULT;
    let req = Message::EventStreamRequest(EventStreamRequest { initial_timestamp, flags });
    s.write_all(&req.to_bytes().unwrap()).await.unwrap();
    match read_message(s).await {
        Some(Message::StreamingInformation(_)) => {}
        other => panic!("expected Streaming Information, got {other:?}"),
    }
    let sr = StreamingService::request(flags, initial_timestamp, ENCORE_5_2_11_EVENTS.to_vec());
    s.write_all(&Message::StreamingRequest(sr).to_bytes().unwrap()).await.unwrap();
}

/// Resident set size of this process in KiB (Linux `/proc/self/status`), for memory bounds.
pub fn rss_kib() -> Option<u64> {
    status_kib("VmRSS:")
}

/// Peak resident set size of this process so far in KiB (`VmHWM`).
pub fn peak_rss_kib() -> Option<u64> {
    status_kib("VmHWM:")
}

fn status_kib(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines().find_map(|l| l.strip_prefix(key)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Open file descriptors of this process (Linux `/proc/self/fd`).
pub fn open_fds() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// Keep the type in scope for callers building their own configs.
pub type ClientConfig = Arc<rustls::ClientConfig>;
