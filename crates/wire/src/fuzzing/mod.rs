//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay under `cargo test`:
//! each feeds arbitrary bytes to a decoder and panics only if a property is violated.

use crate::message::{Bundle, EventData, Message};
use crate::schema::blocks::S1_139;
use crate::schema::host_blocks::S1_92;
use crate::session::{ClientConfig, ClientSession, ServerConfig, ServerSession};
use crate::view::{decorate, MetadataCache};
use crate::{check, decode_block, decode_record, encode_block, encode_record_body, HostProfile, RecordHead};

/// Framing and message decoding; whatever decodes re-encodes to something that decodes the same.
pub fn message(data: &[u8]) {
    if let Ok(Some(n)) = check(data, 1 << 20) {
        if let Ok(m) = Message::decode(&data[..n]) {
            // Not byte equality: a Streaming Request's bytes after its terminator are tolerated.
            let again = m.to_bytes().expect("a decoded message encodes");
            assert_eq!(Message::decode(&again).expect("our encoding decodes"), m);
        }
    }
    let _ = EventData::parse(data);
    let _ = Bundle::read_lenient(data);
}

/// Record decoding through the schema tables, the computed view and JSON; a record that fit its
/// layout exactly re-encodes to the same bytes. The first two bytes pick the record type.
pub fn record(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let rt = u32::from(u16::from_be_bytes([data[0], data[1]])) % 1024;
    let body = &data[2..];
    let d = decode_record(RecordHead { record_type: rt, archive_ts: 1, checksum: 0 }, body);
    if d.issues.is_empty() {
        assert_eq!(encode_record_body(rt, &d.value, None).expect("a decoded record encodes"), body, "record {rt}");
    }
    let mut cache = MetadataCache::new();
    cache.learn(&d.value);
    let mut v = d.value;
    decorate(&mut v, &cache);
    let mut s = String::new();
    v.write_json(&mut s);
}

/// Both session state machines fed the bytes in small chunks, with time passing.
pub fn sessions(data: &[u8]) {
    let mut server = ServerSession::new(ServerConfig::default(), 0);
    let mut client = ClientSession::new(ClientConfig::default(), 0);
    for (i, chunk) in data.chunks(7).enumerate() {
        server.receive(chunk, i as u64);
        server.handle_timeout(i as u64 * 100);
        while server.poll_transmit().is_some() {}
        while server.poll_event().is_some() {}
        let _ = client.receive(chunk, i as u64);
        let _ = client.handle_timeout(i as u64 * 100);
        while client.poll_event().is_some() {}
        while client.poll_transmit().is_some() {}
    }
}

/// Host-profile answer blocks: the first byte picks block 92 (even) or S1 139 (odd). Decoding
/// never panics; a block that fits its layout re-encodes to the same bytes, and the host read
/// back from an S1 139 encodes to blocks that decode cleanly.
pub fn host_block(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let def = if pick % 2 == 0 { &S1_92 } else { &S1_139 };
    let d = decode_block(def, bytes);
    if d.issues.is_empty() {
        assert_eq!(encode_block(def, &d.value).expect("a decoded block encodes"), bytes, "block {}", def.number);
    }
    if def.number == 139 {
        let host = HostProfile::from_block139(&d.value);
        if let Some(b) = host.to_block92(true, true) {
            assert!(decode_block(&S1_92, &b).issues.is_empty());
        }
        assert!(decode_block(&S1_139, &host.to_block139(true)).issues.is_empty());
    }
}

mod ops;
pub use ops::{client_ops, server_ops};

/// Raw capture files (what `ingest --format raw` and `decode` read): entries come out whole, in
/// order, never beyond the input, and reading always ends.
pub fn capture(data: &[u8]) {
    let Ok(mut r) = crate::capture::Reader::new(data, 1 << 20) else { return };
    let mut last = None;
    let mut n = 0usize;
    while let Some(entry) = r.next() {
        n += 1;
        assert!(n <= data.len() + 1, "the reader always advances");
        if let Ok(e) = entry {
            assert!(last.is_none_or(|l| e.offset > l), "entries in order");
            last = Some(e.offset);
            assert_eq!(check(e.message, 1 << 20).expect("framed").expect("whole"), e.message.len());
        }
    }
}

/// JSON records (what `ingest --format json` reads): whatever the importer accepts encodes, and
/// decodes again without panicking.
pub fn json_record(data: &[u8]) {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok((head, value)) = crate::record_from_json(&json) else { return };
    if let Ok(body) = encode_record_body(head.record_type, &value, None) {
        let d = decode_record(head, &body);
        let mut s = String::new();
        d.value.write_json(&mut s);
    }
}
