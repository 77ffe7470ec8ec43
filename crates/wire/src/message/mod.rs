//! The message layer (PROTOCOL.md §2–§10): header, framing and every message type.
//!
//! Framing is two-phase, as in mini-redis: [`check`] answers "is a whole message buffered?"
//! (`Ok(None)` = incomplete, which is not an error) before [`Message::decode`] parses it.
//! A length above the configured maximum is an error before anything is buffered.

mod bundle;
mod error_msg;
mod event_data;
mod host;
mod reader;
mod request;
mod streaming;

pub use bundle::Bundle;
pub use error_msg::{error_codes, ErrorMessage};
pub use event_data::{EventData, RecordHeaderForm};
pub use host::{HostData, HostRequest};
pub use reader::Reader;
pub use request::{flags, EventStreamRequest, TIMESTAMP_NOW, TIMESTAMP_OLDEST};
pub use streaming::{EventSpec, StreamingService, SERVICE_EVENT_STREAM};

use crate::WireError;

/// Header version; always 1 (eNcore treats anything else as fatal).
pub const HEADER_VERSION: u16 = 1;
/// Size of the message header.
pub const HEADER_LEN: usize = 8;
/// Default cap on a message body (server and client refuse larger ones).
pub const DEFAULT_MAX_MESSAGE: usize = 16 * 1024 * 1024;

/// Message type numbers (open: unknown numbers survive a round trip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageType {
    /// 0: keepalive (S→C) / ack (C→S).
    Null,
    /// 1: error.
    Error,
    /// 2: Event Stream Request.
    EventStreamRequest,
    /// 4: one record.
    EventData,
    /// 5: host data request.
    HostRequest,
    /// 6: one host for a single-host request.
    SingleHostData,
    /// 7: one host of a range request.
    MultipleHostData,
    /// 2049: extended Streaming Request.
    StreamingRequest,
    /// 2051: Streaming Information (services).
    StreamingInformation,
    /// 4002: Message Bundle.
    MessageBundle,
    /// Anything else.
    Unknown(u16),
}

impl MessageType {
    /// Wire number.
    pub fn code(self) -> u16 {
        match self {
            MessageType::Null => 0,
            MessageType::Error => 1,
            MessageType::EventStreamRequest => 2,
            MessageType::EventData => 4,
            MessageType::HostRequest => 5,
            MessageType::SingleHostData => 6,
            MessageType::MultipleHostData => 7,
            MessageType::StreamingRequest => 2049,
            MessageType::StreamingInformation => 2051,
            MessageType::MessageBundle => 4002,
            MessageType::Unknown(n) => n,
        }
    }

    /// From the wire number.
    pub fn from_code(n: u16) -> Self {
        match n {
            0 => MessageType::Null,
            1 => MessageType::Error,
            2 => MessageType::EventStreamRequest,
            4 => MessageType::EventData,
            5 => MessageType::HostRequest,
            6 => MessageType::SingleHostData,
            7 => MessageType::MultipleHostData,
            2049 => MessageType::StreamingRequest,
            2051 => MessageType::StreamingInformation,
            4002 => MessageType::MessageBundle,
            n => MessageType::Unknown(n),
        }
    }
}

/// The 8-byte message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Header version (1).
    pub version: u16,
    /// Message type.
    pub msg_type: MessageType,
    /// Body length (bytes after the header).
    pub length: u32,
}

impl Header {
    /// Parse the first 8 bytes of `buf` (caller ensures the length).
    pub fn parse(buf: &[u8; 8]) -> Header {
        Header {
            version: u16::from_be_bytes([buf[0], buf[1]]),
            msg_type: MessageType::from_code(u16::from_be_bytes([buf[2], buf[3]])),
            length: u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]),
        }
    }

    /// Append the header bytes.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&self.msg_type.code().to_be_bytes());
        out.extend_from_slice(&self.length.to_be_bytes());
    }
}

/// Phase one of framing: `Ok(None)` if more bytes are needed, `Ok(Some(n))` if a whole message
/// of `n` bytes (header included) is at the start of `buf`. Rejects a bad header version and a
/// body above `max_body` as soon as the header is in.
pub fn check(buf: &[u8], max_body: usize) -> Result<Option<usize>, WireError> {
    let Some(h) = buf.get(..HEADER_LEN) else { return Ok(None) };
    let h = Header::parse(h.try_into().expect("8 bytes"));
    if h.version != HEADER_VERSION {
        return Err(WireError::BadHeaderVersion { version: h.version, msg_type: h.msg_type.code() });
    }
    let len = h.length as usize;
    if len > max_body {
        return Err(WireError::TooLarge { msg_type: h.msg_type.code(), length: h.length, max: max_body });
    }
    let total = HEADER_LEN + len;
    Ok((buf.len() >= total).then_some(total))
}

/// One decoded message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// Null (keepalive or ack).
    Null,
    /// Error message.
    Error(ErrorMessage),
    /// Event Stream Request.
    EventStreamRequest(EventStreamRequest),
    /// Event Data (one record).
    EventData(EventData),
    /// Host Request.
    HostRequest(HostRequest),
    /// Single Host Data.
    SingleHostData(HostData),
    /// Multiple Host Data.
    MultipleHostData(HostData),
    /// Streaming Request (client's extended request).
    StreamingRequest(StreamingService),
    /// Streaming Information (server's services).
    StreamingInformation(Vec<StreamingService>),
    /// Message Bundle.
    Bundle(Bundle),
    /// Any other type: kept as bytes.
    Unknown {
        /// Wire type number.
        msg_type: u16,
        /// Body bytes.
        body: Vec<u8>,
    },
}

impl Message {
    /// Message type of this message.
    pub fn msg_type(&self) -> MessageType {
        match self {
            Message::Null => MessageType::Null,
            Message::Error(_) => MessageType::Error,
            Message::EventStreamRequest(_) => MessageType::EventStreamRequest,
            Message::EventData(_) => MessageType::EventData,
            Message::HostRequest(_) => MessageType::HostRequest,
            Message::SingleHostData(_) => MessageType::SingleHostData,
            Message::MultipleHostData(_) => MessageType::MultipleHostData,
            Message::StreamingRequest(_) => MessageType::StreamingRequest,
            Message::StreamingInformation(_) => MessageType::StreamingInformation,
            Message::Bundle(_) => MessageType::MessageBundle,
            Message::Unknown { msg_type, .. } => MessageType::Unknown(*msg_type),
        }
    }

    /// Phase two: parse one whole message (`frame` is exactly what [`check`] measured).
    pub fn decode(frame: &[u8]) -> Result<Message, WireError> {
        let h = frame.get(..HEADER_LEN).ok_or(WireError::Incomplete)?;
        let h = Header::parse(h.try_into().expect("8 bytes"));
        let body = &frame[HEADER_LEN..];
        if body.len() != h.length as usize {
            return Err(WireError::LengthMismatch {
                msg_type: h.msg_type.code(),
                declared: h.length,
                actual: body.len(),
            });
        }
        let code = h.msg_type.code();
        let mut r = Reader::new(body, code);
        let m = match h.msg_type {
            MessageType::Null => Message::Null,
            MessageType::Error => Message::Error(ErrorMessage::read(&mut r)?),
            MessageType::EventStreamRequest => Message::EventStreamRequest(EventStreamRequest::read(&mut r)?),
            MessageType::EventData => Message::EventData(EventData::parse(body)?),
            MessageType::HostRequest => Message::HostRequest(HostRequest::read(&mut r)?),
            MessageType::SingleHostData => Message::SingleHostData(HostData::read(&mut r)?),
            MessageType::MultipleHostData => Message::MultipleHostData(HostData::read(&mut r)?),
            MessageType::StreamingRequest => Message::StreamingRequest(StreamingService::read_request(&mut r)?),
            MessageType::StreamingInformation => {
                Message::StreamingInformation(StreamingService::read_information(&mut r)?)
            }
            MessageType::MessageBundle => Message::Bundle(Bundle::read(&mut r)?),
            MessageType::Unknown(n) => Message::Unknown { msg_type: n, body: body.to_vec() },
        };
        if !matches!(m, Message::Null | Message::Unknown { .. } | Message::EventData(_)) {
            r.finish()?;
        }
        Ok(m)
    }

    /// Append the whole message (header + body) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let start = out.len();
        Header { version: HEADER_VERSION, msg_type: self.msg_type(), length: 0 }.write(out);
        match self {
            Message::Null => {}
            Message::Error(e) => e.write(out)?,
            Message::EventStreamRequest(r) => r.write(out),
            Message::EventData(d) => d.write_body(out)?,
            Message::HostRequest(h) => h.write(out),
            Message::SingleHostData(h) | Message::MultipleHostData(h) => h.write(out),
            Message::StreamingRequest(s) => s.write_request(out)?,
            Message::StreamingInformation(list) => {
                for s in list {
                    s.write_information(out)?;
                }
            }
            Message::Bundle(b) => b.write(out)?,
            Message::Unknown { body, .. } => out.extend_from_slice(body),
        }
        let len = out.len() - start - HEADER_LEN;
        let len = u32::try_from(len).map_err(|_| WireError::TooLong { what: "message", len })?;
        out[start + 4..start + 8].copy_from_slice(&len.to_be_bytes());
        Ok(())
    }

    /// Encode into a fresh buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = Vec::new();
        self.encode(&mut out)?;
        Ok(out)
    }
}

/// The 8 bytes of a Null message.
pub const NULL_MESSAGE: [u8; 8] = [0, 1, 0, 0, 0, 0, 0, 0];
