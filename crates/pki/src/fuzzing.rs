//! Entry points for the fuzz targets (`fuzz/`) and the corpus replay in the tests: hostile
//! PKCS#12 and PEM files never panic the loaders.

use std::io::Write;

use rustls_pki_types::pem::PemObject;

/// A PKCS#12 file of arbitrary bytes, with a fixed and an empty password.
pub fn pkcs12(data: &[u8]) {
    let _ = crate::load_pkcs12(data, "estreamer");
    let _ = crate::load_pkcs12(data, "");
}

/// PEM (and DER) files of arbitrary bytes as a client identity (certificate, key and CA from
/// the same file), and the certificates in them through the server's identity parsing.
pub fn pem(data: &[u8]) {
    let Ok(mut f) = tempfile::NamedTempFile::new() else { return };
    if f.write_all(data).and_then(|()| f.flush()).is_err() {
        return;
    }
    let _ = crate::load_pem_identity(f.path(), f.path(), Some(f.path()));
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(data).flatten() {
        let _ = crate::peer_identity(&cert);
    }
    let _ = crate::peer_identity(&rustls_pki_types::CertificateDer::from(data.to_vec()));
}
