//! The client against servers that misbehave, over real TLS on 127.0.0.1: garbage, an
//! oversize length, a truncated message then close, a corrupt record. Each ends (or skips)
//! with a clear reason; none hangs or panics.

use std::sync::Arc;
use std::time::Duration;

use std::sync::atomic::Ordering::Relaxed;

use estreamer_client::metrics::ServerMetrics;
use estreamer_client::{chain, run, ClientError, ClientOptions, ReconnectPolicy, Start};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{EventData, Message, StreamingService};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

/// A one-connection TLS server that reads the request, writes `script` and closes.
async fn server(script: Vec<u8>) -> (std::net::SocketAddr, ClientOptions, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let identity = shared_pki().identity();
    let tls = shared_pki().server_tls();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let mut s = tokio_rustls::TlsAcceptor::from(Arc::clone(&tls)).accept(tcp).await.unwrap();
        let mut req = [0u8; 16];
        s.read_exact(&mut req).await.unwrap();
        s.write_all(&script).await.unwrap();
        s.flush().await.unwrap();
        // Then close (close_notify): the client must finish what it has and stop.
        let _ = s.shutdown().await;
        // Drain whatever the client sends until it closes (bounded by the test timeout).
        let mut sink = [0u8; 1024];
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    });
    let mut opts = ClientOptions::new(addr.to_string(), identity);
    opts.start = Start::Oldest;
    opts.idle_exit = Some(Duration::from_secs(5));
    opts.flags &= !estreamer_wire::message::flags::EXTENDED;
    // One connection only: no reconnection, the error is the result.
    opts.reconnect = ReconnectPolicy { max_attempts: Some(0), ..ReconnectPolicy::default() };
    opts.output.sink = estreamer_output::parse_output(dir.path().join("out.json").to_str().unwrap()).unwrap();
    (addr, opts, dir)
}

/// What the client wrote: one JSON value per line.
struct Written {
    records: Vec<serde_json::Value>,
    delivered: u64,
}

async fn client(script: Vec<u8>) -> (Result<estreamer_client::ClientSummary, ClientError>, Written) {
    let (_addr, opts, dir) = server(script).await;
    let m = std::sync::Arc::new(ServerMetrics::new("t"));
    let r = tokio::time::timeout(Duration::from_secs(20), run(&opts, CancellationToken::new(), m.clone()))
        .await
        .expect("the client must not hang");
    let text = std::fs::read_to_string(dir.path().join("out.json")).unwrap_or_default();
    let records = text.lines().map(|l| serde_json::from_str(l).expect("whole JSON lines")).collect();
    (r, Written { records, delivered: m.records.load(Relaxed) })
}

fn record(rt: u32, body: &[u8]) -> Vec<u8> {
    Message::EventData(EventData { record_type: rt, archive: Some((5, 0)), body: body.to_vec() }).to_bytes().unwrap()
}

const NAME: &[u8] = b"\x00\x00\x00\x01\x00\x00\x00\x03abc";

#[tokio::test]
async fn garbage_from_the_server_is_a_protocol_error() {
    let (r, _) = client(b"\x00\x09\x00\x04garbage garbage".to_vec()).await;
    let e = r.unwrap_err();
    assert!(matches!(e, ClientError::Protocol { .. }), "{e}");
    assert!(chain(&e).contains("header version 9"), "{}", chain(&e));
}

#[tokio::test]
async fn oversize_length_is_refused_before_buffering() {
    let (r, _) = client(vec![0, 1, 0, 4, 0xff, 0xff, 0xff, 0xff]).await;
    let e = r.unwrap_err();
    assert!(chain(&e).contains("above the maximum"), "{}", chain(&e));
}

#[tokio::test]
async fn truncated_message_then_close_keeps_what_came_before() {
    let mut script = record(123, NAME);
    script.extend_from_slice(&record(123, NAME)[..10]);
    let (r, sink) = client(script).await;
    // The close is a lost connection (a reconnect would follow; this test allows none).
    assert!(matches!(r, Err(ClientError::Closed { .. })), "{r:?}");
    assert_eq!(sink.delivered, 1);
    assert_eq!(sink.records.len(), 1);
}

#[tokio::test]
async fn corrupt_record_is_reported_and_skipped() {
    let mut bad = record(123, NAME);
    bad[12..16].copy_from_slice(&99u32.to_be_bytes()); // record length that fits no header form
    let mut script = bad;
    script.extend(record(123, NAME));
    script.extend(Message::StreamingInformation(vec![StreamingService::advertise(5000)]).to_bytes().unwrap());
    let (r, sink) = client(script).await;
    // A 2051 without the event service is fatal for eNcore; for us too, after the good record.
    assert!(r.is_err());
    assert_eq!(sink.records.len(), 1, "the good record after the corrupt one was written");
}

#[tokio::test]
async fn unknown_record_type_is_written_raw_not_fatal() {
    let mut script = record(9999, b"\x01\x02");
    script.extend(record(123, NAME));
    let (r, sink) = client(script).await;
    assert!(matches!(r, Err(ClientError::Closed { .. })), "{r:?}");
    assert_eq!(sink.records.len(), 2);
    assert_eq!(sink.records[0]["@unparsed"], "0102");
}

#[tokio::test]
async fn a_server_whose_certificate_is_not_from_our_ca_is_refused() {
    let (_addr, opts, _dir) = server(vec![]).await;
    // Same address, but the identity's CA is a different one: the real server's certificate
    // does not chain to it.
    let foreign = estreamer_test_support::pki::identity(&shared_pki().other_ca);
    let mut bad = opts.clone();
    bad.identity.ca_certs = foreign.ca_certs.clone();
    bad.reconnect.max_attempts = None;
    let m = std::sync::Arc::new(ServerMetrics::new("t"));
    let e = run(&bad, CancellationToken::new(), m.clone()).await.unwrap_err();
    // Permanent: no retry even though reconnecting is allowed.
    assert!(matches!(e, ClientError::Tls { kind: estreamer_client::TlsFailure::UnknownCa, .. }), "{e}");
    assert!(e.is_permanent());
    assert_eq!(m.reconnects.load(Relaxed), 0);
    assert_eq!(m.records.load(Relaxed), 0);
}
