//! Property: after one flipped byte anywhere in a store, every record whose frame is intact
//! is served exactly once, in order, and nothing else; the same after recovery and appends.

use std::fs;
use std::path::{Path, PathBuf};

use estreamer_store::{Cursor, Store, StoreOptions, StoreReader, SyncPolicy};
use proptest::prelude::*;

fn body(seq: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8).collect()
}

/// Every file of the store except the lock, sorted.
fn store_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap() != "LOCK" && fs::metadata(p).unwrap().len() > 0)
        .collect();
    v.sort();
    v
}

/// (seq, record_type, body) of everything the cursor serves, with `next` or `next_batch`.
fn serve(mut c: Cursor, batched: bool) -> Vec<(u64, u32, Vec<u8>)> {
    let mut out = Vec::new();
    loop {
        let recs = if batched { c.next_batch(5, 300).unwrap() } else { c.next().unwrap().into_iter().collect() };
        if recs.is_empty() {
            return out;
        }
        out.extend(recs.into_iter().map(|r| (r.seq, r.record_type, r.body)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn one_flipped_byte_loses_exactly_the_frame_it_hits(
        lens in prop::collection::vec(0usize..80, 1..120),
        segment_bytes in 100u64..1500,
        index_every in 1u32..6,
        file_pick in any::<prop::sample::Index>(),
        byte_pick in any::<prop::sample::Index>(),
        xor in 1u8..=255,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let o = StoreOptions { segment_bytes, index_every, sync: SyncPolicy::Never, retention: None };
        // Where each record's frame lives: (segment path, start, end).
        let mut frames: Vec<(PathBuf, u64, u64)> = Vec::new();
        {
            let store = Store::open(dir.path(), o.clone()).unwrap();
            for (i, &len) in lens.iter().enumerate() {
                let seq = i as u64 + 1;
                store.append_at(seq as u32, 1000 + seq as u32 / 3, &body(seq, len)).unwrap();
            }
        }
        let segs: Vec<PathBuf> = store_files(dir.path())
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "log") && p.file_name().unwrap() != "meta.log")
            .collect();
        let mut seq = 1usize;
        for seg in &segs {
            let (mut off, size) = (0u64, fs::metadata(seg).unwrap().len());
            while off < size {
                let end = off + 28 + lens[seq - 1] as u64;
                frames.push((seg.clone(), off, end));
                off = end;
                seq += 1;
            }
        }
        prop_assert_eq!(frames.len(), lens.len());

        // Flip one byte of one file (segments or indexes).
        let files = store_files(dir.path());
        let victim = file_pick.get(&files).clone();
        let mut data = fs::read(&victim).unwrap();
        let at = byte_pick.index(data.len());
        data[at] ^= xor;
        fs::write(&victim, &data).unwrap();
        let hit: Option<u64> = frames
            .iter()
            .position(|(p, s, e)| *p == victim && (*s..*e).contains(&(at as u64)))
            .map(|i| i as u64 + 1);
        let intact: Vec<(u64, u32, Vec<u8>)> = (1..=lens.len() as u64)
            .filter(|&s| Some(s) != hit)
            .map(|s| (s, s as u32, body(s, lens[s as usize - 1])))
            .collect();

        let r = StoreReader::open(dir.path()).unwrap();
        prop_assert_eq!(&serve(r.cursor_from_time(0).unwrap(), false), &intact, "reader, flip in {:?} at {}", victim, at);
        prop_assert_eq!(&serve(r.cursor_from_seq(1).unwrap(), true), &intact, "batched reader");

        // Recovery keeps every intact record; appends continue after the highest seq.
        let store = Store::open(dir.path(), o.clone()).unwrap();
        let r = store.reader();
        prop_assert_eq!(&serve(r.cursor_from_time(0).unwrap(), false), &intact, "after recovery");
        let mut want = intact.clone();
        for k in 0..3u64 {
            let seq = store.last_seq() + 1;
            let a = store.append_at(seq as u32, 5000, &body(seq, k as usize * 7)).unwrap();
            prop_assert_eq!(a.seq, seq);
            prop_assert!(want.last().is_none_or(|w| w.0 < seq));
            want.push((seq, seq as u32, body(seq, k as usize * 7)));
        }
        prop_assert_eq!(&serve(r.cursor_from_time(0).unwrap(), true), &want, "after appends");
        drop(store);
        let r = StoreReader::open(dir.path()).unwrap();
        prop_assert_eq!(&serve(r.cursor_from_time(0).unwrap(), false), &want, "after reopen");
    }
}
