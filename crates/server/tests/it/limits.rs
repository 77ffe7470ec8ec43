//! Each timeout, the client cap and revocation without a restart.

use std::sync::Arc;
use std::time::Duration;

use estreamer_pki::{ReloadingServerConfig, ServerTlsOptions};
use estreamer_server::{EndReason, ServerOptions};
use estreamer_test_support::net::{read_all, read_message, tcp_from, tls_connect};
use estreamer_test_support::pki::{good_client, good_pki, identity};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{error_codes, flags, EventStreamRequest, Message};
use estreamer_wire::session::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{bounded, start, start_with};

fn opts(session: ServerConfig) -> ServerOptions {
    ServerOptions { session, ..ServerOptions::default() }
}

fn request(flags: u32) -> Vec<u8> {
    Message::EventStreamRequest(EventStreamRequest { initial_timestamp: 0, flags }).to_bytes().unwrap()
}

fn error_code(m: Option<&Message>) -> Option<i32> {
    match m {
        Some(Message::Error(e)) => Some(e.code),
        _ => None,
    }
}

#[tokio::test]
async fn a_silent_tcp_connection_is_dropped_at_the_handshake_deadline() {
    let o = ServerOptions { handshake_timeout: Duration::from_millis(300), ..ServerOptions::default() };
    let svc = start(o, 1).await;
    let mut tcp = tcp_from(svc.addr, None).await.unwrap();
    let mut buf = [0u8; 16];
    let n = bounded("the server closing", tcp.read(&mut buf)).await;
    assert!(matches!(n, Ok(0) | Err(_)), "the server says nothing and closes: {n:?}");
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::Refused) == 1).await);
    assert_eq!(svc.stats.authenticated_total(), 0);
    svc.shutdown().await;
}

#[tokio::test]
async fn nothing_is_sent_before_the_first_request_then_the_request_deadline_ends_it() {
    let svc = start(opts(ServerConfig { request_timeout_ms: 400, keepalive_ms: 100, ..Default::default() }), 1).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    let msgs = bounded("the session", read_all(&mut c)).await;
    assert_eq!(msgs.len(), 1, "no keepalive before the first request, only the Error: {msgs:?}");
    assert_eq!(error_code(msgs.first()), Some(error_codes::TIMEOUT));
    svc.shutdown().await;
}

#[tokio::test]
async fn a_streaming_request_that_never_comes_ends_the_session() {
    let svc = start(opts(ServerConfig { streaming_request_timeout_ms: 400, ..Default::default() }), 1).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    c.write_all(&request(flags::ENCORE_DEFAULT)).await.unwrap();
    let msgs = bounded("the session", read_all(&mut c)).await;
    assert!(matches!(msgs.first(), Some(Message::StreamingInformation(_))), "{msgs:?}");
    assert_eq!(error_code(msgs.get(1)), Some(error_codes::TIMEOUT));
    assert_eq!(msgs.len(), 2);
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::ErrorSent) == 1).await);
    svc.shutdown().await;
}

#[tokio::test]
async fn a_never_acking_client_gets_exactly_the_window_then_is_dropped() {
    let session = ServerConfig { window: 4, bundle_max_records: 3, idle_timeout_ms: 500, ..Default::default() };
    let svc = start(opts(session), 200).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    estreamer_test_support::net::encore_subscribe(&mut c, 0).await;
    let msgs = bounded("the session", read_all(&mut c)).await;
    let bundles = msgs.iter().filter(|m| matches!(m, Message::Bundle(_))).count();
    assert_eq!(bundles, 4, "exactly the window");
    assert_eq!(error_code(msgs.last()), Some(error_codes::NO_ACK), "{:?}", msgs.last());
    svc.shutdown().await;
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_at_the_write_timeout() {
    let o = ServerOptions {
        write_timeout: Duration::from_millis(300),
        session: ServerConfig { window: 100_000, ..Default::default() },
        ..ServerOptions::default()
    };
    // Enough records that the socket buffers fill long before the backlog is sent.
    let svc = start(o, 20_000).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    estreamer_test_support::net::encore_subscribe(&mut c, 0).await;
    // Stop reading; the server must give up on us.
    assert!(
        svc.stats.wait_for(Duration::from_secs(30), |s| s.ended_total(EndReason::WriteStalled) == 1).await,
        "dropped for not reading"
    );
    assert_eq!(svc.stats.active(), 0);
    drop(c);
    svc.shutdown().await;
}

#[tokio::test]
async fn the_client_cap_counts_authenticated_sessions_and_says_no_space() {
    let session = ServerConfig { keepalive_ms: 300, ..Default::default() };
    let svc = start(ServerOptions { max_clients: 1, session, ..ServerOptions::default() }, 5).await;
    let id = shared_pki().identity();
    let mut first = tls_connect(svc.addr, &id).await.unwrap();
    first.write_all(&request(0)).await.unwrap();
    assert_eq!(read_message(&mut first).await, Some(Message::Null), "the first client is served");
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.active() == 1).await);
    let mut second = tls_connect(svc.addr, &id).await.unwrap();
    second.write_all(&request(0)).await.unwrap();
    let msgs = bounded("the refusal", read_all(&mut second)).await;
    assert_eq!(error_code(msgs.first()), Some(error_codes::NO_SPACE), "{msgs:?}");
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::NoSpace) == 1).await);
    // The first one still streams: a host-only session gets keepalives.
    assert!(read_message(&mut first).await.is_some());
    svc.shutdown().await;
}

#[tokio::test]
async fn a_revoked_client_is_refused_from_its_next_connection_without_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    good_pki(&pki).unwrap();
    let issued = good_client(&pki, "127.0.0.1").unwrap();
    let id = identity(&issued);
    let tls = ReloadingServerConfig::new(&pki, ServerTlsOptions::default(), Duration::ZERO).unwrap();
    let svc = start_with(ServerOptions::default(), 1, Arc::new(tls)).await;
    let mut c = tls_connect(svc.addr, &id).await.unwrap();
    c.write_all(&request(0)).await.unwrap();
    assert_eq!(read_message(&mut c).await, Some(Message::Null), "accepted before the revocation");
    drop(c);
    estreamer_pki::revoke_client(&pki, &issued.serial_hex).unwrap();
    let refused = async {
        let mut c = tls_connect(svc.addr, &id).await?;
        c.write_all(&request(0)).await?;
        let mut buf = [0u8; 8];
        c.read_exact(&mut buf).await.map(|_| buf)
    };
    assert!(bounded("the refusal", refused).await.is_err(), "a revoked certificate must not get a session");
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::Refused) == 1).await);
    svc.shutdown().await;
}
