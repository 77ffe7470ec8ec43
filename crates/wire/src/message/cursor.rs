//! A bounds-checked big-endian reader that knows where it is, for error messages.

use crate::WireError;

/// Reads big-endian values from a message body; every read is checked.
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    msg_type: u16,
}

impl<'a> Reader<'a> {
    /// Reader over a message body of type `msg_type`.
    pub fn new(buf: &'a [u8], msg_type: u16) -> Self {
        Reader { buf, pos: 0, msg_type }
    }

    /// Current offset in the body.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Take `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated { msg_type: self.msg_type, offset: self.pos, what });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// Read a u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Read a u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        let b = self.bytes(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..];
        self.pos = self.buf.len();
        s
    }

    /// Error if bytes are left over.
    pub fn finish(&self) -> Result<(), WireError> {
        if self.remaining() != 0 {
            return Err(WireError::TrailingBytes {
                msg_type: self.msg_type,
                offset: self.pos,
                count: self.remaining(),
            });
        }
        Ok(())
    }
}
