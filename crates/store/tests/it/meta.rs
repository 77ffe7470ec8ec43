//! The metadata table: latest body per key, the seq of the log record it came from, and
//! the atomic append of records with their metadata.

use std::fs::{self, OpenOptions};
use std::io::Write;

use estreamer_store::{Item, MetaEntry, Store, StoreOptions, StoreReader, SyncPolicy};

/// Default options without fsync: only the tests about durability need it.
fn quick() -> StoreOptions {
    StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }
}

fn entry(t: u32, k: &[u8], b: &[u8], seq: u64) -> MetaEntry {
    MetaEntry { record_type: t, key: k.to_vec(), body: b.to_vec(), seq }
}

fn item<'a>(record_type: u32, body: &'a [u8], meta_key: Option<&'a [u8]>) -> Item<'a> {
    Item { record_type, archive_ts: Some(1000), body, meta_key }
}

#[test]
fn metadata_latest_wins_and_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let e = |t: u32, k: &[u8], b: &[u8]| entry(t, k, b, 0);
    let want = vec![e(1, b"a", b"a2"), e(2, b"a", b"x"), e(1, b"b", b"")];
    {
        let store = Store::open(dir.path(), quick()).unwrap();
        assert!(store.metadata().is_empty());
        store.put_metadata(1, b"a", b"a1").unwrap();
        store.put_metadata(2, b"a", b"x").unwrap();
        store.put_metadata(1, b"b", b"").unwrap();
        store.put_metadata(1, b"a", b"a2").unwrap();
        store.put_metadata(2, b"a", b"x").unwrap(); // unchanged: not rewritten
        assert_eq!(store.metadata(), want);
        assert_eq!(store.reader().metadata().unwrap(), want);
    }
    let size = fs::metadata(dir.path().join("meta.log")).unwrap().len();
    assert_eq!(size, 4 * 28 + 3 + 2 + 1 + 3, "four frames: the unchanged put wrote nothing");
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.metadata(), want);
    // A torn metadata tail is dropped on open; a reader just ignores it.
    drop(store);
    OpenOptions::new()
        .append(true)
        .open(dir.path().join("meta.log"))
        .unwrap()
        .write_all(&[0xE6, 1, 0, 0, 1, 2, 3])
        .unwrap();
    assert_eq!(StoreReader::open(dir.path()).unwrap().metadata().unwrap(), want);
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.metadata(), want);
    assert_eq!(fs::metadata(dir.path().join("meta.log")).unwrap().len(), size);
}

#[test]
fn metadata_is_compacted_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let o = || StoreOptions { sync: SyncPolicy::Never, ..quick() };
    let want;
    {
        let store = Store::open(dir.path(), o()).unwrap();
        for i in 0..3000u32 {
            store.put_metadata(i % 3, format!("key{}", i % 5).as_bytes(), &i.to_le_bytes()).unwrap();
        }
        want = store.metadata();
        assert_eq!(want.len(), 15);
    }
    let path = dir.path().join("meta.log");
    let before = fs::metadata(&path).unwrap().len();
    let store = Store::open(dir.path(), o()).unwrap();
    let after = fs::metadata(&path).unwrap().len();
    assert!(after * 100 < before, "compacted {before} -> {after}");
    assert_eq!(store.metadata(), want, "same content, same order");
    store.put_metadata(0, b"new", b"v").unwrap();
    drop(store);
    let store = Store::open(dir.path(), o()).unwrap();
    assert_eq!(store.metadata().len(), 16);
}

#[test]
fn append_batch_with_meta_records_the_seq_of_each_entry() {
    let dir = tempfile::tempdir().unwrap();
    let o = StoreOptions { segment_bytes: 300, ..StoreOptions::default() }; // fsync: the real path
    {
        let store = Store::open(dir.path(), o.clone()).unwrap();
        store.append(400, b"event").unwrap();
        let out = store
            .append_batch_with_meta(&[
                item(15, b"policy A", Some(b"p1")),
                item(400, b"event", None),
                item(15, b"policy B", Some(b"p2")),
                item(16, b"rule", Some(b"p1")),
            ])
            .unwrap();
        assert_eq!(out.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![2, 3, 4, 5]);
        let want =
            vec![entry(15, b"p1", b"policy A", 2), entry(15, b"p2", b"policy B", 4), entry(16, b"p1", b"rule", 5)];
        assert_eq!(store.metadata(), want);
        assert_eq!(store.reader().metadata().unwrap(), want);
        // The log has them all, in order.
        let mut c = store.reader().cursor_from_seq(1).unwrap();
        let mut types = Vec::new();
        while let Some(r) = c.next().unwrap() {
            types.push(r.record_type);
        }
        assert_eq!(types, vec![400, 15, 400, 15, 16]);

        // A later record for a key replaces body and seq; the same body again still moves
        // the seq to the latest record; a put without a seq keeps an equal body as it is.
        store.append_batch_with_meta(&[item(15, b"policy A2", Some(b"p1"))]).unwrap();
        store.append_batch_with_meta(&[item(15, b"policy B", Some(b"p2"))]).unwrap();
        store.append_batch_with_meta(&[item(16, b"r1", Some(b"x")), item(16, b"r2", Some(b"x"))]).unwrap();
        store.put_metadata(16, b"p1", b"rule").unwrap();
        store.put_metadata(17, b"solo", b"s").unwrap();
        let want = vec![
            entry(15, b"p1", b"policy A2", 6),
            entry(15, b"p2", b"policy B", 7),
            entry(16, b"p1", b"rule", 5),
            entry(16, b"x", b"r2", 9),
            entry(17, b"solo", b"s", 0),
        ];
        assert_eq!(store.metadata(), want);
    }
    let store = Store::open(dir.path(), o).unwrap();
    assert_eq!(store.metadata().len(), 5);
    assert_eq!(store.metadata()[3], entry(16, b"x", b"r2", 9));
    assert_eq!(store.last_seq(), 9);
}

#[test]
fn version_1_metadata_files_are_still_read() {
    let dir = tempfile::tempdir().unwrap();
    {
        Store::open(dir.path(), quick()).unwrap();
    }
    // Two version-1 frames, as written before entries carried a seq.
    let mut v1 = Vec::new();
    for (t, k, b) in [(15u32, &b"a"[..], &b"old"[..]), (15, b"a", b"new")] {
        let start = v1.len();
        v1.extend_from_slice(&[0xE6, 1, 0, 0, 0, 0, 0, 0]);
        v1.extend_from_slice(&t.to_le_bytes());
        v1.extend_from_slice(&(k.len() as u32).to_le_bytes());
        v1.extend_from_slice(&(b.len() as u32).to_le_bytes());
        v1.extend_from_slice(k);
        v1.extend_from_slice(b);
        let crc = crc32c_of(&v1[start + 8..]);
        v1[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    }
    fs::write(dir.path().join("meta.log"), &v1).unwrap();
    assert_eq!(StoreReader::open(dir.path()).unwrap().metadata().unwrap(), vec![entry(15, b"a", b"new", 0)]);
    {
        let store = Store::open(dir.path(), quick()).unwrap();
        assert_eq!(store.metadata(), vec![entry(15, b"a", b"new", 0)]);
        store.append_batch_with_meta(&[item(16, b"v2", Some(b"b"))]).unwrap();
    }
    let len = fs::metadata(dir.path().join("meta.log")).unwrap().len();
    assert_eq!(len, v1.len() as u64 + 28 + 1 + 2, "appended as version 2 after the version-1 frames");
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.metadata(), vec![entry(15, b"a", b"new", 0), entry(16, b"b", b"v2", 1)]);
}

/// CRC32C (Castagnoli), bitwise: the test builds frames without the crate's internals.
fn crc32c_of(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0x82F6_3B78 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn metadata_ahead_of_the_log_never_has_its_seq_reused() {
    // A crash where the metadata file reached the disk and the end of the log did not.
    let dir = tempfile::tempdir().unwrap();
    let seg = dir.path().join("seg-00000000000000000001.log");
    let cut;
    {
        let store = Store::open(dir.path(), quick()).unwrap();
        for _ in 0..5 {
            store.append_at(1, 1000, b"event").unwrap();
        }
        cut = fs::metadata(&seg).unwrap().len();
        store.append_batch_with_meta(&[item(15, b"m", Some(b"k")), item(1, b"e", None)]).unwrap();
    }
    OpenOptions::new().write(true).open(&seg).unwrap().set_len(cut).unwrap();
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.metadata(), vec![entry(15, b"k", b"m", 6)]);
    assert_eq!(store.append_at(1, 1000, b"next").unwrap().seq, 7, "seq 6 is the metadata's, lost from the log");
    let mut c = store.reader().cursor_from_seq(1).unwrap();
    let mut seqs = Vec::new();
    while let Some(r) = c.next().unwrap() {
        seqs.push(r.seq);
    }
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 7]);
    drop(store);
    let store = Store::open(dir.path(), quick()).unwrap();
    assert_eq!(store.last_seq(), 7);
    // Readers of a damaged meta.log stop at the damage; the writer cuts it.
    let mut f = OpenOptions::new().append(true).open(dir.path().join("meta.log")).unwrap();
    f.write_all(&[0xE6, 2, 0]).unwrap();
    assert_eq!(store.reader().metadata().unwrap().len(), 1);
}
