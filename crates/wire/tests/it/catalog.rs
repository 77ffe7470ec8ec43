//! Every record type has all the rows the project keeps about it (see CONTRIBUTING.md), and the
//! check notices a missing one.

use estreamer_wire::schema::catalog::{family_def, missing_rows, Tables, FAMILIES, IDENTITY, TABLES, VERSIONED};
use estreamer_wire::schema::RECORDS;
use estreamer_wire::view::rows::{CacheTable, LearnRow, TableRow, CACHE_TABLES, LEARN, UNLEARNED};
use estreamer_wire::view::{missing_rows as missing_view_rows, ViewTables, VIEW_TABLES};

#[test]
fn every_record_type_has_all_its_rows() {
    let missing = missing_rows(&TABLES);
    assert!(missing.is_empty(), "{missing:#?}");
    for (i, a) in FAMILIES.iter().enumerate() {
        assert!(FAMILIES[i + 1..].iter().all(|b| b.family != a.family), "{:?} twice", a.family);
    }
    assert_eq!(RECORDS.len(), 143);
    let _ = family_def(RECORDS[0].family);
    let missing = missing_view_rows(&VIEW_TABLES);
    assert!(missing.is_empty(), "{missing:#?}");
    assert_eq!(CACHE_TABLES.len(), CacheTable::ALL.len());
}

#[test]
fn removing_a_view_row_is_noticed() {
    // What a metadata record teaches: record 123 (device names) loses its only row.
    let learn: Vec<LearnRow> = LEARN.iter().copied().filter(|l| !l.records.contains(&123)).collect();
    let missing = missing_view_rows(&ViewTables { learn: &learn, ..VIEW_TABLES });
    assert_eq!(missing, vec!["metadata record 123 has neither a LEARN row nor an UNLEARNED entry".to_string()]);
    // A record that teaches nothing must say so.
    let unlearned: Vec<u32> = UNLEARNED.iter().copied().filter(|&t| t != 614).collect();
    let missing = missing_view_rows(&ViewTables { unlearned: &unlearned, ..VIEW_TABLES });
    assert_eq!(missing, vec!["metadata record 614 has neither a LEARN row nor an UNLEARNED entry".to_string()]);
    // A cache table without its key-kind row: named, and so is every row that uses it.
    let tables: Vec<TableRow> = CACHE_TABLES.iter().copied().filter(|r| r.table != CacheTable::Device).collect();
    let missing = missing_view_rows(&ViewTables { tables: &tables, ..VIEW_TABLES });
    assert_eq!(
        missing,
        vec![
            "cache table Device has no CACHE_TABLES row (its key kind)".to_string(),
            "LEARN row of [123] for Device: the table has no row".to_string(),
        ]
    );
    let tables: Vec<TableRow> = CACHE_TABLES.iter().copied().filter(|r| r.table != CacheTable::FirewallRule).collect();
    let missing = missing_view_rows(&ViewTables { tables: &tables, ..VIEW_TABLES });
    assert_eq!(missing[0], "cache table FirewallRule has no CACHE_TABLES row (its key kind)");
    assert!(missing.contains(&"LEARN row of [119] for FirewallRule: the table has no row".to_string()), "{missing:?}");
    // A learn row whose key does not fit its table's key kind.
    let learn: Vec<LearnRow> = LEARN
        .iter()
        .map(|l| if l.table == CacheTable::IcmpCode { LearnRow { key: &["protocol", "type"], ..*l } } else { *l })
        .collect();
    let missing = missing_view_rows(&ViewTables { learn: &learn, ..VIEW_TABLES });
    assert_eq!(missing, vec!["LEARN row of [270] for IcmpCode: 2 key fields for a Ids([16, 16, 16]) key".to_string()]);
}

#[test]
fn removing_any_row_is_noticed() {
    // An identity row.
    let identity: Vec<_> = IDENTITY.iter().copied().filter(|(t, _)| *t != 123).collect();
    let missing = missing_rows(&Tables { identity: &identity, ..TABLES });
    assert_eq!(missing, vec!["metadata record 123 has no IDENTITY row".to_string()]);
    // A version row.
    let versioned: Vec<_> = VERSIONED.iter().copied().filter(|(t, _)| *t != 125).collect();
    let missing = missing_rows(&Tables { versioned: &versioned, ..TABLES });
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].starts_with("record 125 carries a versioned block"), "{missing:?}");
    // A family row: every record of the family is named.
    let families: Vec<_> = FAMILIES.iter().filter(|f| f.name != "malware").collect();
    let families: Vec<_> = families.into_iter().map(|f| estreamer_wire::schema::catalog::FamilyDef { ..*f }).collect();
    let missing = missing_rows(&Tables { families: &families, ..TABLES });
    assert_eq!(missing, vec!["record 125: family Malware has no FAMILIES row".to_string()]);
}

#[test]
fn identity_keys_come_from_the_decoded_fields() {
    use estreamer_wire::schema::catalog::metadata_identity;
    let a = metadata_identity(123, b"\0\0\0\x01\0\0\0\x03abc").unwrap();
    let b = metadata_identity(123, b"\0\0\0\x01\0\0\0\x03xyz").unwrap();
    let c = metadata_identity(123, b"\0\0\0\x02\0\0\0\x03abc").unwrap();
    assert_eq!(a, b, "same id, other name: same entry");
    assert_ne!(a, c);
    assert!(metadata_identity(400, &[0; 8]).is_none(), "events have no identity");
}
