//! Damage on disk: torn tails are cut, corruption with valid frames after it is kept,
//! skipped and reported, and nothing damaged is ever served.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use estreamer_store::{CorruptFrame, Cursor, Store, StoreOptions, StoreReader, StoredRecord, SyncPolicy};

const HDR: u64 = 28;

/// No fsync: these tests are about what is on disk after the fact, not durability.
fn opts(segment_bytes: u64, index_every: u32) -> StoreOptions {
    StoreOptions { segment_bytes, index_every, sync: SyncPolicy::Never, retention: None }
}

fn body(i: u64) -> Vec<u8> {
    format!("record body number {i:04}").into_bytes()
}

fn frame_len() -> u64 {
    HDR + body(1).len() as u64
}

fn drain(c: &mut Cursor) -> Vec<StoredRecord> {
    let mut out = Vec::new();
    while let Some(r) = c.next().unwrap() {
        out.push(r);
    }
    out
}

fn seqs_from(r: &StoreReader, ts: u32) -> (Vec<u64>, Vec<CorruptFrame>) {
    let mut c = r.cursor_from_time(ts).unwrap();
    let got = drain(&mut c);
    for rec in &got {
        assert_eq!(rec.body, body(rec.seq), "record {} served with its own body", rec.seq);
    }
    (got.iter().map(|r| r.seq).collect(), c.take_skipped())
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log") && p.file_name().unwrap() != "meta.log")
        .collect();
    v.sort();
    v
}

/// A store of records 1..=n, record i at archive_ts 1000 + i.
fn build(dir: &Path, o: &StoreOptions, n: u64) {
    let store = Store::open(dir, o.clone()).unwrap();
    for i in 1..=n {
        store.append_at(1, 1000 + i as u32, &body(i)).unwrap();
    }
}

fn flip(path: &Path, offset: u64) {
    let mut data = fs::read(path).unwrap();
    data[offset as usize] ^= 0x5A;
    fs::write(path, &data).unwrap();
}

fn without(range: std::ops::RangeInclusive<u64>, gone: &[u64]) -> Vec<u64> {
    range.filter(|s| !gone.contains(s)).collect()
}

#[test]
fn active_segment_cut_at_every_byte_of_its_last_frame() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(10 * frame_len(), 3);
    build(dir.path(), &o, 25);
    let segs = segments(dir.path());
    assert_eq!(segs.len(), 3);
    let active = segs.last().unwrap();
    let original = fs::read(active).unwrap();
    let full = original.len() as u64;
    for cut in full - frame_len()..full {
        fs::write(active, &original[..cut as usize]).unwrap();
        // A reader takes the cut frame for one being written: it neither fails nor serves it.
        let r = StoreReader::open(dir.path()).unwrap();
        let (got, skipped) = seqs_from(&r, 0);
        assert_eq!(got, (1..=24).collect::<Vec<_>>(), "cut at {cut}");
        assert!(skipped.is_empty(), "cut at {cut}: {skipped:?}");
        assert_eq!(r.last_seq().unwrap(), 24);

        let store = Store::open(dir.path(), o.clone()).unwrap();
        assert_eq!(fs::metadata(active).unwrap().len(), full - frame_len(), "torn tail cut at {cut}");
        assert_eq!(store.last_seq(), 24);
        assert!(store.corrupt_frames().is_empty(), "a torn tail is not corruption");
        assert_eq!(store.append_at(1, 1025, &body(25)).unwrap().seq, 25);
        let (got, skipped) = seqs_from(&store.reader(), 0);
        assert_eq!(got, (1..=25).collect::<Vec<_>>(), "cut at {cut}");
        assert!(skipped.is_empty());
        assert_eq!(seqs_from(&store.reader(), 1020).0, (20..=25).collect::<Vec<_>>());
    }
}

#[test]
fn garbage_after_the_tail_is_cut() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(1 << 20, 4);
    build(dir.path(), &o, 10);
    let seg = segments(dir.path()).pop().unwrap();
    let len = fs::metadata(&seg).unwrap().len();
    // Garbage that looks like frame starts but never verifies.
    let mut junk = Vec::new();
    for i in 0..500u32 {
        junk.extend_from_slice(&[0xE5, 1, 0, 0]);
        junk.extend_from_slice(&i.to_le_bytes());
    }
    OpenOptions::new().append(true).open(&seg).unwrap().write_all(&junk).unwrap();
    assert_eq!(seqs_from(&StoreReader::open(dir.path()).unwrap(), 0).0, (1..=10).collect::<Vec<_>>());
    let store = Store::open(dir.path(), o).unwrap();
    assert_eq!(fs::metadata(&seg).unwrap().len(), len);
    assert_eq!(store.last_seq(), 10);
    assert!(store.corrupt_frames().is_empty());
    assert_eq!(store.append(1, &body(11)).unwrap().seq, 11);
}

#[test]
fn flipped_byte_in_the_middle_of_the_active_segment_is_kept_skipped_and_reported() {
    // In the header (magic, length, seq) and in the body.
    for pos in [0, 9, 14, HDR + 3] {
        let dir = tempfile::tempdir().unwrap();
        let o = opts(1 << 20, 4);
        build(dir.path(), &o, 50);
        let seg = segments(dir.path()).pop().unwrap();
        let len = fs::metadata(&seg).unwrap().len();
        let bad_offset = 19 * frame_len(); // record 20
        flip(&seg, bad_offset + pos);

        let r = StoreReader::open(dir.path()).unwrap();
        let (got, skipped) = seqs_from(&r, 0);
        assert_eq!(got, without(1..=50, &[20]), "flip at +{pos}");
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let cf = &skipped[0];
        assert_eq!(
            (&cf.path, cf.offset, cf.len, cf.expected_seq, cf.resumed_seq),
            (&seg, bad_offset, frame_len(), 20, 21)
        );
        assert_eq!(cf.lost(), 1);
        let shown = cf.to_string();
        assert!(
            shown.contains(&seg.display().to_string()) && shown.contains(&format!("offset {bad_offset}")),
            "{shown}"
        );

        // Seeks land around it.
        assert_eq!(seqs_from(&r, 1020).0, (21..=50).collect::<Vec<_>>());
        assert_eq!(seqs_from(&r, 1019).0, without(19..=50, &[20]));
        let mut c = r.cursor_from_seq(20).unwrap();
        assert_eq!(c.next().unwrap().unwrap().seq, 21);

        // The writer keeps everything, reports the frame, and appends after the last seq.
        let store = Store::open(dir.path(), o.clone()).unwrap();
        assert_eq!(fs::metadata(&seg).unwrap().len(), len, "nothing truncated (flip at +{pos})");
        assert_eq!(store.last_seq(), 50);
        let found = store.corrupt_frames();
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].offset, found[0].expected_seq), (bad_offset, 20));
        assert_eq!(store.append_at(1, 2000, &body(51)).unwrap().seq, 51);
        assert_eq!(seqs_from(&store.reader(), 0).0, without(1..=51, &[20]));
        drop(store);
        let store = Store::open(dir.path(), o).unwrap();
        assert_eq!(store.last_seq(), 51);
        assert_eq!(seqs_from(&store.reader(), 0).0, without(1..=51, &[20]));
    }
}

#[test]
fn flipped_byte_in_a_sealed_segment_is_reported_and_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(10 * frame_len(), 3);
    build(dir.path(), &o, 40);
    let segs = segments(dir.path());
    assert_eq!(segs.len(), 4);
    // Record 15 (middle of the second segment) and record 30 (last of the third).
    flip(&segs[1], 4 * frame_len() + 20);
    flip(&segs[2], 9 * frame_len() + 30);

    let mid = (segs[1].clone(), 4 * frame_len(), 15, 16);
    let tail = (segs[2].clone(), 9 * frame_len(), 30, 31);
    let check = |r: &StoreReader, want: &[(PathBuf, u64, u64, u64)]| {
        let (got, skipped) = seqs_from(r, 0);
        assert_eq!(got, without(1..=40, &[15, 30]));
        let at: Vec<_> = skipped.iter().map(|c| (c.path.clone(), c.offset, c.expected_seq, c.resumed_seq)).collect();
        assert_eq!(at, want);
        let mut batch = r.cursor_from_seq(12).unwrap();
        let mut got = Vec::new();
        loop {
            let b = batch.next_batch(4, 1 << 20).unwrap();
            if b.is_empty() {
                break;
            }
            got.extend(b.iter().map(|r| r.seq));
        }
        assert_eq!(got, without(12..=40, &[15, 30]), "next_batch skips too");
        assert_eq!(batch.take_skipped().len(), want.len());
        assert_eq!(seqs_from(r, 1030).0, (31..=40).collect::<Vec<_>>());
    };
    let r = StoreReader::open(dir.path()).unwrap();
    check(&r, &[mid.clone(), tail.clone()]);
    assert_eq!(r.corrupt_frames().len(), 2, "logged once per reader, however many cursors");

    // Recovery checks a sealed segment after its last index entry: damage there with
    // nothing valid after it is cut (and reported); the frame before is kept.
    let store = Store::open(dir.path(), o).unwrap();
    assert_eq!(store.last_seq(), 40);
    assert_eq!(fs::metadata(&segs[2]).unwrap().len(), 9 * frame_len());
    let found = store.corrupt_frames();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((&found[0].path, found[0].offset, found[0].expected_seq), (&tail.0, tail.1, 30));
    assert!(found[0].reason.contains("cut"), "{}", found[0]);
    check(&store.reader(), std::slice::from_ref(&mid));
    assert_eq!(store.corrupt_frames().len(), 2, "recovery and readers report to the same place");
    assert_eq!(store.append(1, &body(41)).unwrap().seq, 41);
}

#[test]
fn corrupt_first_frame_of_a_segment_does_not_break_time_seeks() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(10 * frame_len(), 2);
    build(dir.path(), &o, 40);
    let segs = segments(dir.path());
    flip(&segs[2], 1); // record 21: bad version byte
    let r = StoreReader::open(dir.path()).unwrap();
    for ts in [1000, 1015, 1020, 1021, 1022, 1035] {
        let want: Vec<u64> = (1..=40).filter(|&s| s != 21 && 1000 + s >= u64::from(ts)).collect();
        assert_eq!(seqs_from(&r, ts).0, want, "from ts {ts}");
    }
    assert_eq!(r.corrupt_frames().len(), 1);
}
