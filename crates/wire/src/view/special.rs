//! The computed keys that are not a lookup, referenced by name from their rows in `rules.rs`.
//! Each gets the row's key and the values of the row's fields, in order.

use super::cache::{bytes16, text_of, CacheKey};
use super::compute::{as_u64, Inputs, Out};
use super::rows::CacheTable;
use super::tables;
use crate::value::{data_text, unhex, Value};

/// A rule that is not a lookup: (output, computed key, field values).
pub(crate) type Special = fn(&mut Out<'_>, &'static str, &Inputs<'_>);

/// Impact alert (9): the text inside "[Impact: …]" of `description`, else the whole text with
/// double quotes made single.
pub(crate) fn impact_description(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    let Some(d) = inputs[0].and_then(text_of) else { return };
    let text = data_text(d);
    let inside = text.find("[Impact:").and_then(|start| {
        let inner = &text[start + "[Impact:".len()..];
        inner.find(']').map(|end| inner[..end].trim().to_string())
    });
    let desc = inside.unwrap_or_else(|| text.replace('"', "'"));
    out.push_str(key, &desc);
}

/// Access-control rule name by (policy UUID, rule id); rule 0 of a policy known from record 117
/// is "Default Action". Fields: policy UUID, rule id.
pub(crate) fn firewall_rule(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    let (Some(policy), Some(id)) = (inputs[0].and_then(bytes16), as_u64(inputs[1])) else { return };
    let cache = out.cache;
    let name = cache.name(CacheTable::FirewallRule, &CacheKey::UuidAndId(policy, id)).or_else(|| {
        (id == 0 && cache.name(CacheTable::AccessControlPolicyName, &CacheKey::Uuid(policy)).is_some())
            .then_some(tables::DEFAULT_ACTION)
    });
    if let Some(name) = name {
        out.push_str(key, name);
    }
}

/// Connection monitor rule (71): "N/A" for 0, else the rule's name in the connection's policy.
/// Fields: rule id, policy UUID.
pub(crate) fn monitor_rule(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    match as_u64(inputs[0]) {
        Some(0) => out.push_str(key, "N/A"),
        Some(id) => {
            let Some(policy) = inputs[1].and_then(bytes16) else { return };
            let cache = out.cache;
            if let Some(name) = cache.name(CacheTable::FirewallRule, &CacheKey::UuidAndId(policy, id)) {
                out.push_str(key, name);
            }
        }
        None => {}
    }
}

/// User records (92–95): the `user` block's own non-empty `username`, else the name of its
/// `userId` (record 98).
pub(crate) fn user_name(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    let Some(user) = inputs[0].and_then(Value::as_obj) else { return };
    match user.get("username").and_then(text_of).filter(|b| !b.is_empty()) {
        Some(name) => out.push(key, Value::Data(data_text(name).into_bytes())),
        None => out.name(key, CacheTable::User, user.get_u("userId").map(CacheKey::Id)),
    }
}

/// Discovery payloads (101, 103): the source application of the block's `sourceId` when the
/// record has no top-level one. Fields: the block's source id, the record's source id.
pub(crate) fn block_source(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    if as_u64(inputs[1]).is_none() {
        out.name(key, CacheTable::SourceApplication, as_u64(inputs[0]).map(CacheKey::Id));
    }
}

/// Extra data (110) of type 2: the original client address held as raw bytes in the BLOB.
/// Fields: type, blob.
pub(crate) fn original_source_ip(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    if let (Some(2), Some(b)) = (as_u64(inputs[0]), inputs[1].and_then(text_of)) {
        if let Ok(a) = <[u8; 16]>::try_from(b) {
            out.push(key, Value::Ip6(a));
        } else if let Ok(a) = <[u8; 4]>::try_from(b) {
            out.push(key, Value::Ip4(a));
        }
    }
}

/// Extra data (110) of type 9: the HTTP URI in the BLOB. Fields: type, blob.
pub(crate) fn extra_data_uri(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    if let (Some(9), Some(b)) = (as_u64(inputs[0]), inputs[1].and_then(text_of)) {
        out.push(key, Value::Data(b.to_vec()));
    }
}

/// Correlation (112) addresses: the IPv4 slot (an integer or an address), or the IPv6 one when
/// the IPv4 slot is empty or zero. Fields: IPv4 slot, IPv6 slot.
pub(crate) fn ipv4_or_ipv6(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    match (inputs[0], inputs[1]) {
        (Some(Value::U(0)) | Some(Value::Ip4([0, 0, 0, 0])) | None, Some(v @ Value::Ip6(_))) => {
            out.push(key, v.clone())
        }
        (Some(Value::U(n)), _) => out.push(key, Value::Ip4((*n as u32).to_be_bytes())),
        (Some(v @ Value::Ip4(_)), _) => out.push(key, v.clone()),
        _ => {}
    }
}

/// SHA-256 bytes from a raw field or from its hex text (record 125 carries it as a String).
pub(crate) fn sha_of(v: Option<&Value>) -> Option<[u8; 32]> {
    match v? {
        Value::Hex(b) => b.as_slice().try_into().ok(),
        v => {
            let b = text_of(v)?;
            if let Ok(a) = <[u8; 32]>::try_from(b) {
                if std::str::from_utf8(b).is_err() {
                    return Some(a);
                }
            }
            let s = std::str::from_utf8(b).ok()?.trim_end_matches('\0').trim();
            if s.len() != 64 {
                return None;
            }
            unhex(s)?.try_into().ok()
        }
    }
}

/// Whether a text is neither empty nor all NULs.
pub(crate) fn has_text(b: &[u8]) -> bool {
    !b.iter().all(|&x| x == 0)
}

/// Malware (125): the record's own detection name, else the threat name of its file's SHA-256
/// (record 511). Fields: detection name, file SHA-256.
pub(crate) fn detection_name(out: &mut Out<'_>, key: &'static str, inputs: &Inputs<'_>) {
    match inputs[0].and_then(text_of).filter(|b| has_text(b)) {
        Some(b) => out.push_str(key, &data_text(b)),
        None => out.name(key, CacheTable::FileSha, sha_of(inputs[1]).map(CacheKey::Sha256)),
    }
}

/// VPN login/logoff (170, 171): the first VPN session's items. Field: the login/logoff block.
pub(crate) fn vpn_session(out: &mut Out<'_>, _key: &'static str, inputs: &Inputs<'_>) {
    let Some(block) = inputs[0].and_then(Value::as_obj) else { return };
    let session = match block.get("vpnSession") {
        Some(Value::Obj(list)) => match list.get("items") {
            Some(Value::Arr(items)) => items.first().and_then(Value::as_obj),
            _ => None,
        },
        _ => None,
    };
    let Some(s) = session else { return };
    for key in ["index", "bytesReceived", "bytesTransmitted", "countryCode", "connectionDuration"] {
        if let Some(v) = s.get(key) {
            out.push(key, v.clone());
        }
    }
    if let Some(b) = s.get("clientOS").and_then(text_of) {
        out.push("clientOS", Value::Data(b.to_vec()));
    }
    if let Some(ip) = s.get("clientIP").and_then(bytes16) {
        out.push("clientIp", Value::Ip6(ip));
    }
    for key in ["clientApplication", "groupPolicy", "vpnConnectionProfile"] {
        if let Some(b) = s.get(key).and_then(text_of) {
            out.push(key, Value::Data(b.to_vec()));
        }
    }
    if let Some(name) = s.get_u("vpnType").and_then(|n| tables::find(tables::VPN_TYPES, n)) {
        out.push_str("vpnType", name);
    }
}
