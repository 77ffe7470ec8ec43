//! Admission control under a flood: idle TCP connections and half-done handshakes from one
//! address cannot keep a certified client from another address out, and memory stays bounded.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use estreamer_server::{EndReason, ServerOptions};
use estreamer_test_support::net::{encore_subscribe, read_message, rss_kib, tcp_from, tls_connect};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{Message, NULL_MESSAGE};
use estreamer_wire::schema::catalog::is_metadata;
use tokio::io::AsyncWriteExt;

use crate::harness::{bounded, start};

const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The first TLS flight of a client: a ClientHello, and nothing after it.
fn client_hello() -> Vec<u8> {
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let mut conn = rustls::ClientConnection::new(Arc::new(cfg), "127.0.0.1".try_into().unwrap()).unwrap();
    let mut out = Vec::new();
    conn.write_tls(&mut out).unwrap();
    out
}

#[tokio::test]
async fn idle_connections_and_stalled_handshakes_do_not_keep_a_certified_client_out() {
    let svc = start(ServerOptions::default(), 500).await;
    let rss_before = rss_kib();
    let hello = client_hello();
    let mut held = Vec::new();
    for i in 0..400 {
        let Ok(mut tcp) = tcp_from(svc.addr, Some(ATTACKER)).await else { continue };
        if i % 2 == 1 {
            // Half a handshake: the ClientHello, then silence.
            let _ = tcp.write_all(&hello).await;
        }
        held.push(tcp);
    }
    assert!(
        svc.stats.wait_for(Duration::from_secs(20), |s| s.accepted_total() >= 400).await,
        "every flood connection reached the service"
    );
    // One address holds at most 256 places (8 in a handshake, the rest waiting): the rest of
    // the flood is refused at once.
    let share = ServerOptions::default().max_waiting_per_address as u64;
    assert!(
        svc.stats.wait_for(Duration::from_secs(20), |s| s.ended_total(EndReason::Refused) >= 400 - share).await,
        "all but the address's share are refused at once: {}",
        svc.stats.ended_total(EndReason::Refused)
    );
    // A certified client from 127.0.0.1 connects at once and receives everything.
    let mut c = bounded("connecting", tls_connect(svc.addr, &shared_pki().identity())).await.unwrap();
    encore_subscribe(&mut c, 0).await;
    let mut events = 0;
    while events < svc.events {
        let m = bounded("the backlog", read_message(&mut c)).await.expect("stream ended early");
        c.write_all(&NULL_MESSAGE).await.unwrap();
        if let Message::Bundle(b) = m {
            events += b.items.iter().filter(|i| !is_metadata(i.record_type)).count();
        }
    }
    assert_eq!(events, svc.events);
    if let (Some(before), Some(after)) = (rss_before, rss_kib()) {
        let grown = after.saturating_sub(before);
        println!("RSS {before} KiB before the flood, {after} KiB with 400 flood connections held ({grown} KiB more)");
        assert!(grown < 64 * 1024, "memory under the flood grew by {grown} KiB");
    }
    drop(held);
    svc.shutdown().await;
}

#[tokio::test]
async fn a_connect_disconnect_flood_leaves_no_sessions_behind() {
    let svc = start(ServerOptions::default(), 1).await;
    for _ in 0..200 {
        if let Ok(tcp) = tcp_from(svc.addr, Some(ATTACKER)).await {
            drop(tcp);
        }
    }
    assert!(svc.stats.wait_for(Duration::from_secs(20), |s| s.accepted_total() == 200).await);
    let ended = |s: &estreamer_server::ServerStats| s.ended_total(EndReason::Refused);
    assert!(svc.stats.wait_for(Duration::from_secs(20), |s| ended(s) == 200).await, "every one ended");
    assert_eq!(svc.stats.active(), 0);
    svc.shutdown().await;
}
