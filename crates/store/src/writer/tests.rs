//! Failure injection: failed writes and fsyncs poison the store.

use super::*;
use crate::{Item, StoreOptions};

/// No fsync on append: for the tests whose failures are not about syncing.
fn unsynced() -> StoreOptions {
    StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }
}

#[test]
fn failed_write_poisons_until_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), unsynced()).unwrap();
    store.append(1, b"before").unwrap();
    {
        let mut w = store.inner.lock().unwrap();
        // A read-only handle makes the next write fail the way a full disk would.
        let path = w.active.path.clone();
        w.active.file = Arc::new(File::open(&*path).unwrap());
    }
    let err = store.append(1, b"fails").unwrap_err();
    assert!(matches!(err, StoreError::IoAt { op: "append to", .. }), "{err}");
    assert!(err.to_string().contains("seg-00000000000000000001.log at offset 34"), "{err}");
    assert!(matches!(store.append(1, b"refused"), Err(StoreError::Poisoned)));
    assert!(matches!(store.append_batch(&[(1, b"r")]), Err(StoreError::Poisoned)));
    assert!(matches!(store.put_metadata(1, b"k", b"v"), Err(StoreError::Poisoned)));
    assert!(matches!(store.sync(), Err(StoreError::Poisoned)));
    assert_eq!(store.last_seq(), 1);
    drop(store);
    let store = Store::open(dir.path(), unsynced()).unwrap();
    assert_eq!(store.last_seq(), 1);
    assert_eq!(store.append(1, b"after").unwrap().seq, 2);
}

#[test]
fn failed_metadata_write_poisons() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), unsynced()).unwrap();
    {
        store.inner.lock().unwrap().meta.make_writes_fail();
    }
    assert!(store.put_metadata(1, b"k", b"v").is_err());
    assert!(matches!(store.append(1, b"x"), Err(StoreError::Poisoned)));
}

#[test]
fn failed_fsync_poisons_until_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    store.append(1, b"durable").unwrap();
    store.fail_next_sync();
    let err = store.append_batch(&[(1, b"a"), (1, b"b")]).unwrap_err();
    assert!(matches!(err, StoreError::IoAt { op: "sync", .. }), "{err}");
    assert!(err.to_string().contains("injected fsync failure"), "{err}");
    assert!(matches!(store.append(1, b"refused"), Err(StoreError::Poisoned)));
    let item = Item { record_type: 1, archive_ts: None, body: b"m", meta_key: Some(b"k") };
    assert!(matches!(store.append_batch_with_meta(&[item]), Err(StoreError::Poisoned)));
    assert!(matches!(store.put_metadata(1, b"k", b"v"), Err(StoreError::Poisoned)));
    assert!(matches!(store.sync(), Err(StoreError::Poisoned)));
    drop(store);
    // The failed batch reached the page cache here, so a reopen finds it; what matters
    // is that the store refused to go on and recovers cleanly.
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let next = store.last_seq() + 1;
    assert_eq!(store.append(1, b"after").unwrap().seq, next);
}

#[test]
fn failed_fsync_under_every_n_poisons_too() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Store::open(dir.path(), StoreOptions { sync: SyncPolicy::EveryN(2), ..StoreOptions::default() }).unwrap();
    store.append(1, b"one").unwrap();
    store.fail_next_sync();
    assert!(store.append(1, b"two").is_err(), "the second record triggers the sync");
    assert!(matches!(store.append(1, b"three"), Err(StoreError::Poisoned)));
}

/// One fsync covers every write published before it started: writes of generations 1..=3
/// are all durable after the one sync that the first waiter leads.
#[test]
fn one_sync_covers_every_batch_written_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), unsynced()).unwrap();
    for i in 0..3u8 {
        store.append(1, &[i]).unwrap();
    }
    assert_eq!(store.sync_rounds(), 0, "SyncPolicy::Never does not sync on append");
    store.commit.wait_durable(1).unwrap();
    assert_eq!(store.sync_rounds(), 1);
    store.commit.wait_durable(3).unwrap();
    store.sync().unwrap();
    assert_eq!(store.sync_rounds(), 1, "already covered by the first sync");
    store.append(1, b"4").unwrap();
    store.sync().unwrap();
    assert_eq!(store.sync_rounds(), 2);
}

/// Concurrent appenders under `SyncPolicy::Always`: every call returns its own run of
/// seqs, nothing is lost, and fsyncs never outnumber batches.
#[test]
fn concurrent_appenders_share_fsyncs() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(Store::open(dir.path(), StoreOptions { segment_bytes: 64 << 10, ..StoreOptions::default() }).unwrap());
    let (threads, batches, per) = (4, 25, 20);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                let body = vec![t as u8; 100];
                let items: Vec<(u32, &[u8])> = (0..per).map(|_| (t, body.as_slice())).collect();
                let mut seqs = Vec::new();
                for _ in 0..batches {
                    let out = store.append_batch(&items).unwrap();
                    assert!(out.windows(2).all(|w| w[0].seq + 1 == w[1].seq), "a batch is one run");
                    seqs.extend(out.iter().map(|a| a.seq));
                }
                seqs
            })
        })
        .collect();
    let mut all: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
    all.sort_unstable();
    let total = u64::from(threads) * batches * per;
    assert_eq!(all, (1..=total).collect::<Vec<_>>());
    assert!(store.sync_rounds() <= u64::from(threads) * batches, "{} rounds", store.sync_rounds());
    let mut c = store.reader().cursor_from_seq(1).unwrap();
    let mut n = 0;
    while let Some(r) = c.next().unwrap() {
        assert_eq!(r.body, vec![r.record_type as u8; 100]);
        n += 1;
    }
    assert_eq!(n, total);
}
