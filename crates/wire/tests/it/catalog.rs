//! Every record type has all the rows the project keeps about it (see CONTRIBUTING.md).

use estreamer_wire::schema::catalog::{
    family_def, identity_fields, versions, FAMILIES, UNVERSIONED_CHOICES, VERSIONED,
};
use estreamer_wire::schema::{Family, Ty, RECORDS};

/// Whether a record body holds a block whose version is chosen by its wire type.
fn has_choice(fields: &[estreamer_wire::schema::Field]) -> bool {
    fields.iter().any(|f| matches!(f.ty, Ty::Choice(_) | Ty::BlockChoice(_)))
}

#[test]
fn every_family_has_a_row_and_every_row_is_reachable() {
    for r in RECORDS {
        let row = family_def(r.family);
        assert!(row.legacy_bits != 0 || row.code.is_some(), "family {:?} cannot be requested", r.family);
    }
    for (i, a) in FAMILIES.iter().enumerate() {
        assert!(FAMILIES[i + 1..].iter().all(|b| b.family != a.family), "{:?} twice", a.family);
    }
}

#[test]
fn every_metadata_record_has_an_identity_and_nothing_else_does() {
    for r in RECORDS {
        let identity = identity_fields(r.record_type);
        match r.family {
            Family::Metadata => {
                let keys = identity.unwrap_or_else(|| panic!("metadata record {} has no IDENTITY row", r.record_type));
                assert!(!keys.is_empty());
            }
            _ => assert!(identity.is_none(), "record {} is not metadata but has an identity", r.record_type),
        }
    }
}

#[test]
fn every_record_with_a_versioned_block_has_a_version_row_or_is_listed_as_fixed() {
    for r in RECORDS {
        if !has_choice(r.body) {
            assert!(versions(r.record_type).is_none(), "record {}: a version row without a choice", r.record_type);
            continue;
        }
        let listed = UNVERSIONED_CHOICES.contains(&r.record_type);
        assert!(
            versions(r.record_type).is_some() != listed,
            "record {}: needs exactly one of a VERSIONED row or an UNVERSIONED_CHOICES entry",
            r.record_type
        );
    }
    for (rt, v) in VERSIONED {
        assert!(!v.table.is_empty());
        assert!(v.table.windows(2).all(|w| w[0].0 < w[1].0), "record {rt}: versions ascend");
        assert!(family_def(estreamer_wire::schema::record_def(*rt).unwrap().family).code.is_some(), "{rt}: no code");
    }
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
