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
