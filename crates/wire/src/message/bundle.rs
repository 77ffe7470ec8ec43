//! Message Bundle (type 4002, PROTOCOL.md §6): connection id, sequence, Event Data items.

use super::{EventData, Reader};
use crate::WireError;

/// A Message Bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bundle {
    /// Unique per client connection.
    pub connection_id: u32,
    /// 1 for the first bundle, +1 per bundle.
    pub sequence: u32,
    /// Records, each an Event Data item (`u32 4, u32 length, payload`).
    pub items: Vec<EventData>,
}

/// Item type: only Event Data is allowed inside bundles (eNcore rejects anything else).
const ITEM_EVENT_DATA: u32 = 4;

impl Bundle {
    /// Strict parse: any item that does not parse is an error.
    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let (connection_id, sequence, items) = Self::read_lenient(r.rest())?;
        let items = items.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(Bundle { connection_id, sequence, items })
    }

    /// Parse a bundle body for a client: item framing errors are fatal, but a record inside a
    /// well-framed item that does not parse is returned as an error and the rest continues.
    #[allow(clippy::type_complexity)]
    pub fn read_lenient(body: &[u8]) -> Result<(u32, u32, Vec<Result<EventData, WireError>>), WireError> {
        let mut r = Reader::new(body, 4002);
        let connection_id = r.u32("connection id")?;
        let sequence = r.u32("sequence number")?;
        let mut items = Vec::new();
        while r.remaining() > 0 {
            let offset = r.pos();
            let t = r.u32("bundle item type")?;
            if t != ITEM_EVENT_DATA {
                return Err(WireError::BadBundleItem { item_type: t, offset });
            }
            let len = r.u32("bundle item length")? as usize;
            let payload = r.bytes(len, "bundle item")?;
            items.push(EventData::parse(payload));
        }
        Ok((connection_id, sequence, items))
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) -> Result<(), WireError> {
        out.extend_from_slice(&self.connection_id.to_be_bytes());
        out.extend_from_slice(&self.sequence.to_be_bytes());
        for item in &self.items {
            out.extend_from_slice(&ITEM_EVENT_DATA.to_be_bytes());
            let len = u32::try_from(item.payload_len())
                .map_err(|_| WireError::TooLong { what: "bundle item", len: item.payload_len() })?;
            out.extend_from_slice(&len.to_be_bytes());
            item.write_body(out)?;
        }
        Ok(())
    }
}
