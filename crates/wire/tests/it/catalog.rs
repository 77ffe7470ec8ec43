//! Every record type has all the rows the project keeps about it (see CONTRIBUTING.md), and the
//! check notices a missing one.

use estreamer_wire::schema::catalog::{family_def, missing_rows, Tables, FAMILIES, IDENTITY, TABLES, VERSIONED};
use estreamer_wire::schema::RECORDS;

#[test]
fn every_record_type_has_all_its_rows() {
    let missing = missing_rows(&TABLES);
    assert!(missing.is_empty(), "{missing:#?}");
    for (i, a) in FAMILIES.iter().enumerate() {
        assert!(FAMILIES[i + 1..].iter().all(|b| b.family != a.family), "{:?} twice", a.family);
    }
    assert_eq!(RECORDS.len(), 143);
    let _ = family_def(RECORDS[0].family);
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
