//! Formats: one decoded (and usually decorated) record → bytes.
//!
//! A [`MessageFormat`] renders the message itself (a JSON object, a Splunk key=value line, a CEF
//! line, a syslog message, an OCSF object). A [`Formatter`] pairs it with the [`Framing`] the
//! destination needs (newline, RFC 6587 octet counting, or none for datagrams and HEC events) and
//! is what the pipeline calls.

mod cef;
mod json;
mod ocsf;
mod ocsf_classes;
mod splunk;
mod syslog;
mod text;

pub use cef::CefFormat;
pub use json::JsonFormat;
pub use ocsf::OcsfFormat;
pub use splunk::SplunkFormat;
pub use syslog::{SyslogFormat, SyslogMessage, SyslogOptions};

use estreamer_wire::Obj;

use crate::OutputError;

/// Renders one record as one message, without any terminator or framing.
///
/// Implementations are pure functions of the record: they may run on several threads at once.
pub trait MessageFormat: Send + Sync {
    /// Short name (`json`, `splunk`, `cef`, `syslog`, `ocsf`).
    fn name(&self) -> &'static str;
    /// Append the message for `record` to `out`. Appending nothing means "this format skips
    /// this record" (CEF and OCSF skip metadata records).
    fn write_message(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError>;
    /// What the message is, so a sink can wrap it (HEC) or cut it (UDP) correctly.
    fn payload(&self) -> Payload;
}

/// What a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// One JSON object (json, ocsf).
    JsonObject,
    /// A line of text (splunk, cef, syslog).
    Text,
}

/// How messages are delimited on the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Each message followed by `\n` (files, stdout, TCP for non-syslog formats). No format
    /// emits a raw newline inside a message, so this is unambiguous.
    Newline,
    /// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP MSG` (syslog over TCP).
    OctetCounting,
    /// The message alone: the transport delimits it (one UDP datagram, one HEC event).
    None,
}

/// The formats a user can choose with `--format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    /// eNcore's JSON line (RECORDS.md §7.2), byte for byte what `Obj::write_json` writes.
    Json,
    /// eNcore's Splunk key=value line (RECORDS.md §7.6, Appendix B).
    Splunk,
    /// ArcSight CEF (RECORDS.md §7.7, OUTPUTS.md §3.3).
    Cef,
    /// RFC 5424 syslog whose message is JSON or CEF.
    Syslog(SyslogMessage),
    /// OCSF 1.8.0 JSON (OUTPUTS.md Part 1).
    Ocsf,
}

impl Format {
    /// Parse a `--format` value: `json`, `splunk`, `cef`, `ocsf`, `syslog` (= `syslog+json`),
    /// `syslog+json`, `syslog+cef`.
    pub fn parse(s: &str) -> Result<Format, OutputError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "splunk" | "kv" => Format::Splunk,
            "cef" => Format::Cef,
            "ocsf" => Format::Ocsf,
            "syslog" | "syslog+json" => Format::Syslog(SyslogMessage::Json),
            "syslog+cef" => Format::Syslog(SyslogMessage::Cef),
            _ => {
                return Err(OutputError::BadFormat {
                    spec: s.to_string(),
                    reason: "expected json, splunk, cef, ocsf, syslog, syslog+json or syslog+cef".into(),
                })
            }
        })
    }

    /// Whether this is a syslog format (TCP sinks then use octet counting).
    pub fn is_syslog(&self) -> bool {
        matches!(self, Format::Syslog(_))
    }
}

/// Settings shared by the formats; every field has a working default.
#[derive(Debug, Clone)]
pub struct FormatOptions {
    /// Device version written in the CEF header (eNcore writes `6.0`).
    pub cef_device_version: String,
    /// Syslog header settings.
    pub syslog: SyslogOptions,
    /// `metadata.product.version` in OCSF events; `None` leaves it out.
    pub ocsf_product_version: Option<String>,
}

impl Default for FormatOptions {
    fn default() -> Self {
        FormatOptions { cef_device_version: "6.0".into(), syslog: SyslogOptions::default(), ocsf_product_version: None }
    }
}

/// How the server tag ([`Formatter::with_server_tag`]) is written into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TagStyle {
    /// A last key `"@server":"<name>"` in the JSON object (json, ocsf, syslog+json).
    JsonKey,
    /// A last pair ` server=<name>` (splunk).
    KeyValue,
    /// Last extensions ` flexString1Label=server flexString1=<name>` (cef, syslog+cef).
    CefExtension,
}

/// A message format plus its framing: one record → bytes including the terminator.
pub struct Formatter {
    message: Box<dyn MessageFormat>,
    framing: Framing,
    tag_style: TagStyle,
    /// The server name to tag every message with, already rendered for `tag_style`.
    tag: Option<Vec<u8>>,
}

impl Formatter {
    /// Build the formatter for `format` with `framing` (see `SinkConfig::framing`).
    pub fn new(format: &Format, options: &FormatOptions, framing: Framing) -> Formatter {
        let message: Box<dyn MessageFormat> = match format {
            Format::Json => Box::new(JsonFormat),
            Format::Splunk => Box::new(SplunkFormat),
            Format::Cef => Box::new(CefFormat::new(&options.cef_device_version)),
            Format::Syslog(m) => Box::new(SyslogFormat::new(*m, options)),
            Format::Ocsf => Box::new(OcsfFormat::new(options.ocsf_product_version.clone())),
        };
        let tag_style = match format {
            Format::Json | Format::Ocsf | Format::Syslog(SyslogMessage::Json) => TagStyle::JsonKey,
            Format::Splunk => TagStyle::KeyValue,
            Format::Cef | Format::Syslog(SyslogMessage::Cef) => TagStyle::CefExtension,
        };
        Formatter { message, framing, tag_style, tag: None }
    }

    /// Wrap any message format (its messages are tagged as JSON objects when they are JSON,
    /// as key=value pairs otherwise).
    pub fn from_message_format(message: Box<dyn MessageFormat>, framing: Framing) -> Formatter {
        let tag_style = match message.payload() {
            Payload::JsonObject => TagStyle::JsonKey,
            Payload::Text => TagStyle::KeyValue,
        };
        Formatter { message, framing, tag_style, tag: None }
    }

    /// Tag every message with the name of the server it came from (a client streaming from
    /// several servers): `"@server":"<name>"` as the last key of a JSON object (json, ocsf,
    /// syslog+json), ` server=<name>` at the end of a Splunk line, and
    /// ` flexString1Label=server flexString1=<name>` at the end of a CEF line (cef, syslog+cef).
    pub fn with_server_tag(mut self, server: &str) -> Formatter {
        let tag = match self.tag_style {
            TagStyle::JsonKey => {
                let mut t = b"\"@server\":".to_vec();
                t.extend(serde_json::to_string(server).unwrap_or_else(|_| "\"\"".into()).into_bytes());
                t
            }
            TagStyle::KeyValue => {
                let mut t = String::from(" server=");
                splunk::write_text(server, &mut t);
                t.into_bytes()
            }
            TagStyle::CefExtension => {
                format!(" flexString1Label=server flexString1={}", cef::escape_extension(server)).into_bytes()
            }
        };
        self.tag = Some(tag);
        self
    }

    /// Name of the message format.
    pub fn name(&self) -> &'static str {
        self.message.name()
    }

    /// What the messages are.
    pub fn payload(&self) -> Payload {
        self.message.payload()
    }

    /// The framing applied.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Append `record`'s framed message to `out`; appends nothing when the format skips it.
    pub fn format(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let start = out.len();
        self.message.write_message(record, out)?;
        if out.len() == start {
            return Ok(());
        }
        if let Some(tag) = &self.tag {
            match self.tag_style {
                TagStyle::JsonKey if out.last() == Some(&b'}') => {
                    let close = out.len() - 1;
                    let empty = out[start..close].iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
                    let mut insert = Vec::with_capacity(tag.len() + 1);
                    if !empty {
                        insert.push(b',');
                    }
                    insert.extend_from_slice(tag);
                    out.splice(close..close, insert);
                }
                TagStyle::JsonKey => {}
                TagStyle::KeyValue | TagStyle::CefExtension => out.extend_from_slice(tag),
            }
        }
        match self.framing {
            Framing::Newline => out.push(b'\n'),
            Framing::None => {}
            Framing::OctetCounting => {
                let prefix = format!("{} ", out.len() - start);
                out.splice(start..start, prefix.into_bytes());
            }
        }
        Ok(())
    }
}

impl std::fmt::Debug for Formatter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Formatter").field("format", &self.name()).field("framing", &self.framing).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use estreamer_wire::{decode_record, RecordHead};

    fn record() -> Obj {
        let bytes = include_bytes!("../../../../testdata/vectors/r400_s2b85.bin");
        let Ok(estreamer_wire::message::Message::EventData(ed)) = estreamer_wire::message::Message::decode(bytes)
        else {
            panic!("vector is an Event Data message")
        };
        let (ts, ck) = ed.archive.unwrap_or((0, 0));
        decode_record(RecordHead { record_type: ed.record_type, archive_ts: ts, checksum: ck }, &ed.body).value
    }

    #[test]
    fn the_server_tag_is_written_in_each_style() {
        let r = record();
        let fmt = |f: Format| {
            let mut out = Vec::new();
            Formatter::new(&f, &FormatOptions::default(), Framing::Newline)
                .with_server_tag("fmc \"a\"")
                .format(&r, &mut out)
                .unwrap();
            String::from_utf8(out).unwrap()
        };
        let json = fmt(Format::Json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["@server"], "fmc \"a\"", "{json}");
        assert!(json.ends_with("\"@server\":\"fmc \\\"a\\\"\"}\n"), "{json}");
        let kv = fmt(Format::Splunk);
        assert!(kv.ends_with(" server=\"fmc \\\"a\\\"\"\n"), "{kv}");
        let cef = fmt(Format::Cef);
        assert!(
            cef.starts_with("CEF:0|") && cef.ends_with(" flexString1Label=server flexString1=fmc \"a\"\n"),
            "{cef}"
        );
        let ocsf: serde_json::Value = serde_json::from_str(&fmt(Format::Ocsf)).unwrap();
        assert_eq!(ocsf["@server"], "fmc \"a\"");
        let mut out = Vec::new();
        Formatter::new(&Format::Json, &FormatOptions::default(), Framing::None).format(&r, &mut out).unwrap();
        assert!(!String::from_utf8(out).unwrap().contains("@server"), "no tag unless asked");
    }
}
