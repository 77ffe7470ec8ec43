//! `splunk`: eNcore's Splunk key=value line (RECORDS.md §7.6, Appendix B; eNcore 5.2.11 names).
//!
//! * `rec_type=<n>` first, `event_sec=<n>` next (when present), then the record's mapped raw
//!   fields in the order of its Appendix B row, then the `@computed` keys in the order of the
//!   §7.3 table, renamed by it. A computed key whose Splunk name a raw field already used
//!   replaces that value in place. Unmapped fields are not written.
//! * Record 502 (file malware event) uses record 500's row (Appendix B lists 500 only; the two
//!   share their layouts).
//! * Values: numbers, addresses, MACs and hex plainly; UUIDs in double quotes; text in double
//!   quotes when it contains a space or `=`, `""` when empty; a newline becomes `\n`, a carriage
//!   return is removed. Unlike eNcore, a value containing `"` is quoted too and each `"` written `\"`, so the
//!   line still parses. Nested objects and lists (none of the mapped keys in practice) are compact
//!   JSON, quoted by the same rule.

use std::collections::HashMap;
use std::sync::OnceLock;

use estreamer_wire::value::uuid_text;
use estreamer_wire::{Obj, Value};

use super::text::write_scalar;
use super::{MessageFormat, Payload};
use crate::OutputError;

/// The key map, generated from the spec tables.
const KEY_MAP: &str = include_str!("splunk_keys.txt");

struct KeyMap {
    /// Record type → (dotted eNcore path, Splunk key), in eNcore's order.
    raw: HashMap<u32, Vec<(&'static str, &'static str)>>,
    /// (`@computed` key, Splunk key), in eNcore's order.
    computed: Vec<(&'static str, &'static str)>,
}

fn key_map() -> &'static KeyMap {
    static MAP: OnceLock<KeyMap> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut raw: HashMap<u32, Vec<_>> = HashMap::new();
        let mut computed = Vec::new();
        for line in KEY_MAP.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            let mut w = line.split_whitespace();
            let (Some(first), a, b) = (w.next(), w.next(), w.next()) else { continue };
            match (first, a, b) {
                ("computed", Some(view), Some(key)) => computed.push((view, key)),
                (rt, src, dst) => {
                    let Ok(rt) = rt.parse::<u32>() else { continue };
                    let row = raw.entry(rt).or_default();
                    if let (Some(src), Some(dst)) = (src, dst) {
                        row.push((src, dst));
                    }
                }
            }
        }
        KeyMap { raw, computed }
    })
}

/// The Splunk keys written for a record type's raw fields, in order (tests, docs).
pub fn raw_keys(record_type: u32) -> Vec<(&'static str, &'static str)> {
    let rt = if record_type == 502 { 500 } else { record_type };
    key_map().raw.get(&rt).cloned().unwrap_or_default()
}

/// Follow a dotted path through printed entries only (wire-only fields are not output).
fn visible_path<'a>(record: &'a Obj, dotted: &str) -> Option<&'a Value> {
    let mut obj = record;
    let mut parts = dotted.split('.').peekable();
    while let Some(p) = parts.next() {
        let mut v = obj.0.iter().find(|e| e.key == p && !e.hidden).map(|e| &e.value);
        if v.is_none() {
            // A list on the way is entered at its first item.
            if let Some(Value::Arr(items)) = obj.get("items") {
                obj = items.first()?.as_obj()?;
                v = obj.0.iter().find(|e| e.key == p && !e.hidden).map(|e| &e.value);
            }
        }
        let v = v?;
        if parts.peek().is_none() {
            return Some(v);
        }
        obj = v.as_obj()?;
    }
    None
}

/// Render one value with eNcore's quoting rules.
fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::Uuid(u) => {
            out.push('"');
            out.push_str(&uuid_text(u));
            out.push('"');
        }
        Value::U(_) | Value::Ip4(_) | Value::Ip6(_) | Value::Mac(_) | Value::Hex(_) => write_scalar(v, out),
        _ => {
            let mut s = String::new();
            write_scalar(v, &mut s);
            write_text(&s, out);
        }
    }
}

/// Text value: `\n` for newlines, no CR, quoted when it has a space or `=`, `""` when empty.
pub(crate) fn write_text(s: &str, out: &mut String) {
    let quote = s.is_empty() || s.contains([' ', '=', '"']);
    if quote {
        out.push('"');
    }
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    if quote {
        out.push('"');
    }
}

/// eNcore's Splunk key=value output.
#[derive(Debug, Clone, Copy, Default)]
pub struct SplunkFormat;

impl MessageFormat for SplunkFormat {
    fn name(&self) -> &'static str {
        "splunk"
    }

    fn write_message(&self, record: &Obj, out: &mut Vec<u8>) -> Result<(), OutputError> {
        let rt = record.get_u("recordType").unwrap_or(0) as u32;
        let map = key_map();
        let mut pairs: Vec<(&'static str, &Value)> = Vec::with_capacity(64);
        for (src, key) in raw_keys(rt) {
            if let Some(v) = visible_path(record, src) {
                pairs.push((key, v));
            }
        }
        if let Some(c) = record.get("@computed").and_then(Value::as_obj) {
            for (view, key) in &map.computed {
                if let Some(v) = c.get(view) {
                    match pairs.iter_mut().find(|(k, _)| k == key) {
                        Some(slot) => slot.1 = v,
                        None => pairs.push((key, v)),
                    }
                }
            }
        }
        let mut line = String::with_capacity(1024);
        line.push_str("rec_type=");
        line.push_str(&rt.to_string());
        if let Some((_, v)) = pairs.iter().find(|(k, _)| *k == "event_sec") {
            line.push_str(" event_sec=");
            write_value(v, &mut line);
        }
        for (k, v) in pairs.iter().filter(|(k, _)| *k != "event_sec" && *k != "rec_type") {
            line.push(' ');
            line.push_str(k);
            line.push('=');
            write_value(v, &mut line);
        }
        out.extend_from_slice(line.as_bytes());
        Ok(())
    }

    fn payload(&self) -> Payload {
        Payload::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_map_has_every_appendix_b_row_and_the_computed_table() {
        let m = key_map();
        assert_eq!(raw_keys(2).first(), Some(&("deviceId", "device_id")));
        assert!(m.raw.contains_key(&73), "a row with nothing mapped is still a row");
        assert!(raw_keys(73).is_empty());
        assert!(raw_keys(71).contains(&("userId", "user_id")), "N's name for 71's userId");
        assert!(m.computed.contains(&("transportProtocol", "ip_proto")));
        assert!(!m.computed.iter().any(|(k, _)| *k == "eventDateTime"), "not written");
        assert_eq!(raw_keys(502), raw_keys(500));
    }

    #[test]
    fn quoting_follows_encore() {
        let mut s = String::new();
        for t in ["plain", "two words", "a=b", "", "line\r\nnext", "say \"hi\" now"] {
            write_text(t, &mut s);
            s.push('|');
        }
        assert_eq!(s, "plain|\"two words\"|\"a=b\"|\"\"|line\\nnext|\"say \\\"hi\\\" now\"|");
        let mut u = String::new();
        write_value(&Value::Uuid([0x11; 16]), &mut u);
        assert_eq!(u, "\"11111111-1111-1111-1111-111111111111\"");
    }
}
