//! The server's post-handshake identity policy (spec §1.9, §1.10): the TCP peer must be the
//! host the client certificate was issued for, and the subject may have to contain a value.

use std::net::{IpAddr, ToSocketAddrs};

use rustls_pki_types::CertificateDer;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::{PkiError, Role};

/// What the server checks after a successful handshake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityPolicy {
    /// Do not compare the peer address with the certificate host (for NAT or proxies).
    pub skip_host_check: bool,
    /// When set, the certificate subject DN (e.g. `O=eStreamer client, CN=10.0.0.5`) must
    /// contain this substring.
    pub required_subject: Option<String>,
    /// The role this port admits ([`Role::Client`] on the event port, [`Role::Sensor`] on the
    /// ingest endpoint); a certificate of the other role is refused.
    pub role: Role,
}

/// The identity claims of a client certificate, as used by [`check_peer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// Subject DN in RFC 4514-like text, e.g. `O=eStreamer client, CN=10.0.0.5`.
    pub subject: String,
    /// Every CN value in the subject.
    pub common_names: Vec<String>,
    /// IP address SANs (IPv4-mapped IPv6 normalised to IPv4).
    pub ip_sans: Vec<IpAddr>,
    /// DNS name SANs.
    pub dns_sans: Vec<String>,
    /// The role the subject names (see [`Role::of_organizations`]).
    pub role: Role,
}

impl PeerIdentity {
    /// Every host named by the certificate (CNs then SANs), for messages and logs.
    pub fn hosts(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .common_names
            .iter()
            .cloned()
            .chain(self.ip_sans.iter().map(|ip| ip.to_string()))
            .chain(self.dns_sans.iter().cloned());
        for h in all {
            if !out.contains(&h) {
                out.push(h);
            }
        }
        out
    }
}

/// Turns an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack listener reports
/// for IPv4 clients) into the IPv4 address; other addresses are returned unchanged.
pub fn normalize_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Extracts subject, CNs and SANs from a DER certificate.
pub fn peer_identity(cert: &CertificateDer<'_>) -> Result<PeerIdentity, PkiError> {
    let bad = |message: String| PkiError::Certificate { context: "client certificate".into(), message };
    let (_, x509) = X509Certificate::from_der(cert).map_err(|e| bad(e.to_string()))?;
    let subject = x509.subject().to_string();
    let common_names = x509.subject().iter_common_name().filter_map(|cn| cn.as_str().ok().map(str::to_owned)).collect();
    let role = Role::of_organizations(x509.subject().iter_organization().filter_map(|o| o.as_str().ok()));
    let mut ip_sans = Vec::new();
    let mut dns_sans = Vec::new();
    let san = x509.subject_alternative_name().map_err(|e| bad(format!("subjectAltName: {e}")))?;
    if let Some(san) = san {
        for name in &san.value.general_names {
            match name {
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        ip_sans.push(normalize_ip(ip));
                    }
                }
                GeneralName::DNSName(n) => dns_sans.push((*n).to_owned()),
                _ => {}
            }
        }
    }
    Ok(PeerIdentity { subject, common_names, ip_sans, dns_sans, role })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

/// Applies `policy` to a connected client: `peer` is the TCP peer address, `cert` the client's
/// end-entity certificate.
///
/// The host check passes when the peer equals an IP in the CN or an IP SAN, or when a DNS name
/// in the CN or SANs resolves to the peer ("localhost" matches any loopback address without a
/// lookup). Resolution uses the system resolver and can block: call this from a blocking
/// context in async code.
pub fn check_peer(policy: &IdentityPolicy, peer: IpAddr, cert: &CertificateDer<'_>) -> Result<(), PkiError> {
    let id = peer_identity(cert)?;
    let peer = normalize_ip(peer);
    if !policy.skip_host_check {
        check_host(&id, peer)?;
    }
    if id.role != policy.role {
        return Err(PkiError::RoleMismatch { peer, subject: id.subject, role: id.role, port_role: policy.role });
    }
    if let Some(required) = &policy.required_subject {
        if !id.subject.contains(required.as_str()) {
            return Err(PkiError::SubjectMismatch { peer, subject: id.subject, required: required.clone() });
        }
    }
    Ok(())
}

fn check_host(id: &PeerIdentity, peer: IpAddr) -> Result<(), PkiError> {
    let mut names: Vec<String> = Vec::new();
    let mut ips: Vec<IpAddr> = id.ip_sans.clone();
    for cn in &id.common_names {
        match cn.trim().parse::<IpAddr>() {
            Ok(ip) => ips.push(normalize_ip(ip)),
            Err(_) => names.push(cn.trim().to_ascii_lowercase()),
        }
    }
    for n in &id.dns_sans {
        let n = n.to_ascii_lowercase();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    // Address comparisons first: they are exact and need no DNS.
    if ips.contains(&peer) {
        return Ok(());
    }
    let mut detail = Vec::new();
    if !ips.is_empty() {
        detail.push("no certificate IP equals the peer".to_owned());
    }
    for name in &names {
        let bare = name.strip_suffix('.').unwrap_or(name);
        // Containers and minimal hosts sometimes lack a resolvable "localhost"; it is by
        // definition the loopback interface, so do not depend on the resolver for it.
        if bare == "localhost" {
            if peer.is_loopback() {
                return Ok(());
            }
            detail.push("localhost only matches loopback peers".to_owned());
            continue;
        }
        match (bare, 0u16).to_socket_addrs() {
            Ok(addrs) => {
                let resolved: Vec<IpAddr> = addrs.map(|a| normalize_ip(a.ip())).collect();
                if resolved.contains(&peer) {
                    return Ok(());
                }
                let list: Vec<String> = resolved.iter().map(|ip| ip.to_string()).collect();
                detail.push(format!("{bare} resolves to [{}]", list.join(", ")));
            }
            Err(e) => detail.push(format!("cannot resolve {bare}: {e}")),
        }
    }
    if ips.is_empty() && names.is_empty() {
        detail.push("the certificate names no host (no CN, no IP or DNS SAN)".to_owned());
    }
    Err(PkiError::HostMismatch { peer, cert_hosts: format!("[{}]", id.hosts().join(", ")), detail: detail.join("; ") })
}
