//! Decoders fed arbitrary bytes never panic; every message survives encode → decode.
//! The fuzz corpus in `fuzz/corpus/<target>/` (fuzzer finds) and the golden vectors are
//! replayed here so that `cargo test` covers what the fuzz targets found.

use estreamer_wire::message::*;
use estreamer_wire::session::{ClientConfig, ClientSession, ServerConfig, ServerSession};
use estreamer_wire::{check, decode_record, RecordHead};
use proptest::prelude::*;

use crate::common;

/// Everything a hostile peer can reach.
fn feed_everything(data: &[u8]) {
    let _ = check(data, 1 << 20);
    let _ = Message::decode(data);
    let _ = EventData::parse(data);
    let _ = Bundle::read_lenient(data);
    if data.len() >= 4 {
        let rt = u32::from_be_bytes(data[..4].try_into().unwrap());
        let _ = decode_record(RecordHead { record_type: rt % 1024, archive_ts: 0, checksum: 0 }, &data[4..]);
    }
    for rt in [2, 4, 9, 10, 71, 95, 110, 112, 125, 400, 500, 530, 66] {
        let _ = decode_record(RecordHead { record_type: rt, archive_ts: 0, checksum: 0 }, data);
    }
    let mut s = ServerSession::new(ServerConfig::default(), 0);
    s.receive(data, 0);
    let mut c = ClientSession::new(ClientConfig::default(), 0);
    let _ = c.receive(data, 0);
    while c.poll_event().is_some() {}
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        feed_everything(&data);
    }

    #[test]
    fn random_operation_sequences_keep_the_sessions_promises(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        estreamer_wire::fuzzing::server_ops(&data);
        estreamer_wire::fuzzing::client_ops(&data);
    }

    #[test]
    fn framed_random_bodies_never_panic(t in prop::sample::select(vec![0u16, 1, 2, 4, 5, 6, 7, 2049, 2051, 4002, 9]), body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut m = vec![0, 1];
        m.extend_from_slice(&t.to_be_bytes());
        m.extend_from_slice(&(body.len() as u32).to_be_bytes());
        m.extend_from_slice(&body);
        feed_everything(&m);
    }

    #[test]
    fn mutated_vectors_never_panic(idx in 0usize..200, pos in any::<usize>(), byte in any::<u8>()) {
        let files = corpus();
        let mut data = files[idx % files.len()].to_vec();
        if !data.is_empty() {
            let p = pos % data.len();
            data[p] = byte;
        }
        feed_everything(&data);
    }

    #[test]
    fn messages_round_trip(code in any::<i32>(), text in proptest::collection::vec(any::<u8>(), 0..100),
                           ts in any::<u32>(), fl in any::<u32>(), conn in any::<u32>(), seq in any::<u32>(),
                           rt in 0u32..1000, body in proptest::collection::vec(any::<u8>(), 0..100), ext in any::<bool>(),
                           events in proptest::collection::vec((1u16.., 1u16..), 0..12)) {
        let ed = EventData { record_type: rt, archive: ext.then_some((ts, 0)), body: body.clone() };
        let host = HostRequest { data_type: 7, flags: fl, start: [1; 16], end: [2; 16], legacy: false };
        let msgs = vec![
            Message::Null,
            Message::Error(ErrorMessage { code, text }),
            Message::EventStreamRequest(EventStreamRequest { initial_timestamp: ts, flags: fl }),
            Message::EventData(ed.clone()),
            Message::HostRequest(host),
            Message::Bundle(Bundle { connection_id: conn, sequence: seq, items: vec![ed.clone(), ed] }),
            Message::StreamingRequest(StreamingService::request(fl, ts, events.into_iter().map(|(version, code)| EventSpec { version, code }).collect())),
            Message::StreamingInformation(vec![StreamingService::advertise(6667), StreamingService::advertise(5000)]),
        ];
        for m in msgs {
            let bytes = m.to_bytes().unwrap();
            prop_assert_eq!(check(&bytes, usize::MAX).unwrap(), Some(bytes.len()));
            prop_assert_eq!(check(&bytes[..bytes.len() - 1], usize::MAX).unwrap(), None);
            prop_assert_eq!(Message::decode(&bytes).unwrap(), m);
        }
    }
}

/// The golden vectors and the fuzz corpus, read from disk once per test binary.
fn corpus() -> &'static [Vec<u8>] {
    static CORPUS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    CORPUS.get_or_init(read_corpus)
}

fn read_corpus() -> Vec<Vec<u8>> {
    let mut out = vec![];
    let fuzz = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus"));
    // Golden vectors: their `.bin` files; fuzz corpus directories: every file (fuzzer names).
    let mut dirs = vec![(common::vectors_dir(), true)];
    dirs.extend(std::fs::read_dir(fuzz).into_iter().flatten().flatten().map(|e| (e.path(), false)));
    for (dir, only_bin) in dirs {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_file() && (!only_bin || p.extension().is_some_and(|x| x == "bin")) {
                out.push(std::fs::read(p).unwrap());
            }
        }
    }
    out
}

#[test]
fn corpus_replays_without_panics() {
    let files = corpus();
    assert!(files.len() >= 100);
    for f in files {
        // The fuzz targets' own properties, then everything else a peer can reach.
        estreamer_wire::fuzzing::message(f);
        estreamer_wire::fuzzing::record(f);
        estreamer_wire::fuzzing::sessions(f);
        estreamer_wire::fuzzing::server_ops(f);
        estreamer_wire::fuzzing::client_ops(f);
        estreamer_wire::fuzzing::capture(f);
        estreamer_wire::fuzzing::json_record(f);
        estreamer_wire::fuzzing::host_block(f);
        feed_everything(f);
        // Every prefix too: truncated messages are the common case on a socket.
        for cut in (0..f.len()).step_by(7) {
            feed_everything(&f[..cut]);
        }
    }
}
