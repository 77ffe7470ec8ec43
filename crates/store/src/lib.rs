//! Durable event store for the eStreamer server.
//!
//! Records are kept in wire form in an append-only, segmented log. Each record gets a
//! sequence number (from 1, +1 per record) and an archival timestamp that never goes
//! backwards, so "everything since time T" is a binary search over segments and a sparse
//! index rather than a scan. Next to the log sits a small metadata table (latest body per
//! record type and key).
//!
//! One [`Store`] per directory writes (it holds an exclusive lock); any number of
//! [`StoreReader`]s, in this or another process, read the files concurrently.
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
//!   archive_ts (u32), record_type (u32). Seqs inside a segment are consecutive from the
//!   number in the file name; archive_ts never decreases.
//! - `seg-<first_seq>.idx` — sparse index, a rebuildable cache: 24-byte header (magic
//!   `ESIDX\0\0\x01`, first_seq u64, stride u32, CRC32C u32), then one 24-byte entry (seq
//!   u64, frame offset u64, archive_ts u32, CRC32C u32) for every record whose
//!   `seq - first_seq` is a multiple of the stride (`StoreOptions::index_every`).
//! - `meta.log` — metadata table, latest frame per (record_type, key) wins: 20-byte header
//!   (magic `0xE6`, version `1`, flags u16, CRC32C over bytes 8..20 + key + body,
//!   record_type u32, key length u32 (at most [`MAX_META_KEY_BYTES`]), body length u32),
//!   then key and body.
//!
//! Seeking by time: binary search over segments by the archive_ts of their first frame,
//! then the last index entry before the target, then at most one stride of frames.
//!
//! # Crash behaviour
//!
//! `Store::open` scans the last segment and truncates a torn or corrupt tail; for older
//! segments it checks the index and the frames after its last entry, rebuilding the index
//! (and truncating a torn tail, which only an unsynced crash can leave) when needed. After
//! any failed write or fsync the store refuses writes with [`StoreError::Poisoned`].
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

#![warn(missing_docs)]

mod care;
mod corrupt;
mod error;
mod frame;
mod index;
mod meta;
mod reader;
mod segment;
mod writer;

use std::time::Duration;

pub use care::{compact, stats, verify, CompactReport, IndexProblem, RemovedSegment, SeqGap, StoreStats, VerifyReport};
pub use corrupt::CorruptFrame;
pub use error::{Result, StoreError};
pub use frame::MAX_RECORD_BYTES;
pub use meta::MAX_META_KEY_BYTES;
pub use reader::{Cursor, StoreReader};
pub use writer::Store;

/// When appended records are forced to stable storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SyncPolicy {
    /// fsync at the end of every `append`/`append_at`/`append_batch` call.
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
