//! Event Stream Request (type 2, PROTOCOL.md §4): initial timestamp and request flags.

use super::Reader;
use crate::WireError;

/// Initial timestamp meaning "oldest data available".
pub const TIMESTAMP_OLDEST: u32 = 0;
/// Initial timestamp meaning "only data arriving after the client connects".
pub const TIMESTAMP_NOW: u32 = 0xFFFF_FFFF;

/// Request flag bits (PROTOCOL.md §4.2; bit 0 = least significant).
pub mod flags {
    /// Packet records with intrusion events.
    pub const PACKETS: u32 = 1 << 0;
    /// Metadata version 1.
    pub const METADATA_V1: u32 = 1 << 1;
    /// Intrusion events (legacy format).
    pub const INTRUSION_V1: u32 = 1 << 2;
    /// Discovery events v1.
    pub const DISCOVERY_V1: u32 = 1 << 3;
    /// Correlation events v1.
    pub const CORRELATION_V1: u32 = 1 << 4;
    /// Intrusion impact alerts.
    pub const IMPACT_ALERTS: u32 = 1 << 5;
    /// Intrusion events with impact flag (3.2+ format).
    pub const INTRUSION: u32 = 1 << 6;
    /// Discovery v2.
    pub const DISCOVERY_V2: u32 = 1 << 7;
    /// Connection v1.
    pub const CONNECTION_V1: u32 = 1 << 8;
    /// Correlation v2.
    pub const CORRELATION_V2: u32 = 1 << 9;
    /// Discovery v3.
    pub const DISCOVERY_V3: u32 = 1 << 10;
    /// Suppress default event streaming (host-data-only sessions).
    pub const HOST_ONLY: u32 = 1 << 11;
    /// Connection v3.
    pub const CONNECTION_V3: u32 = 1 << 12;
    /// Correlation v3.
    pub const CORRELATION_V3: u32 = 1 << 13;
    /// Metadata v2.
    pub const METADATA_V2: u32 = 1 << 14;
    /// Metadata v3.
    pub const METADATA_V3: u32 = 1 << 15;
    /// Unconfirmed ("wait for config" / reserved).
    pub const BIT16: u32 = 1 << 16;
    /// Discovery v4.
    pub const DISCOVERY_V4: u32 = 1 << 17;
    /// Connection v4.
    pub const CONNECTION_V4: u32 = 1 << 18;
    /// Correlation v4.
    pub const CORRELATION_V4: u32 = 1 << 19;
    /// Metadata v4 (also gates extra-data metadata).
    pub const METADATA: u32 = 1 << 20;
    /// User (RUA) activity events.
    pub const USER: u32 = 1 << 21;
    /// Correlation v5.
    pub const CORRELATION_V5: u32 = 1 << 22;
    /// Add the archival-timestamp record header.
    pub const ARCHIVE_TIMESTAMP: u32 = 1 << 23;
    /// Discovery v5.
    pub const DISCOVERY_V5: u32 = 1 << 24;
    /// Discovery v6.
    pub const DISCOVERY_V6: u32 = 1 << 25;
    /// Connection v5.
    pub const CONNECTION_V5: u32 = 1 << 26;
    /// Intrusion event extra data (record 110).
    pub const EXTRA_DATA: u32 = 1 << 27;
    /// Discovery v7.
    pub const DISCOVERY_V7: u32 = 1 << 28;
    /// Correlation v6.
    pub const CORRELATION_V6: u32 = 1 << 29;
    /// Extended request mode.
    pub const EXTENDED: u32 = 1 << 30;
    /// eNcore 5.2.11's default request (§12.2).
    pub const ENCORE_DEFAULT: u32 =
        PACKETS | IMPACT_ALERTS | INTRUSION | METADATA | ARCHIVE_TIMESTAMP | EXTRA_DATA | EXTENDED;
    /// Any metadata bit.
    pub const ANY_METADATA: u32 = METADATA_V1 | METADATA_V2 | METADATA_V3 | METADATA;
    /// Any discovery bit.
    pub const ANY_DISCOVERY: u32 =
        DISCOVERY_V1 | DISCOVERY_V2 | DISCOVERY_V3 | DISCOVERY_V4 | DISCOVERY_V5 | DISCOVERY_V6 | DISCOVERY_V7;
    /// Any connection bit.
    pub const ANY_CONNECTION: u32 = CONNECTION_V1 | CONNECTION_V3 | CONNECTION_V4 | CONNECTION_V5;
    /// Any correlation bit.
    pub const ANY_CORRELATION: u32 =
        CORRELATION_V1 | CORRELATION_V2 | CORRELATION_V3 | CORRELATION_V4 | CORRELATION_V5 | CORRELATION_V6;
}

/// The first request of every session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventStreamRequest {
    /// 0 = oldest, 0xFFFFFFFF = now, else UNIX seconds (archival time).
    pub initial_timestamp: u32,
    /// Request flags.
    pub flags: u32,
}

impl EventStreamRequest {
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(EventStreamRequest { initial_timestamp: r.u32("initial timestamp")?, flags: r.u32("request flags")? })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.initial_timestamp.to_be_bytes());
        out.extend_from_slice(&self.flags.to_be_bytes());
    }

    /// Whether extended mode (bit 30) is requested.
    pub fn extended(&self) -> bool {
        self.flags & flags::EXTENDED != 0
    }

    /// Whether the archival-timestamp record header (bit 23) is requested.
    pub fn archive_timestamps(&self) -> bool {
        self.flags & flags::ARCHIVE_TIMESTAMP != 0
    }
}
