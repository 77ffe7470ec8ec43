//! `ocsf`: OCSF 1.8.0 JSON events (OUTPUTS.md Part 1).
//!
//! | records | OCSF class | activity |
//! |---|---|---|
//! | 400 intrusion | 2004 Detection Finding | 1 Create |
//! | 9 impact alert, 2 packet, 110 extra data | 2004 Detection Finding (same `finding_info.uid` as the intrusion event) | 2 Update |
//! | 125 malware | 2004 Detection Finding | 1 Create |
//! | 112 correlation | 2004 Detection Finding | 1 Create |
//! | 71 connection | 4001 Network Activity | 1 Open / 2 Close |
//! | 500, 502 file | 4010 Network File Activity | 0 Unknown (direction kept in `unmapped`) |
//! | 95 user login, 170 VPN login, 171 VPN logoff | 3002 Authentication | 1 Logon / 2 Logoff |
//! | 92–94 user records | 5001 Device Inventory Info | 1 Log |
//! | discovery (10–31, 101, 103, …) | 5001 Device Inventory Info | 1 Log |
//! | metadata | skipped (nothing written) | |
//!
//! Every event carries the base required attributes with their caption siblings,
//! `metadata.version = "1.8.0"`, `metadata.product` (Cisco Secure Firewall Management Center),
//! `time` in epoch milliseconds and `timezone_offset` 0; record fields with no OCSF home go
//! under `unmapped` (resolved `@computed` names not used go to `unmapped.computed`).

use estreamer_wire::schema::{record_def, Family};
use estreamer_wire::{Obj, Value};
use serde_json::{json, Map, Value as J};

use super::ocsf_classes as classes;
use super::text::{event_time_ms, scalar_text, to_json};
use super::{MessageFormat, Payload};
use crate::OutputError;

/// OCSF schema version written in `metadata.version`.
pub const OCSF_VERSION: &str = "1.8.0";

/// OCSF 1.8.0 output.
#[derive(Debug, Clone)]
pub struct OcsfFormat {
    product_version: Option<String>,
}

impl OcsfFormat {
    /// OCSF with `metadata.product.version` set when given.
    pub fn new(product_version: Option<String>) -> OcsfFormat {
        OcsfFormat { product_version }
    }
}

/// Top-level keys that describe the encoding, not the event: never put in `unmapped`.
const BOOKKEEPING: &[&str] =
    &["recordType", "recordLength", "archiveTimestamp", "checksum", "blockType", "blockLength"];

/// A record being mapped: reads fields and remembers which ones were used.
pub(super) struct Fields<'a> {
    pub record: &'a Obj,
    computed: Option<&'a Obj>,
    used: Vec<&'a str>,
    used_computed: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    fn new(record: &'a Obj) -> Fields<'a> {
        let computed = record.get("@computed").and_then(Value::as_obj);
        Fields { record, computed, used: Vec::new(), used_computed: Vec::new() }
    }

    fn raw(&mut self, key: &'a str) -> Option<&'a Value> {
        let v = self.record.0.iter().find(|e| e.key == key && !e.hidden).map(|e| &e.value)?;
        self.used.push(key);
        Some(v)
    }

    /// Integer field.
    pub fn u(&mut self, key: &'a str) -> Option<u64> {
        match self.raw(key)? {
            Value::U(n) => Some(*n),
            _ => None,
        }
    }

    /// Text field (String blocks give their `data`); empty → `None`.
    pub fn text(&mut self, key: &'a str) -> Option<String> {
        let s = scalar_text(self.raw(key)?);
        (!s.is_empty()).then_some(s)
    }

    /// Address field, unless unset.
    pub fn ip(&mut self, key: &'a str) -> Option<String> {
        match self.raw(key)? {
            Value::Ip4(a) if *a != [0; 4] => Some(scalar_text(&Value::Ip4(*a))),
            Value::Ip6(a) if *a != [0; 16] => Some(scalar_text(&Value::Ip6(*a))),
            _ => None,
        }
    }

    /// A resolved name from `@computed`.
    pub fn c(&mut self, key: &'a str) -> Option<String> {
        let v = self.computed?.get(key)?;
        self.used_computed.push(key);
        let s = scalar_text(v);
        (!s.is_empty()).then_some(s)
    }

    /// Everything not used: printed top-level fields, then unused computed names.
    fn unmapped(&self) -> Map<String, J> {
        let mut m: Map<String, J> = self
            .record
            .0
            .iter()
            .filter(|e| {
                !e.hidden && e.key != "@computed" && !BOOKKEEPING.contains(&e.key) && !self.used.contains(&e.key)
            })
            .map(|e| (e.key.to_string(), to_json(&e.value)))
            .collect();
        if let Some(c) = self.computed {
            let rest: Map<String, J> =
                c.0.iter()
                    .filter(|e| !self.used_computed.contains(&e.key))
                    .map(|e| (e.key.to_string(), to_json(&e.value)))
                    .collect();
            if !rest.is_empty() {
                m.insert("computed".into(), J::Object(rest));
            }
        }
        m
    }
}

/// Insert `key` when `value` is present.
pub(super) fn put(m: &mut Map<String, J>, key: &str, value: Option<impl Into<J>>) {
    if let Some(v) = value {
        m.insert(key.to_string(), v.into());
    }
}

/// A class's identity and the event's activity and severity, set by the class mapper.
pub(super) struct Class {
    pub class_uid: u32,
    pub class_name: &'static str,
    pub category_uid: u32,
    pub category_name: &'static str,
    pub activity_id: u32,
    pub activity_name: &'static str,
    pub severity_id: u32,
    pub profiles: &'static [&'static str],
}

/// Caption of a `severity_id`.
pub(super) fn severity_caption(id: u32) -> &'static str {
    match id {
        1 => "Informational",
        2 => "Low",
        3 => "Medium",
        4 => "High",
        5 => "Critical",
        6 => "Fatal",
        99 => "Other",
        _ => "Unknown",
    }
}

impl MessageFormat for OcsfFormat {
    fn name(&self) -> &'static str {
        "ocsf"
    }

    fn write_message(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let rt = record.get_u("recordType").unwrap_or(0) as u32;
        let Some(family) = record_def(rt).map(|d| d.family) else { return Ok(()) };
        let mut f = Fields::new(record);
        let mut ev = Map::new();
        let class = match family {
            Family::Metadata => return Ok(()),
            Family::Intrusion => classes::intrusion(&mut f, &mut ev),
            Family::Impact | Family::Packet | Family::ExtraData => classes::intrusion_update(&mut f, &mut ev, family),
            Family::Malware => classes::malware(&mut f, &mut ev),
            Family::Correlation => classes::correlation(&mut f, &mut ev),
            Family::Connection => classes::connection(&mut f, &mut ev),
            Family::File => classes::file(&mut f, &mut ev),
            Family::User if rt != 95 => classes::discovery(&mut f, &mut ev),
            Family::User | Family::Vpn => classes::authentication(&mut f, &mut ev, rt),
            Family::Discovery => classes::discovery(&mut f, &mut ev),
        };
        let time = event_time_ms(record);
        let mut base = Map::new();
        base.insert("activity_id".into(), class.activity_id.into());
        base.insert("activity_name".into(), class.activity_name.into());
        base.insert("category_uid".into(), class.category_uid.into());
        base.insert("category_name".into(), class.category_name.into());
        base.insert("class_uid".into(), class.class_uid.into());
        base.insert("class_name".into(), class.class_name.into());
        base.insert("type_uid".into(), (u64::from(class.class_uid) * 100 + u64::from(class.activity_id)).into());
        base.insert("type_name".into(), format!("{}: {}", class.class_name, class.activity_name).into());
        base.insert("time".into(), time.into());
        base.insert("timezone_offset".into(), 0.into());
        base.insert("severity_id".into(), class.severity_id.into());
        base.insert("severity".into(), severity_caption(class.severity_id).into());
        let mut product = json!({"name": "Secure Firewall Management Center", "vendor_name": "Cisco"});
        if let Some(v) = &self.product_version {
            product["version"] = v.clone().into();
        }
        let mut metadata = Map::new();
        metadata.insert("version".into(), OCSF_VERSION.into());
        metadata.insert("product".into(), product);
        metadata.insert("log_name".into(), "estreamer".into());
        metadata.insert("event_code".into(), rt.to_string().into());
        put(
            &mut metadata,
            "original_time",
            record.get_u("archiveTimestamp").filter(|t| *t != 0).map(|t| t.to_string()),
        );
        if let Some(sensor) = f.c("sensor") {
            metadata.insert("reporter".into(), json!({ "name": sensor }));
        }
        if !class.profiles.is_empty() {
            metadata.insert("profiles".into(), json!(class.profiles));
        }
        base.insert("metadata".into(), J::Object(metadata));
        base.append(&mut ev);
        let unmapped = f.unmapped();
        if !unmapped.is_empty() {
            base.insert("unmapped".into(), J::Object(unmapped));
        }
        serde_json::to_writer(&mut *out, &base).map_err(|e| OutputError::Format {
            format: "ocsf",
            record_type: rt,
            reason: e.to_string(),
        })
    }

    fn payload(&self) -> Payload {
        Payload::JsonObject
    }
}
