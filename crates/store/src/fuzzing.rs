//! Entry points for the fuzz targets (`fuzz/`) and the corpus replay in the tests: the store's
//! frame reader and recovery on arbitrary file contents, and the network map on arbitrary
//! records and snapshots. Each panics only if a property is violated.

use std::path::Path;

use crate::netmap::NetMap;
use crate::{verify, Store, StoreOptions, StoreReader, SyncPolicy};

/// Arbitrary bytes as the files of a store: the first byte picks which file they become (the
/// active segment, a sealed segment before a good one, its index, or the metadata table).
/// Readers, `verify` and recovery never panic; whatever a reader returns has consecutive seqs
/// or reported gaps and non-decreasing archival times; recovery then accepts appends.
pub fn store_files(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path();
    let opts = StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() };
    let name = match pick % 4 {
        0 => crate::segment::log_name(1),
        1 => crate::segment::idx_name(1),
        2 => "meta.log".to_string(),
        // The first of several segments: the good ones after it must still be served.
        _ => crate::segment::log_name(1),
    };
    // The good segments' records must all be served — unless the fuzz bytes themselves hold
    // valid frames, whose seqs may overlap them (files that contradict each other: the reader
    // then skips what it already passed, by design).
    let good_after = match pick % 4 {
        3 => {
            let checkable = valid_frames(bytes) == 0;
            let good = good_segments(path);
            if checkable {
                good
            } else {
                0
            }
        }
        _ => 0,
    };
    if std::fs::write(path.join(name), bytes).is_err() {
        return;
    }
    let _ = verify(path);
    if let Ok(reader) = StoreReader::open(path) {
        let served = read_all(&reader);
        assert!(served >= good_after, "records of the good segments are served: {served} of {good_after}");
        let _ = reader.metadata();
    }
    if let Ok(store) = Store::open(path, opts) {
        let before = read_all(&store.reader());
        let appended = store.append(400, b"after recovery").expect("a recovered store takes appends");
        let after = read_all(&store.reader());
        assert_eq!(after, before + 1, "the appended record ({appended:?}) is served after the rest");
    }
}

/// How many records a reader finds in `bytes` taken as a store's only segment.
fn valid_frames(bytes: &[u8]) -> usize {
    let Ok(dir) = tempfile::tempdir() else { return usize::MAX };
    if std::fs::write(dir.path().join(crate::segment::log_name(1)), bytes).is_err() {
        return usize::MAX;
    }
    StoreReader::open(dir.path()).map_or(usize::MAX, |r| read_all(&r))
}

/// A store of small segments; returns how many records are not in the first segment.
fn good_segments(path: &Path) -> usize {
    let opts = StoreOptions { sync: SyncPolicy::Never, segment_bytes: 200, ..StoreOptions::default() };
    let Ok(store) = Store::open(path, opts) else { return 0 };
    for i in 0..12u8 {
        if store.append(400, &[i; 40]).is_err() {
            return 0;
        }
    }
    drop(store);
    let first = std::fs::read(path.join(crate::segment::log_name(1))).map(|b| b.len()).unwrap_or(0);
    // Each frame is 28 header bytes + 40 body bytes.
    12 - first / 68
}

/// Read every retained record, as a client asking for the oldest data does (by time: a seq seek
/// to 0 reports `Expired` when the first segments are gone); check order. Returns how many.
fn read_all(reader: &StoreReader) -> usize {
    let Ok(mut cursor) = reader.cursor_from_time(0) else { return 0 };
    let (mut n, mut last_seq, mut last_ts) = (0usize, 0u64, 0u32);
    for _ in 0..100_000 {
        match cursor.next() {
            Ok(Some(r)) => {
                assert!(r.seq > last_seq, "seqs increase: {} after {last_seq}", r.seq);
                assert!(r.archive_ts >= last_ts, "archival time never goes back");
                (last_seq, last_ts) = (r.seq, r.archive_ts);
                n += 1;
            }
            _ => break,
        }
    }
    n
}

/// Arbitrary discovery records applied to a small network map (the first two bytes pick the
/// record type), then its snapshot bytes read back; arbitrary snapshot bytes never panic the
/// loader.
pub fn netmap(data: &[u8]) {
    let mut map = NetMap::new(16);
    for (i, chunk) in data.chunks(64).enumerate() {
        if chunk.len() < 2 {
            break;
        }
        let rt = u32::from(u16::from_be_bytes([chunk[0], chunk[1]])) % 200;
        map.apply(i as u64 + 1, rt, &chunk[2..]);
    }
    let bytes = map.snapshot_bytes();
    let back = NetMap::from_snapshot_bytes(&bytes, 16).expect("a map reads its own snapshot");
    assert_eq!(back.len(), map.len());
    let _ = NetMap::from_snapshot_bytes(data, 16);
}
