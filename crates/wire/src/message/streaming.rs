//! Streaming Information (2051) and Streaming Request (2049), PROTOCOL.md §5.

use super::Reader;
use crate::WireError;

/// The eStreamer event service id.
pub const SERVICE_EVENT_STREAM: u32 = 6667;

/// One requested event type: code and version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventSpec {
    /// Event version.
    pub version: u16,
    /// Event type code (12 intrusion, 21 metadata, 71 connection, ...).
    pub code: u16,
}

/// A Streaming Service structure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamingService {
    /// Service id (6667 for events).
    pub service: u32,
    /// Service Length as sent (semantics disputed; never trusted when parsing a request).
    pub service_length: u32,
    /// Flags (client copies its Event Stream Request flags).
    pub flags: u32,
    /// Initial timestamp (client copies it).
    pub initial_timestamp: u32,
    /// Requested events, without the zero terminator.
    pub events: Vec<EventSpec>,
}

impl StreamingService {
    /// A server advertisement entry (length 8 convention, §5.5).
    pub fn advertise(service: u32) -> Self {
        StreamingService { service, service_length: 8, flags: 0, initial_timestamp: 0, events: Vec::new() }
    }

    /// eNcore's request: Service Length = whole message body (§5.4).
    pub fn request(flags: u32, initial_timestamp: u32, events: Vec<EventSpec>) -> Self {
        let service_length = (16 + 4 * (events.len() + 1)) as u32;
        StreamingService { service: SERVICE_EVENT_STREAM, service_length, flags, initial_timestamp, events }
    }

    /// Parse a 2049 body: ignore Service Length, read entries until 0/0 or the end (§13.4).
    pub(crate) fn read_request(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let service = r.u32("service id")?;
        let service_length = r.u32("service length")?;
        let flags = r.u32("flags")?;
        let initial_timestamp = r.u32("initial timestamp")?;
        let mut events = Vec::new();
        while r.remaining() >= 4 {
            let version = r.u16("event version")?;
            let code = r.u16("event type")?;
            if version == 0 && code == 0 {
                break;
            }
            events.push(EventSpec { version, code });
        }
        // Bytes after the terminator are tolerated (Service Length conventions differ).
        let _ = r.rest();
        Ok(StreamingService { service, service_length, flags, initial_timestamp, events })
    }

    pub(crate) fn write_request(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        self.write_common(out);
        for e in &self.events {
            out.extend_from_slice(&e.version.to_be_bytes());
            out.extend_from_slice(&e.code.to_be_bytes());
        }
        out.extend_from_slice(&[0; 4]);
        Ok(())
    }

    fn write_common(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.service.to_be_bytes());
        out.extend_from_slice(&self.service_length.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        out.extend_from_slice(&self.initial_timestamp.to_be_bytes());
    }

    /// Parse a 2051 body as eNcore does: `(id, len)` pairs, skipping `8 + len` for each.
    pub(crate) fn read_information(r: &mut Reader<'_>) -> Result<Vec<Self>, WireError> {
        let mut out = Vec::new();
        while r.remaining() > 0 {
            let service = r.u32("service id")?;
            let service_length = r.u32("service length")?;
            let body = r.bytes(service_length as usize, "service body")?;
            let word = |i: usize| body.get(i..i + 4).map(|b| u32::from_be_bytes(b.try_into().expect("4"))).unwrap_or(0);
            out.push(StreamingService {
                service,
                service_length,
                flags: word(0),
                initial_timestamp: word(4),
                events: Vec::new(),
            });
        }
        Ok(out)
    }

    pub(crate) fn write_information(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        // A 2051 entry is `(id, len)` and then exactly `len` bytes (how eNcore skips entries):
        // flags and timestamp, cut or zero-padded to the declared length.
        out.extend_from_slice(&self.service.to_be_bytes());
        out.extend_from_slice(&self.service_length.to_be_bytes());
        let mut body = [self.flags.to_be_bytes(), self.initial_timestamp.to_be_bytes()].concat();
        body.resize(self.service_length as usize, 0);
        out.extend_from_slice(&body);
        Ok(())
    }
}
