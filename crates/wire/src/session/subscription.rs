//! What a client subscribed to, resolved against the catalog's family and version tables.

use crate::message::{flags, EventSpec};
use crate::schema::catalog::{family_def, versions};
use crate::schema::{record_def, BlockDef, Family};

/// What a client subscribed to, as the server resolves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// 0 oldest, 0xFFFFFFFF now, else archival seconds (inclusive bound).
    pub initial_timestamp: u32,
    /// Request flags of the Event Stream Request.
    pub flags: u32,
    /// Extended event list (empty in legacy mode).
    pub events: Vec<EventSpec>,
}

impl Subscription {
    /// Whether records carry the 16-byte record header (bit 23).
    pub fn archive_header(&self) -> bool {
        self.flags & flags::ARCHIVE_TIMESTAMP != 0
    }

    /// Whether extended mode (bit 30) was requested.
    pub fn extended(&self) -> bool {
        self.flags & flags::EXTENDED != 0
    }

    /// Whether metadata records were asked for (any metadata bit or extended code 21).
    pub fn metadata(&self) -> bool {
        self.wants(Family::Metadata)
    }

    /// The requested version of an extended event code.
    pub fn version_of(&self, code: u16) -> Option<u16> {
        self.events.iter().find(|e| e.code == code).map(|e| e.version)
    }

    /// Whether event streaming is suppressed: bit 11 (host-data-only sessions on legacy
    /// servers) leaves metadata only, if that was asked for.
    pub fn host_only(&self) -> bool {
        self.flags & flags::HOST_ONLY != 0
    }

    /// Whether records of `family` are requested (the catalog's family table says by which
    /// bits and code). Where both a legacy bit and an extended entry cover a family, the record
    /// is sent once and the extended entry decides the version.
    pub fn wants(&self, family: Family) -> bool {
        if self.host_only() && family != Family::Metadata {
            return false;
        }
        let row = family_def(family);
        self.flags & row.legacy_bits != 0 || row.code.is_some_and(|c| self.version_of(c).is_some())
    }

    /// Whether any record at all is requested (a host-only session asks for none).
    pub fn wants_any(&self) -> bool {
        crate::schema::catalog::FAMILIES.iter().any(|f| self.wants(f.family))
    }

    /// Whether this record type goes to the client. Records outside the catalog never do: one
    /// unknown record ends an eNcore 5.2.11 session (PROTOCOL.md §7).
    pub fn wants_record(&self, record_type: u32) -> bool {
        record_def(record_type).is_some_and(|d| self.wants(d.family))
    }

    /// The block version to serve a record in. With an extended entry for the family, the
    /// version table decides. A family requested only through legacy flag bits gets the oldest
    /// layout of the table: legacy requests come from older clients, and every known client
    /// decodes those (eNcore 3.x reads only S2 60 for intrusion and S2 56 for files).
    /// `None` = serve the stored bytes as they are.
    pub fn target_block(&self, record_type: u32) -> Option<&'static BlockDef> {
        let table = versions(record_type)?;
        let family = record_def(record_type)?.family;
        match family_def(family).code.and_then(|c| self.version_of(c)) {
            Some(v) => Some(table.block_for(v)),
            None if self.wants(family) => Some(table.oldest()),
            None => None,
        }
    }
}
