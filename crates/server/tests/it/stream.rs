//! Streaming through the service: everything arrives, a store failure ends the session with an
//! Error, shutdown mid-stream closes cleanly, IPv6.

use std::time::Duration;

use estreamer_server::{EndReason, ServerOptions};
use estreamer_test_support::net::{encore_subscribe, read_message, tls_connect, Tls};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{error_codes, Message, NULL_MESSAGE};
use estreamer_wire::schema::catalog::is_metadata;
use tokio::io::AsyncWriteExt;

use crate::harness::{bounded, start};

/// Read, acking every message like eNcore, until `events` event records arrived; returns the
/// records' archival timestamps. Panics on an Error message.
async fn drain_events(c: &mut Tls, events: usize) -> Vec<u32> {
    let mut ts = Vec::new();
    while ts.len() < events {
        let m = read_message(c).await.expect("the stream ended early");
        c.write_all(&NULL_MESSAGE).await.unwrap();
        match m {
            Message::Bundle(b) => {
                ts.extend(b.items.iter().filter(|i| !is_metadata(i.record_type)).map(|i| i.archive_ts()))
            }
            Message::Error(e) => panic!("server error {}: {}", e.code, e.text_lossy()),
            _ => {}
        }
    }
    ts
}

#[tokio::test]
async fn every_event_arrives_in_archival_order() {
    let svc = start(ServerOptions::default(), 2000).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    encore_subscribe(&mut c, 0).await;
    let ts = bounded("the backlog", drain_events(&mut c, svc.events)).await;
    assert_eq!(ts.len(), svc.events);
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
    svc.shutdown().await;
}

#[tokio::test]
async fn a_store_that_cannot_be_read_ends_the_session_with_an_error() {
    let svc = start(ServerOptions::default(), 10).await;
    // The metadata table becomes unreadable under the running service.
    let meta = svc.data.join("meta.log");
    std::fs::remove_file(&meta).unwrap();
    std::fs::create_dir(&meta).unwrap();
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    encore_subscribe(&mut c, 0).await;
    let mut last = None;
    while let Some(m) = bounded("the session", read_message(&mut c)).await {
        last = Some(m);
    }
    let Some(Message::Error(e)) = last else { panic!("expected an Error last, got {last:?}") };
    assert_eq!(e.code, error_codes::STORE, "{}", e.text_lossy());
    assert!(svc.stats.wait_for(Duration::from_secs(10), |s| s.ended_total(EndReason::ErrorSent) == 1).await);
    svc.shutdown().await;
}

#[tokio::test]
async fn shutdown_mid_stream_finishes_whole_messages_and_closes_cleanly() {
    let svc = start(ServerOptions::default(), 5000).await;
    let mut c = tls_connect(svc.addr, &shared_pki().identity()).await.unwrap();
    encore_subscribe(&mut c, 0).await;
    bounded("some data", drain_events(&mut c, 100)).await;
    let stats = std::sync::Arc::clone(&svc.stats);
    let stopping = tokio::spawn(svc.shutdown());
    // Every message that still arrives is whole (read_message would panic on garbage), and the
    // stream ends with a clean TLS close, no Error message.
    let mut rest = 0;
    while let Some(m) = bounded("the close", read_message(&mut c)).await {
        assert!(!matches!(m, Message::Error(_)), "no Error on shutdown (PROTOCOL.md §11.1)");
        let _ = c.write_all(&NULL_MESSAGE).await;
        rest += 1;
        assert!(rest < 1_000_000);
    }
    bounded("the service", stopping).await.unwrap();
    assert_eq!(stats.ended_total(EndReason::Shutdown), 1);
}

#[tokio::test]
async fn the_service_listens_on_ipv6_loopback() {
    let (dir, data, events) = crate::harness::filled_store(50);
    let listener = match tokio::net::TcpListener::bind("[::1]:0").await {
        Ok(l) => l,
        Err(e) => panic!("this machine has no ::1: {e}"),
    };
    let addr = listener.local_addr().unwrap();
    let store = estreamer_store::StoreReader::open(&data).unwrap();
    let service =
        estreamer_server::Service::new(std::sync::Arc::new(shared_pki().server_tls()), store, ServerOptions::default());
    let stop = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(estreamer_server::serve(vec![listener], service, stop.clone()));
    let id = estreamer_test_support::pki::identity(&shared_pki().client_v6);
    let mut c = tls_connect(addr, &id).await.unwrap();
    encore_subscribe(&mut c, 0).await;
    let ts = bounded("the backlog", drain_events(&mut c, events)).await;
    assert_eq!(ts.len(), events);
    stop.cancel();
    task.await.unwrap().unwrap();
    drop(dir);
}
