//! Shared helpers: reading fields out of a decoded record and rendering values as text.

use std::fmt::Write as _;

use estreamer_wire::value::{data_text, hex, ipv6_text, mac_text, uuid_text};
use estreamer_wire::{Obj, Value};

/// Follow a dotted path (`hostProfile.hops`, `user.username.data`). A list object on the way
/// (`{listType, listLength, items}`) is entered at its first item.
pub fn path<'a>(record: &'a Obj, dotted: &str) -> Option<&'a Value> {
    let mut parts = dotted.split('.');
    let mut cur = record.get(parts.next()?)?;
    for p in parts {
        let mut o = cur.as_obj()?;
        if o.get(p).is_none() {
            if let Some(Value::Arr(items)) = o.get("items") {
                o = items.first()?.as_obj()?;
            }
        }
        cur = o.get(p)?;
    }
    Some(cur)
}

/// The `@computed` object, if the record was decorated.
pub fn computed(record: &Obj) -> Option<&Obj> {
    record.get("@computed").and_then(Value::as_obj)
}

/// A computed key as text (names are strings; numbers print as digits).
pub fn computed_text(record: &Obj, key: &str) -> Option<String> {
    let v = computed(record)?.get(key)?;
    let s = scalar_text(v);
    (!s.is_empty()).then_some(s)
}

/// Integer field (also through a dotted path).
pub fn uint(record: &Obj, dotted: &str) -> Option<u64> {
    match path(record, dotted)? {
        Value::U(n) => Some(*n),
        _ => None,
    }
}

/// A field as text; a String block gives its `data`; empty text is `None`.
pub fn text(record: &Obj, dotted: &str) -> Option<String> {
    let s = scalar_text(path(record, dotted)?);
    (!s.is_empty()).then_some(s)
}

/// An address field as text, unless it is unset (`0.0.0.0`, `::`).
pub fn ip(record: &Obj, dotted: &str) -> Option<String> {
    match path(record, dotted)? {
        Value::Ip4(a) if *a != [0; 4] => Some(std::net::Ipv4Addr::from(*a).to_string()),
        Value::Ip6(a) if *a != [0; 16] => Some(ipv6_text(a)),
        _ => None,
    }
}

/// Whether an address text is IPv6 (not a dotted quad).
pub fn is_ipv6(addr: &str) -> bool {
    addr.contains(':')
}

/// Text of a scalar value as eNcore prints it in JSON, without quotes; a String block gives its
/// `data`; other objects and lists render as compact JSON.
pub fn scalar_text(v: &Value) -> String {
    let mut s = String::new();
    write_scalar(v, &mut s);
    s
}

/// Like [`scalar_text`], appending to `out`.
pub fn write_scalar(v: &Value, out: &mut String) {
    match v {
        Value::U(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Ip4(a) => {
            let _ = write!(out, "{}", std::net::Ipv4Addr::from(*a));
        }
        Value::Ip6(a) => out.push_str(&ipv6_text(a)),
        Value::Mac(m) => out.push_str(&mac_text(m)),
        Value::Uuid(u) => out.push_str(&uuid_text(u)),
        Value::Hex(b) => out.push_str(&hex(b)),
        Value::Data(b) => out.push_str(&data_text(b)),
        Value::Obj(o) => match o.get("data") {
            Some(d @ Value::Data(_)) => write_scalar(d, out),
            _ => o.write_json(out),
        },
        Value::Arr(_) => v.write_json(out),
    }
}

/// Convert a decoded value into a `serde_json::Value` with the JSON output's conventions
/// (hidden wire-only entries left out).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::U(n) => serde_json::Value::from(*n),
        Value::Obj(o) => serde_json::Value::Object(obj_to_json(o)),
        Value::Arr(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        other => serde_json::Value::String(scalar_text(other)),
    }
}

/// Convert an object (printed entries only).
pub fn obj_to_json(o: &Obj) -> serde_json::Map<String, serde_json::Value> {
    o.0.iter().filter(|e| !e.hidden).map(|e| (e.key.to_string(), to_json(&e.value))).collect()
}

/// Days-since-epoch civil date, for the text time stamps of CEF and syslog.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Split epoch seconds into (year, month, day, hour, minute, second) in UTC.
pub fn utc_parts(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
}

/// Event time of a record in milliseconds since the epoch (RECORDS.md §7.3 rule).
pub fn event_time_ms(record: &Obj) -> u64 {
    let (s, us) = estreamer_wire::view::event_time(record);
    u64::from(s) * 1000 + u64::from(us) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_parts_of_known_instants() {
        assert_eq!(utc_parts(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(utc_parts(1_718_000_000), (2024, 6, 10, 6, 13, 20));
        assert_eq!(utc_parts(951_782_400), (2000, 2, 29, 0, 0, 0));
    }

    #[test]
    fn path_enters_lists_at_the_first_item() {
        let mut item = Obj::new();
        item.push("index", Value::U(7));
        let mut list = Obj::new();
        list.push("listType", Value::U(31));
        list.push("items", Value::Arr(vec![Value::Obj(item)]));
        let mut inner = Obj::new();
        inner.push("vpnSession", Value::Obj(list));
        let mut r = Obj::new();
        r.push("userLogin", Value::Obj(inner));
        assert_eq!(uint(&r, "userLogin.vpnSession.index"), Some(7));
        assert_eq!(uint(&r, "userLogin.nothing"), None);
    }
}
