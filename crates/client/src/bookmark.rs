//! Client state files: the bookmark and the metadata cache, both written atomically (temporary
//! file, fsync, rename, fsync of the directory), so a crash leaves the old or the new content.
//!
//! # Bookmark formats
//!
//! * **native** (default): a JSON object that eNcore can read too, because its timestamp is
//!   under eNcore's key `"1"`:
//!   `{"1": 1750000123, "delivered_at_ts": 17, "output": {"path": "out.json", "len": 40960, "generation": 0}}`
//!   - `"1"`: the highest archival timestamp delivered;
//!   - `delivered_at_ts`: how many records with exactly that archival timestamp were delivered
//!     (the server re-sends the whole boundary second on resume, PROTOCOL.md §4.1; the client
//!     skips that many);
//!   - `output`: for a file output, where the file stood right after the flush that this
//!     bookmark describes; a restart cuts off anything written after it.
//! * **encore**: eNcore's `{"1": <ts>}`, nothing else (resume is then at least once at the
//!   boundary second, and an output file is not cut back).
//!
//! Both formats read both: an eNcore bookmark read as native has no count and no position.

use std::io;
use std::path::Path;

use estreamer_fs::{AtomicWrite, Durability};

use estreamer_output::FilePosition;
use estreamer_wire::view::MetadataCache;

/// Which bookmark format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BookmarkFormat {
    /// Timestamp, count at that timestamp and output position (exactly once for files).
    #[default]
    Native,
    /// eNcore's `{"1": ts}` (for people migrating; at least once).
    Encore,
}

/// What a bookmark holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bookmark {
    /// Highest archival timestamp delivered.
    pub ts: u32,
    /// Records with archival timestamp `ts` already delivered (0 when unknown).
    pub delivered_at_ts: u64,
    /// Where the output file stood after the flush this bookmark describes.
    pub output: Option<FilePosition>,
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// Read a bookmark (either format); `None` when the file is missing.
pub fn load(path: &Path) -> io::Result<Option<Bookmark>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| invalid(format!("not a bookmark file (JSON expected): {e}")))?;
    let ts = v
        .get("1")
        .and_then(|n| n.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| invalid("bookmark file has no integer timestamp under key \"1\"".into()))?;
    let delivered_at_ts = match v.get("delivered_at_ts") {
        None => 0,
        Some(n) => n.as_u64().ok_or_else(|| invalid("\"delivered_at_ts\" is not an integer".into()))?,
    };
    let output = match v.get("output") {
        None | Some(serde_json::Value::Null) => None,
        Some(o) => Some(
            serde_json::from_value::<FilePosition>(o.clone())
                .map_err(|e| invalid(format!("\"output\" is not a file position: {e}")))?,
        ),
    };
    Ok(Some(Bookmark { ts, delivered_at_ts, output }))
}

/// The bytes of a bookmark in `format`.
pub fn render(b: &Bookmark, format: BookmarkFormat) -> String {
    match format {
        BookmarkFormat::Encore => format!("{{\"1\": {}}}\n", b.ts),
        BookmarkFormat::Native => {
            let mut m = serde_json::Map::new();
            m.insert("1".into(), b.ts.into());
            m.insert("delivered_at_ts".into(), b.delivered_at_ts.into());
            if let Some(o) = &b.output {
                m.insert("output".into(), serde_json::to_value(o).unwrap_or(serde_json::Value::Null));
            }
            let mut s = serde_json::Value::Object(m).to_string();
            s.push('\n');
            s
        }
    }
}

/// Save atomically in `format`.
pub fn save(path: &Path, b: &Bookmark, format: BookmarkFormat) -> io::Result<()> {
    write_atomic(path, render(b, format).as_bytes())
}

/// Load the metadata cache; an empty cache when the file is missing.
pub fn load_cache(path: &Path) -> io::Result<MetadataCache> {
    match std::fs::read(path) {
        Ok(b) => MetadataCache::from_bytes(&b).map_err(|e| invalid(e.to_string())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(MetadataCache::new()),
        Err(e) => Err(e),
    }
}

/// Save the metadata cache atomically.
pub fn save_cache(path: &Path, cache: &MetadataCache) -> io::Result<()> {
    write_atomic(path, &cache.to_bytes())
}

/// Write a file so that a crash leaves either the old or the new content (created with its
/// directory; a temporary name per writer, so two clients given the same file never rename each
/// other's half-written one).
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    Ok(AtomicWrite::new(Durability::Synced).create_dir().temp_per_writer().write(path, data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_none_and_both_formats_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bm.json");
        assert_eq!(load(&p).unwrap(), None);
        let pos = FilePosition { path: "out.json".into(), len: 4096, generation: 2 };
        let b = Bookmark { ts: 1_750_000_123, delivered_at_ts: 17, output: Some(pos) };
        save(&p, &b, BookmarkFormat::Native).unwrap();
        assert_eq!(load(&p).unwrap(), Some(b.clone()));
        save(&p, &b, BookmarkFormat::Encore).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"1\": 1750000123}\n", "eNcore's exact format");
        assert_eq!(load(&p).unwrap(), Some(Bookmark { ts: 1_750_000_123, ..Default::default() }));
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1, "no temp file left behind");
    }

    #[test]
    fn an_encore_bookmark_reads_with_the_native_format_and_a_native_one_stays_encore_readable() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("10.0.0.1-8302_bookmark.dat");
        std::fs::write(&p, "{\"1\": 1700000000}").unwrap();
        assert_eq!(load(&p).unwrap(), Some(Bookmark { ts: 1_700_000_000, delivered_at_ts: 0, output: None }));
        let native = render(&Bookmark { ts: 5, delivered_at_ts: 2, output: None }, BookmarkFormat::Native);
        let v: serde_json::Value = serde_json::from_str(&native).unwrap();
        assert_eq!(v["1"], 5, "eNcore reads key \"1\" as an integer");
    }

    #[test]
    fn garbage_is_an_error_not_zero() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bm.json");
        for bad in ["{\"1\": \"x\"}", "not json", "{\"1\": 5, \"delivered_at_ts\": -1}", "{\"1\": 5, \"output\": 3}"] {
            std::fs::write(&p, bad).unwrap();
            assert!(load(&p).is_err(), "{bad}");
        }
    }
}
