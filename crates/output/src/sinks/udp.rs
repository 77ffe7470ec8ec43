//! UDP: one message per datagram, never more than `max_datagram` bytes.
//!
//! **Oversize rule**: a message longer than `max_datagram` is cut and counted
//! ([`SinkStats::truncated`]):
//! * JSON objects (`json`, `ocsf`): top-level keys are dropped from the end (so `@computed`
//!   and `unmapped` go first, the record header and ids stay) until the object plus a marker
//!   `"@truncated":<original size>` fits; the datagram stays valid JSON. If the object cannot
//!   be parsed, the text rule applies.
//! * Text (`splunk`, `cef`, `syslog`): cut at the last UTF-8 character boundary that fits.
//!   The syslog header is at the start, so it survives.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

use super::{FlushPosition, Sink, SinkStats};
use crate::formats::Payload;
use crate::{OutputError, RecordFacts};

/// 1500-byte Ethernet MTU minus IPv4 (20) and UDP (8) headers.
pub const DEFAULT_UDP_MAX: usize = 1472;

/// UDP sink settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpConfig {
    /// `HOST:PORT`.
    pub addr: String,
    /// Largest datagram payload sent (default [`DEFAULT_UDP_MAX`]).
    pub max_datagram: usize,
}

impl UdpConfig {
    /// Default size bound.
    pub fn new(addr: impl Into<String>) -> UdpConfig {
        UdpConfig { addr: addr.into(), max_datagram: DEFAULT_UDP_MAX }
    }
}

/// Sends each message as one datagram; see the module documentation.
pub struct UdpSink {
    config: UdpConfig,
    socket: UdpSocket,
    payload: Payload,
    scratch: Vec<u8>,
    stats: SinkStats,
}

impl UdpSink {
    /// Bind an ephemeral local port of the peer's address family and connect it to the peer.
    pub fn new(config: UdpConfig, payload: Payload) -> Result<UdpSink, OutputError> {
        let net = |action, source| OutputError::Network { kind: "udp", addr: config.addr.clone(), action, source };
        let peer: SocketAddr = config
            .addr
            .to_socket_addrs()
            .map_err(|e| net("resolving", e))?
            .next()
            .ok_or_else(|| net("resolving", std::io::Error::other("no address")))?;
        let local: SocketAddr = if peer.is_ipv4() { "0.0.0.0:0".parse() } else { "[::]:0".parse() }
            .map_err(|e: std::net::AddrParseError| net("binding", std::io::Error::other(e)))?;
        let socket = UdpSocket::bind(local).map_err(|e| net("binding", e))?;
        socket.connect(peer).map_err(|e| net("connecting", e))?;
        Ok(UdpSink { config, socket, payload, scratch: Vec::new(), stats: SinkStats::default() })
    }
}

/// Longest prefix of `b` of at most `max` bytes that ends on a UTF-8 character boundary.
pub fn cut_at_char_boundary(b: &[u8], max: usize) -> &[u8] {
    if b.len() <= max {
        return b;
    }
    let mut end = max;
    // Step back over continuation bytes (10xxxxxx) to the start of a character: at most 3.
    while end > 0 && (b[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    &b[..end]
}

/// Shrink a JSON object to at most `max` bytes by dropping trailing top-level keys and adding
/// `"@truncated":<original size>`. `None` if it is not a JSON object.
pub fn shrink_json_object(b: &[u8], max: usize, out: &mut Vec<u8>) -> Option<()> {
    let mut map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(b).ok()?;
    let marker = serde_json::Value::from(b.len() as u64);
    loop {
        map.insert("@truncated".into(), marker.clone());
        out.clear();
        serde_json::to_writer(&mut *out, &map).ok()?;
        map.shift_remove("@truncated");
        if out.len() <= max {
            return Some(());
        }
        // Bounded: one key fewer per turn; an empty object plus the marker is < 64 bytes.
        let last = map.keys().next_back()?.clone();
        map.shift_remove(&last);
    }
}

impl Sink for UdpSink {
    fn write(&mut self, _facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        let max = self.config.max_datagram;
        let datagram: &[u8] = if message.len() <= max {
            message
        } else {
            self.stats.truncated += 1;
            let shrunk =
                self.payload == Payload::JsonObject && shrink_json_object(message, max, &mut self.scratch).is_some();
            if shrunk {
                &self.scratch
            } else {
                cut_at_char_boundary(message, max)
            }
        };
        match self.socket.send(datagram) {
            Ok(_) => {}
            // A previous datagram got ICMP port unreachable: UDP delivery is best effort.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => self.stats.dropped += 1,
            Err(e) => {
                return Err(OutputError::Network {
                    kind: "udp",
                    addr: self.config.addr.clone(),
                    action: "sending",
                    source: e,
                })
            }
        }
        self.stats.records += 1;
        self.stats.bytes += datagram.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        self.stats.flushed_records = self.stats.records;
        Ok(FlushPosition::Delivered { records: self.stats.records })
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_never_split_a_character() {
        let s = "aé€😀".as_bytes(); // 1 + 2 + 3 + 4 bytes
        for max in 0..=s.len() {
            let c = cut_at_char_boundary(s, max);
            assert!(c.len() <= max);
            assert!(std::str::from_utf8(c).is_ok(), "max {max}");
        }
        assert_eq!(cut_at_char_boundary(s, 5), "aé".as_bytes());
    }

    #[test]
    fn json_objects_stay_valid_and_marked() {
        let big = format!("{{\"recordType\":400,\"a\":1,\"big\":\"{}\",\"z\":2}}", "x".repeat(300));
        let mut out = Vec::new();
        shrink_json_object(big.as_bytes(), 100, &mut out).unwrap();
        assert!(out.len() <= 100);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["recordType"], 400);
        assert_eq!(v["a"], 1);
        assert_eq!(v["@truncated"], big.len());
        assert!(v.get("big").is_none());
        assert!(shrink_json_object(b"not json", 100, &mut out).is_none());
    }
}
