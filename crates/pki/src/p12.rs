//! PKCS#12 bundles (writing for registration, reading for clients) and PEM identities.

use std::path::Path;

use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, Pkcs12ImportPolicy, PrivateKey, PrivateKeyChain};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::files::{read, read_certs, read_key};
use crate::PkiError;

/// A client's credentials: certificate chain, private key and the CA certificates it trusts.
pub struct ClientIdentity {
    /// Certificates sent to the server: the client certificate first, then any intermediates.
    pub cert_chain: Vec<CertificateDer<'static>>,
    /// The client's private key.
    pub key: PrivateKeyDer<'static>,
    /// CA certificates (the server's Internal CA) used when verifying the server.
    pub ca_certs: Vec<CertificateDer<'static>>,
}

impl Clone for ClientIdentity {
    // PrivateKeyDer deliberately has no Clone; copying a loaded identity (one per connection
    // to several servers) is still legitimate.
    fn clone(&self) -> Self {
        ClientIdentity {
            cert_chain: self.cert_chain.clone(),
            key: self.key.clone_key(),
            ca_certs: self.ca_certs.clone(),
        }
    }
}

impl std::fmt::Debug for ClientIdentity {
    // Never print key material.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("cert_chain_len", &self.cert_chain.len())
            .field("ca_certs_len", &self.ca_certs.len())
            .finish_non_exhaustive()
    }
}

/// PBKDF2 and MAC iteration count of `openssl pkcs12 -export` (PKCS12_DEFAULT_ITER). The
/// p12-keystore default (10000) buys little for a file that travels with its password and
/// makes every load five times slower.
const OPENSSL_PKCS12_ITERATIONS: u32 = 2048;

/// Builds the password-protected PKCS#12 for a newly issued client.
///
/// p12-keystore's writer defaults are PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for both the key
/// and the certificates and an HMAC-SHA256 MAC: the same algorithms (and, with the iteration
/// count below, the same parameters) as `openssl pkcs12 -export` in OpenSSL 3, so OpenSSL 3
/// and Python's `cryptography` read it without the legacy provider.
pub(crate) fn build_pkcs12(
    cert_der: &[u8],
    key_pkcs8_der: &[u8],
    ca_der: &[u8],
    alias: &str,
    password: &str,
) -> Result<Vec<u8>, PkiError> {
    let err = |message: String| PkiError::Pkcs12 { source_name: format!("bundle for client {alias}"), message };
    let leaf = Certificate::from_der(cert_der).map_err(|e| err(format!("client certificate: {e}")))?;
    let ca = Certificate::from_der(ca_der).map_err(|e| err(format!("CA certificate: {e}")))?;
    // The localKeyId ties the key bag to its certificate bag; any unique value works and a
    // random one avoids pulling in SHA-1 just for this.
    let local_key_id: [u8; 20] = rand::random();
    let key = PrivateKey::from_der(key_pkcs8_der).map_err(|e| err(format!("client key: {e}")))?;
    let chain = PrivateKeyChain::new(&local_key_id[..], key, [leaf, ca]);
    let mut store = KeyStore::new();
    store.add_entry(alias, KeyStoreEntry::PrivateKeyChain(chain));
    store
        .writer(password)
        .encryption_iterations(OPENSSL_PKCS12_ITERATIONS)
        .mac_iterations(OPENSSL_PKCS12_ITERATIONS)
        .write()
        .map_err(|e| err(format!("cannot encode: {e}")))
}

/// Reads a PKCS#12 bundle (ours, FMC's or `openssl pkcs12 -export`'s) into a client identity.
pub fn load_pkcs12(data: &[u8], password: &str) -> Result<ClientIdentity, PkiError> {
    load_pkcs12_named(data, password, "data")
}

/// Reads a PKCS#12 file; errors name the file.
pub fn load_pkcs12_file(path: &Path, password: &str) -> Result<ClientIdentity, PkiError> {
    let data = read(path)?;
    load_pkcs12_named(&data, password, &path.display().to_string())
}

fn load_pkcs12_named(data: &[u8], password: &str, source_name: &str) -> Result<ClientIdentity, PkiError> {
    let err = |message: String| PkiError::Pkcs12 { source_name: source_name.to_owned(), message };
    let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Strict)
        .map_err(|e| err(format!("cannot decode (wrong password or not PKCS#12?): {e}")))?;
    let (_, chain) =
        store.private_key_chain().ok_or_else(|| err("contains no private key with a matching certificate".into()))?;
    let certs = chain.certs();
    let (leaf, rest) = certs.split_first().ok_or_else(|| err("private key has no certificate".into()))?;

    let mut cert_chain = vec![CertificateDer::from(leaf.as_der().to_vec())];
    let mut ca_certs = Vec::new();
    for c in rest {
        let der = CertificateDer::from(c.as_der().to_vec());
        // Intermediates must be sent to the server; self-signed roots are only trust anchors.
        if c.subject() != c.issuer() {
            cert_chain.push(der.clone());
        }
        ca_certs.push(der);
    }
    // Java-style "trusted certificate" entries are CA certificates too.
    for (_, entry) in store.entries() {
        if let KeyStoreEntry::Certificate(c) = entry {
            let der = CertificateDer::from(c.as_der().to_vec());
            if !ca_certs.contains(&der) {
                ca_certs.push(der);
            }
        }
    }
    Ok(ClientIdentity {
        cert_chain,
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().as_der().to_vec())),
        ca_certs,
    })
}

/// Reads a client identity from PEM files (as eNcore splits its PKCS#12: `.cert` and `.key`).
///
/// Without `ca_pem`, certificates after the first in `cert_pem` are taken as the CA chain.
pub fn load_pem_identity(cert_pem: &Path, key_pem: &Path, ca_pem: Option<&Path>) -> Result<ClientIdentity, PkiError> {
    let mut certs = read_certs(cert_pem)?;
    let key = read_key(key_pem)?;
    let leaf = certs.remove(0);
    let ca_certs = match ca_pem {
        Some(p) => read_certs(p)?,
        None => certs.clone(),
    };
    let mut cert_chain = vec![leaf];
    // Only non-self-signed extras are intermediates worth sending.
    for c in certs {
        if !is_self_signed(&c) {
            cert_chain.push(c);
        }
    }
    Ok(ClientIdentity { cert_chain, key, ca_certs })
}

fn is_self_signed(der: &CertificateDer<'_>) -> bool {
    X509Certificate::from_der(der).map(|(_, c)| c.subject().as_raw() == c.issuer().as_raw()).unwrap_or(false)
}
