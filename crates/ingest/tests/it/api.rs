//! The ingest API on real store directories: validation before any write, per-producer resume
//! (already stored, gaps), watermark recovery from the metadata table and from the log after a
//! crash between the two, metadata keyed by the catalog identity, concurrent producers.

use std::sync::Arc;

use estreamer_ingest::watermark::{stored_batches, Watermark, WATERMARK_RECORD_TYPE};
use estreamer_ingest::{Batch, Ingest, IngestError, Outcome, Record};
use estreamer_store::{Item, Store, StoreOptions, StoreReader, SyncPolicy};
use estreamer_wire::schema::catalog::metadata_identity;

fn opts() -> StoreOptions {
    StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() }
}

/// A priority metadata record (type 4: id u32, name length u16... as the catalog encodes it).
fn priority(id: u64, name: &str) -> Record {
    let j = serde_json::json!({"recordType": 4, "id": id, "name": name});
    let (h, o) = estreamer_wire::record_from_json(&j).unwrap();
    Record { record_type: 4, body: estreamer_wire::encode_record_body(h.record_type, &o, None).unwrap() }
}

fn events(seq: u64, n: usize) -> Batch {
    let records = (0..n).map(|i| Record { record_type: 2, body: vec![seq as u8, i as u8, 7] }).collect();
    Batch { seq, raw: false, records }
}

fn log(dir: &std::path::Path) -> Vec<(u32, Vec<u8>)> {
    let r = StoreReader::open(dir).unwrap();
    let mut c = r.cursor_from_seq(1).unwrap();
    let mut out = Vec::new();
    while let Some(rec) = c.next().unwrap() {
        out.push((rec.record_type, rec.body));
    }
    out
}

#[test]
fn batches_are_stored_once_per_producer_and_gaps_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let ingest = Ingest::open(&store).unwrap();
    let Outcome::Stored { first_seq, records, .. } = ingest.submit(Some("p1"), &events(1, 3)).unwrap() else {
        panic!("stored")
    };
    assert_eq!((first_seq, records), (1, 3));
    assert_eq!(store.last_seq(), 4, "three records and the watermark");
    assert_eq!(ingest.submit(Some("p1"), &events(1, 3)).unwrap(), Outcome::AlreadyStored);
    assert_eq!(store.last_seq(), 4, "a batch sent again is not written again");
    let e = ingest.submit(Some("p1"), &events(3, 1)).unwrap_err();
    assert!(matches!(e, IngestError::Gap { last: 1, got: 3, .. }), "{e}");
    // Another producer has its own numbering; anonymous batches are never deduplicated.
    ingest.submit(Some("p2"), &events(1, 1)).unwrap();
    ingest.submit(None, &events(1, 1)).unwrap();
    ingest.submit(None, &events(1, 1)).unwrap();
    assert_eq!(ingest.last_batch("p1"), 1);
    assert_eq!(ingest.last_batch("p2"), 1);
    assert_eq!(ingest.stats().duplicates(), 1);
    assert_eq!(ingest.stats().refused(), 1);
    let types: Vec<u32> = log(dir.path()).iter().map(|r| r.0).collect();
    assert_eq!(types, [2, 2, 2, WATERMARK_RECORD_TYPE, 2, WATERMARK_RECORD_TYPE, 2, 2]);
}

#[test]
fn a_refused_batch_stores_nothing_and_says_which_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let ingest = Ingest::open(&store).unwrap();
    let mut b = events(1, 3);
    b.records[2].record_type = 77_777;
    let e = ingest.submit(Some("p"), &b).unwrap_err();
    assert_eq!(
        e.to_string(),
        "batch 1 refused at record 2: record type 77777 is not in the catalog (only a raw replay may carry it)"
    );
    b.raw = true;
    ingest.submit(Some("p"), &b).unwrap();
    // Internal record types are refused even from a raw replay.
    let mut forged = events(2, 1);
    forged.raw = true;
    forged.records[0].record_type = WATERMARK_RECORD_TYPE;
    assert!(ingest.submit(Some("p"), &forged).unwrap_err().to_string().contains("reserved"));
    let big = Batch { seq: 2, raw: false, records: vec![Record { record_type: 2, body: vec![0; (16 << 20) + 1] }] };
    assert!(ingest.submit(Some("p"), &big).unwrap_err().to_string().contains("above the maximum"));
    assert!(ingest.submit(Some("a b"), &events(1, 1)).is_err());
    assert_eq!(store.last_seq(), 4, "only the raw batch (3 records and its watermark)");
    assert_eq!(ingest.last_batch("p"), 1);
}

#[test]
fn metadata_goes_to_the_table_under_its_catalog_identity() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let ingest = Ingest::open(&store).unwrap();
    let b = Batch { seq: 1, raw: false, records: vec![priority(1, "high"), priority(2, "low"), priority(1, "urgent")] };
    ingest.submit(Some("m"), &b).unwrap();
    let table: Vec<_> = store.metadata().into_iter().filter(|e| e.record_type == 4).collect();
    assert_eq!(table.len(), 2, "latest value per identity");
    let urgent = &b.records[2];
    let e = table.iter().find(|e| e.key == metadata_identity(4, &urgent.body).unwrap()).unwrap();
    assert_eq!((e.body.as_slice(), e.seq), (urgent.body.as_slice(), 3));
}

#[test]
fn watermarks_survive_a_restart_and_a_crash_between_log_and_table() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = Store::open(dir.path(), opts()).unwrap();
        let ingest = Ingest::open(&store).unwrap();
        for seq in 1..=3 {
            ingest.submit(Some("sensor-a"), &events(seq, 2)).unwrap();
        }
        // What a crash right after the log write of batch 4 leaves: its records and watermark in
        // the log, nothing in the metadata table.
        let b = events(4, 2);
        let w = Watermark { producer: "sensor-a".into(), batch: 4, records: 2, crc: b.crc() }.encode();
        let mut items: Vec<Item<'_>> = b
            .records
            .iter()
            .map(|r| Item { record_type: r.record_type, archive_ts: None, body: &r.body, meta_key: None })
            .collect();
        items.push(Item { record_type: WATERMARK_RECORD_TYPE, archive_ts: None, body: &w, meta_key: None });
        store.append_batch_with_meta(&items).unwrap();
    }
    let store = Arc::new(Store::open(dir.path(), opts()).unwrap());
    let ingest = Ingest::open(Arc::clone(&store)).unwrap();
    assert_eq!(ingest.last_batch("sensor-a"), 4, "found in the log tail");
    assert_eq!(ingest.submit(Some("sensor-a"), &events(4, 2)).unwrap(), Outcome::AlreadyStored);
    ingest.submit(Some("sensor-a"), &events(5, 2)).unwrap();
    let batches = stored_batches(dir.path()).unwrap();
    let seqs: Vec<u64> = batches.iter().map(|b| b.watermark.batch).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert!(batches.iter().all(|b| b.intact));
}

#[test]
fn stored_batches_notices_a_batch_that_is_not_what_its_watermark_says() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), opts()).unwrap();
    let ingest = Ingest::open(&store).unwrap();
    ingest.submit(Some("p"), &events(1, 2)).unwrap();
    // A watermark claiming more records than precede it.
    let w = Watermark { producer: "p".into(), batch: 2, records: 9, crc: 0 }.encode();
    store.append_batch(&[(WATERMARK_RECORD_TYPE, &w)]).unwrap();
    let b = stored_batches(dir.path()).unwrap();
    assert_eq!(b.iter().map(|b| (b.watermark.batch, b.intact)).collect::<Vec<_>>(), [(1, true), (2, false)]);
}

#[test]
fn concurrent_producers_each_store_every_batch_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path(), opts()).unwrap());
    let ingest = Arc::new(Ingest::open(Arc::clone(&store)).unwrap());
    let threads: Vec<_> = (0..4)
        .map(|p| {
            let ingest = Arc::clone(&ingest);
            std::thread::spawn(move || {
                for seq in 1..=20 {
                    ingest.submit(Some(&format!("p{p}")), &events(seq, 10)).unwrap();
                    // Every batch twice, as a producer that lost the acknowledgement would.
                    assert_eq!(
                        ingest.submit(Some(&format!("p{p}")), &events(seq, 10)).unwrap(),
                        Outcome::AlreadyStored
                    );
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let batches = stored_batches(dir.path()).unwrap();
    assert_eq!(batches.len(), 80);
    assert!(batches.iter().all(|b| b.intact));
    assert_eq!(store.last_seq(), 80 * 11);
}
