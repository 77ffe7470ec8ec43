//! TCP + TLS connection to a server, with failures classified ([`TlsFailure`]), and the server's
//! certificate chain described for `client test`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{ClientError, TlsFailure};

/// `host:port` split; IPv6 as `[addr]:port`.
pub fn split_host_port(s: &str) -> Option<(String, u16)> {
    let (host, port) = s.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains(char::is_whitespace) {
        return None;
    }
    Some((host.to_string(), port))
}

/// The TLS server name for a host (an address, or a DNS name).
pub fn server_name(server: &str, host: &str) -> Result<ServerName<'static>, ClientError> {
    match host.parse::<IpAddr>() {
        Ok(ip) => Ok(ServerName::IpAddress(ip.into())),
        Err(_) => ServerName::try_from(host.to_string()).map_err(|_| ClientError::Address(server.to_string())),
    }
}

/// Connect and handshake within `timeout`.
pub async fn connect(
    server: &str,
    tls: &Arc<rustls::ClientConfig>,
    timeout: Duration,
) -> Result<TlsStream<TcpStream>, ClientError> {
    let (host, port) = split_host_port(server).ok_or_else(|| ClientError::Address(server.to_string()))?;
    let name = server_name(server, &host)?;
    let attempt = async {
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|source| ClientError::Connect { server: server.to_string(), source })?;
        let _ = tcp.set_nodelay(true);
        TlsConnector::from(Arc::clone(tls)).connect(name, tcp).await.map_err(|source| ClientError::Tls {
            server: server.to_string(),
            kind: TlsFailure::of_io(&source),
            source,
        })
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .map_err(|_| ClientError::ConnectTimeout { server: server.to_string(), secs: timeout.as_secs().max(1) })?
}

/// One certificate as `client test` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Not before (RFC 2822-ish text from the parser).
    pub not_before: String,
    /// Not after.
    pub not_after: String,
    /// Whether it is valid now.
    pub valid_now: bool,
}

/// Describe a certificate chain (unparsable entries are described as such).
pub fn describe_chain(chain: &[CertificateDer<'_>]) -> Vec<CertSummary> {
    use x509_parser::prelude::{FromDer, X509Certificate};
    chain
        .iter()
        .map(|der| match X509Certificate::from_der(der.as_ref()) {
            Ok((_, c)) => CertSummary {
                subject: c.subject().to_string(),
                issuer: c.issuer().to_string(),
                not_before: c.validity().not_before.to_string(),
                not_after: c.validity().not_after.to_string(),
                valid_now: c.validity().is_valid(),
            },
            Err(e) => CertSummary {
                subject: format!("(unparsable certificate: {e})"),
                issuer: String::new(),
                not_before: String::new(),
                not_after: String::new(),
                valid_now: false,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("10.0.0.1:8302"), Some(("10.0.0.1".into(), 8302)));
        assert_eq!(split_host_port("[::1]:8302"), Some(("::1".into(), 8302)));
        assert_eq!(split_host_port("fmc.example:8302"), Some(("fmc.example".into(), 8302)));
        for bad in ["10.0.0.1", ":8302", "h:0", "h:99999", "h:x", "a b:1"] {
            assert_eq!(split_host_port(bad), None, "{bad}");
        }
    }
}
