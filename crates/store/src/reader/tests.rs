//! Seeks racing retention, with hooks that play the writer between listing and opening.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::*;
use crate::segment::idx_name;
use crate::{Retention, Store, StoreOptions, SyncPolicy};

/// Where in a seek a hook runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    /// Right after listing the segments.
    Listed,
    /// Right after opening (pinning) the newest listed segment.
    Pinned,
}

type Hook = Box<dyn FnMut(Stage, &Path, &[u64])>;

thread_local! {
    /// Runs on this thread at the [`Stage`]s of a seek: lets a test play the writer
    /// (retention, rolls) in exactly the windows between listing and opening.
    static HOOK: RefCell<Option<Hook>> = const { RefCell::new(None) };
}

fn run_hook(stage: Stage, dir: &Path, segs: &[u64]) {
    HOOK.with(|h| {
        if let Some(f) = h.borrow_mut().as_mut() {
            f(stage, dir, segs);
        }
    });
}

pub(super) fn after_list(dir: &Path, segs: &[u64]) {
    run_hook(Stage::Listed, dir, segs);
}

pub(super) fn after_pin(dir: &Path, segs: &[u64]) {
    run_hook(Stage::Pinned, dir, segs);
}

/// Runs `f` with `hook` installed for `stage` on this thread.
fn with_hook<T>(stage: Stage, mut hook: impl FnMut(&Path, &[u64]) + 'static, f: impl FnOnce() -> T) -> T {
    HOOK.with(|h| {
        *h.borrow_mut() = Some(Box::new(move |st, dir: &Path, segs: &[u64]| {
            if st == stage {
                hook(dir, segs);
            }
        }))
    });
    let out = f();
    HOOK.with(|h| *h.borrow_mut() = None);
    out
}

/// Deletes segment `first` the way retention does (log first, then index).
fn retention_delete(dir: &Path, first: u64) {
    std::fs::remove_file(dir.join(log_name(first))).unwrap();
    let _ = std::fs::remove_file(dir.join(idx_name(first)));
}

/// A store of `segments` segments of 10 records each; record i has archive_ts 1000 + i.
fn store_with_segments(dir: &Path, segments: u64) -> Store {
    let frame = 28 + 4; // 4-byte bodies
    let opts = StoreOptions { segment_bytes: 10 * frame, index_every: 3, sync: SyncPolicy::Never, retention: None };
    let store = Store::open(dir, opts).unwrap();
    for i in 1..=segments * 10 {
        store.append_at(1, 1000 + i as u32, &(i as u32).to_le_bytes()).unwrap();
    }
    assert_eq!(segment::list(dir).unwrap().len() as u64, segments);
    store
}

/// Ten 32-byte records per segment, three segments kept: retention runs at every roll.
fn tiny_retained_store(dir: &Path) -> Store {
    let opts = StoreOptions {
        segment_bytes: 10 * 32,
        index_every: 3,
        sync: SyncPolicy::Never,
        retention: Some(Retention { max_bytes: Some(3 * 10 * 32), max_age: None }),
    };
    Store::open(dir, opts).unwrap()
}

/// Append `n` records whose archival time is 1000 + seq.
fn append(store: &Store, n: u64) {
    for _ in 0..n {
        let i = store.last_seq() + 1;
        store.append_at(1, 1000 + i as u32, &(i as u32).to_le_bytes()).unwrap();
    }
}

fn drain(c: &mut Cursor) -> Vec<u64> {
    let mut out = Vec::new();
    while let Some(r) = c.next().unwrap() {
        out.push(r.seq);
    }
    out
}

/// The failure seen under load: retention deletes the oldest segment between every
/// listing and the open that follows it. A seek must not start over each time (and so
/// give up after a few rounds); a segment found gone means everything before it is
/// gone too, so the seek goes on with the rest of the same listing.
#[test]
fn seeks_survive_retention_deleting_the_oldest_segment_after_every_listing() {
    let dir = tempfile::tempdir().unwrap();
    let _store = store_with_segments(dir.path(), 40);
    let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()), CorruptLog::new());
    let lists = Rc::new(Cell::new(0));
    let hook = |lists: Rc<Cell<u32>>| {
        move |dir: &Path, segs: &[u64]| {
            lists.set(lists.get() + 1);
            if segs.len() > 1 {
                retention_delete(dir, segs[0]);
            }
        }
    };

    // Time before everything: the oldest retained record (segment 1 went after the listing).
    let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(0).unwrap()));
    assert_eq!(got, (11..=400).collect::<Vec<_>>());
    assert_eq!(lists.get(), 1, "one listing, no start-over");

    // Time inside the segment deleted after listing: its records are gone, so the
    // first retained one at or after the time.
    lists.set(0);
    let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(1015).unwrap()));
    assert_eq!(got, (21..=400).collect::<Vec<_>>());
    assert_eq!(lists.get(), 1);

    // Seq inside a segment deleted after listing: Expired, naming the next segment.
    lists.set(0);
    match with_hook(Stage::Listed, hook(lists.clone()), || reader.cursor_from_seq(25)) {
        Err(StoreError::Expired { requested: 25, oldest: 31 }) => {}
        other => panic!("expected Expired {{ 25, 31 }}, got {other:?}"),
    }
    assert_eq!(lists.get(), 1);

    // Seq beyond the deleted segment: exact, unaffected.
    let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_seq(45).unwrap()));
    assert_eq!(got, (45..=400).collect::<Vec<_>>());

    // Time seek whose target lies in a retained segment while the oldest go.
    let got = with_hook(Stage::Listed, hook(lists.clone()), || drain(&mut reader.cursor_from_time(1395).unwrap()));
    assert_eq!(got, (395..=400).collect::<Vec<_>>());
    assert_eq!(with_hook(Stage::Listed, hook(lists.clone()), || reader.last_seq().unwrap()), 400);
}

/// When the writer rolls and retention deletes the whole listing (even its last
/// segment) before the seek opens anything, the seek lists again and still succeeds.
#[test]
fn seeks_list_again_when_retention_passes_the_whole_listing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Rc::new(tiny_retained_store(dir.path()));
    append(&store, 50);
    let reader = store.reader();
    // For the first `rounds` listings, append enough that every listed segment goes.
    let hook = |rounds: u32| {
        let (store, mut left) = (Rc::clone(&store), rounds);
        move |dir: &Path, segs: &[u64]| {
            if left > 0 {
                left -= 1;
                append(&store, 60);
                assert!(!dir.join(log_name(*segs.last().unwrap())).exists());
            }
        }
    };
    for rounds in [1, 3] {
        let c = with_hook(Stage::Listed, hook(rounds), || reader.cursor_from_time(0).unwrap());
        let got = drain(&mut { c });
        assert_eq!(*got.last().unwrap(), store.last_seq());
        assert_eq!(got[0], segment::list(dir.path()).unwrap()[0], "starts at the oldest retained record");

        // In the last listed segment, which retention deleted: expired for real.
        let gone = store.last_seq() - 5;
        match with_hook(Stage::Listed, hook(rounds), || reader.cursor_from_seq(gone)) {
            Err(StoreError::Expired { requested, oldest }) => {
                // `oldest` may already be stale (retention goes on), never too low.
                let now = segment::list(dir.path()).unwrap()[0];
                assert!(requested == gone && gone < oldest && oldest <= now, "{gone} {oldest} {now}");
            }
            other => panic!("expected Expired, got {other:?}"),
        }
        // Past the end of the listing, written (and still retained) before the seek ends.
        let ahead = store.last_seq() + 60 * u64::from(rounds) - 5;
        let got = with_hook(Stage::Listed, hook(rounds), || drain(&mut reader.cursor_from_seq(ahead).unwrap()));
        assert_eq!(got, (ahead..=store.last_seq()).collect::<Vec<_>>());

        let before = store.last_seq();
        let last = with_hook(Stage::Listed, hook(rounds), || reader.last_seq().unwrap());
        assert!(last > before && last <= store.last_seq(), "{before} < {last} <= {}", store.last_seq());
    }
}

/// Retention keeps going through the whole listing, pinned newest segment included,
/// right after every pin: for a few rounds the seek lists again (for an answer that is
/// not already stale), then settles for the pinned segment, which its handle still
/// reads; it never fails.
#[test]
fn a_seek_that_retention_keeps_outrunning_ends_on_the_pinned_segment() {
    let dir = tempfile::tempdir().unwrap();
    let store = Rc::new(tiny_retained_store(dir.path()));
    append(&store, 50);
    let reader = store.reader();
    // Appends enough after each of the first `rounds` pins that everything listed goes;
    // records the newest listed segment of each round.
    let hook = |rounds: usize, pinned: Rc<RefCell<Vec<u64>>>| {
        let (store, mut left) = (Rc::clone(&store), rounds);
        move |dir: &Path, segs: &[u64]| {
            if left > 0 {
                left -= 1;
                pinned.borrow_mut().push(*segs.last().unwrap());
                append(&store, 60);
                assert!(!dir.join(log_name(*segs.last().unwrap())).exists());
            }
        }
    };

    // Fewer rounds than STALE_PIN_AFTER: a fresh listing wins.
    let pinned = Rc::new(RefCell::new(Vec::new()));
    let mut c = with_hook(Stage::Pinned, hook(3, pinned.clone()), || reader.cursor_from_time(0).unwrap());
    assert_eq!(pinned.borrow().len(), 3);
    let got = drain(&mut c);
    assert_eq!(got[0], segment::list(dir.path()).unwrap()[0]);
    assert_eq!(*got.last().unwrap(), store.last_seq());

    // Always outrun: the seek ends on the pinned (already deleted) segment of round
    // STALE_PIN_AFTER and reads it; past it, the cursor reports the loss as Expired.
    let pinned = Rc::new(RefCell::new(Vec::new()));
    let mut c = with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.cursor_from_time(0).unwrap());
    assert_eq!(pinned.borrow().len(), STALE_PIN_AFTER);
    let first = *pinned.borrow().last().unwrap();
    let mut got = Vec::new();
    let err = loop {
        match c.next() {
            Ok(Some(r)) => got.push(r.seq),
            Ok(None) => panic!("the cursor fell behind retention: expected Expired, got the end after {got:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(got, (first..first + 10).collect::<Vec<_>>(), "the pinned segment, read through its handle");
    assert!(
        matches!(err, StoreError::Expired { requested, oldest } if requested == first + 10 && oldest > requested),
        "{err}"
    );

    // Same for a seq in the pinned segment (segments hold 10 records each and the hook
    // appends 60 per round, so it holds the last 10 records of round 8's listing);
    // earlier rounds find that seq not written yet, and list again.
    let pinned = Rc::new(RefCell::new(Vec::new()));
    assert_eq!(store.last_seq() % 10, 0);
    let want = store.last_seq() + 60 * (STALE_PIN_AFTER as u64 - 1) - 4;
    let mut c = with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.cursor_from_seq(want).unwrap());
    assert_eq!(pinned.borrow().len(), STALE_PIN_AFTER);
    assert_eq!(c.next().unwrap().map(|r| r.seq), Some(want));
    let pinned = Rc::new(RefCell::new(Vec::new()));
    let before = store.last_seq();
    let last = with_hook(Stage::Pinned, hook(usize::MAX, pinned.clone()), || reader.last_seq().unwrap());
    assert!(last >= before && last < store.last_seq(), "{before} <= {last} < {}", store.last_seq());
}

/// A cursor waiting at the end for a later time, whose segment and successors retention
/// deleted, looks at the first record of the next segment to tell whether it lost
/// anything: while that segment is still empty or half-written it just waits.
#[test]
fn waiting_cursor_decides_about_expiry_once_the_next_segment_is_readable() {
    for (first_ts, expired) in [(1041, false), (5000, true)] {
        let dir = tempfile::tempdir().unwrap();
        let _store = store_with_segments(dir.path(), 3);
        let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()), CorruptLog::new());
        let mut c = reader.cursor_from_time(4000).unwrap();
        assert!(c.next().unwrap().is_none());
        // Retention deleted everything up to seq 40, and the writer is creating the
        // segment that starts at 41.
        for first in [1, 11, 21] {
            retention_delete(dir.path(), first);
        }
        let path = dir.path().join(log_name(41));
        let mut frame = Vec::new();
        crate::frame::encode_frame(&mut frame, 41, first_ts, 1, b"body");
        for cut in [0, 20, frame.len() - 1] {
            std::fs::write(&path, &frame[..cut]).unwrap();
            assert!(c.next().unwrap().is_none(), "first frame cut at {cut}");
        }
        std::fs::write(&path, &frame).unwrap();
        match c.next() {
            // Records 21..=40 had archive_ts 1021..=1040 < 4000: skipped anyway.
            Ok(None) if !expired => {}
            Err(StoreError::Expired { requested: 31, oldest: 41 }) if expired => {}
            other => panic!("first_ts {first_ts}: {other:?}"),
        }
    }
}

/// A cursor that crosses into a segment the writer has just created sees "nothing yet"
/// while that segment is empty or holds part of its first frame, never an error.
#[test]
fn cursor_crossing_into_a_segment_being_created_waits() {
    let dir = tempfile::tempdir().unwrap();
    let _store = store_with_segments(dir.path(), 2);
    let reader = StoreReader::from_dir(Arc::new(dir.path().to_path_buf()), CorruptLog::new());
    let mut c = reader.cursor_from_seq(15).unwrap();
    assert_eq!(drain(&mut c), (15..=20).collect::<Vec<_>>());
    // What a roll leaves between creating the file and finishing the first write (the
    // store itself is not used from here on: its active segment is the 2nd one).
    let path = dir.path().join(log_name(21));
    std::fs::write(&path, b"").unwrap();
    assert!(c.next().unwrap().is_none(), "empty new segment");
    let mut frame = Vec::new();
    crate::frame::encode_frame(&mut frame, 21, 2021, 1, b"body");
    for cut in [1, 27, 28, 30] {
        std::fs::write(&path, &frame[..cut]).unwrap();
        assert!(c.next().unwrap().is_none(), "first frame cut at {cut}");
        assert_eq!(reader.last_seq().unwrap(), 20, "cut at {cut}");
        assert_eq!(drain(&mut reader.cursor_from_time(2021).unwrap()), Vec::<u64>::new());
    }
    std::fs::write(&path, &frame).unwrap();
    assert_eq!(c.next().unwrap().map(|r| (r.seq, r.archive_ts)), Some((21, 2021)));
    assert_eq!(reader.last_seq().unwrap(), 21);
    assert_eq!(drain(&mut reader.cursor_from_time(2021).unwrap()), vec![21]);
}

#[test]
fn seeks_use_the_index_instead_of_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions { index_every: 16, sync: SyncPolicy::Never, ..StoreOptions::default() };
    let store = Store::open(dir.path(), opts).unwrap();
    for i in 1..=5000u32 {
        store.append_at(1, 1000 + i / 10, b"payload").unwrap();
    }
    let seek = |target| {
        let mut seg = open_seg(dir.path(), 1).unwrap().unwrap();
        let found = find_in(dir.path(), &mut seg, target, &mut Vec::new()).unwrap();
        let at = match found {
            Found::At { seq, .. } => Some(seq),
            Found::End { next_seq, torn, .. } => {
                assert!(torn.is_none());
                assert_eq!(next_seq, 5001);
                None
            }
        };
        (at, seg.fr.reads)
    };
    // One read to verify the index entry, then at most a stride of frames.
    let (at, reads) = seek(Target::Time(1400));
    assert_eq!(at, Some(4000));
    assert!(reads <= 18, "{reads} reads");
    let (at, reads) = seek(Target::Seq(2500));
    assert_eq!(at, Some(2500));
    assert!(reads <= 18, "{reads} reads");
    let (at, reads) = seek(Target::End);
    assert_eq!(at, None);
    assert!(reads <= 18, "{reads} reads");

    // Without the index the same answer costs a scan.
    std::fs::remove_file(dir.path().join(idx_name(1))).unwrap();
    let (at, reads) = seek(Target::Time(1400));
    assert_eq!(at, Some(4000));
    assert!(reads >= 4000, "{reads} reads");
}
