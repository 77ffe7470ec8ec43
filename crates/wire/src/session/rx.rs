//! The receive buffer both sessions share: whole messages are framed in place and removed in
//! one step, so a burst of small messages costs time linear in its size (not one copy of the
//! rest of the buffer per message).

use crate::message::check;
use crate::WireError;

/// Capacity kept across messages; more is given back once the burst that needed it is over.
const KEEP: usize = 2 << 20;

/// Bytes received and not yet framed.
#[derive(Debug, Default)]
pub(crate) struct RxBuffer {
    buf: Vec<u8>,
    /// Start of the first unframed byte.
    start: usize,
}

impl RxBuffer {
    /// Append received bytes.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The next whole message (header included), if one is buffered. A header announcing more
    /// than `max_body` is an error before its body is buffered.
    pub(crate) fn next_frame(&mut self, max_body: usize) -> Result<Option<&[u8]>, WireError> {
        match check(&self.buf[self.start..], max_body)? {
            Some(n) => {
                let frame = &self.buf[self.start..self.start + n];
                self.start += n;
                Ok(Some(frame))
            }
            None => {
                self.compact();
                Ok(None)
            }
        }
    }

    /// Drop framed bytes; give memory back when a large burst is over.
    fn compact(&mut self) {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        // A few bundles' worth stays allocated (a server's bundles are up to 256 KiB; giving
        // that back after each one made every bundle a fresh allocation and page faults).
        if self.buf.capacity() > KEEP && self.buf.len() < KEEP / 4 {
            self.buf.shrink_to(KEEP / 4);
        }
    }

    /// Bytes held.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::NULL_MESSAGE;

    #[test]
    fn frames_many_messages_then_keeps_the_partial_one() {
        let mut rx = RxBuffer::default();
        let mut bytes = NULL_MESSAGE.repeat(1000);
        bytes.extend_from_slice(&NULL_MESSAGE[..5]);
        rx.extend(&bytes);
        let mut n = 0;
        while let Some(f) = rx.next_frame(16).unwrap() {
            assert_eq!(f, NULL_MESSAGE);
            n += 1;
        }
        assert_eq!(n, 1000);
        assert_eq!(rx.len(), 5);
        rx.extend(&NULL_MESSAGE[5..]);
        assert_eq!(rx.next_frame(16).unwrap(), Some(&NULL_MESSAGE[..]));
        assert_eq!(rx.next_frame(16).unwrap(), None);
        assert_eq!(rx.len(), 0);
    }

    #[test]
    fn an_oversized_header_is_refused_before_its_body() {
        let mut rx = RxBuffer::default();
        rx.extend(&[0, 1, 0, 2, 0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(matches!(rx.next_frame(1024), Err(WireError::TooLarge { .. })));
    }
}
