//! A file with optional size/time rotation, exactly-once restart support and torn-line repair.
//!
//! * **Rotation** happens only inside [`Sink::flush`], right after the data was made durable:
//!   the active file `PATH` is renamed to `PATH.<generation>` and a new, empty `PATH` starts
//!   generation + 1. The position returned by that flush is the new file at length 0.
//! * **Restart** ([`FileSink::open`] with the position saved with the bookmark): everything
//!   written after that position is removed, because the server will send those records again.
//!   If the saved generation is the active one, the active file is cut back to the saved length
//!   (a longer file means records written after the last saved flush). If rotations happened
//!   after it (the active file is then typically *shorter* than the saved length), the rotated
//!   file of the saved generation is cut back to the saved length, rotated files of later
//!   generations are removed and the active file is emptied.
//! * **Torn line**: on every open, a last line without its `\n` (a write cut by a crash) is cut
//!   back to the last complete line, and reported. Every format writes one line per record to
//!   files, with no raw newline inside a message.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{FilePosition, FlushPosition, Sink, SinkStats};
use crate::{OutputError, RecordFacts};

/// File sink settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileConfig {
    /// The active file.
    pub path: PathBuf,
    /// Rotate at a flush once the file has at least this many bytes.
    pub rotate_bytes: Option<u64>,
    /// Rotate at a flush once the file has been active this long (and is not empty).
    pub rotate_interval: Option<Duration>,
    /// The file is a raw capture (`wire::capture`), not lines: a torn tail is cut back to the
    /// end of the last whole entry instead of the last newline.
    pub capture: bool,
}

impl FileConfig {
    /// No rotation.
    pub fn new(path: impl Into<PathBuf>) -> FileConfig {
        FileConfig { path: path.into(), rotate_bytes: None, rotate_interval: None, capture: false }
    }
}

/// Cut a capture file back to the end of its last whole entry; returns the bytes removed.
fn repair_torn_capture(path: &Path) -> Result<u64, OutputError> {
    let Some(len) = file_len(path)? else { return Ok(0) };
    if len == 0 {
        return Ok(0);
    }
    let bytes = std::fs::read(path).map_err(err(path, "reading the capture to check its last entry"))?;
    let keep = if bytes.len() < estreamer_wire::capture::FILE_HEADER_LEN {
        // Not even a whole header: start again.
        0
    } else {
        match estreamer_wire::capture::Reader::new(&bytes, usize::MAX >> 1) {
            Err(_) => return Ok(0),
            Ok(mut r) => {
                let mut keep = if r.is_capture() { estreamer_wire::capture::FILE_HEADER_LEN } else { 0 };
                while let Some(e) = r.next() {
                    match e {
                        Ok(e) => keep = e.offset + e.message.len() + if r.is_capture() { 8 } else { 0 },
                        Err(estreamer_wire::capture::CaptureError::TornTail { offset, .. }) => {
                            keep = offset;
                            break;
                        }
                        // Not a framing we can repair: leave the file alone.
                        Err(_) => return Ok(0),
                    }
                }
                keep
            }
        }
    };
    if keep as u64 >= len {
        return Ok(0);
    }
    let f = OpenOptions::new().write(true).open(path).map_err(err(path, "opening to cut a torn entry"))?;
    f.set_len(keep as u64).map_err(err(path, "cutting a torn last entry"))?;
    f.sync_all().map_err(err(path, "syncing after the repair"))?;
    Ok(len - keep as u64)
}

/// What opening the file had to repair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Bytes removed after the saved position (active or rotated file).
    pub truncated_bytes: u64,
    /// Bytes of a torn last line removed.
    pub torn_bytes: u64,
    /// Rotated files removed because they were written wholly after the saved position.
    pub removed_files: Vec<PathBuf>,
    /// Anything else worth telling the user (a saved position that did not fit exactly).
    pub notes: Vec<String>,
}

impl OpenReport {
    /// Whether anything was changed on disk.
    pub fn repaired(&self) -> bool {
        self.truncated_bytes > 0 || self.torn_bytes > 0 || !self.removed_files.is_empty()
    }
}

/// Writes framed messages to a file, buffered; see the module documentation.
pub struct FileSink {
    config: FileConfig,
    out: BufWriter<File>,
    len: u64,
    generation: u64,
    opened_at: Instant,
    stats: SinkStats,
    /// A regular file (synced at every flush); not for a device such as `/dev/null` or a
    /// FIFO, which cannot be synced and have no length to resume from.
    regular: bool,
}

fn err<'a>(path: &'a Path, action: &'static str) -> impl FnOnce(std::io::Error) -> OutputError + 'a {
    move |source| OutputError::File { path: path.to_path_buf(), action, source }
}

/// `PATH.<generation>`.
pub fn rotated_path(path: &Path, generation: u64) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".{generation}"));
    PathBuf::from(s)
}

/// Generations of the rotated files beside `path`, sorted.
fn rotated_generations(path: &Path) -> Result<Vec<u64>, OutputError> {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return Ok(Vec::new()) };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(err(dir, "listing rotated files")(e)),
    };
    let prefix = format!("{name}.");
    let mut gens: Vec<u64> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let n = e.file_name().into_string().ok()?;
            let g = n.strip_prefix(&prefix)?;
            (!g.is_empty() && g.bytes().all(|b| b.is_ascii_digit())).then(|| g.parse().ok())?
        })
        .collect();
    gens.sort_unstable();
    Ok(gens)
}

fn file_len(path: &Path) -> Result<Option<u64>, OutputError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some(m.len())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(err(path, "reading its length")(e)),
    }
}

/// Cut `path` to `len` bytes if it is longer; returns the bytes removed.
fn truncate_to(path: &Path, len: u64) -> Result<u64, OutputError> {
    let Some(cur) = file_len(path)? else { return Ok(0) };
    if cur <= len {
        return Ok(0);
    }
    let f = OpenOptions::new().write(true).open(path).map_err(err(path, "opening to truncate"))?;
    f.set_len(len).map_err(err(path, "truncating"))?;
    f.sync_all().map_err(err(path, "syncing after truncation"))?;
    Ok(cur - len)
}

/// Cut a last line that lacks its `\n`; returns the bytes removed.
fn repair_torn_line(path: &Path) -> Result<u64, OutputError> {
    let Some(len) = file_len(path)? else { return Ok(0) };
    if len == 0 {
        return Ok(0);
    }
    let mut f =
        OpenOptions::new().read(true).write(true).open(path).map_err(err(path, "opening to check the last line"))?;
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    let mut first = true;
    // Walk back in chunks to the last newline; bounded by the file length.
    let keep = loop {
        let start = end.saturating_sub(buf.len() as u64);
        let n = (end - start) as usize;
        f.seek(SeekFrom::Start(start)).map_err(err(path, "seeking"))?;
        f.read_exact(&mut buf[..n]).map_err(err(path, "reading the last line"))?;
        if first && buf[n - 1] == b'\n' {
            return Ok(0);
        }
        first = false;
        if let Some(i) = buf[..n].iter().rposition(|&b| b == b'\n') {
            break start + i as u64 + 1;
        }
        if start == 0 {
            break 0;
        }
        end = start;
    };
    f.set_len(keep).map_err(err(path, "cutting a torn last line"))?;
    f.sync_all().map_err(err(path, "syncing after the repair"))?;
    Ok(len - keep)
}

impl FileSink {
    /// Open (create) the active file for appending. With `resume` (the position saved with the
    /// bookmark), remove what was written after it first; then repair a torn last line.
    pub fn open(config: FileConfig, resume: Option<&FilePosition>) -> Result<(FileSink, OpenReport), OutputError> {
        let path = config.path.clone();
        let mut report = OpenReport::default();
        let gens = rotated_generations(&path)?;
        let mut generation = gens.last().map_or(0, |g| g + 1);
        if let Some(pos) = resume {
            if pos.path != path {
                report.notes.push(format!("saved position is for {}, not this file; ignored", pos.path.display()));
            } else if pos.generation >= generation {
                if pos.generation > generation {
                    report.notes.push(format!(
                        "saved generation {} but rotated files only up to {}: they were removed by someone else; \
                         treating the active file as generation {}",
                        pos.generation,
                        generation as i64 - 1,
                        pos.generation
                    ));
                    generation = pos.generation;
                }
                report.truncated_bytes += truncate_to(&path, pos.len)?;
                if file_len(&path)?.unwrap_or(0) < pos.len {
                    report.notes.push(format!(
                        "active file is shorter than the saved position ({} bytes): changed by someone else",
                        pos.len
                    ));
                }
            } else {
                // Rotated since the save: the saved generation is a rotated file now.
                let saved = rotated_path(&path, pos.generation);
                if file_len(&saved)?.is_some() {
                    report.truncated_bytes += truncate_to(&saved, pos.len)?;
                } else {
                    report.notes.push(format!("{} is gone; nothing to cut there", saved.display()));
                }
                for g in gens.iter().copied().filter(|g| *g > pos.generation) {
                    let p = rotated_path(&path, g);
                    report.truncated_bytes += file_len(&p)?.unwrap_or(0);
                    std::fs::remove_file(&p).map_err(err(&p, "removing a file written after the saved position"))?;
                    report.removed_files.push(p);
                }
                report.truncated_bytes += truncate_to(&path, 0)?;
                generation = pos.generation + 1;
            }
        }
        report.torn_bytes = if config.capture { repair_torn_capture(&path)? } else { repair_torn_line(&path)? };
        let (file, len) = open_append(&path)?;
        let regular = file.metadata().map_err(err(&path, "reading its type"))?.file_type().is_file();
        let sink = FileSink {
            config,
            out: BufWriter::with_capacity(64 * 1024, file),
            len,
            generation,
            opened_at: Instant::now(),
            stats: SinkStats::default(),
            regular,
        };
        Ok((sink, report))
    }

    /// The current position (not flushed yet if records were written since the last flush).
    pub fn position(&self) -> FilePosition {
        FilePosition { path: self.config.path.clone(), len: self.len, generation: self.generation }
    }

    fn rotation_due(&self) -> bool {
        // (Only regular files rotate: see `flush`.)
        self.len > 0
            && (self.config.rotate_bytes.is_some_and(|max| self.len >= max)
                || self.config.rotate_interval.is_some_and(|i| self.opened_at.elapsed() >= i))
    }

    fn rotate(&mut self) -> Result<(), OutputError> {
        let path = &self.config.path;
        let to = rotated_path(path, self.generation);
        if to.exists() {
            return Err(OutputError::ResumeMismatch {
                path: path.clone(),
                detail: format!("cannot rotate: {} already exists", to.display()),
            });
        }
        std::fs::rename(path, &to).map_err(err(path, "renaming for rotation"))?;
        let (file, len) = open_append(path)?;
        self.out = BufWriter::with_capacity(64 * 1024, file);
        self.len = len;
        self.generation += 1;
        self.opened_at = Instant::now();
        self.stats.rotations += 1;
        Ok(())
    }
}

fn open_append(path: &Path) -> Result<(File, u64), OutputError> {
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err(dir, "creating the directory"))?;
    }
    let file = OpenOptions::new().create(true).append(true).open(path).map_err(err(path, "opening"))?;
    let len = file.metadata().map_err(err(path, "reading its length"))?.len();
    Ok((file, len))
}

impl Sink for FileSink {
    fn write(&mut self, _facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        self.out.write_all(message).map_err(err(&self.config.path, "writing"))?;
        self.len += message.len() as u64;
        self.stats.records += 1;
        self.stats.bytes += message.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        let path = &self.config.path;
        self.out.flush().map_err(err(path, "writing"))?;
        if self.regular {
            self.out.get_ref().sync_data().map_err(err(path, "syncing"))?;
        }
        self.stats.flushed_records = self.stats.records;
        if self.regular && self.rotation_due() {
            self.rotate()?;
        }
        Ok(FlushPosition::File(self.position()))
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}
