//! The ingest endpoint in this process: producers over a Unix socket in a temporary directory
//! and over real TLS on 127.0.0.1 — acknowledgements, resume, refusals with what and where,
//! roles, shutdown.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use estreamer_ingest::proto::{codes, Frame, ProducerEvent, ProducerSession};
use estreamer_ingest::{Batch, BatchSink, Endpoint, Ingest, IngestError, Record, RemoteOptions, RemoteSink};
use estreamer_server::ingest::{serve_ingest, IngestListener, IngestOptions, IngestService};
use estreamer_store::{Store, StoreOptions, SyncPolicy};
use estreamer_test_support::shared_pki;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::harness::bounded;

struct Endpointed {
    store: Arc<Store>,
    sock: PathBuf,
    tcp: std::net::SocketAddr,
    stop: CancellationToken,
    task: JoinHandle<Result<(), estreamer_server::ServerError>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Endpointed {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions { sync: SyncPolicy::Always, ..StoreOptions::default() };
    let store = Arc::new(Store::open(&dir.path().join("store"), opts).unwrap());
    let ingest = Arc::new(Ingest::open(Arc::clone(&store)).unwrap());
    let sock = dir.path().join("ingest.sock");
    let unix = IngestListener::bind_unix(&sock, 0o660).unwrap();
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = tcp.local_addr().unwrap();
    let service = IngestService { ingest, tls: Arc::new(shared_pki().server_tls()), opts: IngestOptions::default() };
    let stop = CancellationToken::new();
    let task = tokio::spawn(serve_ingest(vec![unix, IngestListener::Tcp(tcp)], service, stop.clone()));
    Endpointed { store, sock, tcp: addr, stop, task, _dir: dir }
}

fn batch(seq: u64, record_type: u32) -> Batch {
    Batch { seq, raw: false, records: vec![Record { record_type, body: vec![seq as u8; 40] }; 3] }
}

/// Send `bytes` over the socket and read frames back until one is an ERROR or `acks`
/// ACKs came.
fn exchange(sock: &PathBuf, bytes: &[u8], acks: usize) -> Vec<Frame> {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(bytes).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let mut inbuf = Vec::new();
    loop {
        while let Ok(Some(n)) = estreamer_ingest::proto::check(&inbuf, 1 << 20) {
            let f = Frame::parse(&inbuf[..n]).unwrap();
            inbuf.drain(..n);
            got.push(f);
            let acked = got.iter().filter(|f| matches!(f, Frame::Ack(_))).count();
            let done = matches!(got.last(), Some(Frame::Error { .. })) || (acks > 0 && acked == acks);
            if done {
                return got;
            }
        }
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            return got;
        }
        inbuf.extend_from_slice(&buf[..n]);
    }
}

fn frames(list: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    list.iter().for_each(|f| f.encode(&mut out));
    out
}

#[tokio::test]
async fn batches_are_acked_once_durable_and_a_producer_resumes_where_the_store_is() {
    let ep = start().await;
    let sock = ep.sock.clone();
    let store = Arc::clone(&ep.store);
    bounded(
        "two producer runs",
        tokio::task::spawn_blocking(move || {
            let opts = RemoteOptions::new(Endpoint::Unix(sock.clone()), "unix-producer");
            let mut sink = RemoteSink::connect(opts.clone()).unwrap();
            assert_eq!(sink.resume_after(), 0);
            for seq in 1..=5 {
                sink.send(batch(seq, 400)).unwrap();
            }
            let sum = sink.finish().unwrap();
            assert_eq!((sum.batches_stored, sum.records_stored), (5, 15));
            assert_eq!(store.last_seq(), 5 * 4, "each batch and its watermark, durable when acked");
            // A new run of the same producer learns where to resume, sends nothing twice.
            let mut again = RemoteSink::connect(opts).unwrap();
            assert_eq!(again.resume_after(), 5);
            for seq in 1..=6 {
                again.send(batch(seq, 400)).unwrap();
            }
            let sum = again.finish().unwrap();
            assert_eq!((sum.batches_stored, sum.batches_already_stored), (1, 5));
            assert_eq!(store.last_seq(), 6 * 4);
        }),
    )
    .await
    .unwrap();
    // A batch sent again on the wire is answered "already stored" and not written.
    let sock = ep.sock.clone();
    let got = tokio::task::spawn_blocking(move || {
        let hello = Frame::Hello { producer: "unix-producer".into() };
        exchange(&sock, &frames(&[hello, Frame::Batch(batch(6, 400))]), 1)
    })
    .await
    .unwrap();
    assert!(matches!(got[0], Frame::Welcome { last_batch: 6, .. }), "{got:?}");
    assert!(matches!(got[1], Frame::Ack(a) if a.batch == 6 && a.already_stored), "{got:?}");
    assert_eq!(ep.store.last_seq(), 6 * 4);
    ep.stop.cancel();
    bounded("shutdown", ep.task).await.unwrap().unwrap();
}

#[tokio::test]
async fn refusals_say_what_and_where_and_store_nothing() {
    let ep = start().await;
    let sock = ep.sock.clone();
    let got = tokio::task::spawn_blocking(move || {
        let garbage = exchange(&sock, b"GET / HTTP/1.1\r\n\r\n", 0);
        let before_hello = exchange(&sock, &frames(&[Frame::Batch(batch(1, 400))]), 0);
        let hello = Frame::Hello { producer: "p".into() };
        let unknown = exchange(&sock, &frames(&[hello.clone(), Frame::Batch(batch(1, 77_777))]), 0);
        let gap = exchange(&sock, &frames(&[hello, Frame::Batch(batch(2, 400))]), 0);
        let mut cut = frames(&[Frame::Hello { producer: "q".into() }, Frame::Batch(batch(1, 400))]);
        let n = cut.len();
        cut[n - 44..n - 40].copy_from_slice(&1000u32.to_be_bytes()); // the last record's length
        let cut = exchange(&sock, &cut, 0);
        [garbage, before_hello, unknown, gap, cut]
    })
    .await
    .unwrap();
    let error = |fs: &[Frame]| match fs.last() {
        Some(Frame::Error { code, text, .. }) => (*code, text.clone()),
        other => panic!("expected an ERROR, got {other:?}"),
    };
    let (code, text) = error(&got[0]);
    assert_eq!(code, codes::MALFORMED);
    assert!(text.contains("magic byte"), "{text}");
    let (code, text) = error(&got[1]);
    assert_eq!(code, codes::UNEXPECTED);
    assert!(text.contains("BATCH frame while waiting for HELLO"), "{text}");
    let (code, text) = error(&got[2]);
    assert_eq!(code, codes::INVALID_BATCH);
    assert!(text.contains("batch 1 refused at record 0: record type 77777 is not in the catalog"), "{text}");
    let (code, text) = error(&got[3]);
    assert_eq!(code, codes::GAP);
    assert!(text.contains("batch 2 arrived but its last durable batch is 0"), "{text}");
    let (code, text) = error(&got[4]);
    assert_eq!(code, codes::MALFORMED);
    assert!(text.contains("record body cut off at byte"), "{text}");
    assert_eq!(ep.store.last_seq(), 0, "nothing of a refused batch is stored");
    ep.stop.cancel();
    bounded("shutdown", ep.task).await.unwrap().unwrap();
}

#[tokio::test]
async fn a_client_certificate_is_forbidden_and_a_sensor_one_feeds_over_tls() {
    let ep = start().await;
    let addr = ep.tcp;
    let store = Arc::clone(&ep.store);
    bounded(
        "TLS producers",
        tokio::task::spawn_blocking(move || {
            let config = |id| estreamer_pki::client_config(&id, &Default::default()).unwrap();
            let client = Endpoint::Tls { addr, config: config(shared_pki().identity()) };
            match RemoteSink::connect(RemoteOptions::new(client, "intruder")) {
                Err(IngestError::Refused { code, text, .. }) => {
                    assert_eq!(code, codes::FORBIDDEN);
                    assert!(text.contains("client certificate; this port admits sensor certificates only"), "{text}");
                }
                Err(e) => panic!("expected FORBIDDEN, got {e}"),
                Ok(_) => panic!("a client certificate was admitted"),
            }
            let sensor = Endpoint::Tls { addr, config: config(shared_pki().sensor_identity()) };
            let mut sink = RemoteSink::connect(RemoteOptions::new(sensor, "tls-sensor")).unwrap();
            sink.send(batch(1, 71)).unwrap();
            sink.finish().unwrap();
            assert_eq!(store.last_seq(), 4);
        }),
    )
    .await
    .unwrap();
    ep.stop.cancel();
    bounded("shutdown", ep.task).await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_tells_a_connected_producer_to_come_back_later() {
    let ep = start().await;
    let mut s = UnixStream::connect(&ep.sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut p = ProducerSession::new("waiting");
    s.write_all(&p.take_output()).unwrap();
    let (s, p) = tokio::task::spawn_blocking(move || {
        let (mut s, mut p) = (s, p);
        let mut buf = [0u8; 256];
        while !p.is_ready() {
            let n = s.read(&mut buf).unwrap();
            p.receive(&buf[..n]);
            p.poll().unwrap();
        }
        (s, p)
    })
    .await
    .unwrap();
    ep.stop.cancel();
    let ev = tokio::task::spawn_blocking(move || {
        let (mut s, mut p) = (s, p);
        let mut buf = [0u8; 256];
        loop {
            if let Some(ev) = p.poll().unwrap() {
                return ev;
            }
            let n = s.read(&mut buf).unwrap();
            assert!(n > 0, "closed without an ERROR");
            p.receive(&buf[..n]);
        }
    })
    .await
    .unwrap();
    assert!(matches!(ev, ProducerEvent::Refused { code: codes::SHUTDOWN, .. }), "{ev:?}");
    bounded("shutdown", ep.task).await.unwrap().unwrap();
    assert!(!ep.sock.exists(), "the socket file is removed on shutdown");
}
