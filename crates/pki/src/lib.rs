//! eStreamer PKI: the server's *Internal CA*, client registration (password-protected
//! PKCS#12 bundles that OpenSSL and eNcore can read), a revocation list, rustls
//! configurations for both ends and the server's post-handshake identity policy.
//!
//! Everything here works on files and bytes; nothing opens a socket (see ARCHITECTURE.md).
//!
//! Layout of a PKI directory (see [`PkiDir`]):
//!
//! | file | content |
//! |---|---|
//! | `ca-cert.pem` | Internal CA certificate (self-signed, RSA 2048 by default or ECDSA P-256, 10 years) |
//! | `ca-key.pem` | CA private key, PKCS#8, mode 0600 |
//! | `server-cert.pem` | server certificate (same key type, serverAuth, ~2 years) |
//! | `server-key.pem` | server private key, PKCS#8, mode 0600 |
//! | `clients.json` | registry of issued client certificates |
//! | `crl.pem` | CRL signed by the CA listing revoked clients (always present) |

mod ca;
mod error;
mod files;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod host;
mod identity;
mod p12;
mod registry;
mod reload;
mod role;
mod tls;

pub use ca::{
    add_client, add_sensor, init_ca, init_ca_with, issue_client, IssuedClient, KeyType, PkiDir, CA_COMMON_NAME,
    CLIENT_ORGANIZATION,
};
pub use error::PkiError;
pub use files::write_secret_file;
pub use identity::{check_peer, normalize_ip, peer_identity, IdentityPolicy, PeerIdentity};
pub use p12::{load_pem_identity, load_pkcs12, load_pkcs12_file, ClientIdentity};
pub use registry::{list_clients, revoke_client, ClientRecord};
pub use reload::ReloadingServerConfig;
pub use role::{Role, SENSOR_ORGANIZATION, SENSOR_UNIT};
pub use tls::{client_config, server_config, ClientTlsOptions, NoServerVerification, ServerTlsOptions};

/// Re-export so that callers build `CertificateDer`/`PrivateKeyDer` with the same version.
pub use rustls_pki_types as pki_types;
