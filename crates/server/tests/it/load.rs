//! Load: many clients at different bookmarks all receive every record, memory and file
//! descriptors are reported before, during and after, and connect/disconnect cycles leak
//! neither descriptors nor sessions.

use std::time::Duration;

use estreamer_server::{EndReason, ServerOptions};
use estreamer_test_support::net::{
    encore_subscribe, open_fds, peak_rss_kib, read_message, rss_kib, tcp_from, tls_connect,
};
use estreamer_test_support::shared_pki;
use estreamer_wire::message::{Message, NULL_MESSAGE};
use estreamer_wire::schema::catalog::is_metadata;
use tokio::io::AsyncWriteExt;

use crate::harness::start;

/// Stream from `from` (archival seconds) until `want` event records arrived; returns how many
/// arrived, counted by archival timestamp at or after `from`.
async fn client(addr: std::net::SocketAddr, from: u32, want: usize) -> usize {
    let id = shared_pki().identity();
    let mut c = tls_connect(addr, &id).await.unwrap();
    encore_subscribe(&mut c, from).await;
    let mut got = 0;
    while got < want {
        let m = read_message(&mut c).await.expect("stream ended early");
        c.write_all(&NULL_MESSAGE).await.unwrap();
        if let Message::Bundle(b) = m {
            got += b.items.iter().filter(|i| !is_metadata(i.record_type) && i.archive_ts() >= from).count();
        }
    }
    got
}

/// Events the sensor writes for the 100-client load test: small by default so `cargo test` stays
/// quick; `ESTREAMER_LOAD_EVENTS=760000` gives the ≈ 1 M-record store of the reliability figures.
fn load_events() -> usize {
    std::env::var("ESTREAMER_LOAD_EVENTS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_clients_at_different_bookmarks_each_get_their_whole_stream() {
    let events = load_events();
    let started = std::time::Instant::now();
    // Load, not admission: all 100 come from 127.0.0.1 at once, so they may all be in their
    // handshakes together, with time to spare on a busy machine (admission has its own tests).
    let opts = ServerOptions {
        max_clients: 128,
        max_pending_per_address: 128,
        handshake_timeout: Duration::from_secs(60),
        ..ServerOptions::default()
    };
    let svc = start(opts, events).await;
    // The archival times of the events, to give each client its own starting point.
    let reader = estreamer_store::StoreReader::open(&svc.data).unwrap();
    let mut cursor = reader.cursor_from_time(0).unwrap();
    let (mut times, mut stored) = (Vec::new(), 0u64);
    while let Some(r) = cursor.next().unwrap() {
        stored += 1;
        if !is_metadata(r.record_type) {
            times.push(r.archive_ts);
        }
    }
    println!("store: {stored} records ({} events), filled in {:?}", times.len(), started.elapsed());
    let (rss0, fds0) = (rss_kib(), open_fds());
    let streaming = std::time::Instant::now();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let from = times[i * times.len() / 100];
        let want = times.iter().filter(|t| **t >= from).count();
        tasks.push((want, tokio::spawn(client(svc.addr, from, want))));
    }
    assert!(svc.stats.wait_for(Duration::from_secs(60), |s| s.authenticated_total() == 100).await);
    let (rss1, fds1) = (rss_kib(), open_fds());
    // A client's share of a large store takes longer than the usual bound.
    let limit = Duration::from_secs(30 + (events / 5000) as u64);
    let mut delivered = 0;
    for (want, t) in tasks {
        let got = tokio::time::timeout(limit, t).await.expect("a client finishes").unwrap();
        assert_eq!(got, want);
        delivered += got;
    }
    let secs = streaming.elapsed().as_secs_f64();
    println!("peak RSS of the test process (service and the 100 clients): {:?} KiB", peak_rss_kib());
    println!(
        "100 clients: {delivered} events delivered in {secs:.1} s ({:.0} events/s overall)",
        delivered as f64 / secs
    );
    assert!(svc.stats.wait_for(Duration::from_secs(30), |s| s.active() == 0 || s.active() == 100).await);
    println!("100 clients: RSS {rss0:?} → {rss1:?} KiB while streaming; fds {fds0:?} → {fds1:?}");
    svc.shutdown().await;
    let (rss2, fds2) = (rss_kib(), open_fds());
    println!("after the service stopped: RSS {rss2:?} KiB, fds {fds2:?} (process-wide, other tests included)");
}

#[tokio::test]
async fn a_thousand_connect_disconnect_cycles_leak_nothing() {
    let svc = start(ServerOptions::default(), 5).await;
    let id = shared_pki().identity();
    let fds0 = open_fds();
    for i in 0..1000 {
        if i % 10 == 0 {
            // Every tenth goes all the way through TLS and a request.
            let mut c = tls_connect(svc.addr, &id).await.unwrap();
            encore_subscribe(&mut c, 0).await;
        } else {
            drop(tcp_from(svc.addr, None).await.unwrap());
        }
    }
    let done = |s: &estreamer_server::ServerStats| {
        s.ended_total(EndReason::Refused) + s.ended_total(EndReason::ClientClosed) + s.ended_total(EndReason::IoFailed)
            == 1000
    };
    assert!(svc.stats.wait_for(Duration::from_secs(60), done).await, "every connection ended");
    assert_eq!(svc.stats.active(), 0, "no session left behind");
    // Descriptors and memory are process-wide, and other tests share this process: the
    // figures for the service alone come from the real binary (crates/cli/tests).
    println!("fds of this test process before {fds0:?}, after 1000 cycles {:?}", open_fds());
    svc.shutdown().await;
}
