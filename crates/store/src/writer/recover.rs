//! Opening a store: locking aside, recovery of every segment, the index and the
//! metadata table after a clean or unclean shutdown.

use std::collections::VecDeque;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::{Active, Sealed, Writer};
use crate::corrupt::{CorruptFrame, CorruptLog};
use crate::frame::FrameReader;
use crate::index::{self, IndexLoad};
use crate::meta::{self, MetaTable};
use crate::segment::{self, idx_name, log_name, scan, scan_with, sync_dir, Stop};
use crate::{Result, StoreError, StoreOptions, SyncPolicy};

/// What a check of one segment found.
struct SegSummary {
    next_seq: u64,
    last_ts: Option<u32>,
    bytes: u64,
}

impl Writer {
    pub(super) fn recover(dir: &Path, opts: StoreOptions, lock: File, corrupt: &Arc<CorruptLog>) -> Result<Writer> {
        remove_leftovers(dir)?;
        let stride = opts.index_every;
        let sync = opts.sync != SyncPolicy::Never;
        let mut firsts = segment::list(dir)?;
        if firsts.is_empty() {
            let (file, idx) = create_segment(dir, 1, stride)?;
            drop((file, idx));
            if sync {
                sync_dir(dir).map_err(|e| StoreError::io("sync", dir, e))?;
            }
            firsts.push(1);
        }
        let (&last_first, older) = firsts.split_last().unwrap_or((&1, &[]));

        let mut sealed = VecDeque::new();
        let mut sealed_bytes = 0;
        // (next seq, last ts) of the previous non-empty segment.
        let mut prev: Option<(u64, u32)> = None;
        for (i, &first) in older.iter().enumerate() {
            let next_first = firsts[i + 1];
            let s = check_sealed(dir, first, stride, next_first, corrupt)?;
            let Some(last_ts) = s.last_ts else {
                // Only a crash between creating a segment and writing to it, followed by a
                // lost tail, can leave an empty older segment; it holds nothing.
                tracing::warn!(segment = %dir.join(log_name(first)).display(), "removing empty sealed segment");
                remove_segment(dir, first);
                continue;
            };
            check_continuity(dir, prev, first)?;
            prev = Some((s.next_seq, last_ts));
            sealed_bytes += s.bytes;
            sealed.push_back(Sealed { first_seq: first, last_ts, bytes: s.bytes });
        }

        let last = recover_last(dir, last_first, stride, corrupt)?;
        check_continuity(dir, prev, last_first)?;
        let last_ts = last.last_ts.or(prev.map(|p| p.1)).unwrap_or(0);
        let path = dir.join(log_name(last_first));
        let file = OpenOptions::new().append(true).open(&path).map_err(|e| StoreError::io("open", &path, e))?;
        let (path, file) = (Arc::new(path), Arc::new(file));
        let idx_path = dir.join(idx_name(last_first));
        let idx = match index::open_append(&idx_path) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(file = %idx_path.display(), error = %e, "cannot open index for appending; it will be rebuilt at next open");
                None
            }
        };
        let meta = MetaTable::open(dir, sync)?;
        let mut w = Writer {
            dir: dir.to_path_buf(),
            opts,
            _lock: lock,
            active: Active { first_seq: last_first, path, file, idx_path, idx, len: last.bytes },
            sealed,
            sealed_bytes,
            next_seq: last.next_seq,
            last_ts,
            unsynced: 0,
            poisoned: false,
            meta,
            corrupt: Arc::clone(corrupt),
            gen: 0,
            meta_gen: 0,
            buf: Vec::new(),
            idx_buf: Vec::new(),
            meta_buf: Vec::new(),
        };
        // A metadata entry may carry a seq whose log record was lost in a crash (the
        // metadata file reached the disk, the log did not): never hand that seq out again.
        let meta_max = w.meta.max_seq();
        if meta_max >= w.next_seq {
            tracing::warn!(
                next_seq = w.next_seq,
                meta_seq = meta_max,
                "metadata refers to records lost in a crash; continuing after its highest seq"
            );
            w.skip_to(meta_max + 1)?;
        }
        w.enforce_retention();
        Ok(w)
    }

    /// Makes `seq` the next seq, in a new segment named after it (so that a cursor sees
    /// the gap between segments, as after any crash that lost records).
    fn skip_to(&mut self, seq: u64) -> Result<()> {
        if self.active.len == 0 {
            // Nothing in the active segment: replace it.
            let old = self.active.first_seq;
            let (file, idx) = create_segment(&self.dir, seq, self.opts.index_every)?;
            self.active = Active {
                first_seq: seq,
                path: Arc::new(self.dir.join(log_name(seq))),
                file: Arc::new(file),
                idx_path: self.dir.join(idx_name(seq)),
                idx,
                len: 0,
            };
            remove_segment(&self.dir, old);
        } else {
            self.next_seq = seq;
            self.roll()?;
        }
        self.next_seq = seq;
        if self.opts.sync != SyncPolicy::Never {
            sync_dir(&self.dir).map_err(|e| StoreError::io("sync", &self.dir, e))?;
        }
        Ok(())
    }
}

/// Removes temp files of interrupted index/metadata rewrites and indexes without a log.
fn remove_leftovers(dir: &Path) -> Result<()> {
    let rd = fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))?;
    for ent in rd {
        let ent = ent.map_err(|e| StoreError::io("list", dir, e))?;
        let name = ent.file_name();
        let Some(name) = name.to_str() else { continue };
        let orphan_idx = segment::parse_idx_name(name).is_some_and(|first| !dir.join(log_name(first)).exists());
        let tmp = name.starts_with("seg-") && name.ends_with(".idx.tmp");
        if orphan_idx || tmp {
            let _ = fs::remove_file(ent.path());
        }
    }
    let _ = fs::remove_file(meta::tmp_path(dir));
    Ok(())
}

/// Creates an empty segment file and its index (header only).
pub(super) fn create_segment(dir: &Path, first_seq: u64, stride: u32) -> Result<(File, Option<File>)> {
    let path = dir.join(log_name(first_seq));
    let file =
        OpenOptions::new().create_new(true).append(true).open(&path).map_err(|e| StoreError::io("create", &path, e))?;
    let idx_path = dir.join(idx_name(first_seq));
    let idx = File::create(&idx_path).and_then(|mut f| {
        f.write_all(&index::encode_header(first_seq, stride))?;
        Ok(f)
    });
    let idx = match idx {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::warn!(file = %idx_path.display(), error = %e, "cannot create index; readers will scan this segment");
            let _ = fs::remove_file(&idx_path);
            None
        }
    };
    Ok((file, idx))
}

fn remove_segment(dir: &Path, first: u64) {
    let _ = fs::remove_file(dir.join(log_name(first)));
    let _ = fs::remove_file(dir.join(idx_name(first)));
}

fn check_continuity(dir: &Path, prev: Option<(u64, u32)>, first: u64) -> Result<()> {
    let Some((prev_next, _)) = prev else {
        return Ok(());
    };
    if first < prev_next {
        return Err(StoreError::Inconsistent {
            dir: dir.to_path_buf(),
            reason: format!(
                "segment {} starts at seq {first} but the previous segment already holds seq {}",
                log_name(first),
                prev_next - 1
            ),
        });
    }
    if first > prev_next {
        tracing::warn!(
            segment = %dir.join(log_name(first)).display(),
            missing_from = prev_next,
            missing_to = first - 1,
            "sequence gap before segment (records lost in an unsynced crash)"
        );
    }
    Ok(())
}

fn open_reader(path: &Path) -> Result<(FrameReader, u64)> {
    let len = fs::metadata(path).map_err(|e| StoreError::io("stat", path, e))?.len();
    let fr = FrameReader::open(path).map_err(|e| StoreError::io("open", path, e))?;
    Ok((fr, len))
}

fn truncate_tail(path: &Path, valid: u64, len: u64, reason: &str) -> Result<()> {
    tracing::warn!(
        file = %path.display(),
        offset = valid,
        dropped_bytes = len.saturating_sub(valid),
        %reason,
        "truncating torn or corrupt tail"
    );
    let f = OpenOptions::new().write(true).open(path).map_err(|e| StoreError::io("open", path, e))?;
    f.set_len(valid).and_then(|()| f.sync_all()).map_err(|e| StoreError::io_at("truncate", path, valid, e))
}

/// Checks an older segment through its index and the frames after the last entry;
/// rebuilds the index (and cuts damage that runs to the end of the segment, which only an
/// unsynced crash or a damaged disk can leave) when that does not add up. Damaged frames
/// with valid frames after them are kept and reported to `corrupt`. A cut tail is reported
/// too: it sits in the middle of the log, before segment `next_first`.
fn check_sealed(dir: &Path, first: u64, stride: u32, next_first: u64, corrupt: &CorruptLog) -> Result<SegSummary> {
    let path = dir.join(log_name(first));
    let idx_path = dir.join(idx_name(first));
    let (mut fr, len) = open_reader(&path)?;
    let scan_err = |e| StoreError::io("scan", &path, e);
    let why = match index::load(&idx_path, first, || Ok(len)) {
        IndexLoad::Loaded(ix) if ix.stride != stride => format!("stride {} instead of {stride}", ix.stride),
        IndexLoad::Loaded(ix) if ix.torn_tail => "torn last entry".to_string(),
        IndexLoad::Loaded(ix) => match ix.entries.last() {
            None if len == 0 => return Ok(SegSummary { next_seq: first, last_ts: None, bytes: 0 }),
            None => "no entries".to_string(),
            Some(last) => {
                let s = scan(&mut fr, first, stride, last.offset, last.seq).map_err(scan_err)?;
                // The scan starts at the last entry, so it must list exactly that one: any
                // other would be an entry the index lacks.
                let ok = s.stop == Stop::Eof && s.end == len && s.entries == [*last];
                if ok {
                    for cf in &s.corrupt {
                        corrupt.note(cf);
                    }
                    return Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: len });
                }
                "does not match the segment".to_string()
            }
        },
        IndexLoad::Missing => "missing".to_string(),
        IndexLoad::Invalid(reason) => reason,
    };
    tracing::info!(file = %idx_path.display(), reason = %why, "rebuilding index");
    let s = scan(&mut fr, first, stride, 0, first).map_err(scan_err)?;
    for cf in &s.corrupt {
        corrupt.note(cf);
    }
    if let Stop::Torn(reason) = &s.stop {
        corrupt.note(&CorruptFrame {
            path: path.clone(),
            offset: s.end,
            len: len.saturating_sub(s.end),
            expected_seq: s.next_seq,
            resumed_seq: next_first,
            reason: format!("{reason} (cut: nothing valid follows in this sealed segment)"),
        });
        truncate_tail(&path, s.end, len, reason)?;
    }
    index::write_full(&idx_path, first, stride, &s.entries).map_err(|e| StoreError::io("write", &idx_path, e))?;
    Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: s.end })
}

/// Scans the last segment in full, keeps (and reports) damaged frames that have valid
/// frames after them, cuts a torn tail (damage with nothing valid after it), and makes the
/// index match.
fn recover_last(dir: &Path, first: u64, stride: u32, corrupt: &CorruptLog) -> Result<SegSummary> {
    let path = dir.join(log_name(first));
    let idx_path = dir.join(idx_name(first));
    let (mut fr, len) = open_reader(&path)?;
    // Where the last complete batch ends: just after the last good frame without
    // FLAG_CONTINUES (or the start of the segment).
    let mut batch_end = 0;
    let mut s = scan_with(&mut fr, first, stride, 0, first, |offset, h| {
        if !h.continues {
            batch_end = offset + h.frame_len();
        }
    })
    .map_err(|e| StoreError::io("scan", &path, e))?;
    for cf in &s.corrupt {
        corrupt.note(cf);
    }
    if let Stop::Torn(reason) = &s.stop {
        truncate_tail(&path, s.end, len, reason)?;
    }
    if batch_end < s.end {
        // A crash in the middle of a batch's write left some of its frames complete: the
        // batch was never acknowledged, so none of it is kept (its producer sends it again).
        truncate_tail(&path, batch_end, s.end, "the last batch was only partly written")?;
        let (mut fr, _) = open_reader(&path)?;
        s = scan(&mut fr, first, stride, 0, first).map_err(|e| StoreError::io("scan", &path, e))?;
    }
    let why = match index::load(&idx_path, first, || Ok(s.end)) {
        IndexLoad::Loaded(ix) if ix.stride == stride && !ix.torn_tail && ix.entries == s.entries => None,
        IndexLoad::Loaded(_) => Some("does not match the segment".to_string()),
        IndexLoad::Missing => Some("missing".to_string()),
        IndexLoad::Invalid(reason) => Some(reason),
    };
    if let Some(why) = why {
        tracing::info!(file = %idx_path.display(), reason = %why, "rebuilding index");
        index::write_full(&idx_path, first, stride, &s.entries).map_err(|e| StoreError::io("write", &idx_path, e))?;
    }
    Ok(SegSummary { next_seq: s.next_seq, last_ts: s.last_ts, bytes: s.end })
}
