//! Hosts that client and sensor certificates are issued for.

use std::net::IpAddr;

use rcgen::SanType;

use crate::identity::normalize_ip;
use crate::PkiError;

/// A client host: an IP address or a DNS name.
pub(crate) enum ClientHost {
    Ip(IpAddr),
    Dns(String),
}

impl ClientHost {
    pub(crate) fn parse(host: &str) -> Result<Self, PkiError> {
        let h = host.trim();
        let bad = |reason: &str| PkiError::InvalidHost { host: host.into(), reason: reason.into() };
        if h.is_empty() {
            return Err(bad("empty"));
        }
        // Accept "[::1]" as people copy it from URLs.
        let unbracketed = h.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(h);
        if let Ok(ip) = unbracketed.parse::<IpAddr>() {
            // Stored as IPv4 when IPv4-mapped, because the server compares peers that way.
            return Ok(ClientHost::Ip(normalize_ip(ip)));
        }
        let name = h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
        if name.len() > 253 {
            return Err(bad("DNS name longer than 253 characters"));
        }
        for label in name.split('.') {
            if label.is_empty() || label.len() > 63 {
                return Err(bad("not an IP address, and a DNS label is empty or over 63 characters"));
            }
            if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                return Err(bad(
                    "not an IP address, and a DNS name may only contain letters, digits, '-', '_' and '.'",
                ));
            }
            if label.starts_with('-') || label.ends_with('-') {
                return Err(bad("not an IP address, and a DNS label starts or ends with '-'"));
            }
        }
        Ok(ClientHost::Dns(name))
    }

    pub(crate) fn san(&self) -> Result<SanType, PkiError> {
        Ok(match self {
            ClientHost::Ip(ip) => SanType::IpAddress(*ip),
            ClientHost::Dns(name) => {
                SanType::DnsName(name.clone().try_into().map_err(|e| PkiError::generate(format!("DNS SAN {name}"), e))?)
            }
        })
    }
}

impl std::fmt::Display for ClientHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientHost::Ip(ip) => write!(f, "{ip}"),
            ClientHost::Dns(name) => f.write_str(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_parsing_normalises() {
        assert_eq!(ClientHost::parse("10.1.2.3").unwrap().to_string(), "10.1.2.3");
        assert_eq!(ClientHost::parse("::ffff:10.1.2.3").unwrap().to_string(), "10.1.2.3");
        assert_eq!(ClientHost::parse("[2001:db8::1]").unwrap().to_string(), "2001:db8::1");
        assert_eq!(ClientHost::parse("Siem.Example.COM.").unwrap().to_string(), "siem.example.com");
        for bad in ["", "  ", "a b", "x..y", "-a.b", "h\u{e9}llo", "a/b"] {
            assert!(ClientHost::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
