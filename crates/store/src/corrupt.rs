//! Reports of damaged frames that were skipped (never served, never deleted).

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A damaged stretch of a segment file that the store skipped.
///
/// The frame at `offset` should have carried `expected_seq`; the next valid frame carries
/// `resumed_seq`, so the records `expected_seq..resumed_seq` are lost (none when garbage
/// was inserted rather than written over a frame). The bytes stay on disk: recovery never
/// deletes a frame that has valid frames after it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CorruptFrame {
    /// The segment file.
    pub path: PathBuf,
    /// Byte offset where the damage starts (the start of the frame that failed its checks).
    pub offset: u64,
    /// Bytes skipped: up to the next valid frame, or to the end of the segment.
    pub len: u64,
    /// The sequence number the damaged frame should have carried.
    pub expected_seq: u64,
    /// The sequence number of the next valid record (in this segment or the next one);
    /// `u64::MAX` when nothing valid follows (only [`crate::verify`] reports such a case,
    /// as a torn tail of the newest segment).
    pub resumed_seq: u64,
    /// What was wrong with the frame at `offset`.
    pub reason: String,
}

impl CorruptFrame {
    /// Number of sequence numbers lost to this damage.
    pub fn lost(&self) -> u64 {
        if self.resumed_seq == u64::MAX {
            return 0;
        }
        self.resumed_seq.saturating_sub(self.expected_seq)
    }
}

impl fmt::Display for CorruptFrame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt frame in {} at offset {} (expected seq {}",
            self.path.display(),
            self.offset,
            self.expected_seq
        )?;
        if self.resumed_seq == u64::MAX {
            write!(f, ", {} bytes to the end of the segment", self.len)?;
        } else {
            write!(
                f,
                ", {} bytes skipped, {} records lost, resumed at seq {}",
                self.len,
                self.lost(),
                self.resumed_seq
            )?;
        }
        write!(f, "): {}", self.reason)
    }
}

/// Every corrupt frame found through one store handle (a [`crate::Store`] or a
/// [`crate::StoreReader`] and its clones and cursors); each is logged once.
#[derive(Debug, Default)]
pub(crate) struct CorruptLog {
    inner: Mutex<LogInner>,
}

#[derive(Debug, Default)]
struct LogInner {
    seen: HashSet<(PathBuf, u64)>,
    frames: Vec<CorruptFrame>,
}

impl CorruptLog {
    pub(crate) fn new() -> Arc<CorruptLog> {
        Arc::new(CorruptLog::default())
    }

    /// Records `cf`; the first time a (file, offset) is seen it is logged as a warning.
    pub(crate) fn note(&self, cf: &CorruptFrame) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if g.seen.insert((cf.path.clone(), cf.offset)) {
            tracing::warn!(
                segment = %cf.path.display(),
                offset = cf.offset,
                bytes = cf.len,
                expected_seq = cf.expected_seq,
                resumed_seq = cf.resumed_seq,
                reason = %cf.reason,
                "corrupt frame skipped (kept on disk, never served)"
            );
            g.frames.push(cf.clone());
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<CorruptFrame> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).frames.clone()
    }

    /// Forgets reports about a file (retention deleted it).
    pub(crate) fn forget(&self, path: &Path) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.frames.retain(|f| f.path != path);
        g.seen.retain(|(p, _)| p != path);
    }
}
