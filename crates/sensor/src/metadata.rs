//! The world as metadata records: every id, UUID and name the events refer to.
//!
//! Bodies are written straight into bytes in the layouts of `estreamer_wire::schema::records`;
//! each record's `meta_key` is its identity as the wire catalog defines it
//! ([`metadata_identity`]: the same key the store's metadata table uses), so the identity of a
//! metadata type is written down once, in the catalog.

use estreamer_wire::schema::catalog::metadata_identity;

use crate::body::Body;
use crate::kinds::discovery;
use crate::rng::Rng;
use crate::world::{
    action, amp, app, client, Named, World, CLASSIFICATIONS, COUNTRIES, DNS_RECORD_TYPES, DNS_RESPONSE_TYPES,
    FILE_TYPES, IOCS, PRIORITIES, URL_CATEGORIES, URL_REPUTATIONS, XDATA_TYPES,
};
use crate::{GenRecord, SensorError};

/// Collects metadata records.
struct Out {
    body: Body,
    records: Vec<GenRecord>,
}

impl Out {
    /// Write one record with `write` and key it by its catalog identity.
    fn push(&mut self, record_type: u32, write: impl FnOnce(&mut Body)) -> Result<(), SensorError> {
        write(self.body.start());
        let body = self.body.take();
        let key = metadata_identity(record_type, &body).ok_or_else(|| SensorError::Encode {
            record_type,
            what: "metadata",
            source: estreamer_wire::WireError::UnknownRecordType { record_type },
        })?;
        self.records.push(GenRecord { record_type, body, meta_key: Some(key) });
        Ok(())
    }

    /// An (id, name) record whose name length is a u32 (55, 63, 109, 120–123, 128–131, 510, ...).
    fn id_name(&mut self, record_type: u32, id: u32, name: &str) -> Result<(), SensorError> {
        self.push(record_type, |b| {
            b.u32(id).bytes32(name.as_bytes());
        })
    }

    /// A UUID-named record in a block (115–118, 127: S2 14; 530, 700: an unnamed block 0).
    fn uuid_name(&mut self, record_type: u32, block: u32, n: &Named) -> Result<(), SensorError> {
        self.push(record_type, |b| {
            let o = b.open(block);
            b.raw(&n.uuid).string(&n.name).end(o);
        })
    }

    /// A record of one block holding an id and two strings (111: S2 5; 161: S2 39; 320, 321:
    /// S2 61).
    fn id_two_strings(&mut self, rt: u32, block: u32, id: u32, a: &str, c: &str) -> Result<(), SensorError> {
        self.push(rt, |b| {
            let o = b.open(block);
            b.u32(id).string(a).string(c).end(o);
        })
    }
}

impl World {
    /// Every metadata record of this world (see [`World::try_metadata_records`]).
    ///
    /// # Panics
    /// Only if the wire catalog has no identity for a record this crate built, which is a bug
    /// (covered by the tests).
    pub fn metadata_records(&self) -> Vec<GenRecord> {
        self.try_metadata_records().expect("sensor metadata must encode (bug in estreamer-sensor)")
    }

    /// Every metadata record of this world, each with its `meta_key` (the identity of the
    /// entry: id bytes, UUID, UUID + rule id, gid + sid, ...; see the crate docs).
    pub fn try_metadata_records(&self) -> Result<Vec<GenRecord>, SensorError> {
        let mut out = Out { body: Body::default(), records: Vec::with_capacity(400) };
        for d in &self.devices {
            out.id_name(123, d.id, &d.name)?;
        }
        for &(id, name) in PRIORITIES {
            out.push(4, |b| {
                b.u32(id).bytes16(name.as_bytes());
            })?;
        }
        let mut cr = Rng::new(self.seed, 0x67);
        for &(id, name, desc) in CLASSIFICATIONS {
            let (uuid, revision) = (cr.uuid(), cr.uuid());
            out.push(67, |b| {
                b.u32(id).bytes16(name.as_bytes()).bytes16(desc.as_bytes()).raw(&uuid).raw(&revision);
            })?;
        }
        for rule in &self.rules {
            out.push(66, |b| {
                b.u32(rule.gid).u32(rule.sid).u32(rule.rev).u32(rule.sid);
                b.u16(rule.message.len() as u16).raw(&rule.uuid).raw(&rule.rev_uuid).raw(rule.message.as_bytes());
            })?;
        }
        for p in &self.ac_policies {
            out.uuid_name(117, 14, &Named { uuid: p.uuid, name: p.name.clone() })?;
        }
        for d in &self.devices {
            let p = &self.ac_policies[d.acp];
            out.push(145, |b| {
                let o = b.open(64);
                b.raw(&p.uuid).u32(d.id).string(&p.name).end(o);
            })?;
        }
        for p in &self.ac_policies {
            for rule in &p.rules {
                out.push(119, |b| {
                    let o = b.open(15);
                    b.raw(&p.uuid).u32(rule.id).string(&rule.name).end(o);
                })?;
            }
        }
        for &(id, name) in action::ALL {
            out.id_name(120, id, name)?;
        }
        for p in &self.intrusion_policies {
            out.uuid_name(118, 14, p)?;
        }
        out.uuid_name(700, 0, &self.nap)?;
        for z in &self.zones {
            out.uuid_name(115, 14, z)?;
        }
        for i in &self.interfaces {
            out.uuid_name(116, 14, i)?;
        }
        for &(id, name) in app::ALL {
            out.id_name(63, id, name)?;
        }
        for &(id, name) in client::ALL {
            out.id_name(55, id, name)?;
        }
        for &(id, name) in &self.web_apps {
            out.id_name(109, id, name)?;
        }
        for u in &self.users {
            out.push(98, |b| {
                let o = b.open(57);
                b.u32(u.id).u32(app::LDAP).string(&u.username).end(o);
            })?;
        }
        for &(code, name, _) in COUNTRIES {
            out.push(520, |b| {
                let o = b.open(28);
                b.u16(code).string(name).end(o);
            })?;
        }
        for &(id, name) in URL_CATEGORIES {
            out.id_name(121, id, name)?;
        }
        for &(id, name) in URL_REPUTATIONS {
            out.id_name(122, id, name)?;
        }
        for &(id, name, _) in FILE_TYPES {
            out.id_name(510, id, name)?;
        }
        for &(id, name, _) in FILE_TYPES {
            out.id_name(131, id, name)?;
        }
        for &(ty, name, encoding) in XDATA_TYPES {
            out.id_two_strings(111, 5, ty, name, encoding)?;
        }
        out.uuid_name(127, 14, &self.cloud)?;
        for &(id, name) in amp::TYPES {
            out.id_name(128, id, name)?;
        }
        for &(id, name) in amp::SUBTYPES {
            out.id_name(129, id, name)?;
        }
        for &(id, name) in amp::DETECTORS {
            out.id_name(130, id, name)?;
        }
        out.uuid_name(530, 0, &self.file_policy)?;
        for &(id, category, event_type) in IOCS {
            out.id_two_strings(161, 39, id, category, event_type)?;
        }
        for &(uuid, name, vendor, version) in discovery::OS {
            out.push(54, |b| {
                b.raw(&uuid.to_be_bytes()).bytes32(name.as_bytes()).bytes32(vendor.as_bytes());
                b.bytes32(version.as_bytes());
            })?;
        }
        for &(rt, table) in &[(58u32, discovery::CRITICALITIES), (60, discovery::ATTRIBUTES)] {
            for &(id, name) in table {
                out.id_name(rt, id, name)?;
            }
        }
        for &(rt, table) in &[(320u32, DNS_RECORD_TYPES), (321, DNS_RESPONSE_TYPES)] {
            for &(id, name, desc) in table {
                out.id_two_strings(rt, 61, id, name, desc)?;
            }
        }
        Ok(out.records)
    }
}
