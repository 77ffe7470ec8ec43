//! Message bodies are read through the crate's one bounded cursor ([`Cursor`]); a [`Reader`]
//! adds the message type so that a short body is an error saying what and where.

use crate::cursor::Cursor;
use crate::WireError;

/// Reads big-endian values from a message body; every read is checked.
pub struct Reader<'a> {
    cur: Cursor<'a>,
    msg_type: u16,
}

impl<'a> Reader<'a> {
    /// Reader over a message body of type `msg_type`.
    pub fn new(buf: &'a [u8], msg_type: u16) -> Self {
        Reader { cur: Cursor::new(buf), msg_type }
    }

    /// Current offset in the body.
    pub fn pos(&self) -> usize {
        self.cur.pos()
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.cur.remaining()
    }

    fn truncated(&self, what: &'static str) -> WireError {
        WireError::Truncated { msg_type: self.msg_type, offset: self.cur.pos(), what }
    }

    /// Take `n` bytes.
    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        self.cur.take(n).ok_or_else(|| self.truncated(what))
    }

    /// Read a u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, WireError> {
        self.cur.u16().ok_or_else(|| self.truncated(what))
    }

    /// Read a u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, WireError> {
        self.cur.u32().ok_or_else(|| self.truncated(what))
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        self.cur.rest()
    }

    /// Error if bytes are left over.
    pub fn finish(&self) -> Result<(), WireError> {
        if self.remaining() != 0 {
            return Err(WireError::TrailingBytes {
                msg_type: self.msg_type,
                offset: self.pos(),
                count: self.remaining(),
            });
        }
        Ok(())
    }
}
