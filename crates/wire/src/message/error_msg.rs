//! Error message (type 1, PROTOCOL.md §10): i32 code, u16 text length, text.

use super::Reader;
use crate::WireError;

/// An Error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMessage {
    /// Error code (signed; clients use −1 for their own errors).
    pub code: i32,
    /// Error text bytes as sent (may carry a trailing NUL).
    pub text: Vec<u8>,
}

impl ErrorMessage {
    /// Error with a text.
    pub fn new(code: i32, text: &str) -> Self {
        ErrorMessage { code, text: text.as_bytes().to_vec() }
    }

    /// Text as UTF-8 with NULs stripped (as eNcore prints it).
    pub fn text_lossy(&self) -> String {
        String::from_utf8_lossy(&self.text).replace('\0', "")
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let code = r.u32("error code")? as i32;
        let n = r.u16("error text length")? as usize;
        let text = r.bytes(n, "error text")?.to_vec();
        Ok(ErrorMessage { code, text })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        let n = u16::try_from(self.text.len())
            .map_err(|_| WireError::TooLong { what: "error text", len: self.text.len() })?;
        out.extend_from_slice(&self.code.to_be_bytes());
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&self.text);
        Ok(())
    }
}

/// Error codes this server sends (PROTOCOL.md §10 lists only 19 "No space"; the rest are ours,
/// documented in `docs/protocol.md`). Clients use −1 for their own errors.
pub mod error_codes {
    /// A client's own error, or its goodbye (the guide's convention).
    pub const CLIENT: i32 = -1;
    /// The message could not be parsed: bad length, truncated field, trailing bytes.
    pub const MALFORMED: i32 = 1;
    /// The message is not allowed at this point of the session (e.g. a Host Request before the
    /// Event Stream Request, or a second Event Stream Request).
    pub const UNEXPECTED: i32 = 2;
    /// The message announced a body above the server's maximum.
    pub const TOO_LARGE: i32 = 3;
    /// The expected request did not arrive in time.
    pub const TIMEOUT: i32 = 4;
    /// The client stopped acknowledging: the window stayed full for the idle timeout.
    pub const NO_ACK: i32 = 5;
    /// Too many host requests queued at once.
    pub const BUSY: i32 = 6;
    /// No space (the guide's example).
    pub const NO_SPACE: i32 = 19;
    /// Host request: the data type is not served (0–3 and above 7).
    pub const HOST_DATA_TYPE: i32 = 10;
    /// Host request: the end address is below the start address.
    pub const HOST_RANGE: i32 = 11;
    /// Host request: the single host is not in the network map.
    pub const HOST_NOT_FOUND: i32 = 12;
    /// Host request: the host exists but cannot be written in the requested profile (an IPv6
    /// host in the IPv4-only 4.9 block 92).
    pub const HOST_NOT_REPRESENTABLE: i32 = 13;
    /// The server could not read its store; the session cannot continue.
    pub const STORE: i32 = 20;
}
