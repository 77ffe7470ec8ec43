//! The crate's single error type.

use std::io;
use std::path::{Path, PathBuf};

/// Result alias used throughout the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything that can go wrong in the store; each variant says what and where.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process (or another `Store` in this one) holds the directory lock.
    #[error("store {} is locked by another process", dir.display())]
    Locked {
        /// The store directory.
        dir: PathBuf,
    },

    /// An I/O operation on a file or directory failed.
    #[error("failed to {op} {}: {source}", path.display())]
    Io {
        /// What was being done ("open", "create", "list", ...).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// An I/O operation at a known position in a file failed.
    #[error("failed to {op} {} at offset {offset}: {source}", path.display())]
    IoAt {
        /// What was being done ("read", "append to", "sync", ...).
        op: &'static str,
        /// The file involved.
        path: PathBuf,
        /// Byte offset in the file.
        offset: u64,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// The segment files contradict each other (overlapping sequence ranges).
    #[error("inconsistent store {}: {reason}", dir.display())]
    Inconsistent {
        /// The store directory.
        dir: PathBuf,
        /// What does not add up.
        reason: String,
    },

    /// A record, key or metadata body is larger than the store accepts.
    #[error("{what} of {len} bytes exceeds the maximum of {max} bytes")]
    TooLarge {
        /// Which item ("record body", "metadata key", ...).
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// The records asked for were deleted by retention.
    #[error("records from seq {requested} were removed by retention; the oldest retained seq is {oldest}")]
    Expired {
        /// The first sequence number the caller needed.
        requested: u64,
        /// The oldest sequence number still on disk.
        oldest: u64,
    },

    /// The directory does not contain a store (no segment files).
    #[error("{} is not a store directory (no seg-*.log files)", dir.display())]
    NotAStore {
        /// The directory looked at.
        dir: PathBuf,
    },

    /// The options passed to `Store::open` cannot work.
    #[error("invalid store options: {0}")]
    InvalidOptions(String),

    /// An earlier write or fsync failed, so the store refuses further writes.
    ///
    /// After a failed fsync the kernel may have dropped the dirty pages and cleared the
    /// error (the "fsyncgate" lesson that fjall and redb follow), so the on-disk state is
    /// unknown; only a reopen, which rescans and repairs the tail, makes it known again.
    #[error("store refuses writes: an earlier write or fsync failed and the on-disk state is unknown; reopen the store to repair it")]
    Poisoned,
}

impl StoreError {
    pub(crate) fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        StoreError::Io { op, path: path.to_path_buf(), source }
    }

    pub(crate) fn io_at(op: &'static str, path: &Path, offset: u64, source: io::Error) -> Self {
        StoreError::IoAt { op, path: path.to_path_buf(), offset, source }
    }
}
