//! Store behaviour on real files in temporary directories.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use estreamer_store::{
    Cursor, Retention, Store, StoreError, StoreOptions, StoreReader, StoredRecord, SyncPolicy, MAX_RECORD_BYTES,
};

const HDR: u64 = 28;

/// Default options without fsync: only the tests about durability need it.
fn quick() -> StoreOptions {
    StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }
}

fn opts(segment_bytes: u64, index_every: u32) -> StoreOptions {
    StoreOptions { segment_bytes, index_every, ..quick() }
}

fn drain(c: &mut Cursor) -> Vec<StoredRecord> {
    let mut out = Vec::new();
    while let Some(r) = c.next().unwrap() {
        out.push(r);
    }
    out
}

fn seqs(rs: &[StoredRecord]) -> Vec<u64> {
    rs.iter().map(|r| r.seq).collect()
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == ext) && p.file_name().unwrap().to_str().unwrap().starts_with("seg-")
        })
        .collect();
    v.sort();
    v
}

fn body(i: u64) -> Vec<u8> {
    format!("record body number {i}").into_bytes()
}

fn from_time(r: &StoreReader, ts: u32) -> Vec<u64> {
    seqs(&drain(&mut r.cursor_from_time(ts).unwrap()))
}

#[test]
fn types_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Store>();
    send_sync::<StoreReader>();
    send::<Cursor>();
}

#[test]
fn append_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.last_seq(), 0);
    let mut prev_ts = 0;
    for i in 1..=20u64 {
        let a = store.append(100 + i as u32, &body(i)).unwrap();
        assert_eq!(a.seq, i);
        assert!(a.archive_ts >= prev_ts);
        prev_ts = a.archive_ts;
    }
    assert_eq!(store.last_seq(), 20);
    assert_eq!(store.last_archive_ts(), prev_ts);
    let got = drain(&mut store.reader().cursor_from_time(0).unwrap());
    assert_eq!(got.len(), 20);
    for (i, r) in got.iter().enumerate() {
        let i = i as u64 + 1;
        assert_eq!((r.seq, r.record_type, &r.body), (i, 100 + i as u32, &body(i)));
    }
    assert_eq!(store.reader().last_seq().unwrap(), 20);
}

#[test]
fn append_at_keeps_time_monotone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.append_at(1, 100, b"a").unwrap().archive_ts, 100);
    assert_eq!(store.append_at(1, 50, b"b").unwrap().archive_ts, 100);
    assert_eq!(store.append_at(1, 200, b"c").unwrap().archive_ts, 200);
    let now = store.append(1, b"d").unwrap().archive_ts;
    assert!(now > 1_600_000_000, "append() uses the wall clock");
    // A timestamp from the future sticks: later records may not go back before it.
    let future = now + 10_000;
    assert_eq!(store.append_at(1, future, b"e").unwrap().archive_ts, future);
    assert_eq!(store.append(1, b"f").unwrap().archive_ts, future);
}

#[test]
fn append_batch_is_one_run_of_seqs() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(1 << 20, 4)).unwrap();
    store.append(7, b"first").unwrap();
    let bodies: Vec<Vec<u8>> = (0..50).map(body).collect();
    let items: Vec<(u32, &[u8])> = bodies.iter().map(|b| (9, b.as_slice())).collect();
    let out = store.append_batch(&items).unwrap();
    assert_eq!(out.iter().map(|a| a.seq).collect::<Vec<_>>(), (2..=51).collect::<Vec<_>>());
    assert!(out.windows(2).all(|w| w[0].archive_ts <= w[1].archive_ts));
    assert!(store.append_batch(&[]).unwrap().is_empty());
    let got = drain(&mut store.reader().cursor_from_seq(2).unwrap());
    assert_eq!(got.len(), 50);
    assert_eq!(got[49].body, bodies[49]);
}

#[test]
fn batch_larger_than_a_segment_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(100, 2)).unwrap();
    store.append(1, &[1; 10]).unwrap();
    let big = [0u8; 60];
    let out = store.append_batch(&[(1, &big[..]), (1, &big[..]), (1, &big[..])]).unwrap();
    assert_eq!(out[0].seq, 2);
    // One segment for the first record, one for the whole batch.
    let segs = files(dir.path(), "log");
    assert_eq!(segs.len(), 2);
    assert_eq!(fs::metadata(&segs[1]).unwrap().len(), 3 * (HDR + 60));
    assert_eq!(drain(&mut store.reader().cursor_from_time(0).unwrap()).len(), 4);
}

#[test]
fn reopen_after_drop_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts(300, 3)).unwrap();
        for i in 1..=30 {
            store.append_at(5, 1000 + i as u32, &body(i)).unwrap();
        }
        store.put_metadata(1, b"k", b"v").unwrap();
    }
    let store = Store::open(dir.path(), opts(300, 3)).unwrap();
    assert_eq!(store.last_seq(), 30);
    assert_eq!(store.last_archive_ts(), 1030);
    let a = store.append_at(5, 10, b"late").unwrap();
    assert_eq!((a.seq, a.archive_ts), (31, 1030), "seq continues, time stays monotone");
    let got = drain(&mut store.reader().cursor_from_time(0).unwrap());
    assert_eq!(seqs(&got), (1..=31).collect::<Vec<_>>());
    assert_eq!(got[9].body, body(10));
    assert_eq!(store.metadata().len(), 1);
}

#[test]
fn cursor_from_time_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(1 << 20, 2)).unwrap();
    for ts in [100, 100, 200, 300, 300] {
        store.append_at(1, ts, b"x").unwrap();
    }
    let r = store.reader();
    assert_eq!(from_time(&r, 0), vec![1, 2, 3, 4, 5]);
    assert_eq!(from_time(&r, 50), vec![1, 2, 3, 4, 5], "before first");
    assert_eq!(from_time(&r, 100), vec![1, 2, 3, 4, 5], "exact first");
    assert_eq!(from_time(&r, 150), vec![3, 4, 5], "between");
    assert_eq!(from_time(&r, 200), vec![3, 4, 5], "exact middle");
    assert_eq!(from_time(&r, 300), vec![4, 5], "exact last");
    assert_eq!(from_time(&r, 301), Vec::<u64>::new(), "after last");

    // After the last record: waits at the end, and skips later records still too early.
    let mut after = r.cursor_from_time(1000).unwrap();
    let mut only_new = r.cursor_from_time(u32::MAX).unwrap();
    assert!(after.next().unwrap().is_none());
    assert!(only_new.next().unwrap().is_none());
    store.append_at(1, 500, b"early").unwrap();
    store.append_at(1, 1000, b"on time").unwrap();
    assert_eq!(seqs(&drain(&mut after)), vec![7]);
    assert_eq!(seqs(&drain(&mut only_new)), vec![6, 7], "u32::MAX means everything new");
}

#[test]
fn live_tail_returns_new_records() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    let mut c = store.reader().cursor_from_time(0).unwrap();
    assert!(c.next().unwrap().is_none(), "empty store");
    store.append(1, b"one").unwrap();
    assert_eq!(c.next().unwrap().unwrap().body, b"one");
    assert!(c.next().unwrap().is_none());
    assert!(c.next().unwrap().is_none());
    store.append(1, b"two").unwrap();
    let r = c.next().unwrap().unwrap();
    assert_eq!((r.seq, r.body.as_slice()), (2, &b"two"[..]));
}

#[test]
fn live_tail_follows_segment_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(100, 2)).unwrap();
    store.append(1, b"seed").unwrap();
    let mut c = store.reader().cursor_from_time(u32::MAX).unwrap();
    let mut seen = Vec::new();
    for i in 2..=40u64 {
        store.append(1, &body(i)).unwrap();
        if i % 3 == 0 {
            seen.extend(seqs(&drain(&mut c)));
        }
    }
    seen.extend(seqs(&drain(&mut c)));
    assert_eq!(seen, (2..=40).collect::<Vec<_>>());
    assert!(files(dir.path(), "log").len() > 10);
}

#[test]
fn concurrent_reader_thread_sees_everything_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions { sync: SyncPolicy::Never, ..opts(2000, 8) }).unwrap();
    let reader = store.reader();
    const N: u64 = 3000;
    let t = std::thread::spawn(move || {
        let mut c = reader.cursor_from_time(0).unwrap();
        let mut next = 1;
        while next <= N {
            match c.next().unwrap() {
                Some(r) => {
                    assert_eq!(r.seq, next);
                    assert_eq!(r.body, body(next));
                    next += 1;
                }
                None => std::thread::yield_now(),
            }
        }
    });
    for i in 1..=N {
        store.append(3, &body(i)).unwrap();
    }
    t.join().unwrap();
}

#[test]
fn cursor_from_seq_positions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(150, 2)).unwrap();
    for i in 1..=20 {
        store.append(1, &body(i)).unwrap();
    }
    let r = store.reader();
    for start in [0u64, 1, 2, 7, 13, 20] {
        let got = seqs(&drain(&mut r.cursor_from_seq(start).unwrap()));
        assert_eq!(got, (start.max(1)..=20).collect::<Vec<_>>(), "from seq {start}");
    }
    let mut beyond = r.cursor_from_seq(23).unwrap();
    assert!(beyond.next().unwrap().is_none());
    for i in 21..=24 {
        store.append(1, &body(i)).unwrap();
    }
    assert_eq!(seqs(&drain(&mut beyond)), vec![23, 24]);
}

#[test]
fn next_batch_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(1 << 20, 4)).unwrap();
    for i in 1..=10u64 {
        store.append(1, &[i as u8; 100]).unwrap();
    }
    let mut c = store.reader().cursor_from_time(0).unwrap();
    assert!(c.next_batch(0, 1000).unwrap().is_empty());
    assert_eq!(seqs(&c.next_batch(3, 10_000).unwrap()), vec![1, 2, 3]);
    assert_eq!(seqs(&c.next_batch(100, 250).unwrap()), vec![4, 5], "bytes bound");
    assert_eq!(seqs(&c.next_batch(100, 10).unwrap()), vec![6], "an oversized first record still comes");
    assert_eq!(c.next_seq(), 7);
    assert_eq!(seqs(&c.next_batch(100, 1 << 20).unwrap()), vec![7, 8, 9, 10]);
    assert!(c.next_batch(100, 1 << 20).unwrap().is_empty());
}

#[test]
fn torn_tail_mid_frame_is_truncated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let frame_len = {
        let store = Store::open(dir.path(), quick()).unwrap();
        for i in 1..=10 {
            store.append(1, &body(i)).unwrap();
        }
        HDR + body(10).len() as u64
    };
    let seg = &files(dir.path(), "log")[0];
    let full = fs::metadata(seg).unwrap().len();
    let f = OpenOptions::new().write(true).open(seg).unwrap();
    f.set_len(full - 5).unwrap();
    drop(f);

    // A reader does not repair, does not fail: the torn frame looks like a writer mid-append.
    let r = StoreReader::open(dir.path()).unwrap();
    assert_eq!(from_time(&r, 0), (1..=9).collect::<Vec<_>>());
    assert_eq!(r.last_seq().unwrap(), 9);
    assert_eq!(fs::metadata(seg).unwrap().len(), full - 5);

    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(fs::metadata(seg).unwrap().len(), full - frame_len);
    assert_eq!(store.last_seq(), 9);
    assert_eq!(store.append(1, b"again").unwrap().seq, 10);
    let got = drain(&mut store.reader().cursor_from_time(0).unwrap());
    assert_eq!(seqs(&got), (1..=10).collect::<Vec<_>>());
    assert_eq!(got[9].body, b"again");
}

/// A process killed in the middle of a batch's write leaves some of the batch's frames whole: on
/// open the whole batch goes (it was never acknowledged, its producer sends it again), whether the
/// cut falls between its frames or inside one, and the batches before it stay.
#[test]
fn a_batch_cut_short_by_a_crash_is_removed_whole_on_open() {
    let bodies: Vec<Vec<u8>> = (1..=5).map(body).collect();
    let frame_len = HDR + bodies[0].len() as u64;
    // Cut after 1..4 whole frames of the second batch, and inside its third frame.
    for cut in [frame_len, 2 * frame_len, 3 * frame_len, 4 * frame_len, 2 * frame_len + 7] {
        let dir = tempfile::tempdir().unwrap();
        let first_batch_end = {
            let store = Store::open(dir.path(), quick()).unwrap();
            let items: Vec<(u32, &[u8])> = bodies.iter().map(|b| (1u32, b.as_slice())).collect();
            store.append_batch(&items).unwrap();
            let seg = &files(dir.path(), "log")[0];
            let end = fs::metadata(seg).unwrap().len();
            store.append_batch(&items).unwrap();
            end
        };
        let seg = &files(dir.path(), "log")[0];
        OpenOptions::new().write(true).open(seg).unwrap().set_len(first_batch_end + cut).unwrap();

        let store = Store::open(dir.path(), quick()).unwrap();
        assert_eq!(fs::metadata(seg).unwrap().len(), first_batch_end, "cut at {cut}: the partial batch is gone");
        assert_eq!(store.last_seq(), 5, "cut at {cut}");
        assert_eq!(store.append(1, b"again").unwrap().seq, 6);
        let got = drain(&mut store.reader().cursor_from_time(0).unwrap());
        assert_eq!(seqs(&got), (1..=6).collect::<Vec<_>>(), "cut at {cut}");
    }
}

#[test]
fn corrupt_bytes_in_last_frame_are_truncated_on_open() {
    for pos_from_end in [1u64, 12, 40] {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), quick()).unwrap();
            for i in 1..=10 {
                store.append(1, &body(i)).unwrap();
            }
        }
        let seg = &files(dir.path(), "log")[0];
        let mut data = fs::read(seg).unwrap();
        let n = data.len();
        data[n - pos_from_end as usize] ^= 0x55;
        fs::write(seg, &data).unwrap();

        assert_eq!(from_time(&StoreReader::open(dir.path()).unwrap(), 0).len(), 9);
        let store = Store::open(dir.path(), quick()).unwrap();
        assert_eq!(store.last_seq(), 9, "flip at -{pos_from_end}");
        assert_eq!(store.append(1, b"x").unwrap().seq, 10);
        assert_eq!(from_time(&store.reader(), 0), (1..=10).collect::<Vec<_>>());
    }
}

#[test]
fn zero_filled_tail_is_truncated_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), quick()).unwrap();
        for i in 1..=3 {
            store.append(1, &body(i)).unwrap();
        }
    }
    let seg = &files(dir.path(), "log")[0];
    let len = fs::metadata(seg).unwrap().len();
    OpenOptions::new().append(true).open(seg).unwrap().write_all(&[0; 4096]).unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(fs::metadata(seg).unwrap().len(), len);
    assert_eq!(store.last_seq(), 3);
}

#[test]
fn absurd_length_on_disk_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), quick()).unwrap();
        store.append(1, b"good").unwrap();
    }
    let seg = &files(dir.path(), "log")[0];
    let good_len = fs::metadata(seg).unwrap().len();
    for claimed in [u32::MAX, MAX_RECORD_BYTES as u32, MAX_RECORD_BYTES as u32 + 1] {
        // A plausible header claiming a huge body, with only a few bytes behind it.
        let mut h = vec![0xE5, 1, 0, 0, 0, 0, 0, 0];
        h.extend_from_slice(&claimed.to_le_bytes());
        h.extend_from_slice(&2u64.to_le_bytes());
        h.extend_from_slice(&[0; 8]);
        h.extend_from_slice(b"tiny");
        OpenOptions::new().append(true).open(seg).unwrap().write_all(&h).unwrap();

        let r = StoreReader::open(dir.path()).unwrap();
        assert_eq!(from_time(&r, 0), vec![1]);
        assert_eq!(r.last_seq().unwrap(), 1);
        let store = Store::open(dir.path(), quick()).unwrap();
        assert_eq!(store.last_seq(), 1);
        assert_eq!(fs::metadata(seg).unwrap().len(), good_len);
    }
}

#[test]
fn absurd_length_in_a_sealed_segment_is_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts(100, 1)).unwrap();
        for i in 1..=6 {
            store.append(1, &body(i)).unwrap();
        }
    }
    let segs = files(dir.path(), "log");
    assert!(segs.len() >= 3);
    let mut data = fs::read(&segs[1]).unwrap();
    data[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
    fs::write(&segs[1], &data).unwrap();
    let r = StoreReader::open(dir.path()).unwrap();
    let mut c = r.cursor_from_time(0).unwrap();
    let got = seqs(&drain(&mut c));
    // Two records per segment: the second segment starts with record 3.
    assert_eq!(got, vec![1, 2, 4, 5, 6], "the damaged record 3 is skipped, nothing after it is lost");
    let skipped = c.take_skipped();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!((skipped[0].path.clone(), skipped[0].offset, skipped[0].expected_seq), (segs[1].clone(), 0, 3));
    assert!(skipped[0].reason.contains("exceeds the maximum"), "{}", skipped[0]);
    assert_eq!(r.corrupt_frames(), skipped);
}

#[test]
fn sealed_segment_torn_tail_is_cut_and_gap_skipped() {
    // What an unsynced (SyncPolicy::Never) crash can leave: the previous segment lost its
    // tail while the next one survived.
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts(120, 1)).unwrap();
        for i in 1..=12 {
            store.append(1, &body(i)).unwrap();
        }
    }
    let segs = files(dir.path(), "log");
    let victim = &segs[segs.len() - 2];
    let len = fs::metadata(victim).unwrap().len();
    OpenOptions::new().write(true).open(victim).unwrap().set_len(len - 3).unwrap();
    let store = Store::open(dir.path(), opts(120, 1)).unwrap();
    assert_eq!(store.last_seq(), 12);
    let got = seqs(&drain(&mut store.reader().cursor_from_time(0).unwrap()));
    assert_eq!(got.len(), 11, "exactly the torn record is gone: {got:?}");
    assert!(got.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn empty_last_segment_after_a_crash_right_after_a_roll() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts(1 << 20, 4)).unwrap();
        for i in 1..=5 {
            store.append_at(1, 100 + i as u32, &body(i)).unwrap();
        }
    }
    fs::write(dir.path().join("seg-00000000000000000006.log"), b"").unwrap();
    let store = Store::open(dir.path(), opts(1 << 20, 4)).unwrap();
    assert_eq!((store.last_seq(), store.last_archive_ts()), (5, 105));
    let a = store.append_at(1, 50, b"x").unwrap();
    assert_eq!((a.seq, a.archive_ts), (6, 105));
    assert_eq!(from_time(&store.reader(), 104), vec![4, 5, 6]);
}

#[test]
fn index_deleted_or_corrupted_gives_same_seeks_and_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let o = || opts(600, 4);
    let stamps: Vec<u32>;
    {
        let store = Store::open(dir.path(), o()).unwrap();
        stamps =
            (1..=120u64).map(|i| store.append_at(2, 1000 + (i / 3) as u32, &body(i)).unwrap().archive_ts).collect();
    }
    let queries: Vec<u32> = vec![0, 999, 1000, 1001, 1013, 1020, 1039, 1040, 1041, 5000];
    let baseline: Vec<Vec<u64>> = {
        let r = StoreReader::open(dir.path()).unwrap();
        queries.iter().map(|&q| from_time(&r, q)).collect()
    };
    for (q, got) in queries.iter().zip(&baseline) {
        let want: Vec<u64> = (1..=120).filter(|&i| stamps[i as usize - 1] >= *q).collect();
        assert_eq!(got, &want, "ts {q}");
    }
    let idx = files(dir.path(), "idx");
    assert!(idx.len() > 3);
    let originals: Vec<Vec<u8>> = idx.iter().map(|p| fs::read(p).unwrap()).collect();

    // Damage every index in a different way.
    fs::remove_file(&idx[0]).unwrap();
    let mut d = originals[1].clone();
    d[30] ^= 0xFF; // inside the first entry
    fs::write(&idx[1], &d).unwrap();
    fs::write(&idx[2], &originals[2][..originals[2].len() - 24]).unwrap(); // shorter
    fs::write(&idx[3], b"garbage").unwrap();
    let last = idx.len() - 1;
    fs::write(&idx[last], &originals[last][..30]).unwrap();

    let r = StoreReader::open(dir.path()).unwrap();
    for (q, want) in queries.iter().zip(&baseline) {
        assert_eq!(&from_time(&r, *q), want, "reader falls back to a scan, ts {q}");
    }
    drop(Store::open(dir.path(), o()).unwrap());
    let rebuilt: Vec<Vec<u8>> = idx.iter().map(|p| fs::read(p).unwrap()).collect();
    assert_eq!(rebuilt, originals, "open rebuilds identical indexes");
    for (q, want) in queries.iter().zip(&baseline) {
        assert_eq!(&from_time(&r, *q), want);
    }
}

#[test]
fn index_stride_change_rebuilds_indexes() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts(500, 4)).unwrap();
        for i in 1..=60u64 {
            store.append_at(1, i as u32, &body(i)).unwrap();
        }
    }
    let before: Vec<u64> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).collect();
    let store = Store::open(dir.path(), opts(500, 1)).unwrap();
    let idx = files(dir.path(), "idx");
    let total_entries: u64 = idx.iter().map(|p| (fs::metadata(p).unwrap().len() - 24) / 24).sum();
    assert_eq!(total_entries, 60, "one entry per record with index_every = 1");
    assert!(!before.is_empty());
    assert_eq!(from_time(&store.reader(), 31), (31..=60).collect::<Vec<_>>());
}

#[test]
fn segment_roll_and_seek_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts(256, 2)).unwrap();
    let mut stamps = Vec::new();
    for i in 1..=200u64 {
        stamps.push(store.append_at(4, 5000 + (i / 7) as u32 * 2, &body(i)).unwrap().archive_ts);
    }
    let segs = files(dir.path(), "log");
    assert!(segs.len() > 20, "{} segments", segs.len());
    for s in &segs {
        assert!(fs::metadata(s).unwrap().len() <= 256);
    }
    let r = store.reader();
    for q in (4990..5070).step_by(1) {
        let want: Vec<u64> = (1..=200).filter(|&i| stamps[i as usize - 1] >= q).collect();
        assert_eq!(from_time(&r, q), want, "ts {q}");
    }
    for s in [1u64, 9, 10, 11, 100, 199, 200] {
        assert_eq!(seqs(&drain(&mut r.cursor_from_seq(s).unwrap())), (s..=200).collect::<Vec<_>>());
    }
}

#[test]
fn retention_by_bytes_drops_oldest_segments() {
    let dir = tempfile::tempdir().unwrap();
    let o = StoreOptions { retention: Some(Retention { max_bytes: Some(1000), max_age: None }), ..opts(250, 2) };
    let store = Store::open(dir.path(), o.clone()).unwrap();
    for i in 1..=100 {
        store.append(1, &body(i)).unwrap();
    }
    let segs = files(dir.path(), "log");
    let total: u64 = segs.iter().map(|p| fs::metadata(p).unwrap().len()).sum();
    assert!(total <= 1000, "total {total}");
    assert!(total > 1000 - 250, "keeps as much as the limit allows: {total}");
    assert_eq!(files(dir.path(), "idx").len(), segs.len());
    let r = store.reader();
    let got = from_time(&r, 0);
    assert_eq!(*got.last().unwrap(), 100);
    let oldest = got[0];
    assert!(oldest > 1);
    assert_eq!(got, (oldest..=100).collect::<Vec<_>>());
    match r.cursor_from_seq(1) {
        Err(StoreError::Expired { requested: 1, oldest: o }) => assert_eq!(o, oldest),
        other => panic!("expected Expired, got {other:?}"),
    }
    drop(store);
    // Reopening applies the same limit and keeps the same data.
    let store = Store::open(dir.path(), o).unwrap();
    assert_eq!(from_time(&store.reader(), 0)[0], oldest);
}

#[test]
fn retention_by_age_drops_old_segments() {
    let dir = tempfile::tempdir().unwrap();
    let o = StoreOptions {
        retention: Some(Retention { max_bytes: None, max_age: Some(Duration::from_secs(3600)) }),
        ..opts(200, 2)
    };
    let store = Store::open(dir.path(), o).unwrap();
    for i in 1..=20 {
        store.append_at(1, 1_000_000 + i as u32, &body(i)).unwrap();
    }
    // Those are decades old: every sealed one is dropped as soon as it is sealed.
    assert_eq!(files(dir.path(), "log").len(), 1);
    for i in 21..=40 {
        store.append(1, &body(i)).unwrap();
    }
    let got = from_time(&store.reader(), 0);
    assert_eq!(*got.last().unwrap(), 40);
    assert!(got[0] > 20, "old records gone: {got:?}");
    assert!(files(dir.path(), "log").len() > 2, "fresh segments stay");
}

#[test]
fn cursor_keeps_reading_a_segment_deleted_under_it_then_reports_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let o = |max: Option<u64>| StoreOptions {
        retention: max.map(|m| Retention { max_bytes: Some(m), max_age: None }),
        ..opts(200, 2)
    };
    {
        let store = Store::open(dir.path(), o(None)).unwrap();
        for i in 1..=30 {
            store.append(1, &body(i)).unwrap();
        }
    }
    let r = StoreReader::open(dir.path()).unwrap();
    let mut c = r.cursor_from_time(0).unwrap();
    assert_eq!(c.next().unwrap().unwrap().seq, 1);
    // Retention now removes almost everything, including the cursor's segment.
    let store = Store::open(dir.path(), o(Some(300))).unwrap();
    assert!(!dir.path().join("seg-00000000000000000001.log").exists());
    let mut got = vec![1];
    let err = loop {
        match c.next() {
            Ok(Some(r)) => got.push(r.seq),
            Ok(None) => panic!("should not reach the end"),
            Err(e) => break e,
        }
    };
    #[cfg(unix)]
    assert!(got.len() > 1, "the open segment stays readable: {got:?}");
    match err {
        StoreError::Expired { requested, oldest } => {
            assert_eq!(requested, *got.last().unwrap() + 1);
            assert_eq!(oldest, from_time(&store.reader(), 0)[0]);
            // The advertised oldest seq is where a caller can resume.
            let rest = seqs(&drain(&mut r.cursor_from_seq(oldest).unwrap()));
            assert_eq!(*rest.last().unwrap(), 30);
        }
        other => panic!("expected Expired, got {other}"),
    }
}

#[test]
fn cursor_waiting_for_a_later_seq_or_time_only_expires_on_a_real_loss() {
    // 10 records per segment, retention keeps about three segments.
    let o = StoreOptions { retention: Some(Retention { max_bytes: Some(3 * 320), max_age: None }), ..opts(320, 3) };
    let body = |i: u64| (i as u32).to_le_bytes();
    let seek = |by_time: bool, target: u64| {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), o.clone()).unwrap();
        for i in 1..=50 {
            store.append_at(1, 1000 + i as u32, &body(i)).unwrap();
        }
        let r = store.reader();
        // Past the end: the cursor waits at the end of segment 41 with a filter.
        let mut c = if by_time { r.cursor_from_time(1000 + target as u32) } else { r.cursor_from_seq(target) }.unwrap();
        assert!(c.next().unwrap().is_none());
        // Meanwhile the writer goes on and retention deletes segments 41..=101.
        for i in 51..=140 {
            store.append_at(1, 1000 + i as u32, &body(i)).unwrap();
        }
        assert!(!dir.path().join("seg-00000000000000000101.log").exists());
        assert!(dir.path().join("seg-00000000000000000111.log").exists());
        let got = (|| {
            let mut out = Vec::new();
            while let Some(rec) = c.next()? {
                out.push(rec.seq);
            }
            Ok::<_, StoreError>(out)
        })();
        (dir, got)
    };
    for by_time in [false, true] {
        // The records deleted were all before the target: nothing lost.
        let (_d, got) = seek(by_time, 120);
        assert_eq!(got.unwrap(), (120..=140).collect::<Vec<_>>(), "by_time {by_time}");
        // Some deleted records were at or after the target: Expired.
        let (_d, got) = seek(by_time, 100);
        let requested = if by_time { 51 } else { 100 };
        match got {
            Err(StoreError::Expired { requested: r, oldest: 111 }) if r == requested => {}
            other => panic!("by_time {by_time}: expected Expired {{ {requested}, 111 }}, got {other:?}"),
        }
    }
}

#[test]
fn second_open_is_refused_but_readers_work() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    store.append(1, b"x").unwrap();
    let err = Store::open(dir.path(), quick()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }));
    assert_eq!(err.to_string(), format!("store {} is locked by another process", dir.path().display()));
    let r = StoreReader::open(dir.path()).unwrap();
    assert_eq!(r.last_seq().unwrap(), 1);
    drop(store);
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.last_seq(), 1);
}

#[test]
fn reader_on_a_non_store_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(StoreReader::open(dir.path()), Err(StoreError::NotAStore { .. })));
    assert!(StoreReader::open(&dir.path().join("missing")).is_err());
}

#[test]
fn oversized_record_is_rejected_without_poisoning() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    let big = vec![0u8; MAX_RECORD_BYTES + 1];
    let err = store.append(1, &big).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    let err = store.put_metadata(1, &vec![0u8; 70_000], b"").unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err}");
    assert_eq!(store.append(1, b"ok").unwrap().seq, 1);
}

#[test]
fn invalid_options_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(Store::open(dir.path(), opts(0, 1)), Err(StoreError::InvalidOptions(_))));
    assert!(matches!(Store::open(dir.path(), opts(10, 0)), Err(StoreError::InvalidOptions(_))));
}

#[test]
fn sync_policies_all_round_trip() {
    for sync in [SyncPolicy::Always, SyncPolicy::EveryN(3), SyncPolicy::EveryN(0), SyncPolicy::Never] {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::open(dir.path(), StoreOptions { sync, ..opts(300, 2) }).unwrap();
            for i in 1..=10 {
                store.append(1, &body(i)).unwrap();
            }
            store.put_metadata(1, b"k", b"v").unwrap();
            store.sync().unwrap();
        }
        let store = Store::open(dir.path(), StoreOptions { sync, ..opts(300, 2) }).unwrap();
        assert_eq!(store.last_seq(), 10, "{sync:?}");
        assert_eq!(store.metadata().len(), 1);
    }
}

#[test]
fn seeks_race_cleanly_with_appends_rolls_and_retention() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(
        dir.path(),
        StoreOptions {
            sync: SyncPolicy::Never,
            retention: Some(Retention { max_bytes: Some(4000), max_age: None }),
            ..opts(500, 3)
        },
    )
    .unwrap();
    store.append_at(1, 1, &body(1)).unwrap();
    let reader = store.reader();
    const N: u64 = 4000;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let t = std::thread::spawn(move || {
        let mut checks = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let last = reader.last_seq().unwrap_or_else(|e| panic!("last_seq: {e:?}"));
            for back in [0u64, 1, 5, 40, 200] {
                let q = last.saturating_sub(back).max(1);
                // Time and seq are equal by construction (record i has archive_ts i).
                let mut c =
                    reader.cursor_from_time(q as u32).unwrap_or_else(|e| panic!("cursor_from_time({q}): {e:?}"));
                if let Some(r) = c.next().unwrap_or_else(|e| panic!("next after time seek {q}: {e:?}")) {
                    assert!(r.seq >= q && u64::from(r.archive_ts) == r.seq, "{q}: {r:?}");
                }
                match reader.cursor_from_seq(q) {
                    Ok(mut c) => {
                        if let Some(r) = c.next().unwrap_or_else(|e| panic!("next after seq seek {q}: {e:?}")) {
                            assert_eq!(r.seq, q);
                        }
                    }
                    Err(StoreError::Expired { requested, oldest }) => {
                        assert!(requested == q && oldest > q)
                    }
                    Err(e) => panic!("cursor_from_seq({q}): {e:?}"),
                }
                checks += 1;
            }
        }
        checks
    });
    for i in 2..=N {
        store.append_at(1, i as u32, &body(i)).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(t.join().unwrap() > 0);
}

/// Every input the fuzz targets of this crate found or were seeded with, replayed.
#[test]
fn fuzz_corpus_replays_without_panics() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fuzz/corpus"));
    let mut n = 0;
    for (target, run) in [
        ("store_files", estreamer_store::fuzzing::store_files as fn(&[u8])),
        ("netmap", estreamer_store::fuzzing::netmap),
    ] {
        for e in std::fs::read_dir(root.join(target)).into_iter().flatten().flatten() {
            run(&std::fs::read(e.path()).unwrap());
            n += 1;
        }
    }
    assert!(n >= 2, "the corpus is there");
}
