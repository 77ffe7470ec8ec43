//! Directories built once per test binary and copied for each test that needs its own: a PKI
//! costs two RSA-2048 keys (and one per client), so a test binary makes it once and every test
//! gets a private, writable copy (it may revoke, add clients, or break files in it).

use std::io;
use std::path::Path;
use std::sync::OnceLock;

use estreamer_pki::PkiDir;

/// A directory made by `build` on first use, then kept for the life of the test binary.
///
/// ```
/// use estreamer_test_support::CachedDir;
///
/// static MADE_ONCE: CachedDir = CachedDir::new(|dir| std::fs::write(dir.join("file"), b"costly").unwrap());
/// let copy = std::env::temp_dir().join(format!("estreamer-cached-doc-{}", std::process::id()));
/// MADE_ONCE.copy_into(&copy);
/// assert_eq!(std::fs::read(copy.join("file")).unwrap(), b"costly");
/// std::fs::remove_dir_all(&copy).unwrap();
/// ```
pub struct CachedDir {
    built: OnceLock<tempfile::TempDir>,
    build: fn(&Path),
}

impl CachedDir {
    /// A cache that `build` fills (it is given an empty directory and panics on failure).
    pub const fn new(build: fn(&Path)) -> Self {
        CachedDir { built: OnceLock::new(), build }
    }

    /// The cached directory, built on first use. Read-only by convention: copy it to change it.
    /// Its temporary directory lives as long as the process (statics are never dropped).
    pub fn path(&self) -> &Path {
        self.built
            .get_or_init(|| {
                let dir = tempfile::Builder::new().prefix("estreamer-test-cache-").tempdir().expect("cache directory");
                (self.build)(dir.path());
                dir
            })
            .path()
    }

    /// Copy everything in the cached directory into `dest` (created if missing); file modes are
    /// kept (secret files stay 0600).
    pub fn copy_into(&self, dest: &Path) {
        copy_dir(self.path(), dest)
            .unwrap_or_else(|e| panic!("copying {} to {}: {e}", self.path().display(), dest.display()));
    }
}

/// Copy the directory tree `src` into `dest` (created if missing), keeping file modes.
pub fn copy_dir(src: &Path, dest: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dest)?;
    std::fs::set_permissions(dest, std::fs::metadata(src)?.permissions())?;
    for entry in std::fs::read_dir(src)? {
        let entry = entry?;
        let to = dest.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to)?;
        } else {
            // `fs::copy` copies the permission bits too.
            std::fs::copy(entry.path(), &to)?;
        }
    }
    Ok(())
}

/// A PKI directory with no clients (server certificate for 127.0.0.1, ::1 and localhost, as
/// [`good_pki`](crate::pki::good_pki) makes it), made once per test binary: a fresh copy in
/// `dest` for a test that issues, revokes or damages.
pub fn copied_pki(dest: &Path) -> PkiDir {
    static CA: CachedDir = CachedDir::new(|dir| {
        crate::pki::good_pki(&dir.join("pki")).expect("making the cached test PKI");
    });
    copy_dir(&CA.path().join("pki"), dest).expect("copying the cached test PKI");
    PkiDir::new(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_has_the_same_files_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let src = tempfile::tempdir().unwrap();
        std::fs::create_dir(src.path().join("sub")).unwrap();
        std::fs::write(src.path().join("sub/secret"), b"key").unwrap();
        std::fs::set_permissions(src.path().join("sub/secret"), std::fs::Permissions::from_mode(0o600)).unwrap();
        std::fs::set_permissions(src.path().join("sub"), std::fs::Permissions::from_mode(0o700)).unwrap();
        let dest = tempfile::tempdir().unwrap();
        copy_dir(src.path(), &dest.path().join("copy")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(std::fs::read(dest.path().join("copy/sub/secret")).unwrap(), b"key");
        assert_eq!(mode(&dest.path().join("copy/sub/secret")), 0o600);
        assert_eq!(mode(&dest.path().join("copy/sub")), 0o700);
    }
}
