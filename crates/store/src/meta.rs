//! The metadata table: latest body per (record_type, key), kept in `meta.log`.
//!
//! The file is append-only; each put adds a frame and on load the latest frame per key
//! wins. Frame layout (little-endian), 28-byte header then key and body:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 1 | magic `0xE6` |
//! | 1 | 1 | format version `2` |
//! | 2 | 2 | flags, must be 0 |
//! | 4 | 4 | CRC32C over bytes 8..28 of the header, the key and the body |
//! | 8 | 4 | record type |
//! | 12 | 4 | key length |
//! | 16 | 4 | body length |
//! | 20 | 8 | seq of the log record the entry came from (0: none, see [`crate::MetaEntry`]) |
//!
//! Version 1 frames (written before entries carried a seq) are the same without the seq
//! field: a 20-byte header with the CRC over bytes 8..20, key and body. They are still
//! read, with seq 0; a file may hold both versions, and new frames are always version 2.
//!
//! When more than half of the frames (and over [`COMPACT_MIN_SUPERSEDED`]) are superseded,
//! `Store::open` rewrites the file with only the live entries, in first-insertion order,
//! through a temp file and a rename so that a crash leaves either the old or the new file.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use estreamer_fs::{write_atomic, Durability};

use crate::frame::{read_full, MAX_RECORD_BYTES};
use crate::segment::sync_dir;
use crate::{MetaEntry, Result, StoreError};

/// Largest metadata key the store accepts (64 KiB).
pub const MAX_META_KEY_BYTES: usize = 64 << 10;

pub(crate) const META_FILE: &str = "meta.log";
const META_MAGIC: u8 = 0xE6;
const META_VERSION: u8 = 2;
const META_V1: u8 = 1;
const META_HEADER_LEN: usize = 28;
const META_V1_HEADER_LEN: usize = 20;
/// Compaction threshold: rewriting a small file is not worth the I/O.
const COMPACT_MIN_SUPERSEDED: u64 = 1024;

/// Appends one version-2 frame to `out`.
pub(crate) fn encode(out: &mut Vec<u8>, record_type: u32, key: &[u8], body: &[u8], seq: u64) {
    let start = out.len();
    out.extend_from_slice(&[META_MAGIC, META_VERSION, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&record_type.to_le_bytes());
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(body);
    let crc = crc32c::crc32c(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
}

/// The decoded table plus what the file looked like.
#[derive(Default)]
pub(crate) struct MetaState {
    entries: Vec<MetaEntry>,
    map: HashMap<(u32, Vec<u8>), usize>,
    /// Good frames in the file, superseded ones included.
    frames: u64,
    /// Offset after the last good frame.
    valid_len: u64,
    /// Why reading stopped before the end of the file, if it did.
    torn: Option<String>,
    /// Highest seq of any frame read or written.
    max_seq: u64,
}

impl MetaState {
    /// True when (`record_type`, `key`) already holds exactly this body and seq (so a put
    /// would change nothing). A put without a seq (0) keeps an equal body as it is.
    fn unchanged(&self, record_type: u32, key: &[u8], body: &[u8], seq: u64) -> bool {
        self.map
            .get(&(record_type, key.to_vec()))
            .is_some_and(|&i| self.entries[i].body == body && (seq == 0 || self.entries[i].seq == seq))
    }

    /// Sets the value (the latest frame wins).
    fn apply(&mut self, record_type: u32, key: &[u8], body: &[u8], seq: u64) {
        self.max_seq = self.max_seq.max(seq);
        match self.map.get(&(record_type, key.to_vec())) {
            Some(&i) => {
                let e = &mut self.entries[i];
                if e.body != body {
                    e.body = body.to_vec();
                }
                e.seq = seq;
            }
            None => {
                self.map.insert((record_type, key.to_vec()), self.entries.len());
                self.entries.push(MetaEntry { record_type, key: key.to_vec(), body: body.to_vec(), seq });
            }
        }
    }

    pub(crate) fn into_entries(self) -> Vec<MetaEntry> {
        self.entries
    }
}

/// Reads `path` up to the first bad or incomplete frame; a missing file is an empty table.
pub(crate) fn load(path: &Path) -> Result<MetaState> {
    let mut st = MetaState::default();
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(st),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let mut r = BufReader::with_capacity(64 << 10, file);
    let mut data = Vec::new();
    loop {
        let read_err = |e| StoreError::io_at("read", path, st.valid_len, e);
        let mut h = [0u8; META_HEADER_LEN];
        let n = read_full(&mut r, &mut h[..META_V1_HEADER_LEN]).map_err(read_err)?;
        if n == 0 {
            break;
        }
        if n < META_V1_HEADER_LEN {
            st.torn = Some("incomplete header".into());
            break;
        }
        let hlen = match h {
            [META_MAGIC, META_V1, 0, 0, ..] => META_V1_HEADER_LEN,
            [META_MAGIC, META_VERSION, 0, 0, ..] => META_HEADER_LEN,
            _ => {
                st.torn = Some(format!("bad magic/version/flags {:02x?}", &h[..4]));
                break;
            }
        };
        if hlen > META_V1_HEADER_LEN {
            let n = read_full(&mut r, &mut h[META_V1_HEADER_LEN..]).map_err(read_err)?;
            if n < META_HEADER_LEN - META_V1_HEADER_LEN {
                st.torn = Some("incomplete header".into());
                break;
            }
        }
        let h = &h[..hlen];
        let seq = if hlen == META_HEADER_LEN {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[20..28]);
            u64::from_le_bytes(b)
        } else {
            0
        };
        let u32_at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
        let (record_type, key_len, body_len) = (u32_at(8), u32_at(12) as usize, u32_at(16) as usize);
        if key_len > MAX_META_KEY_BYTES || body_len > MAX_RECORD_BYTES {
            st.torn = Some(format!("key length {key_len} / body length {body_len} over the limit"));
            break;
        }
        let want = key_len + body_len;
        data.clear();
        data.reserve(want.min(64 << 10));
        let got = (&mut r)
            .take(want as u64)
            .read_to_end(&mut data)
            .map_err(|e| StoreError::io_at("read", path, st.valid_len, e))?;
        if got < want {
            st.torn = Some("incomplete frame".into());
            break;
        }
        let crc = crc32c::crc32c_append(crc32c::crc32c(&h[8..]), &data);
        if crc != u32_at(4) {
            st.torn = Some("CRC mismatch".into());
            break;
        }
        st.apply(record_type, &data[..key_len], &data[key_len..], seq);
        st.frames += 1;
        st.valid_len += (hlen + want) as u64;
    }
    Ok(st)
}

/// Why reading `path` stops before its end, if it does (`None` for a missing file).
pub(crate) fn load_problem(path: &Path) -> Result<Option<String>> {
    let st = load(path)?;
    Ok(st.torn.map(|reason| format!("{reason} at offset {} of {}", st.valid_len, path.display())))
}

/// The writer's handle on the metadata table.
pub(crate) struct MetaTable {
    path: PathBuf,
    file: Arc<File>,
    state: MetaState,
}

impl MetaTable {
    /// Loads the table, truncates a torn tail, and compacts when mostly superseded.
    pub(crate) fn open(dir: &Path, sync: bool) -> Result<MetaTable> {
        let path = dir.join(META_FILE);
        let mut st = load(&path)?;
        if let Some(reason) = st.torn.take() {
            let len = fs::metadata(&path).map_err(|e| StoreError::io("stat", &path, e))?.len();
            tracing::warn!(
                file = %path.display(),
                offset = st.valid_len,
                dropped_bytes = len.saturating_sub(st.valid_len),
                %reason,
                "truncating torn tail of the metadata table"
            );
            let f = OpenOptions::new().write(true).open(&path).map_err(|e| StoreError::io("open", &path, e))?;
            f.set_len(st.valid_len)
                .and_then(|()| f.sync_all())
                .map_err(|e| StoreError::io_at("truncate", &path, st.valid_len, e))?;
        }
        let live = st.entries.len() as u64;
        let superseded = st.frames - live;
        if superseded > COMPACT_MIN_SUPERSEDED && superseded > live {
            compact(&path, &mut st)?;
            tracing::info!(file = %path.display(), live, superseded, "compacted the metadata table");
        }
        let file =
            OpenOptions::new().create(true).append(true).open(&path).map_err(|e| StoreError::io("open", &path, e))?;
        if sync {
            // The file may have just been created; make its directory entry durable.
            sync_dir(dir).map_err(|e| StoreError::io("sync", dir, e))?;
        }
        Ok(MetaTable { path, file: Arc::new(file), state: st })
    }

    /// Writes the entries that change something, with one write call, without syncing;
    /// returns whether anything was written. On error the caller must poison the store.
    pub(crate) fn put_many<'a>(
        &mut self,
        buf: &mut Vec<u8>,
        entries: impl Iterator<Item = (u32, &'a [u8], &'a [u8], u64)>,
    ) -> Result<bool> {
        buf.clear();
        // Decide against the state as it will be after the earlier entries of the batch.
        let mut shadow: Vec<(u32, &[u8], &[u8], u64)> = Vec::new();
        for (record_type, key, body, seq) in entries {
            let earlier = shadow.iter().rev().find(|e| e.0 == record_type && e.1 == key);
            let same = match earlier {
                Some(e) => e.2 == body && (seq == 0 || e.3 == seq),
                None => self.state.unchanged(record_type, key, body, seq),
            };
            if !same {
                encode(buf, record_type, key, body, seq);
                shadow.push((record_type, key, body, seq));
            }
        }
        if buf.is_empty() {
            return Ok(false);
        }
        let offset = self.state.valid_len;
        (&*self.file).write_all(buf).map_err(|e| StoreError::io_at("append to", &self.path, offset, e))?;
        self.state.valid_len += buf.len() as u64;
        for (record_type, key, body, seq) in shadow {
            self.state.frames += 1;
            self.state.apply(record_type, key, body, seq);
        }
        Ok(true)
    }

    /// Highest seq any entry ever carried (0 if none did).
    pub(crate) fn max_seq(&self) -> u64 {
        self.state.max_seq
    }

    /// The open file, shared with the group commit that syncs it.
    pub(crate) fn file(&self) -> &Arc<File> {
        &self.file
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn snapshot(&self) -> Vec<MetaEntry> {
        self.state.entries.clone()
    }

    /// Swaps in a read-only handle so that the next put fails like a full disk would.
    #[cfg(test)]
    pub(crate) fn make_writes_fail(&mut self) {
        self.file = Arc::new(File::open(&self.path).unwrap());
    }
}

fn compact(path: &Path, st: &mut MetaState) -> Result<()> {
    let mut buf = Vec::new();
    for e in &st.entries {
        encode(&mut buf, e.record_type, &e.key, &e.body, e.seq);
    }
    write_atomic(path, &buf, Durability::Synced).map_err(|e| StoreError::io(e.step, &e.path, e.source))?;
    st.frames = st.entries.len() as u64;
    st.valid_len = buf.len() as u64;
    Ok(())
}

/// Name of the compaction temp file, removed when found at open.
pub(crate) fn tmp_path(dir: &Path) -> PathBuf {
    estreamer_fs::temp_path(&dir.join(META_FILE))
}
