//! The one bounded cursor over untrusted bytes: message bodies (`message::Reader`) and record
//! bodies (the schema walker) are read through it.
//!
//! A cursor is a window `[pos, end)` of a buffer. Every read is checked against `end` (never
//! against the buffer's length alone), fails without moving, and positions are absolute offsets
//! in the buffer, so errors can say where they happened. Nested blocks get a narrower window
//! ([`Cursor::window`]) and the parent continues after it.

/// A bounds-checked big-endian reader over `buf[pos..end]`.
#[derive(Debug, Clone, Copy)]
pub struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor over all of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0, end: buf.len() }
    }

    /// Current offset in the buffer.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Offset where this window ends.
    pub fn end(&self) -> usize {
        self.end
    }

    /// Bytes left in the window.
    pub fn remaining(&self) -> usize {
        self.end - self.pos
    }

    /// Whether the window is used up.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    /// Take `n` bytes; `None` (and no move) when fewer are left.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.remaining() {
            return None;
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Some(s)
    }

    /// Take `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|b| b.try_into().ok())
    }

    /// Read a u8.
    pub fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[b]| b)
    }

    /// Read a big-endian u16.
    pub fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// Read a big-endian u32.
    pub fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    /// Read a big-endian u64.
    pub fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// The big-endian u32 at the current position, without moving.
    pub fn peek_u32(&self) -> Option<u32> {
        let mut copy = *self;
        copy.u32()
    }

    /// Everything left in the window.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.buf[self.pos..self.end];
        self.pos = self.end;
        s
    }

    /// The bytes from offset `from` to the window's end (empty when `from` is past it), without
    /// moving.
    pub fn tail_from(&self, from: usize) -> &'a [u8] {
        &self.buf[from.min(self.end)..self.end]
    }

    /// A window of `len` bytes starting at `start` (an offset at or after this window's start),
    /// if it lies inside this window. Its position is `start`.
    pub fn window(&self, start: usize, len: usize) -> Option<Cursor<'a>> {
        let end = start.checked_add(len)?;
        (end <= self.end && start <= end).then_some(Cursor { buf: self.buf, pos: start, end })
    }

    /// Move to `pos` (clamped to the window's end).
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_checked_against_the_window_and_do_not_move_on_failure() {
        let buf = [0, 1, 0, 0, 0, 2, 9, 9, 9, 9];
        let mut c = Cursor::new(&buf);
        assert_eq!(c.u16(), Some(1));
        assert_eq!(c.peek_u32(), Some(2));
        assert_eq!(c.u32(), Some(2));
        assert_eq!(c.pos(), 6);
        assert_eq!(c.u64(), None);
        assert_eq!(c.pos(), 6, "a failed read does not move");
        let mut w = c.window(6, 3).unwrap();
        assert_eq!(w.u32(), None, "the window ends before the buffer");
        assert_eq!(w.rest(), &[9, 9, 9]);
        assert!(w.is_empty());
        assert!(c.window(6, 5).is_none());
        assert!(c.window(usize::MAX, 2).is_none());
        assert_eq!(c.take(usize::MAX), None);
        assert_eq!(c.tail_from(8), &[9, 9]);
        assert_eq!(c.tail_from(100), &[] as &[u8]);
        c.seek(100);
        assert_eq!(c.pos(), 10);
        assert_eq!(c.remaining(), 0);
    }
}
