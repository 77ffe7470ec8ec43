//! JSON → record body, through the wire crate's schema tables.

use estreamer_wire::value::{mac_text, uuid_text};
use estreamer_wire::{encode_record_body, record_from_json, Obj, Value};

use crate::SensorError;

/// Canonical UUID text.
pub(crate) fn uuid_str(u: &[u8; 16]) -> String {
    uuid_text(u)
}

/// MAC text.
pub(crate) fn mac_str(m: &[u8; 6]) -> String {
    mac_text(m)
}

/// Lower-case hex.
pub(crate) fn hex(b: &[u8]) -> String {
    estreamer_wire::value::hex(b)
}

fn record_type_of(json: &serde_json::Value) -> u32 {
    json.get("recordType").and_then(serde_json::Value::as_u64).unwrap_or(0) as u32
}

/// Build the record value from JSON.
pub(crate) fn obj_from_json(json: &serde_json::Value, what: &'static str) -> Result<(u32, Obj), SensorError> {
    let record_type = record_type_of(json);
    let (head, obj) = record_from_json(json).map_err(|source| SensorError::Encode { record_type, what, source })?;
    Ok((head.record_type, obj))
}

/// Encode a record value's body.
pub(crate) fn encode_obj(record_type: u32, obj: &Obj, what: &'static str) -> Result<Vec<u8>, SensorError> {
    encode_record_body(record_type, obj, None).map_err(|source| SensorError::Encode { record_type, what, source })
}

/// JSON → (record type, body bytes).
pub(crate) fn encode_json(json: &serde_json::Value, what: &'static str) -> Result<(u32, Vec<u8>), SensorError> {
    let (rt, obj) = obj_from_json(json, what)?;
    Ok((rt, encode_obj(rt, &obj, what)?))
}

/// Set raw bytes under `key` (optionally inside the block under `block`): binary data must not
/// go through the JSON text form, which cannot tell hex text from bytes in every case.
pub(crate) fn set_data(obj: &mut Obj, block: Option<&'static str>, key: &'static str, bytes: Vec<u8>) {
    match block {
        None => obj.set(key, false, Value::Data(bytes)),
        Some(b) => {
            if let Some(e) = obj.0.iter_mut().find(|e| e.key == b) {
                if let Value::Obj(inner) = &mut e.value {
                    inner.set(key, false, Value::Data(bytes));
                    return;
                }
            }
            let mut inner = Obj::new();
            inner.set(key, false, Value::Data(bytes));
            obj.set(b, false, Value::Obj(inner));
        }
    }
}
