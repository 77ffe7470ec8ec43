//! Event Data (type 4, PROTOCOL.md §7): record header (8 or 16 bytes) and record body.

use crate::WireError;

/// Which record header the sender used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordHeaderForm {
    /// 8 bytes: type, length.
    Short,
    /// 16 bytes: type, length, archival timestamp, reserved.
    Extended,
}

/// One record as carried by an Event Data message or a bundle item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventData {
    /// Record type (upper bits kept as sent).
    pub record_type: u32,
    /// Archival timestamp and reserved word, when the extended header is present.
    pub archive: Option<(u32, u32)>,
    /// Record body.
    pub body: Vec<u8>,
}

impl EventData {
    /// Parse an Event Data body. Like eNcore, the header form is told by sizes alone:
    /// payload = 8 + length → short header, 16 + length → extended, anything else is an error.
    pub fn parse(payload: &[u8]) -> Result<EventData, WireError> {
        if payload.len() < 8 {
            return Err(WireError::Truncated { msg_type: 4, offset: payload.len(), what: "record header" });
        }
        let record_type = u32::from_be_bytes(payload[0..4].try_into().expect("4"));
        let length = u32::from_be_bytes(payload[4..8].try_into().expect("4")) as usize;
        if payload.len() - 8 == length {
            return Ok(EventData { record_type, archive: None, body: payload[8..].to_vec() });
        }
        if payload.len() >= 16 && payload.len() - 16 == length {
            let ts = u32::from_be_bytes(payload[8..12].try_into().expect("4"));
            let reserved = u32::from_be_bytes(payload[12..16].try_into().expect("4"));
            return Ok(EventData { record_type, archive: Some((ts, reserved)), body: payload[16..].to_vec() });
        }
        Err(WireError::RecordLength { record_type, record_length: length as u32, payload: payload.len() })
    }

    /// Header form used.
    pub fn form(&self) -> RecordHeaderForm {
        if self.archive.is_some() {
            RecordHeaderForm::Extended
        } else {
            RecordHeaderForm::Short
        }
    }

    /// Archival timestamp (0 without the extended header).
    pub fn archive_ts(&self) -> u32 {
        self.archive.map(|a| a.0).unwrap_or(0)
    }

    /// Size of the Event Data payload (record header + body).
    pub fn payload_len(&self) -> usize {
        self.body.len() + if self.archive.is_some() { 16 } else { 8 }
    }

    /// Append record header + body.
    pub fn write_body(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let len =
            u32::try_from(self.body.len()).map_err(|_| WireError::TooLong { what: "record", len: self.body.len() })?;
        out.extend_from_slice(&self.record_type.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        if let Some((ts, reserved)) = self.archive {
            out.extend_from_slice(&ts.to_be_bytes());
            out.extend_from_slice(&reserved.to_be_bytes());
        }
        out.extend_from_slice(&self.body);
        Ok(())
    }
}
