//! Record bodies written straight into bytes, field by field, in the order of the wire crate's
//! layouts (`estreamer_wire::schema`): no JSON, no field tree.
//!
//! Each generator writes its record's fixed layout with these helpers; the layout tables stay
//! the reference: the sensor's tests decode every record with them (no issue allowed) and pin
//! the bytes of whole runs, so a field written out of place fails a test.

use std::net::IpAddr;

/// A record body under construction (a reused buffer; see [`Body::take`]).
#[derive(Clone, Debug, Default)]
pub(crate) struct Body(Vec<u8>);

/// Where a block or list header was written, to patch its length when it ends.
#[must_use = "a block must be ended with Body::end"]
pub(crate) struct Open(usize);

/// IPv6 form of an address (IPv4-mapped for IPv4), as every `Ipv6` wire field holds it.
pub(crate) fn ip16(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

impl Body {
    /// Start a new body (the buffer keeps its capacity).
    pub(crate) fn start(&mut self) -> &mut Self {
        self.0.clear();
        self
    }

    /// The finished body, as an exactly sized vector.
    pub(crate) fn take(&self) -> Vec<u8> {
        self.0.clone()
    }

    pub(crate) fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }

    pub(crate) fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub(crate) fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// Raw bytes: UUIDs, MACs, fixed `Hex(n)` fields, IPv6 addresses.
    pub(crate) fn raw(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }

    /// `n` zero bytes: fields the sensor leaves unset (0, empty, none).
    pub(crate) fn zeros(&mut self, n: usize) -> &mut Self {
        self.0.resize(self.0.len() + n, 0);
        self
    }

    /// An `Ipv6` field.
    pub(crate) fn ip(&mut self, ip: IpAddr) -> &mut Self {
        self.raw(&ip16(ip))
    }

    /// Open a block (or list) with header number `number`; its length is patched by [`end`].
    ///
    /// [`end`]: Body::end
    pub(crate) fn open(&mut self, number: u32) -> Open {
        let at = self.0.len();
        self.u32(number).u32(0);
        Open(at)
    }

    /// Close a block or list: its length word counts its header and everything after it.
    pub(crate) fn end(&mut self, open: Open) -> &mut Self {
        let len = (self.0.len() - open.0) as u32;
        self.0[open.0 + 4..open.0 + 8].copy_from_slice(&len.to_be_bytes());
        self
    }

    /// A String block (S1 0) holding the concatenation of `parts`.
    pub(crate) fn string_of(&mut self, parts: &[&str]) -> &mut Self {
        let o = self.open(0);
        for p in parts {
            self.0.extend_from_slice(p.as_bytes());
        }
        self.end(o)
    }

    /// A String block (S1 0).
    pub(crate) fn string(&mut self, s: &str) -> &mut Self {
        self.string_of(&[s])
    }

    /// `n` empty String blocks.
    pub(crate) fn empty_strings(&mut self, n: usize) -> &mut Self {
        for _ in 0..n {
            self.u32(0).u32(8);
        }
        self
    }

    /// A Blob block (S1 10).
    pub(crate) fn blob(&mut self, data: &[u8]) -> &mut Self {
        let o = self.open(10);
        self.raw(data).end(o)
    }

    /// An empty list with header `number` (S1 11 "List" or S1 31 "Generic List").
    pub(crate) fn empty_list(&mut self, number: u32) -> &mut Self {
        self.u32(number).u32(8)
    }

    /// Bytes preceded by their length as a u32 (`Len32` + `Bytes`).
    pub(crate) fn bytes32(&mut self, b: &[u8]) -> &mut Self {
        self.u32(b.len() as u32).raw(b)
    }

    /// Bytes preceded by their length as a u16 (`Len16` + `Bytes`).
    pub(crate) fn bytes16(&mut self, b: &[u8]) -> &mut Self {
        self.u16(b.len() as u16).raw(b)
    }

    /// The bytes written so far (to append computed data, e.g. a packet, in place).
    pub(crate) fn vec(&mut self) -> &mut Vec<u8> {
        &mut self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Body;

    #[test]
    fn blocks_and_lists_count_their_header() {
        let mut b = Body::default();
        b.start().u8(1);
        let o = b.open(174);
        b.u32(7).string("abc").empty_list(31);
        b.end(o);
        let v = b.take();
        assert_eq!(v[1..5], 174u32.to_be_bytes());
        assert_eq!(v[5..9], (8u32 + 4 + 11 + 8).to_be_bytes());
        assert_eq!(v[13..21], [0, 0, 0, 0, 0, 0, 0, 11]);
        assert_eq!(&v[21..24], b"abc");
        b.start();
        assert!(b.take().is_empty());
    }
}
