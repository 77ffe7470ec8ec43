//! Records out: the subscription filter, snapshot de-duplication, version conversion, and
//! bundles built in place within the window.

use super::*;

/// One bundle being filled: the message header and bundle words are reserved at the front
/// and written when it closes, so items are encoded once, in place.
#[derive(Debug)]
pub(super) struct OpenBundle {
    bytes: Vec<u8>,
    records: usize,
    pub(super) since: Millis,
}

const BUNDLE_PREFIX: usize = HEADER_LEN + 8;

impl OpenBundle {
    pub(super) fn new() -> Self {
        OpenBundle { bytes: vec![0; BUNDLE_PREFIX], records: 0, since: 0 }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.records == 0
    }

    pub(super) fn is_full(&self, cfg: &ServerConfig) -> bool {
        self.bytes.len() - HEADER_LEN >= cfg.bundle_max_bytes || self.records >= cfg.bundle_max_records
    }
}

/// What the subscription decides for one record type: worked out once per session instead of
/// per record (catalog, family and version table lookups).
#[derive(Debug, Clone, Copy)]
pub(super) struct Route {
    wanted: bool,
    target: Option<&'static BlockDef>,
    identity: bool,
    metadata: bool,
}

/// Record types below this are looked up by index; any other is worked out each time.
const ROUTED_TYPES: usize = 4096;

/// [`Route`]s by record type.
#[derive(Debug, Default)]
pub(super) struct Routes(Vec<Option<Route>>);

impl Routes {
    fn get(&mut self, sub: &Subscription, record_type: u32) -> Route {
        let work_out = || Route {
            wanted: sub.wants_record(record_type),
            target: sub.target_block(record_type),
            identity: identity_fields(record_type).is_some(),
            metadata: is_metadata(record_type),
        };
        let i = record_type as usize;
        if i >= ROUTED_TYPES {
            return work_out();
        }
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        *self.0[i].get_or_insert_with(work_out)
    }
}

impl ServerSession {
    /// Whether the session can take more records now.
    pub fn wants_records(&self) -> bool {
        let State::Streaming(s) = &self.state else { return false };
        if self.tx_bytes >= self.cfg.max_queued_bytes {
            return false;
        }
        !s.extended || s.unacked < self.cfg.window || !s.bundle.is_full(&self.cfg)
    }

    /// Offer one record. Converts the block version when the client asked for another one;
    /// skips log metadata the snapshot already sent (same entry identity, not newer).
    pub fn push_record(&mut self, rec: OutRecord<'_>, now: Millis) -> Push {
        if !self.wants_records() {
            return Push::Full;
        }
        let State::Streaming(s) = &mut self.state else { return Push::Full };
        let s: &mut Streaming = s;
        let route = s.routes.get(&s.sub, rec.record_type);
        if !route.wanted {
            self.filtered += 1;
            return Push::Filtered;
        }
        if route.identity {
            match rec.origin {
                Origin::Snapshot => {
                    if let Some(id) = metadata_identity(rec.record_type, rec.body) {
                        s.snapshot.insert((rec.record_type, id), rec.seq);
                    }
                }
                Origin::Log if !s.snapshot.is_empty() && route.metadata => {
                    let sent = metadata_identity(rec.record_type, rec.body)
                        .and_then(|id| s.snapshot.get(&(rec.record_type, id)).copied());
                    if sent.is_some_and(|seq| seq >= rec.seq) {
                        self.deduplicated += 1;
                        return Push::Filtered;
                    }
                }
                Origin::Log => {}
            }
        }
        let converted;
        let body = match route.target {
            Some(t) => {
                converted = convert(rec, t);
                converted.as_deref().unwrap_or(rec.body)
            }
            None => rec.body,
        };
        let archive = s.sub.archive_header().then_some(rec.archive_ts);
        self.sent_records += 1;
        if s.extended {
            if s.bundle.is_empty() {
                s.bundle.since = now;
            }
            write_item(&mut s.bundle.bytes, rec.record_type, archive, body);
            s.bundle.records += 1;
            if s.bundle.is_full(&self.cfg) {
                self.flush(now);
            }
        } else {
            let mut m = Vec::with_capacity(HEADER_LEN + 16 + body.len());
            m.extend_from_slice(&[0, 1, 0, 4, 0, 0, 0, 0]);
            write_record(&mut m, rec.record_type, archive, body);
            let len = (m.len() - HEADER_LEN) as u32;
            m[4..8].copy_from_slice(&len.to_be_bytes());
            self.queue_raw(m, now);
        }
        Push::Queued
    }

    /// Close the open bundle now if the window allows (the driver calls this when the store
    /// has nothing more for the moment).
    pub fn flush(&mut self, now: Millis) {
        let window = self.cfg.window;
        let conn = self.cfg.connection_id;
        let State::Streaming(s) = &mut self.state else { return };
        if s.bundle.is_empty() {
            return;
        }
        if s.unacked >= window {
            s.stalled_since.get_or_insert(now);
            return;
        }
        s.sequence = s.sequence.wrapping_add(1);
        s.unacked += 1;
        if s.unacked >= window {
            s.stalled_since = Some(now);
        }
        let mut bytes = std::mem::replace(&mut s.bundle, OpenBundle::new()).bytes;
        let len = (bytes.len() - HEADER_LEN) as u32;
        bytes[..HEADER_LEN].copy_from_slice(&[0, 1, 0x0F, 0xA2, 0, 0, 0, 0]);
        bytes[4..8].copy_from_slice(&len.to_be_bytes());
        bytes[8..12].copy_from_slice(&conn.to_be_bytes());
        bytes[12..16].copy_from_slice(&s.sequence.to_be_bytes());
        self.queue_raw(bytes, now);
    }
}

fn write_record(out: &mut Vec<u8>, record_type: u32, archive: Option<u32>, body: &[u8]) {
    out.extend_from_slice(&record_type.to_be_bytes());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    if let Some(ts) = archive {
        out.extend_from_slice(&ts.to_be_bytes());
        out.extend_from_slice(&[0; 4]);
    }
    out.extend_from_slice(body);
}

fn write_item(out: &mut Vec<u8>, record_type: u32, archive: Option<u32>, body: &[u8]) {
    let len = body.len() + if archive.is_some() { 16 } else { 8 };
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(&(len as u32).to_be_bytes());
    write_record(out, record_type, archive, body);
}

/// Re-encode a stored record in another block version by field name (missing fields zero or
/// empty, extra fields dropped). `None` when the stored bytes already are that version, or when
/// re-encoding fails (then the stored bytes go out as they are).
pub fn convert(rec: OutRecord<'_>, target: &'static BlockDef) -> Option<Vec<u8>> {
    let table = versions(rec.record_type)?;
    // A cheap look at the stored block's type word before any decoding.
    if table.block_of(rec.body) == Some(target.number) {
        return None;
    }
    let head = RecordHead { record_type: rec.record_type, archive_ts: rec.archive_ts, checksum: 0 };
    let d = decode_record(head, rec.body);
    encode_record_body(rec.record_type, &d.value, Some(target)).ok()
}
