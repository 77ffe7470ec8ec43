//! `syslog`: RFC 5424 messages whose MSG is the record's JSON or CEF line.
//!
//! `<PRI>1 TIMESTAMP HOSTNAME estreamer - MSGID - MSG`
//!
//! * PRI = facility × 8 + severity. Facility is configurable (default 1, user). Severity by
//!   record: intrusion (400) priority 1 → 2 Critical, 2 → 3 Error, otherwise 4 Warning; impact
//!   alerts (9), correlation (112), malware (125) and file events with a malware disposition
//!   (502) → 4 Warning; metadata → 6 Informational; every other event → 5 Notice.
//! * TIMESTAMP: the record's event time (RECORDS.md §7.3) in UTC, `Z`, six fractional digits.
//! * HOSTNAME: configured, else this machine's host name; characters outside PRINTUSASCII become
//!   `_`, at most 255.
//! * APP-NAME `estreamer`, PROCID `-`, MSGID = the record type in decimal (`400`),
//!   STRUCTURED-DATA `-`.
//! * MSG: the JSON object or the CEF line, as MSG-ANY (no BOM: CEF parsers look for `CEF:` at
//!   the start); `bom: true` writes the BOM for strict MSG-UTF8 receivers.

use estreamer_wire::view::{event_time, rfc3339};
use estreamer_wire::Obj;

use super::{CefFormat, FormatOptions, JsonFormat, MessageFormat, Payload};
use crate::OutputError;

/// What goes into the syslog MSG part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyslogMessage {
    /// The JSON object (as the `json` format).
    Json,
    /// The CEF line (as the `cef` format). Records CEF skips are skipped here too.
    Cef,
}

/// Syslog header settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyslogOptions {
    /// Facility 0–23 (default 1, user-level).
    pub facility: u8,
    /// HOSTNAME field; this machine's host name when `None`.
    pub hostname: Option<String>,
    /// Write the UTF-8 BOM before MSG (MSG-UTF8). Default off (MSG-ANY).
    pub bom: bool,
}

impl Default for SyslogOptions {
    fn default() -> Self {
        SyslogOptions { facility: 1, hostname: None, bom: false }
    }
}

/// RFC 5424 syslog around a JSON or CEF message.
pub struct SyslogFormat {
    inner: Box<dyn MessageFormat>,
    facility: u8,
    hostname: String,
    bom: bool,
}

/// PRINTUSASCII only (33–126), 1–`max` characters, `-` when empty.
fn header_field(s: &str, max: usize) -> String {
    let f: String = s.chars().take(max).map(|c| if ('!'..='~').contains(&c) { c } else { '_' }).collect();
    if f.is_empty() {
        "-".into()
    } else {
        f
    }
}

/// Syslog severity of a record (see the module documentation).
pub fn severity(record: &Obj) -> u8 {
    let rt = record.get_u("recordType").unwrap_or(0) as u32;
    match rt {
        400 => match record.get_u("priorityId") {
            Some(1) => 2,
            Some(2) => 3,
            _ => 4,
        },
        9 | 112 | 125 | 502 => 4,
        _ if estreamer_wire::schema::catalog::is_metadata(rt) => 6,
        _ => 5,
    }
}

impl SyslogFormat {
    /// Syslog around `message`, with the header settings in `options`.
    pub fn new(message: SyslogMessage, options: &FormatOptions) -> SyslogFormat {
        let inner: Box<dyn MessageFormat> = match message {
            SyslogMessage::Json => Box::new(JsonFormat),
            SyslogMessage::Cef => Box::new(CefFormat::new(&options.cef_device_version)),
        };
        let host = options.syslog.hostname.clone().unwrap_or_else(crate::sinks::local_host_name);
        SyslogFormat {
            inner,
            facility: options.syslog.facility.min(23),
            hostname: header_field(&host, 255),
            bom: options.syslog.bom,
        }
    }
}

impl MessageFormat for SyslogFormat {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn write_message(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let start = out.len();
        let (sec, usec) = event_time(record);
        let pri = u32::from(self.facility) * 8 + u32::from(severity(record));
        let rt = record.get_u("recordType").unwrap_or(0);
        let header = format!("<{pri}>1 {} {} estreamer - {rt} - ", rfc3339(sec, usec), self.hostname);
        out.extend_from_slice(header.as_bytes());
        if self.bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        let body = out.len();
        self.inner.write_message(record, out)?;
        if out.len() == body {
            // The inner format skips this record: so does syslog.
            out.truncate(start);
        }
        Ok(())
    }

    fn payload(&self) -> Payload {
        Payload::Text
    }
}
