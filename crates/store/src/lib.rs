//! Durable event store for the eStreamer server, and the network map built from it
//! ([`netmap`]).
//!
//! Records are kept in wire form in an append-only, segmented log. Each record gets a
//! sequence number (from 1, +1 per record) and an archival timestamp that never goes
//! backwards, so "everything since time T" is a binary search over segments and a sparse
//! index rather than a scan. Next to the log sits a small metadata table (latest body per
//! record type and key, with the seq of the log record it came from).
//!
//! One [`Store`] per directory writes (it holds an exclusive lock); any number of
//! [`StoreReader`]s, in this or another process, read the files concurrently. [`stats`],
//! [`verify`] and [`compact`] look after a store, also one that a service is using.
//! `docs/store.md` describes formats, recovery and group commit at more length.
//!
//! # Files in the store directory
//!
//! All integers are little-endian.
//!
//! - `LOCK` — held with an exclusive OS file lock (`File::try_lock`) by the open [`Store`].
//! - `seg-<first_seq as 20 digits>.log` — a segment: frames back to back, no file header
//!   (an empty file is an empty segment). Frame = 28-byte header then the body:
//!   magic `0xE5` (u8), format version `1` (u8), flags `0` (u16), CRC32C (u32) over header
//!   bytes 8..28 and the body, body length (u32, at most [`MAX_RECORD_BYTES`]), seq (u64),
//!   archive_ts (u32), record_type (u32). Seqs inside a segment increase by one from the
//!   number in the file name, except across a damaged frame (see below); archive_ts never
//!   decreases. Seqs may jump between segments (records lost in a crash).
//! - `seg-<first_seq>.idx` — sparse index, a rebuildable cache: 24-byte header (magic
//!   `ESIDX\0\0\x01`, first_seq u64, stride u32, CRC32C u32), then 24-byte entries (seq
//!   u64, frame offset u64, archive_ts u32, CRC32C u32) for the records whose
//!   `seq - first_seq` is a multiple of the stride (`StoreOptions::index_every`), in order;
//!   a record lost to corruption has no entry. Readers check the frame an entry points at
//!   before trusting it, so an index never leads them into garbage.
//! - `meta.log` — metadata table, latest frame per (record_type, key) wins. Version 2 frame:
//!   28-byte header (magic `0xE6`, version `2`, flags u16, CRC32C over bytes 8..28 + key +
//!   body, record_type u32, key length u32 (at most [`MAX_META_KEY_BYTES`]), body length
//!   u32, seq u64), then key and body. Version 1 frames (20-byte header, no seq) are still
//!   read, with seq 0; new frames are always version 2.
//!
//! Seeking by time: binary search over segments by the archive_ts of their first valid
//! frame, then the last index entry before the target, then at most one stride of frames.
//!
//! # Crash behaviour and corruption
//!
//! A *torn tail* is damage with no valid frame after it: an incomplete last frame, or
//! garbage after the last valid frame. A *corrupt frame* is damage with a valid frame after
//! it: the next offset where a header with the right magic, version and flags parses, the
//! frame fits in the file, its CRC verifies, its archival time does not go back and its seq
//! is between the expected one and the expected one plus the bytes skipped / 28.
//!
//! `Store::open` scans the last segment in full: it cuts a torn tail, and keeps corrupt
//! frames (and every frame after them), reporting each with file and offset. For older
//! segments it checks the index and the frames after its last entry, rebuilding the index
//! when needed; damage running to the end of a sealed segment is cut there (only an
//! unsynced crash or a damaged disk leaves it) and reported. Corruption in the middle of a
//! sealed segment is found by the readers that pass it and by [`verify`].
//!
//! Readers skip a corrupt frame by resynchronising on the next valid frame, and never
//! return it. The seqs it should have carried are simply missing: a reader accepts that gap
//! where a corrupt frame was reported, and the writer continues after the highest valid
//! seq (and after the highest seq in the metadata table, so no seq is ever handed out
//! twice). Every skip is logged once per store handle with `tracing::warn!`, listed by
//! [`Store::corrupt_frames`] / [`StoreReader::corrupt_frames`], and handed to the caller by
//! [`Cursor::take_skipped`] as a [`CorruptFrame`] (file, offset, bytes skipped, expected
//! seq, seq resumed at, reason).
//!
//! After any failed write or fsync the store refuses writes with [`StoreError::Poisoned`].
//!
//! # Durability and group commit
//!
//! Under [`SyncPolicy::Always`] an append call returns once its records are on stable
//! storage. Concurrent callers share fsyncs: each write under the writer lock publishes
//! what must be synced; a caller then either finds its write already covered, waits for
//! the fsync in progress, or leads the next one, which covers every write made before it
//! started. No fsync happens under the writer lock except when a segment is sealed.
//!
//! # Retention and cursors
//!
//! Retention deletes whole oldest segments, never the one being written. A [`Cursor`]
//! keeps its current segment file open, so it finishes reading a segment even if retention
//! deletes it meanwhile (on Unix, and on Windows where std opens files with delete
//! sharing). If the *next* segment it needs is already gone, [`Cursor::next`] returns
//! [`StoreError::Expired`] naming the oldest retained seq rather than silently skipping
//! records; the caller can re-seek with [`StoreReader::cursor_from_seq`] or
//! [`StoreReader::cursor_from_time`]. A cursor still waiting for a later seq or time only
//! does so if a deleted record was one it would have returned.
//!
//! Seeks race with retention too: a segment listed a moment ago may be gone when the seek
//! opens it. Since retention deletes oldest first, that means it and everything before it
//! expired, and the seek goes on with the rest of its listing: a seq seek then fails with
//! [`StoreError::Expired`], and a time seek starts at the oldest retained record at or
//! after the time. The newest listed segment is opened right after listing and kept open,
//! so a seek only lists the directory again when retention outruns it completely.

mod care;
mod corrupt;
mod error;
mod frame;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod index;
mod meta;
pub mod netmap;
mod reader;
mod segment;
mod writer;

use std::time::Duration;

pub use care::{compact, stats, verify, CompactReport, IndexProblem, RemovedSegment, SeqGap, StoreStats, VerifyReport};
pub use corrupt::CorruptFrame;
pub use error::{Result, StoreError};
pub use frame::MAX_RECORD_BYTES;
pub use meta::MAX_META_KEY_BYTES;
pub use netmap::{NetMap, NetMapTracker, SnapshotError, TrackerOptions};
pub use reader::{Cursor, StoreReader};
pub use writer::Store;

/// When appended records are forced to stable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every append call returns only once its records are durable. Concurrent callers
    /// share fsyncs (group commit): one fsync covers every batch written before it.
    #[default]
    Always,
    /// fsync once at least this many records were appended since the last fsync
    /// (`EveryN(0)` and `EveryN(1)` behave like `Always`).
    EveryN(u32),
    /// Never fsync on append; the OS writes back when it likes. `sync()` still syncs.
    Never,
}

/// Limits after which whole oldest segments are deleted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep the total size of all segment files at or under this many bytes (the segment
    /// being written is never deleted, so the store may exceed it by up to one segment).
    pub max_bytes: Option<u64>,
    /// Delete a segment once its newest record's archival timestamp is older than this.
    pub max_age: Option<Duration>,
}

/// Options for [`Store::open`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Start a new segment before a write would take the current one past this size.
    pub segment_bytes: u64,
    /// When to fsync.
    pub sync: SyncPolicy,
    /// One sparse index entry every this many records of a segment.
    pub index_every: u32,
    /// Optional size/age limits.
    pub retention: Option<Retention>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions { segment_bytes: 64 << 20, sync: SyncPolicy::Always, index_every: 256, retention: None }
    }
}

/// Where an appended record landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Appended {
    /// Its sequence number.
    pub seq: u64,
    /// The archival timestamp the store gave it.
    pub archive_ts: u32,
}

/// A record read back from the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    /// Sequence number (1-based, +1 per record).
    pub seq: u64,
    /// Archival timestamp, UNIX seconds, non-decreasing with `seq`.
    pub archive_ts: u32,
    /// eStreamer record type.
    pub record_type: u32,
    /// The record in wire form.
    pub body: Vec<u8>,
}

/// One entry of the metadata table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaEntry {
    /// eStreamer record type of the metadata record.
    pub record_type: u32,
    /// Identifier within that type (e.g. the encoded id).
    pub key: Vec<u8>,
    /// Latest body stored for this (record_type, key).
    pub body: Vec<u8>,
    /// Sequence number of the log record this body came from
    /// ([`Store::append_batch_with_meta`]); 0 when it did not come from the log
    /// ([`Store::put_metadata`]) or was written by a store version without seqs in the
    /// metadata table. A reader that sends this snapshot and then replays the log can skip
    /// log records of the same (record_type, key) with a seq at or below it.
    pub seq: u64,
}

/// One record for [`Store::append_batch_with_meta`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Item<'a> {
    /// eStreamer record type.
    pub record_type: u32,
    /// Archival timestamp; `None` for "now". Raised to the last one if earlier, so that
    /// time stays monotone.
    pub archive_ts: Option<u32>,
    /// The record in wire form.
    pub body: &'a [u8],
    /// For a metadata record: its key in the metadata table (the table then holds this
    /// body with the record's seq under (record_type, key)). `None` for other records.
    pub meta_key: Option<&'a [u8]>,
}

/// Current UNIX time in seconds, clamped to the u32 range of archival timestamps.
pub(crate) fn now_unix_secs() -> u32 {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    u32::try_from(secs).unwrap_or(u32::MAX)
}
