//! Replacing a file atomically: the data goes to a temporary file beside the target, which is
//! then renamed over it, so a reader or a crash sees the old content or the new one, never a mix.
//!
//! How much survives a power loss is the caller's explicit choice ([`Durability`]): `Synced`
//! flushes the file before the rename and the directory after it, so once the call returns the
//! new content is on disk; `Unsynced` skips both (for files that are rebuilt when lost, such as
//! an index). A failed write removes its temporary file; only a crash can leave one behind, and
//! with [`AtomicWrite::temp_per_writer`] off its name is fixed ([`temp_path`]) so the owner can
//! clean it up when it next opens.
//!
//! ```
//! use estreamer_fs::{write_atomic, Durability};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("state.json");
//! write_atomic(&path, b"{}", Durability::Synced).unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"{}");
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What an atomic write guarantees once it returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// The new content survives a crash or power loss: file synced before the rename, directory
    /// synced after it.
    Synced,
    /// Atomic for readers and crashes of the process, but the operating system may still lose
    /// the new content (and keep the old) on power loss. For files rebuilt when missing.
    Unsynced,
}

/// A failed atomic write: which step, on which file. The temporary file is gone.
#[derive(Debug, thiserror::Error)]
#[error("{step} {}: {source}", path.display())]
pub struct WriteError {
    /// `"create directory"`, `"write"`, `"rename"` or `"sync"`.
    pub step: &'static str,
    /// The file or directory the step was working on.
    pub path: PathBuf,
    /// The underlying error.
    #[source]
    pub source: io::Error,
}

impl From<WriteError> for io::Error {
    fn from(e: WriteError) -> io::Error {
        io::Error::new(e.source.kind(), e)
    }
}

/// An atomic write's options (see the crate documentation).
#[derive(Debug, Clone, Copy)]
pub struct AtomicWrite {
    durability: Durability,
    mode: Option<u32>,
    temp_per_writer: bool,
    create_dir: bool,
}

/// Replace `path` with `data` atomically (no options beyond the durability).
pub fn write_atomic(path: &Path, data: &[u8], durability: Durability) -> Result<(), WriteError> {
    AtomicWrite::new(durability).write(path, data)
}

/// The fixed temporary name of `path`: `<name>.tmp` beside it.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// A temporary name of this process and call: `.<name>.<pid>.<n>.tmp` beside `path`.
fn temp_path_per_writer(path: &Path) -> PathBuf {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    path.with_file_name(format!(".{name}.{}.{seq}.tmp", std::process::id()))
}

/// The directory holding `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Make a directory's entries (a rename, a new file) durable. A no-op where a directory cannot
/// be opened as a file (Windows, whose NTFS journals metadata itself).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

impl AtomicWrite {
    /// Options with this durability, the fixed temporary name, default permissions, and the
    /// directory expected to exist.
    pub fn new(durability: Durability) -> Self {
        AtomicWrite { durability, mode: None, temp_per_writer: false, create_dir: false }
    }

    /// Unix permissions of the new file (e.g. `0o600` for a secret), set even when a stale
    /// temporary file already existed. Ignored elsewhere.
    pub fn mode(mut self, mode: u32) -> Self {
        self.mode = Some(mode);
        self
    }

    /// A temporary name of its own per process and call, for files that several processes may
    /// write at once (the last rename wins; none renames another's half-written file).
    pub fn temp_per_writer(mut self) -> Self {
        self.temp_per_writer = true;
        self
    }

    /// Create the target's directory (and its parents) first.
    pub fn create_dir(mut self) -> Self {
        self.create_dir = true;
        self
    }

    /// Replace `path` with `data`.
    pub fn write(&self, path: &Path, data: &[u8]) -> Result<(), WriteError> {
        let dir = parent_dir(path);
        fn fail<'p>(step: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> WriteError + 'p {
            move |source| WriteError { step, path: path.to_path_buf(), source }
        }
        if self.create_dir {
            fs::create_dir_all(dir).map_err(fail("create directory", dir))?;
        }
        let tmp = if self.temp_per_writer { temp_path_per_writer(path) } else { temp_path(path) };
        let written = self
            .write_temp(&tmp, data)
            .map_err(fail("write", &tmp))
            .and_then(|()| fs::rename(&tmp, path).map_err(fail("rename", path)));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        if self.durability == Durability::Synced {
            sync_dir(dir).map_err(fail("sync", dir))?;
        }
        Ok(())
    }

    fn write_temp(&self, tmp: &Path, data: &[u8]) -> io::Result<()> {
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(mode);
        }
        let mut f = opts.open(tmp)?;
        // `mode` applies only when the file is created; a stale temporary file from a crash
        // could have other permissions.
        #[cfg(unix)]
        if let Some(mode) = self.mode {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(fs::Permissions::from_mode(mode))?;
        }
        f.write_all(data)?;
        if self.durability == Durability::Synced {
            f.sync_all()?;
        }
        Ok(())
    }
}
