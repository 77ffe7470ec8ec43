//! The decoded form of a record: a typed tree whose keys come from the schema tables.
//!
//! Values keep wire bytes (addresses, UUIDs, raw arrays) so that re-encoding is exact; the JSON
//! rendering (RECORDS.md §7.2 and the vector conventions) happens only on output.

use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Any unsigned integer field.
    U(u64),
    /// IPv4 address.
    Ip4([u8; 4]),
    /// IPv6 address (IPv4-mapped prints as a dotted quad).
    Ip6([u8; 16]),
    /// MAC address.
    Mac([u8; 6]),
    /// UUID in wire byte order.
    Uuid([u8; 16]),
    /// Opaque bytes always printed as lower-case hex.
    Hex(Vec<u8>),
    /// Text/BLOB/packet bytes: printed as UTF-8 without NULs, or hex when not UTF-8.
    Data(Vec<u8>),
    /// A block, record or list object.
    Obj(Obj),
    /// List items.
    Arr(Vec<Value>),
}

/// One key of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Key from the schema.
    pub key: &'static str,
    /// Wire-only fields are kept for re-encoding but not printed.
    pub hidden: bool,
    /// The value.
    pub value: Value,
}

/// An ordered object (wire order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Obj(pub Vec<Entry>);

impl Obj {
    /// Empty object.
    pub fn new() -> Self {
        Obj(Vec::new())
    }

    /// Value under `key`, hidden or not.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|e| e.key == key).map(|e| &e.value)
    }

    /// Value under `key`, searching from `*hint` (then wrapping); `*hint` moves past the match.
    /// Walking a layout in wire order over a decoded object finds each key at the hint, so a
    /// whole encode is linear instead of quadratic in the number of fields.
    pub fn find_from(&self, key: &str, hint: &mut usize) -> Option<&Value> {
        let n = self.0.len();
        let start = (*hint).min(n);
        let i = (start..n).chain(0..start).find(|&i| self.0[i].key == key)?;
        *hint = i + 1;
        Some(&self.0[i].value)
    }

    /// Integer under `key`.
    pub fn get_u(&self, key: &str) -> Option<u64> {
        match self.get(key) {
            Some(Value::U(n)) => Some(*n),
            _ => None,
        }
    }

    /// Append a printed entry.
    pub fn push(&mut self, key: &'static str, value: Value) {
        self.0.push(Entry { key, hidden: false, value });
    }

    /// Set `key` in place if present, else append.
    pub fn set(&mut self, key: &'static str, hidden: bool, value: Value) {
        if let Some(e) = self.0.iter_mut().find(|e| e.key == key) {
            e.value = value;
            e.hidden = hidden;
        } else {
            self.0.push(Entry { key, hidden, value });
        }
    }
}

impl Value {
    /// Object view, if this is an object.
    pub fn as_obj(&self) -> Option<&Obj> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// Render as compact JSON into `out`. This is the client's hot path: it formats straight
    /// into `out` without intermediate strings.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Value::U(n) => push_u64(out, *n),
            Value::Ip4(a) => {
                // By hand: the formatting machinery costs more than the digits.
                out.push('"');
                for (i, b) in a.iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    push_u64(out, u64::from(*b));
                }
                out.push('"');
            }
            Value::Ip6(a) => {
                let ip = Ipv6Addr::from(*a);
                let _ = match ip.to_ipv4_mapped() {
                    Some(v4) => write!(out, "\"{v4}\""),
                    None => write!(out, "\"{ip}\""),
                };
            }
            Value::Mac(m) => {
                out.push('"');
                for (i, b) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(':');
                    }
                    push_hex(out, *b);
                }
                out.push('"');
            }
            Value::Uuid(u) => {
                out.push('"');
                for (i, b) in u.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        out.push('-');
                    }
                    push_hex(out, *b);
                }
                out.push('"');
            }
            Value::Hex(b) => {
                out.push('"');
                b.iter().for_each(|x| push_hex(out, *x));
                out.push('"');
            }
            Value::Data(b) => match std::str::from_utf8(b) {
                // NULs are dropped (servers often send a trailing one).
                Ok(s) => write_json_str_filtered(out, s),
                Err(_) => {
                    out.push('"');
                    b.iter().for_each(|x| push_hex(out, *x));
                    out.push('"');
                }
            },
            Value::Obj(o) => o.write_json(out),
            Value::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out);
                }
                out.push(']');
            }
        }
    }

    /// Convert to a `serde_json::Value` (tests, comparisons).
    pub fn to_json(&self) -> serde_json::Value {
        let mut s = String::new();
        self.write_json(&mut s);
        serde_json::from_str(&s).expect("our JSON writer emits valid JSON")
    }
}

impl Obj {
    /// Render the printed entries as a JSON object.
    pub fn write_json(&self, out: &mut String) {
        out.push('{');
        let mut first = true;
        for e in self.0.iter().filter(|e| !e.hidden) {
            if !first {
                out.push(',');
            }
            first = false;
            // Keys come from the schema tables: plain identifiers, no escaping needed.
            out.push('"');
            out.push_str(e.key);
            out.push_str("\":");
            e.value.write_json(out);
        }
        out.push('}');
    }
}

/// Write a JSON string literal with escaping.
pub fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s, false);
    out.push('"');
}

/// Like [`write_json_str`], dropping NUL characters.
fn write_json_str_filtered(out: &mut String, s: &str) {
    out.push('"');
    escape_into(out, s, true);
    out.push('"');
}

/// Copy runs of plain bytes at once; only quotes, backslashes and control characters are
/// rewritten (they are ASCII, so slicing at them keeps UTF-8 boundaries).
fn escape_into(out: &mut String, s: &str, drop_nul: bool) {
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b >= 0x20 && b != b'"' && b != b'\\' {
            continue;
        }
        out.push_str(&s[run..i]);
        run = i + 1;
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0 if drop_nul => {}
            c => {
                let _ = write!(out, "\\u{:04x}", c);
            }
        }
    }
    out.push_str(&s[run..]);
}

fn push_u64(out: &mut String, mut n: u64) {
    if n < 10 {
        out.push(char::from(b'0' + n as u8));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(buf[i..].iter().map(|&d| char::from(d)));
}

fn push_hex(out: &mut String, b: u8) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.push(DIGITS[(b >> 4) as usize] as char);
    out.push(DIGITS[(b & 15) as usize] as char);
}

/// Lower-case hex of `b`.
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    b.iter().for_each(|x| push_hex(&mut s, *x));
    s
}

/// Parse lower/upper-case even-length hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

/// Text rendering of data bytes: UTF-8 minus NULs, or hex when not valid UTF-8.
pub fn data_text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.replace('\0', ""),
        Err(_) => hex(b),
    }
}

/// Bytes meant by a data string: a lower-case even-length hex string whose bytes are not
/// valid UTF-8 stands for those bytes, anything else for its UTF-8 text.
pub fn data_bytes(s: &str) -> Vec<u8> {
    if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)) {
        if let Some(b) = unhex(s) {
            if std::str::from_utf8(&b).is_err() {
                return b;
            }
        }
    }
    s.as_bytes().to_vec()
}

/// [`data_bytes`] when the JSON also says how many bytes the data has (`wire_len`, from a
/// String block's `blockLength` or a length field beside it): a hex string is read as the
/// bytes it spells only when that count is theirs and not the text's. A SHA-256 sent as its 64
/// hex characters (as an FMC sends a malware event's `fileShaHash`) thus stays text, although
/// the bytes it spells are not UTF-8. Without a count, or when the count fits neither reading
/// (an edited value), [`data_bytes`] decides.
pub fn data_bytes_sized(s: &str, wire_len: Option<u64>) -> Vec<u8> {
    if let Some(n) = wire_len {
        if n >= s.len() as u64 {
            // The text itself (NULs the rendering dropped make the count larger).
            return s.as_bytes().to_vec();
        }
        if n == (s.len() / 2) as u64 {
            if let Some(b) = unhex(s) {
                return b;
            }
        }
    }
    data_bytes(s)
}

/// IPv6 text: IPv4-mapped as dotted quad, all-zero as `::`.
pub fn ipv6_text(a: &[u8; 16]) -> String {
    let ip = Ipv6Addr::from(*a);
    match ip.to_ipv4_mapped() {
        Some(v4) => v4.to_string(),
        None => ip.to_string(),
    }
}

/// Parse an address for an IPv6 field (dotted quad becomes IPv4-mapped).
pub fn parse_ipv6(s: &str) -> Option<[u8; 16]> {
    if let Ok(v4) = s.parse::<Ipv4Addr>() {
        return Some(v4.to_ipv6_mapped().octets());
    }
    s.parse::<Ipv6Addr>().ok().map(|a| a.octets())
}

/// MAC text `aa:bb:..`.
pub fn mac_text(m: &[u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Parse `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let v: Vec<u8> = s.split(':').map(|p| u8::from_str_radix(p, 16).ok()).collect::<Option<_>>()?;
    v.try_into().ok()
}

/// Canonical lower-case UUID text.
pub fn uuid_text(u: &[u8; 16]) -> String {
    let h = hex(u);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

/// Parse a UUID with or without dashes.
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let compact: String = s.chars().filter(|c| *c != '-').collect();
    unhex(&compact)?.try_into().ok()
}
