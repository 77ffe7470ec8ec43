//! The PKI on real files (directory, registration, PKCS#12, revocation) and real rustls
//! handshakes between our configs. One test binary.

mod pki;
mod tls;
