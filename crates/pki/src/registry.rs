//! The client registry (`clients.json`: every certificate issued, revoked or not) and the
//! certificate revocation list written from it.

use std::fs;
use std::path::Path;

use rcgen::{CertificateRevocationListParams, Issuer, KeyIdMethod, KeyPair, RevokedCertParams, SerialNumber};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::ca::{load_ca, now, rfc3339, PkiDir, BACKDATE, LEAF_VALIDITY_DAYS};
use crate::files::write_atomic;
use crate::host::ClientHost;
use crate::role::Role;
use crate::PkiError;

const REGISTRY_FORMAT: u32 = 1;

/// One entry of the client registry (`clients.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    /// Host the certificate was issued for.
    pub host: String,
    /// Serial number, lowercase hex.
    pub serial_hex: String,
    /// Subject common name.
    pub subject_cn: String,
    /// Issue time, RFC 3339 UTC.
    pub issued_at: String,
    /// Expiry (notAfter), RFC 3339 UTC.
    pub not_after: String,
    /// True once revoked (the serial is then in the CRL).
    pub revoked: bool,
    /// Revocation time, RFC 3339 UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// What the certificate may do (absent in registries from before roles: client).
    #[serde(default)]
    pub role: Role,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Registry {
    pub(crate) format: u32,
    /// Number of the last CRL written; CRL numbers must increase (RFC 5280 §5.2.3).
    pub(crate) crl_number: u64,
    pub(crate) clients: Vec<ClientRecord>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry { format: REGISTRY_FORMAT, crl_number: 0, clients: Vec::new() }
    }
}

/// Revokes every non-revoked client whose host or serial (hex, colons and case ignored)
/// matches, then rewrites the CRL. Returns how many were newly revoked (0 when all matches
/// were already revoked); no match at all is [`PkiError::UnknownClient`].
pub fn revoke_client(dir: &Path, host_or_serial: &str) -> Result<usize, PkiError> {
    let pki = PkiDir::new(dir);
    let (_, issuer) = load_ca(&pki)?;
    let mut registry = load_registry(&pki)?;
    let query = host_or_serial.trim();
    let host_query = ClientHost::parse(query).ok().map(|h| h.to_string());
    let serial_query = normalize_serial(query);
    let now_text = rfc3339(now());
    let mut matched = 0;
    let mut revoked = 0;
    for client in &mut registry.clients {
        let host_match = host_query.as_deref() == Some(client.host.as_str());
        let serial_match =
            serial_query.as_deref().is_some_and(|s| normalize_serial(&client.serial_hex).as_deref() == Some(s));
        if !(host_match || serial_match) {
            continue;
        }
        matched += 1;
        if !client.revoked {
            client.revoked = true;
            client.revoked_at = Some(now_text.clone());
            revoked += 1;
            tracing::info!(host = %client.host, serial = %client.serial_hex, "revoked client certificate");
        }
    }
    if matched == 0 {
        return Err(PkiError::UnknownClient { query: query.into(), path: pki.clients_registry() });
    }
    write_crl(&pki, &issuer, &mut registry)?;
    save_registry(&pki, &registry)?;
    Ok(revoked)
}

/// Lists every client ever issued from the PKI in `dir` (revoked ones included).
pub fn list_clients(dir: &Path) -> Result<Vec<ClientRecord>, PkiError> {
    let pki = PkiDir::new(dir);
    pki.require(&[pki.ca_cert()])?;
    Ok(load_registry(&pki)?.clients)
}

/// Writes a CRL listing every revoked client, with the next CRL number.
pub(crate) fn write_crl(pki: &PkiDir, issuer: &Issuer<'_, KeyPair>, registry: &mut Registry) -> Result<(), PkiError> {
    let now = now();
    let mut revoked_certs = Vec::new();
    for client in registry.clients.iter().filter(|c| c.revoked) {
        let serial = hex_decode(&client.serial_hex).ok_or_else(|| PkiError::Registry {
            path: pki.clients_registry(),
            message: format!("serial {:?} of client {} is not hex", client.serial_hex, client.host),
        })?;
        let revocation_time =
            client.revoked_at.as_deref().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()).unwrap_or(now);
        revoked_certs.push(RevokedCertParams {
            serial_number: SerialNumber::from_slice(&serial),
            revocation_time,
            reason_code: None,
            invalidity_date: None,
        });
    }
    registry.crl_number += 1;
    let params = CertificateRevocationListParams {
        this_update: now - BACKDATE,
        // rustls does not enforce nextUpdate by default, but OpenSSL tools do; a long window
        // keeps an untouched PKI usable for as long as its certificates are.
        next_update: now + Duration::days(LEAF_VALIDITY_DAYS),
        crl_number: SerialNumber::from(registry.crl_number),
        issuing_distribution_point: None,
        revoked_certs,
        key_identifier_method: KeyIdMethod::Sha256,
    };
    let crl = params.signed_by(issuer).map_err(|e| PkiError::generate("certificate revocation list", e))?;
    let pem = crl.pem().map_err(|e| PkiError::generate("certificate revocation list PEM", e))?;
    write_atomic(&pki.crl(), pem.as_bytes(), false)
}

pub(crate) fn load_registry(pki: &PkiDir) -> Result<Registry, PkiError> {
    let path = pki.clients_registry();
    let data = match fs::read(&path) {
        Ok(d) => d,
        // A CA without a registry (hand-made or partly copied directory) simply has no clients yet.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Registry::default()),
        Err(e) => return Err(PkiError::io(path, e)),
    };
    let reg: Registry =
        serde_json::from_slice(&data).map_err(|e| PkiError::Registry { path: path.clone(), message: e.to_string() })?;
    if reg.format != REGISTRY_FORMAT {
        return Err(PkiError::Registry {
            path,
            message: format!("unsupported format {} (expected {REGISTRY_FORMAT})", reg.format),
        });
    }
    Ok(reg)
}

pub(crate) fn save_registry(pki: &PkiDir, reg: &Registry) -> Result<(), PkiError> {
    let mut json = serde_json::to_vec_pretty(reg)
        .map_err(|e| PkiError::Registry { path: pki.clients_registry(), message: e.to_string() })?;
    json.push(b'\n');
    write_atomic(&pki.clients_registry(), &json, false)
}

pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let pairs = s.as_bytes().chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return None;
    }
    pairs.map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()).collect()
}

/// Canonical serial text for comparisons: lowercase hex, no "0x", colons or leading zeros.
fn normalize_serial(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let hex: String = s.chars().filter(|c| *c != ':').map(|c| c.to_ascii_lowercase()).collect();
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let trimmed = hex.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0" } else { trimmed }.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_normalisation() {
        assert_eq!(normalize_serial("0x00AB:cd").as_deref(), Some("abcd"));
        assert_eq!(normalize_serial("10.0.0.1"), None);
        assert_eq!(normalize_serial("000"), Some("0".into()));
        assert_eq!(hex_decode("01ff"), Some(vec![1, 255]));
        assert_eq!(hex_decode("1ff"), None);
    }
}
