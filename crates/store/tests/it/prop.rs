//! Property: seeking by time or seq equals a naive linear filter over what was appended.

use estreamer_store::{Store, StoreOptions, StoreReader, SyncPolicy};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    /// `append` (wall-clock time) with a body of this length.
    Now(usize),
    /// `append_at` with this timestamp (often lower than the last: clamped).
    At(u32, usize),
    /// `append_batch` with these body lengths.
    Batch(Vec<usize>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0usize..60).prop_map(Op::Now),
        8 => (990u32..1030, 0usize..60).prop_map(|(t, l)| Op::At(t, l)),
        1 => prop::collection::vec(0usize..60, 0..5).prop_map(Op::Batch),
    ]
}

fn body(seq: u64, len: usize) -> Vec<u8> {
    (0..len).map(|i| (seq as usize).wrapping_mul(31).wrapping_add(i) as u8).collect()
}

/// (seq, ts, len) of every record appended.
type Log = Vec<(u64, u32, usize)>;

fn check(r: &StoreReader, log: &Log) -> Result<(), TestCaseError> {
    let mut queries = vec![0u32, 1, 989, 990, 5000];
    for &(_, ts, _) in log {
        queries.extend([ts.saturating_sub(1), ts, ts.saturating_add(1)]);
    }
    queries.sort_unstable();
    queries.dedup();
    for q in queries {
        let want: Vec<u64> = log.iter().filter(|e| e.1 >= q).map(|e| e.0).collect();
        let mut c = r.cursor_from_time(q).unwrap();
        let mut got = Vec::new();
        while let Some(rec) = c.next().unwrap() {
            let (seq, ts, len) = log[rec.seq as usize - 1];
            prop_assert_eq!((rec.seq, rec.archive_ts), (seq, ts));
            prop_assert_eq!(rec.record_type, seq as u32);
            prop_assert_eq!(&rec.body, &body(seq, len));
            got.push(rec.seq);
        }
        prop_assert_eq!(got, want, "cursor_from_time({})", q);
    }
    let last = log.len() as u64;
    for s in [1, last / 2, last, last + 1] {
        let mut c = r.cursor_from_seq(s).unwrap();
        let mut got = Vec::new();
        while let Some(rec) = c.next().unwrap() {
            got.push(rec.seq);
        }
        prop_assert_eq!(got, (s.max(1)..=last).collect::<Vec<_>>(), "cursor_from_seq({})", s);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn seek_by_time_equals_linear_filter(
        ops in prop::collection::vec(op(), 0..80),
        segment_bytes in 60u64..700,
        index_every in 1u32..7,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let o = StoreOptions { segment_bytes, index_every, sync: SyncPolicy::Never, retention: None };
        let mut log: Log = Vec::new();
        {
            let store = Store::open(dir.path(), o.clone()).unwrap();
            for op in &ops {
                let next = log.len() as u64 + 1;
                match op {
                    Op::Now(len) => {
                        let a = store.append(next as u32, &body(next, *len)).unwrap();
                        log.push((a.seq, a.archive_ts, *len));
                    }
                    Op::At(ts, len) => {
                        let a = store.append_at(next as u32, *ts, &body(next, *len)).unwrap();
                        log.push((a.seq, a.archive_ts, *len));
                    }
                    Op::Batch(lens) => {
                        let bodies: Vec<Vec<u8>> =
                            lens.iter().enumerate().map(|(i, &l)| body(next + i as u64, l)).collect();
                        let items: Vec<(u32, &[u8])> = bodies
                            .iter()
                            .enumerate()
                            .map(|(i, b)| ((next + i as u64) as u32, b.as_slice()))
                            .collect();
                        for (a, &l) in store.append_batch(&items).unwrap().iter().zip(lens) {
                            log.push((a.seq, a.archive_ts, l));
                        }
                    }
                }
            }
            prop_assert!(log.windows(2).all(|w| w[0].1 <= w[1].1 && w[0].0 + 1 == w[1].0));
            check(&store.reader(), &log)?;
        }
        // Same answers after a reopen (which re-validates every index), and from a
        // reader that opened the directory itself.
        let store = Store::open(dir.path(), o).unwrap();
        prop_assert_eq!(store.last_seq(), log.len() as u64);
        check(&StoreReader::open(dir.path()).unwrap(), &log)?;
    }
}
