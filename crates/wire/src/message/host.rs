//! Host Request (type 5) and Single/Multiple Host Data (types 6/7), PROTOCOL.md §8.

use super::Reader;
use crate::WireError;

/// Host data request: current 40-byte form (IPv6) or legacy 16-byte form (IPv4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostRequest {
    /// Data type (0–7; 6/7 = single/multiple host, 5.0+).
    pub data_type: u32,
    /// 0x1 = fill notes, 0x2 = fill banners.
    pub flags: u32,
    /// First address (IPv4 addresses are IPv4-mapped).
    pub start: [u8; 16],
    /// Last address.
    pub end: [u8; 16],
    /// Whether the legacy 16-byte (IPv4) form was used.
    pub legacy: bool,
}

impl HostRequest {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let data_type = r.u32("data type")?;
        let flags = r.u32("flags")?;
        // The server tells the forms apart by length (40 vs 16).
        if r.remaining() == 8 {
            let s: [u8; 4] = r.bytes(4, "start ip")?.try_into().expect("4");
            let e: [u8; 4] = r.bytes(4, "end ip")?.try_into().expect("4");
            let m = |a: [u8; 4]| std::net::Ipv4Addr::from(a).to_ipv6_mapped().octets();
            return Ok(HostRequest { data_type, flags, start: m(s), end: m(e), legacy: true });
        }
        let start = r.bytes(16, "start ip")?.try_into().expect("16");
        let end = r.bytes(16, "end ip")?.try_into().expect("16");
        Ok(HostRequest { data_type, flags, start, end, legacy: false })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.data_type.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
        if self.legacy {
            out.extend_from_slice(&self.start[12..]);
            out.extend_from_slice(&self.end[12..]);
        } else {
            out.extend_from_slice(&self.start);
            out.extend_from_slice(&self.end);
        }
    }
}

/// One host profile answer: a block (u32 type, u32 length incl. header, data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostData {
    /// Block type of the host profile block.
    pub block_type: u32,
    /// The whole block bytes (header included); empty for the end marker.
    pub block: Vec<u8>,
}

impl HostData {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        if r.remaining() == 0 {
            return Ok(HostData { block_type: 0, block: Vec::new() });
        }
        let all = r.rest();
        if all.len() < 8 {
            return Err(WireError::Truncated { msg_type: 6, offset: 0, what: "host block header" });
        }
        let block_type = u32::from_be_bytes(all[0..4].try_into().expect("4"));
        Ok(HostData { block_type, block: all.to_vec() })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.block);
    }
}
