//! Unknown is never fatal: unknown record types, unknown block versions, short and long bodies
//! decode without error, keep what they cannot place as hex, and are counted.

use estreamer_wire::value::Value;
use estreamer_wire::walk::UNPARSED_KEY;
use estreamer_wire::{decode_record, encode_record_body, IssueKind, IssueStats, RecordHead};

use crate::common;

fn vector_body(name: &str) -> Vec<u8> {
    common::event_data(name).body
}

fn head(rt: u32) -> RecordHead {
    RecordHead { record_type: rt, archive_ts: 7, checksum: 0 }
}

#[test]
fn unknown_record_type_is_kept_as_hex_and_counted() {
    let mut stats = IssueStats::default();
    let d = decode_record(head(9999), b"\x01\x02\x03");
    assert_eq!(d.issues.len(), 1);
    assert_eq!(d.issues[0].kind, IssueKind::UnknownRecordType);
    assert_eq!(d.value.get(UNPARSED_KEY), Some(&Value::Hex(vec![1, 2, 3])));
    assert_eq!(stats.note(&d.issues).len(), 1, "first of its kind: warn");
    assert_eq!(stats.note(&d.issues).len(), 0, "second: counted, not warned again");
    assert_eq!(stats.count(9999, IssueKind::UnknownRecordType), 2);
    // And it re-encodes to the same bytes.
    assert_eq!(encode_record_body(9999, &d.value, None).unwrap(), b"\x01\x02\x03");
}

#[test]
fn unknown_block_version_decodes_with_the_newest_layout() {
    let mut body = vector_body("r400_s2b85");
    body[3] = 99; // block type 99: not an intrusion block we know
    let d = decode_record(head(400), &body);
    assert_eq!(d.issues.len(), 1, "{:?}", d.issues);
    assert_eq!(d.issues[0].kind, IssueKind::UnknownBlockVersion(99));
    assert_eq!(d.value.get_u("blockType"), Some(99));
    assert_eq!(d.value.get_u("ruleId"), Some(2_000_123), "fields still decoded");
    let mut body = vector_body("r71_s1b174");
    body[56 + 3] = 172;
    let d = decode_record(head(71), &body);
    assert_eq!(d.issues[0].kind, IssueKind::UnknownBlockVersion(172));
}

#[test]
fn short_body_stops_at_a_field_boundary() {
    // An S2 81 body is an S2 85 body that ends early; cut an 85 body after `snortVersion`.
    let full = vector_body("r400_s2b85");
    let d85 = decode_record(head(400), &full);
    let cut = full.len() - 16 - 24 - 21 - 30 - 25 - 26 - 21; // drop originalSrcIP and the 6 strings
    let mut body = full[..cut].to_vec();
    body[4..8].copy_from_slice(&(cut as u32).to_be_bytes()); // block length
    let d = decode_record(head(400), &body);
    assert_eq!(d.issues.iter().map(|i| i.kind).collect::<Vec<_>>(), vec![IssueKind::ShortBody]);
    assert_eq!(d.value.get("snortVersion"), d85.value.get("snortVersion"));
    assert!(d.value.get("originalSrcIP").is_none());
    assert!(d.value.get(UNPARSED_KEY).is_none());
}

#[test]
fn truncated_field_keeps_the_rest_as_hex() {
    let full = vector_body("r66_flat");
    let body = &full[..full.len() - 5]; // the message text is shorter than its length says
    let d = decode_record(head(66), body);
    assert!(d.issues.iter().any(|i| i.kind == IssueKind::Truncated), "{:?}", d.issues);
    assert!(matches!(d.value.get(UNPARSED_KEY), Some(Value::Hex(h)) if !h.is_empty()));
    assert_eq!(d.value.get_u("ruleId"), Some(2_000_123));
}

#[test]
fn long_body_keeps_trailing_bytes_as_hex() {
    let mut body = vector_body("r123_idname");
    body.extend_from_slice(b"\xde\xad");
    let d = decode_record(head(123), &body);
    assert_eq!(d.issues.iter().map(|i| i.kind).collect::<Vec<_>>(), vec![IssueKind::TrailingBytes]);
    assert_eq!(d.value.get(UNPARSED_KEY), Some(&Value::Hex(vec![0xde, 0xad])));
    // A block whose length says more than its fields use: trailing bytes inside the block.
    let mut body = vector_body("r115_s2b14");
    body.extend_from_slice(&[0xAB; 3]);
    let n = body.len() as u32;
    body[4..8].copy_from_slice(&n.to_be_bytes());
    let d = decode_record(head(115), &body);
    assert_eq!(d.issues[0].kind, IssueKind::TrailingBytes);
    assert_eq!(d.issues[0].block.map(|b| b.1), Some(14));
}

#[test]
fn bad_lengths_inside_blocks_never_panic_or_loop() {
    let full = vector_body("r10_s1b139");
    for i in 0..full.len() {
        for v in [0u8, 1, 7, 8, 0x7f, 0xff] {
            let mut b = full.clone();
            b[i] = v;
            let _ = decode_record(head(10), &b);
        }
    }
}
