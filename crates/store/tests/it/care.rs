//! Store care: stats, verify and compact, also while a store is open and being read.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::time::Duration;

use estreamer_store::{compact, stats, verify, Item, Retention, Store, StoreError, StoreOptions, SyncPolicy};

const FRAME: u64 = 28 + 10;

fn opts() -> StoreOptions {
    StoreOptions { segment_bytes: 10 * FRAME, index_every: 3, sync: SyncPolicy::Never, retention: None }
}

/// Records 1..=n, 10 per segment, record i of type 100 + i % 3 at archive_ts 1_000_000 + i.
fn build(dir: &Path, n: u64) -> Store {
    let store = Store::open(dir, opts()).unwrap();
    for i in 1..=n {
        store.append_at(100 + (i % 3) as u32, 1_000_000 + i as u32, format!("body {i:05}").as_bytes()).unwrap();
    }
    store
}

fn seg(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("seg-{first:020}.log"))
}

fn flip(path: &Path, offset: u64) {
    let mut d = fs::read(path).unwrap();
    d[offset as usize] ^= 0x10;
    fs::write(path, d).unwrap();
}

#[test]
fn stats_counts_records_by_type_time_seq_and_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let store = build(dir.path(), 35);
    store
        .append_batch_with_meta(&[Item { record_type: 15, archive_ts: None, body: b"meta", meta_key: Some(b"k") }])
        .unwrap();
    let st = stats(dir.path()).unwrap();
    assert_eq!((st.segments, st.records), (4, 36));
    assert_eq!((st.first_seq, st.last_seq), (Some(1), Some(36)));
    assert_eq!(st.first_archive_ts, Some(1_000_001));
    assert!(st.last_archive_ts.unwrap() > 1_600_000_000, "the metadata record is stamped now");
    assert_eq!(st.by_type.get(&100), Some(&11));
    assert_eq!(st.by_type.get(&101), Some(&12));
    assert_eq!(st.by_type.get(&102), Some(&12));
    assert_eq!(st.by_type.get(&15), Some(&1));
    assert_eq!(st.segment_bytes, 35 * FRAME + 28 + 4);
    assert!(st.index_bytes > 0 && st.meta_bytes > 0);
    assert_eq!(st.metadata_entries, 1);
    assert_eq!(st.corrupt_frames, 0);
    let shown = st.to_string();
    for want in ["records        36", "seq            1 .. 36", "1970-01-12T13:46:41Z (1000001)", "     101  12"] {
        assert!(shown.contains(want), "{want:?} in\n{shown}");
    }
    assert!(matches!(stats(&dir.path().join("nope")), Err(StoreError::Io { .. })));
    let empty = tempfile::tempdir().unwrap();
    assert!(matches!(stats(empty.path()), Err(StoreError::NotAStore { .. })));
}

#[test]
fn verify_names_every_bad_frame_and_index() {
    let dir = tempfile::tempdir().unwrap();
    let store = build(dir.path(), 45);
    assert!(verify(dir.path()).unwrap().is_ok(), "{}", verify(dir.path()).unwrap());

    flip(&seg(dir.path(), 11), 2 * FRAME + 5); // record 13
    flip(&seg(dir.path(), 21), 9 * FRAME + 30); // record 30, the last of its segment
    fs::write(dir.path().join(format!("seg-{:020}.idx", 1)), b"junk").unwrap();
    fs::remove_file(dir.path().join(format!("seg-{:020}.idx", 31))).unwrap();
    let active = seg(dir.path(), 41);
    let len = fs::metadata(&active).unwrap().len();
    OpenOptions::new().write(true).open(&active).unwrap().set_len(len - 3).unwrap();

    let rep = verify(dir.path()).unwrap();
    assert!(!rep.is_ok());
    assert_eq!((rep.segments, rep.records), (5, 42));
    let at: Vec<_> = rep.corrupt.iter().map(|c| (c.path.clone(), c.offset, c.expected_seq, c.resumed_seq)).collect();
    assert_eq!(at, vec![(seg(dir.path(), 11), 2 * FRAME, 13, 14), (seg(dir.path(), 21), 9 * FRAME, 30, 31)]);
    let torn = rep.torn_tail.as_ref().unwrap();
    assert_eq!((torn.path.clone(), torn.offset, torn.expected_seq), (active.clone(), 4 * FRAME, 45));
    let idx: Vec<_> = rep.index_problems.iter().map(|p| p.path.file_name().unwrap().to_owned()).collect();
    // Segment 21's index has an entry for the damaged record 30: it no longer matches.
    assert_eq!(
        idx,
        vec!["seg-00000000000000000001.idx", "seg-00000000000000000021.idx", "seg-00000000000000000031.idx"]
    );
    assert!(rep.gaps.is_empty());
    let shown = rep.to_string();
    for want in [
        "DAMAGED".to_string(),
        format!("corrupt frame in {} at offset {} (expected seq 13", seg(dir.path(), 11).display(), 2 * FRAME),
        "missing (rebuilt at the next open)".to_string(),
        format!("incomplete frame at the end of {}", active.display()),
    ] {
        assert!(shown.contains(&want), "{want:?} in\n{shown}");
    }
    drop(store);
}

#[test]
fn compact_applies_retention_on_a_store_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let store = build(dir.path(), 55); // six segments, the last one active
    let reader = store.reader();
    let mut c = reader.cursor_from_seq(1).unwrap();
    assert_eq!(c.next().unwrap().unwrap().seq, 1);

    // By size: keep at most three full segments' worth.
    let rep = compact(dir.path(), &Retention { max_bytes: Some(3 * 10 * FRAME), max_age: None }).unwrap();
    let removed: Vec<u64> = rep.removed.iter().map(|r| r.first_seq).collect();
    assert_eq!(removed, vec![1, 11, 21]);
    assert!(rep.removed.iter().all(|r| r.reason == "size" && r.bytes == 10 * FRAME));
    assert_eq!(rep.removed[0].last_archive_ts, 1_000_010);
    assert_eq!((rep.kept_segments, rep.kept_bytes), (3, 25 * FRAME));
    assert_eq!(rep.freed_bytes(), 30 * FRAME);
    assert!(rep.to_string().contains("removed 3 segments"), "{rep}");
    assert!(!seg(dir.path(), 1).exists() && !dir.path().join(format!("seg-{:020}.idx", 1)).exists());

    // The open cursor finishes its segment through its handle, then reports the loss.
    let mut got = Vec::new();
    let err = loop {
        match c.next() {
            Ok(Some(r)) => got.push(r.seq),
            Ok(None) => panic!("expected Expired after {got:?}"),
            Err(e) => break e,
        }
    };
    assert!(matches!(err, StoreError::Expired { requested: 11, oldest: 31 }), "{err}");
    // The writer goes on, and its own retention later is not confused.
    assert_eq!(store.append(1, b"after compaction").unwrap().seq, 56);
    assert_eq!(reader.cursor_from_time(0).unwrap().next().unwrap().unwrap().seq, 31);

    // By age: every sealed segment (records from 1970), never the active one.
    let rep = compact(dir.path(), &Retention { max_bytes: None, max_age: Some(Duration::from_secs(3600)) }).unwrap();
    assert_eq!(rep.removed.iter().map(|r| r.first_seq).collect::<Vec<_>>(), vec![31, 41]);
    assert!(rep.removed.iter().all(|r| r.reason == "age"));
    assert_eq!(rep.kept_segments, 1);
    assert!(compact(dir.path(), &Retention::default()).unwrap().removed.is_empty());
    drop(store);
    let store = Store::open(dir.path(), opts()).unwrap();
    assert_eq!(store.last_seq(), 56);
}
