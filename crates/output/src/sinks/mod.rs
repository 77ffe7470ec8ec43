//! Sinks: formatted bytes → a destination, and the flush position a bookmark can keep.
//!
//! Every sink receives one framed message per [`Sink::write`] call (the framing comes from the
//! [`Formatter`](crate::Formatter), chosen for the sink by [`SinkConfig::framing`]) and reports,
//! from [`Sink::flush`], a [`FlushPosition`] the caller saves with its bookmark.

mod backoff;
mod file;
mod hec;
mod stdout;
mod tcp;
pub(crate) mod udp;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

pub use file::{FileConfig, FileSink, OpenReport};
pub(crate) use hec::local_host_name;
pub use hec::{resolve_hec_token, HecConfig, HecSink, HEC_TOKEN_ENV};
pub use stdout::StdoutSink;
pub use tcp::{TcpConfig, TcpSink};
pub use udp::{UdpConfig, UdpSink, DEFAULT_UDP_MAX};

use crate::formats::{Format, Framing, Payload};
use crate::{OutputError, RecordFacts};

/// Where output goes after a flush: what the caller saves next to its bookmark.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlushPosition {
    /// A file sink: the bytes on disk up to here are complete records.
    File(FilePosition),
    /// Stream and network sinks: records handed over (stdout, TCP, UDP) or acknowledged (HEC)
    /// so far. Informational: nothing is truncated on restart.
    Delivered {
        /// Records since the sink was opened.
        records: u64,
    },
}

/// A file sink's position: the active file, its length after the flush, and its rotation
/// generation (rotated files are named `<path>.<generation>`, see [`FileSink`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FilePosition {
    /// The configured (active) file path.
    pub path: PathBuf,
    /// Its length in bytes right after the flush.
    pub len: u64,
    /// How many rotations preceded the active file (0 for the first one).
    pub generation: u64,
}

/// Counters a sink keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkStats {
    /// Records written (accepted by [`Sink::write`]).
    pub records: u64,
    /// Bytes written (after any truncation).
    pub bytes: u64,
    /// Records covered by the last successful flush.
    pub flushed_records: u64,
    /// UDP: messages cut to fit a datagram.
    pub truncated: u64,
    /// TCP/HEC: connections re-established, requests retried.
    pub reconnects: u64,
    /// UDP: datagrams the network stack refused (for example ICMP port unreachable).
    pub dropped: u64,
    /// File: rotations done.
    pub rotations: u64,
}

/// Bytes → destination.
pub trait Sink: Send {
    /// Write one framed message (a sink may buffer it until [`Sink::flush`]).
    fn write(&mut self, facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError>;
    /// Push everything written so far to the destination (durable for files) and return the
    /// position to save with the bookmark.
    fn flush(&mut self) -> Result<FlushPosition, OutputError>;
    /// Counters.
    fn stats(&self) -> SinkStats;
}

/// Any `std::io::Write` as a sink (tests, benchmarks, pipes).
pub struct WriteSink<W: Write + Send> {
    out: W,
    stats: SinkStats,
}

impl<W: Write + Send> WriteSink<W> {
    /// Wrap a writer (not buffered: wrap it in a `BufWriter` if it needs to be).
    pub fn new(out: W) -> Self {
        WriteSink { out, stats: SinkStats::default() }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The writer.
    pub fn get_ref(&self) -> &W {
        &self.out
    }
}

impl<W: Write + Send> Sink for WriteSink<W> {
    fn write(&mut self, _facts: &RecordFacts, message: &[u8]) -> Result<(), OutputError> {
        self.out.write_all(message).map_err(OutputError::Stdout)?;
        self.stats.records += 1;
        self.stats.bytes += message.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> Result<FlushPosition, OutputError> {
        self.out.flush().map_err(OutputError::Stdout)?;
        self.stats.flushed_records = self.stats.records;
        Ok(FlushPosition::Delivered { records: self.stats.records })
    }

    fn stats(&self) -> SinkStats {
        self.stats.clone()
    }
}

/// A parsed `--output` value.
#[derive(Debug, Clone, PartialEq)]
pub enum SinkConfig {
    /// `-` or `stdout`.
    Stdout,
    /// A path, or `file:PATH[?rotate_bytes=N&rotate_secs=N]`.
    File(FileConfig),
    /// `tcp://HOST:PORT[?buffer=BYTES]`.
    Tcp(TcpConfig),
    /// `udp://HOST:PORT[?max=BYTES]`.
    Udp(UdpConfig),
    /// `hec+https://HOST:PORT[?…]` or `hec+http://HOST:PORT[?…]`.
    Hec(HecConfig),
}

impl SinkConfig {
    /// The framing this destination needs for `format`: octet counting for syslog over TCP,
    /// none for UDP datagrams and HEC events, a newline otherwise.
    pub fn framing(&self, format: &Format) -> Framing {
        match self {
            SinkConfig::Tcp(_) if format.is_syslog() => Framing::OctetCounting,
            SinkConfig::Udp(_) | SinkConfig::Hec(_) => Framing::None,
            _ => Framing::Newline,
        }
    }
}

/// Parse an `--output` value into a sink configuration.
///
/// | value | sink |
/// |---|---|
/// | `-`, `stdout` | standard output |
/// | `PATH`, `file:PATH[?rotate_bytes=N&rotate_secs=N]` | file, optional rotation (`N` takes `k`, `M`, `G` for bytes) |
/// | `tcp://HOST:PORT[?buffer=BYTES]` | TCP |
/// | `udp://HOST:PORT[?max=BYTES]` | UDP, at most `max` bytes per datagram (default 1472) |
/// | `hec+https://HOST:PORT[?token_file=…&ca=…&sourcetype=…&source=…&index=…&host=…&batch=N&retries=N]` | Splunk HEC |
pub fn parse_output(spec: &str) -> Result<SinkConfig, OutputError> {
    let bad = |reason: &str| OutputError::BadOutputSpec { spec: spec.to_string(), reason: reason.to_string() };
    let s = spec.trim();
    if s.is_empty() {
        return Err(bad("empty; use - for stdout, a file path, tcp://, udp:// or hec+https://"));
    }
    if s == "-" || s == "stdout" {
        return Ok(SinkConfig::Stdout);
    }
    if let Some((scheme, rest)) = s.split_once("://") {
        let (authority, query) = match rest.split_once('?') {
            Some((a, q)) => (a, parse_query(q).map_err(|r| bad(&r))?),
            None => (rest, Vec::new()),
        };
        let authority = authority.trim_end_matches('/');
        let need_host_port = || -> Result<String, OutputError> {
            let (host, port) = authority.rsplit_once(':').ok_or_else(|| bad("expected HOST:PORT"))?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                return Err(bad("missing host"));
            }
            port.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad("port must be 1-65535"))?;
            Ok(authority.to_string())
        };
        let get = |k: &str| query.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let known = |allowed: &[&str]| -> Result<(), OutputError> {
            match query.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
                Some((k, _)) => Err(bad(&format!("unknown option {k:?}; known: {}", allowed.join(", ")))),
                None => Ok(()),
            }
        };
        let num = |k: &str| -> Result<Option<u64>, OutputError> {
            get(k).map(|v| parse_size(&v).ok_or_else(|| bad(&format!("{k}={v:?} is not a number")))).transpose()
        };
        return match scheme.to_ascii_lowercase().as_str() {
            "file" => {
                known(&["rotate_bytes", "rotate_secs"])?;
                let path = authority;
                if path.is_empty() {
                    return Err(bad("missing file path"));
                }
                Ok(SinkConfig::File(FileConfig {
                    path: PathBuf::from(path),
                    rotate_bytes: num("rotate_bytes")?,
                    rotate_interval: num("rotate_secs")?.map(Duration::from_secs),
                    capture: false,
                }))
            }
            "tcp" => {
                known(&["buffer"])?;
                let mut c = TcpConfig::new(need_host_port()?);
                if let Some(b) = num("buffer")? {
                    c.buffer_bytes = b.max(1) as usize;
                }
                Ok(SinkConfig::Tcp(c))
            }
            "udp" => {
                known(&["max"])?;
                let mut c = UdpConfig::new(need_host_port()?);
                if let Some(m) = num("max")? {
                    if !(64..=65_507).contains(&m) {
                        return Err(bad("max must be 64-65507 bytes"));
                    }
                    c.max_datagram = m as usize;
                }
                Ok(SinkConfig::Udp(c))
            }
            "hec+https" | "hec+http" => {
                known(&["token_file", "ca", "sourcetype", "source", "index", "host", "batch", "retries"])?;
                let tls = scheme.eq_ignore_ascii_case("hec+https");
                let mut c = HecConfig::new(&need_host_port()?, tls);
                c.token_file = get("token_file").map(PathBuf::from);
                c.ca_file = get("ca").map(PathBuf::from);
                if c.ca_file.is_some() && !tls {
                    return Err(bad("ca= needs hec+https"));
                }
                if let Some(v) = get("sourcetype") {
                    c.sourcetype = v;
                }
                if let Some(v) = get("source") {
                    c.source = v;
                }
                c.index = get("index");
                c.host = get("host");
                if let Some(b) = num("batch")? {
                    c.batch_events = b.max(1) as usize;
                }
                if let Some(r) = num("retries")? {
                    c.retries = r.min(u64::from(u32::MAX)) as u32;
                }
                Ok(SinkConfig::Hec(c))
            }
            other => {
                Err(bad(&format!("unknown scheme {other:?}; use tcp://, udp://, hec+https://, hec+http:// or file:")))
            }
        };
    }
    if let Some(rest) = s.strip_prefix("file:") {
        return parse_output(&format!("file://{rest}"));
    }
    Ok(SinkConfig::File(FileConfig::new(s)))
}

/// `a=b&c=d` (no percent-decoding: values are paths and names).
fn parse_query(q: &str) -> Result<Vec<(String, String)>, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("option {p:?} is not key=value")),
        })
        .collect()
}

/// `123`, `64k`, `10M`, `1G` (binary multiples).
fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1u64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

/// Open the sink a configuration names, for messages of `payload` kind. A file sink resumes
/// from `resume` when given (see [`FileSink::open`]); the report of that open is returned too.
pub fn open_sink(
    config: &SinkConfig,
    payload: Payload,
    resume: Option<&FilePosition>,
) -> Result<(Box<dyn Sink>, Option<OpenReport>), OutputError> {
    Ok(match config {
        SinkConfig::Stdout => (Box::new(StdoutSink::new()), None),
        SinkConfig::File(c) => {
            let (sink, report) = FileSink::open(c.clone(), resume)?;
            (Box::new(sink), Some(report))
        }
        SinkConfig::Tcp(c) => (Box::new(TcpSink::new(c.clone())), None),
        SinkConfig::Udp(c) => (Box::new(UdpSink::new(c.clone(), payload)?), None),
        SinkConfig::Hec(c) => {
            let token = resolve_hec_token(c.token_file.as_deref())?;
            (Box::new(HecSink::new(c.clone(), token, payload)?), None)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind_of_output() {
        assert_eq!(parse_output("-").unwrap(), SinkConfig::Stdout);
        assert_eq!(parse_output("out.json").unwrap(), SinkConfig::File(FileConfig::new("out.json")));
        match parse_output("file:/tmp/x.log?rotate_bytes=10M&rotate_secs=3600").unwrap() {
            SinkConfig::File(c) => {
                assert_eq!(c.path, PathBuf::from("/tmp/x.log"));
                assert_eq!(c.rotate_bytes, Some(10 << 20));
                assert_eq!(c.rotate_interval, Some(Duration::from_secs(3600)));
            }
            other => panic!("{other:?}"),
        }
        match parse_output("tcp://127.0.0.1:6514?buffer=64k").unwrap() {
            SinkConfig::Tcp(c) => {
                assert_eq!(c.addr, "127.0.0.1:6514");
                assert_eq!(c.buffer_bytes, 65536);
            }
            other => panic!("{other:?}"),
        }
        match parse_output("udp://[::1]:514?max=1200").unwrap() {
            SinkConfig::Udp(c) => assert_eq!((c.addr.as_str(), c.max_datagram), ("[::1]:514", 1200)),
            other => panic!("{other:?}"),
        }
        match parse_output("hec+https://splunk.example:8088?token_file=/etc/tok&sourcetype=fmc&batch=50").unwrap() {
            SinkConfig::Hec(c) => {
                assert_eq!(c.url, "https://splunk.example:8088/services/collector/event");
                assert_eq!(c.token_file, Some(PathBuf::from("/etc/tok")));
                assert_eq!((c.sourcetype.as_str(), c.batch_events), ("fmc", 50));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_outputs_say_what_is_wrong() {
        for (spec, needle) in [
            ("", "empty"),
            ("tcp://nohost", "HOST:PORT"),
            ("tcp://h:0", "port"),
            ("tcp://h:99999", "port"),
            ("udp://h:514?max=10", "max must be"),
            ("tcp://h:1?bogus=1", "unknown option \"bogus\""),
            ("ftp://h:21", "unknown scheme"),
            ("hec+http://h:8088?ca=/x", "needs hec+https"),
            ("tcp://h:1?buffer=lots", "not a number"),
        ] {
            let e = parse_output(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec:?}: {e}");
        }
    }

    #[test]
    fn framing_follows_destination_and_format() {
        let tcp = parse_output("tcp://h:1").unwrap();
        assert_eq!(tcp.framing(&Format::Syslog(crate::SyslogMessage::Cef)), Framing::OctetCounting);
        assert_eq!(tcp.framing(&Format::Json), Framing::Newline);
        assert_eq!(parse_output("udp://h:1").unwrap().framing(&Format::Json), Framing::None);
        assert_eq!(parse_output("-").unwrap().framing(&Format::Cef), Framing::Newline);
    }
}
