//! Client state files: the bookmark (highest archival timestamp written) and the metadata
//! cache, both saved atomically.
//!
//! Format, as eNcore's: a JSON object `{"1": <integer>}`. Written to a temporary file, synced,
//! then renamed over the old one, so a crash leaves either the old or the new value.

use std::io::{self, Write};
use std::path::Path;

use estreamer_wire::view::MetadataCache;

/// Read the bookmark; 0 when the file is missing.
pub fn load(path: &Path) -> io::Result<u32> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("not a bookmark file: {e}")))?;
    v.get("1")
        .and_then(|n| n.as_u64())
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bookmark file has no integer under key \"1\""))
}

/// Save atomically (temp file, fsync, rename, fsync directory).
pub fn save(path: &Path, ts: u32) -> io::Result<()> {
    write_atomic(path, format!("{{\"1\": {ts}}}\n").as_bytes())
}

/// Load the metadata cache; an empty cache when the file is missing.
pub fn load_cache(path: &Path) -> Result<MetadataCache, String> {
    match std::fs::read(path) {
        Ok(b) => MetadataCache::from_bytes(&b).map_err(|e| e.to_string()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(MetadataCache::new()),
        Err(e) => Err(e.to_string()),
    }
}

/// Save the metadata cache atomically.
pub fn save_cache(path: &Path, cache: &MetadataCache) -> Result<(), String> {
    write_atomic(path, &cache.to_bytes()).map_err(|e| e.to_string())
}

/// Write a file so that a crash leaves either the old or the new content.
pub fn write_atomic(path: &Path, data: &[u8]) -> io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("state")));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_zero_and_save_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bm.json");
        assert_eq!(load(&p).unwrap(), 0);
        save(&p, 1_750_000_123).unwrap();
        assert_eq!(load(&p).unwrap(), 1_750_000_123);
        save(&p, 7).unwrap();
        assert_eq!(load(&p).unwrap(), 7);
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1, "no temp file left behind");
    }

    #[test]
    fn garbage_is_an_error_not_zero() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bm.json");
        std::fs::write(&p, "{\"1\": \"x\"}").unwrap();
        assert!(load(&p).is_err());
    }
}
