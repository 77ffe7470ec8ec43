//! The Internal CA: directory layout, CA and server certificate generation and client
//! registration (the client registry and the revocation list are in `registry.rs`).

use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use rand::Rng;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType, SerialNumber,
};
use rustls_pki_types::CertificateDer;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::files::{read_certs, read_text, write_atomic};
use crate::host::ClientHost;
use crate::p12::build_pkcs12;
use crate::registry::{load_registry, save_registry, write_crl, ClientRecord, Registry};
use crate::role::{Role, SENSOR_ORGANIZATION, SENSOR_UNIT};
use crate::PkiError;

/// Common name of the CA certificate, as on a Firepower Management Center.
pub const CA_COMMON_NAME: &str = "eStreamer Internal CA";
/// Organization (O) put in every client certificate subject.
pub const CLIENT_ORGANIZATION: &str = "eStreamer client";

const CA_ORGANIZATION: &str = "eStreamer";
const SERVER_COMMON_NAME: &str = "eStreamer server";
const CA_VALIDITY_DAYS: i64 = 3650;
pub(crate) const LEAF_VALIDITY_DAYS: i64 = 730;
/// Certificates start an hour in the past so that a client whose clock is slightly behind
/// does not reject a freshly issued certificate as "not yet valid".
pub(crate) const BACKDATE: Duration = Duration::hours(1);
const GENERATED_PASSWORD_LEN: usize = 20;

/// Paths inside a PKI directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiDir {
    /// The directory holding every PKI file.
    pub root: PathBuf,
}

impl PkiDir {
    /// Names the PKI files under `root` (nothing is read or created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        PkiDir { root: root.into() }
    }

    /// CA certificate (PEM).
    pub fn ca_cert(&self) -> PathBuf {
        self.root.join("ca-cert.pem")
    }

    /// CA private key (PEM, PKCS#8, mode 0600).
    pub fn ca_key(&self) -> PathBuf {
        self.root.join("ca-key.pem")
    }

    /// Server certificate (PEM, leaf only; the CA is appended when the chain is sent).
    pub fn server_cert(&self) -> PathBuf {
        self.root.join("server-cert.pem")
    }

    /// Server private key (PEM, PKCS#8, mode 0600).
    pub fn server_key(&self) -> PathBuf {
        self.root.join("server-key.pem")
    }

    /// Registry of issued client certificates (JSON).
    pub fn clients_registry(&self) -> PathBuf {
        self.root.join("clients.json")
    }

    /// Certificate revocation list signed by the CA (PEM).
    pub fn crl(&self) -> PathBuf {
        self.root.join("crl.pem")
    }

    /// True when both CA files exist.
    pub fn is_initialised(&self) -> bool {
        self.ca_cert().exists() && self.ca_key().exists()
    }

    /// Checks the files a TLS server needs (CA certificate, server certificate and key).
    pub(crate) fn require_server_files(&self) -> Result<(), PkiError> {
        self.require(&[self.ca_cert(), self.server_cert(), self.server_key()])
    }

    /// Fails with [`PkiError::NotInitialised`] naming the first missing file among `paths`.
    pub(crate) fn require(&self, paths: &[PathBuf]) -> Result<(), PkiError> {
        for p in paths {
            if !p.exists() {
                return Err(PkiError::NotInitialised { dir: self.root.clone(), missing: p.clone() });
            }
        }
        Ok(())
    }
}

/// A freshly issued client credential.
#[derive(Clone)]
pub struct IssuedClient {
    /// Password-protected PKCS#12: client key, client certificate and the CA certificate.
    pub pkcs12: Vec<u8>,
    /// Password protecting `pkcs12`.
    pub password: String,
    /// True when no password was supplied and `password` was generated.
    pub password_was_generated: bool,
    /// Certificate serial number, lowercase hex without separators.
    pub serial_hex: String,
    /// Host the certificate was issued for (normalised: canonical IP text or lowercase name).
    pub host: String,
}

impl std::fmt::Debug for IssuedClient {
    // Hand-written so that logging an IssuedClient never prints the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedClient")
            .field("host", &self.host)
            .field("serial_hex", &self.serial_hex)
            .field("pkcs12_len", &self.pkcs12.len())
            .field("password_was_generated", &self.password_was_generated)
            .finish_non_exhaustive()
    }
}

/// The key algorithm of the CA and the server certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeyType {
    /// RSA 2048 with SHA-256, like an FMC's Internal CA; every client (Perl, pyOpenSSL,
    /// eNcore) handles it, with ECDHE-RSA suites.
    #[default]
    Rsa,
    /// ECDSA P-256 with SHA-256: smaller and faster handshakes.
    Ecdsa,
}

impl KeyType {
    fn algorithm(self) -> &'static rcgen::SignatureAlgorithm {
        match self {
            KeyType::Rsa => &rcgen::PKCS_RSA_SHA256,
            KeyType::Ecdsa => &rcgen::PKCS_ECDSA_P256_SHA256,
        }
    }

    fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA 2048",
            KeyType::Ecdsa => "ECDSA P-256",
        }
    }
}

/// Creates a PKI directory with RSA keys: see [`init_ca_with`].
pub fn init_ca(dir: &Path, server_ips: &[IpAddr], server_names: &[String]) -> Result<PkiDir, PkiError> {
    init_ca_with(dir, server_ips, server_names, KeyType::Rsa)
}

/// Creates a PKI directory: CA, server certificate, empty client registry and empty CRL, with
/// keys of `key_type`.
///
/// The server certificate's SANs are `server_ips` and `server_names`; when both are empty it
/// gets 127.0.0.1, ::1 and localhost. Refuses to run when a CA file already exists in `dir`.
pub fn init_ca_with(
    dir: &Path,
    server_ips: &[IpAddr],
    server_names: &[String],
    key_type: KeyType,
) -> Result<PkiDir, PkiError> {
    let pki = PkiDir::new(dir);
    for existing in [pki.ca_cert(), pki.ca_key()] {
        if existing.exists() {
            return Err(PkiError::AlreadyExists { dir: dir.into(), existing });
        }
    }
    create_private_dir(dir)?;

    let now = now();
    let ca_key = KeyPair::generate_for(key_type.algorithm())
        .map_err(|e| PkiError::generate(format!("CA key ({})", key_type.name()), e))?;
    let mut ca_params = CertificateParams::default();
    // A random OU makes every CA's name unique: path building matches issuers by name, so
    // two CAs with the same DN would turn "unknown issuer" into a confusing "bad signature"
    // and could mislead PKCS#12 chain assembly.
    let ca_unit = format!("CA {}", &random_serial().1[..12]);
    ca_params.distinguished_name = dn(&[
        (DnType::OrganizationName, CA_ORGANIZATION),
        (DnType::OrganizationalUnitName, &ca_unit),
        (DnType::CommonName, CA_COMMON_NAME),
    ]);
    // No intermediates: every certificate this CA signs is a leaf.
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca_params.key_usages =
        vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca_params.serial_number = Some(random_serial().0);
    ca_params.not_before = now - BACKDATE;
    ca_params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| PkiError::generate("CA certificate", e))?;
    let ca_key_pem = ca_key.serialize_pem();
    // Build the issuer from the encoded certificate, exactly as later runs will after loading
    // it from disk, so that issuer names in certificates and CRLs are byte-identical.
    let issuer = Issuer::from_ca_cert_der(ca_cert.der(), ca_key)
        .map_err(|e| PkiError::generate("CA issuer from the new CA certificate", e))?;

    let server_key = KeyPair::generate_for(key_type.algorithm())
        .map_err(|e| PkiError::generate(format!("server key ({})", key_type.name()), e))?;
    let mut server_params = CertificateParams::default();
    server_params.distinguished_name =
        dn(&[(DnType::OrganizationName, CA_ORGANIZATION), (DnType::CommonName, SERVER_COMMON_NAME)]);
    server_params.subject_alt_names = server_sans(server_ips, server_names)?;
    server_params.is_ca = IsCa::ExplicitNoCa;
    server_params.key_usages = match key_type {
        // TLS 1.2 RSA key exchange is never offered by rustls, but strict clients check the bit.
        KeyType::Rsa => vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment],
        KeyType::Ecdsa => vec![KeyUsagePurpose::DigitalSignature],
    };
    server_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    server_params.use_authority_key_identifier_extension = true;
    server_params.serial_number = Some(random_serial().0);
    server_params.not_before = now - BACKDATE;
    server_params.not_after = now + Duration::days(LEAF_VALIDITY_DAYS);
    let server_cert =
        server_params.signed_by(&server_key, &issuer).map_err(|e| PkiError::generate("server certificate", e))?;

    // CA files go last: if anything before fails, the directory does not look initialised
    // and `init_ca` can simply be run again.
    write_atomic(&pki.server_key(), server_key.serialize_pem().as_bytes(), true)?;
    write_atomic(&pki.server_cert(), server_cert.pem().as_bytes(), false)?;
    let mut registry = Registry::default();
    write_crl(&pki, &issuer, &mut registry)?;
    save_registry(&pki, &registry)?;
    write_atomic(&pki.ca_key(), ca_key_pem.as_bytes(), true)?;
    write_atomic(&pki.ca_cert(), ca_cert.pem().as_bytes(), false)?;
    tracing::info!(dir = %dir.display(), "initialised eStreamer Internal CA");
    Ok(pki)
}

/// Registers a client: issues an RSA-2048 certificate for `host` (IP address or DNS name),
/// valid about two years, and returns it with its key and the CA as a PKCS#12.
///
/// Without `password` a random 20-character alphanumeric one is generated. `Some("")` is an
/// explicit empty password.
pub fn add_client(dir: &Path, host: &str, password: Option<&str>) -> Result<IssuedClient, PkiError> {
    let now = now();
    issue_client(dir, host, password, now - BACKDATE, now + Duration::days(LEAF_VALIDITY_DAYS))
}

/// Like [`add_client`] with an explicit validity window (tests use it for expired
/// certificates).
pub fn issue_client(
    dir: &Path,
    host: &str,
    password: Option<&str>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<IssuedClient, PkiError> {
    issue_leaf(dir, host, password, not_before, not_after, Role::Client)
}

/// Registers a sensor: like [`add_client`], but the certificate carries the sensor role
/// (subject `O=eStreamer sensor, OU=sensor, CN=host`), so it is accepted by the ingest
/// endpoint and refused by the event port.
pub fn add_sensor(dir: &Path, host: &str, password: Option<&str>) -> Result<IssuedClient, PkiError> {
    let now = now();
    issue_leaf(dir, host, password, now - BACKDATE, now + Duration::days(LEAF_VALIDITY_DAYS), Role::Sensor)
}

/// Issues a leaf certificate of `role` for `host` and records it in the registry.
fn issue_leaf(
    dir: &Path,
    host: &str,
    password: Option<&str>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    role: Role,
) -> Result<IssuedClient, PkiError> {
    let pki = PkiDir::new(dir);
    let (ca_der, issuer) = load_ca(&pki)?;
    let host = ClientHost::parse(host)?;
    let host_text = host.to_string();

    // RSA because that is what FMC issues (spec §1.7) and what eNcore-era tooling expects.
    let key = KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
        .map_err(|e| PkiError::generate(format!("RSA-2048 key for client {host_text}"), e))?;
    let mut params = CertificateParams::default();
    params.distinguished_name = match role {
        Role::Client => dn(&[(DnType::OrganizationName, CLIENT_ORGANIZATION), (DnType::CommonName, &host_text)]),
        Role::Sensor => dn(&[
            (DnType::OrganizationName, SENSOR_ORGANIZATION),
            (DnType::OrganizationalUnitName, SENSOR_UNIT),
            (DnType::CommonName, &host_text),
        ]),
    };
    params.subject_alt_names = vec![host.san()?];
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    let (serial, serial_hex) = random_serial();
    params.serial_number = Some(serial);
    params.not_before = not_before;
    params.not_after = not_after;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| PkiError::generate(format!("certificate for client {host_text}"), e))?;

    let (password, password_was_generated) = match password {
        Some(p) => (p.to_owned(), false),
        None => (generate_password(), true),
    };
    let pkcs12 = build_pkcs12(cert.der(), key.serialized_der(), &ca_der, &host_text, &password)?;

    let mut registry = load_registry(&pki)?;
    registry.clients.push(ClientRecord {
        host: host_text.clone(),
        serial_hex: serial_hex.clone(),
        subject_cn: host_text.clone(),
        issued_at: rfc3339(now()),
        not_after: rfc3339(not_after),
        revoked: false,
        revoked_at: None,
        role,
    });
    save_registry(&pki, &registry)?;
    tracing::info!(host = %host_text, serial = %serial_hex, %role, "issued eStreamer certificate");
    Ok(IssuedClient { pkcs12, password, password_was_generated, serial_hex, host: host_text })
}

fn server_sans(ips: &[IpAddr], names: &[String]) -> Result<Vec<SanType>, PkiError> {
    let mut sans = Vec::new();
    if ips.is_empty() && names.is_empty() {
        sans.push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
        sans.push(SanType::IpAddress(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        sans.push(dns_san("localhost")?);
    }
    sans.extend(ips.iter().map(|ip| SanType::IpAddress(*ip)));
    for name in names {
        sans.push(dns_san(name)?);
    }
    Ok(sans)
}

fn dns_san(name: &str) -> Result<SanType, PkiError> {
    let ia5 = name.to_owned().try_into().map_err(|e| PkiError::generate(format!("server DNS SAN {name:?}"), e))?;
    Ok(SanType::DnsName(ia5))
}

fn dn(parts: &[(DnType, &str)]) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for (ty, value) in parts {
        dn.push(ty.clone(), *value);
    }
    dn
}

/// Loads the CA certificate and an rcgen issuer (CA key + names) for signing.
pub(crate) fn load_ca(pki: &PkiDir) -> Result<(CertificateDer<'static>, Issuer<'static, KeyPair>), PkiError> {
    pki.require(&[pki.ca_cert(), pki.ca_key()])?;
    let ca_der = read_certs(&pki.ca_cert())?.swap_remove(0);
    let key_pem = read_text(&pki.ca_key(), "CA private key")?;
    let key = KeyPair::from_pem(&key_pem).map_err(|e| PkiError::Pem {
        what: "CA private key",
        path: pki.ca_key(),
        message: e.to_string(),
    })?;
    let issuer = Issuer::from_ca_cert_der(&ca_der, key).map_err(|e| PkiError::Certificate {
        context: format!("CA certificate {}", pki.ca_cert().display()),
        message: e.to_string(),
    })?;
    Ok((ca_der, issuer))
}

/// Creates `dir` (and parents); a directory created here is made owner-only because it will
/// hold private keys.
fn create_private_dir(dir: &Path) -> Result<(), PkiError> {
    if dir.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| PkiError::io(dir, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(|e| PkiError::io(dir, e))?;
    }
    Ok(())
}

/// A random positive 128-bit serial: RFC 5280 asks for unpredictable serials of at most 20
/// octets. The top bit is cleared so the DER integer needs no sign byte, and bit 6 set so the
/// hex form has no leading zero (the serial text in the registry is then canonical).
fn random_serial() -> (SerialNumber, String) {
    let mut bytes = [0u8; 16];
    rand::rng().fill(&mut bytes);
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    (SerialNumber::from_slice(&bytes), hex_encode(&bytes))
}

fn generate_password() -> String {
    rand::rng().sample_iter(rand::distr::Alphanumeric).take(GENERATED_PASSWORD_LEN).map(char::from).collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn now() -> OffsetDateTime {
    // Whole seconds: certificates cannot carry fractions and the registry text stays tidy.
    OffsetDateTime::now_utc().replace_nanosecond(0).unwrap_or_else(|_| OffsetDateTime::now_utc())
}

pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serials_are_canonical_hex() {
        use crate::registry::hex_decode;
        let (serial, hex) = random_serial();
        assert_eq!(hex.len(), 32);
        assert_eq!(hex_decode(&hex).unwrap(), serial.to_bytes());
        assert!(!hex.starts_with('0'));
    }

    #[test]
    fn generated_passwords_are_alphanumeric_and_distinct() {
        let a = generate_password();
        let b = generate_password();
        assert_eq!(a.len(), GENERATED_PASSWORD_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
