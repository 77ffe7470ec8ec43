//! Small file helpers: atomic writes, private (0600) key files, PEM reading with good errors.

use std::fs;
use std::path::Path;

use estreamer_fs::{AtomicWrite, Durability};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, PrivateKeyDer};

use crate::PkiError;

/// Writes `data` to `path` readable by the owner only (mode 0600 on unix), atomically.
///
/// Meant for private keys and PKCS#12 bundles; callers outside this crate (the CLI writing a
/// freshly issued PKCS#12) use it so that secrets never exist world-readable, even briefly.
pub fn write_secret_file(path: &Path, data: &[u8]) -> Result<(), PkiError> {
    write_atomic(path, data, true)
}

/// Writes `data` to `path` atomically and durably (temporary file, fsync, rename, directory
/// fsync), so that a crash never leaves a half-written certificate or registry behind; `secret`
/// files are created readable by the owner only.
pub(crate) fn write_atomic(path: &Path, data: &[u8], secret: bool) -> Result<(), PkiError> {
    let write = AtomicWrite::new(Durability::Synced);
    let write = if secret { write.mode(0o600) } else { write.mode(0o644) };
    write.write(path, data).map_err(|e| PkiError::io(path, e.source))
}

/// Reads a whole file, naming it in the error.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, PkiError> {
    fs::read(path).map_err(|e| PkiError::io(path, e))
}

/// Reads every certificate in a PEM file; an empty result is an error.
pub(crate) fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, PkiError> {
    let data = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&data).collect::<Result<Vec<_>, _>>().map_err(|e| PkiError::Pem {
        what: "certificate",
        path: path.into(),
        message: e.to_string(),
    })?;
    if certs.is_empty() {
        return Err(PkiError::Pem {
            what: "certificate",
            path: path.into(),
            message: "no CERTIFICATE block found".into(),
        });
    }
    Ok(certs)
}

/// Reads the first private key (PKCS#8, PKCS#1 or SEC1) in a PEM file.
pub(crate) fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, PkiError> {
    let data = read(path)?;
    PrivateKeyDer::from_pem_slice(&data).map_err(|e| PkiError::Pem {
        what: "private key",
        path: path.into(),
        message: e.to_string(),
    })
}

/// Reads every CRL in a PEM file.
pub(crate) fn read_crls(path: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>, PkiError> {
    let data = read(path)?;
    CertificateRevocationListDer::pem_slice_iter(&data).collect::<Result<Vec<_>, _>>().map_err(|e| PkiError::Pem {
        what: "CRL",
        path: path.into(),
        message: e.to_string(),
    })
}

/// Reads a PEM file as UTF-8 text (for rcgen, which parses PEM strings itself).
pub(crate) fn read_text(path: &Path, what: &'static str) -> Result<String, PkiError> {
    let data = read(path)?;
    String::from_utf8(data).map_err(|_| PkiError::Pem {
        what,
        path: path.into(),
        message: "file is not UTF-8 text".into(),
    })
}
