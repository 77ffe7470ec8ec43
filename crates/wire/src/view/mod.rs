//! The computed view (`@computed`, RECORDS.md §7.3): a metadata cache that learns names from
//! metadata records, and the per-record keys that resolve ids and UUIDs through it.
//!
//! * [`MetadataCache`]: fed with every decoded record ([`MetadataCache::learn`]); persists as a
//!   versioned JSON document.
//! * [`computed`] / [`decorate`]: the `@computed` object of a record.
//! * [`event_time`] / [`rfc3339`]: the event time rule and its UTC rendering.
//!
//! Where eNcore 5.2.11 leaves a key out or gets it wrong (RECORDS.md §7.3 "except" table, §8 #18
//! and #30), this view produces the correct value: user names are plain strings (400, 71, 94/95,
//! 500/502, 112 `sourceUser`/`destinationUser`, 125 `agentUser`), SHA-based `detection` /
//! `detectionName` resolve through record 511, record 112 gets `eventType` and the copied
//! `sourceIp`/`destinationIp`, record 110 type 2 gets `originalSrcIP`, record 119 gets
//! `firewallPolicy`, and records 282 and 350 are cached. Lookups that miss leave the key out.
//! All built-in value tables are static data in [`tables`].
//!
//! What the view knows is data: the cache tables and what each metadata record teaches are rows
//! in [`rows`], the per-record computed keys are rows in `rules.rs` (a few rules that are not
//! lookups are named functions in `special.rs`), and [`missing_rows`] checks they are complete.

mod cache;
mod check;
mod compute;
pub mod rows;
mod rules;
mod special;
pub mod tables;

pub use cache::MetadataCache;
pub use check::{missing_rows, ViewTables, VIEW_TABLES};

use crate::value::{Obj, Value};

/// The `@computed` object for a decoded record (RECORDS.md §7.3).
///
/// Always: `recordTypeDescription`, `recordTypeCategory` (catalogued types), `eventSecond`,
/// `eventMicrosecond`, `eventDateTime`; `sensor`, `eventDescription` and `source` when the
/// record has the fields and the names are known; then the per-record keys.
///
/// `eventDateTime` is RFC 3339 in **UTC** with microseconds (see [`rfc3339`]), not the
/// collector's local time as in eNcore, so output does not depend on where it is produced.
pub fn computed(record: &Obj, cache: &MetadataCache) -> Obj {
    compute::computed(record, cache)
}

/// Set `"@computed": computed(..)` on the record (a visible entry; replaced if present).
pub fn decorate(record: &mut Obj, cache: &MetadataCache) {
    let c = computed(record, cache);
    record.set("@computed", false, Value::Obj(c));
}

/// Event time per RECORDS.md §7.3 as (seconds, microseconds): the first non-zero of
/// `eventSecond` (+`eventMicrosecond`), `fileEventTimestamp`, `triggerEventSecond`
/// (+`triggerEventMicrosecond`), `timestamp`, `malwareEventTimestamp`; else `archiveTimestamp`.
pub fn event_time(record: &Obj) -> (u32, u32) {
    compute::event_time_obj(record)
}

/// RFC 3339 UTC time with six fractional digits, e.g. `2025-06-15T15:06:41.123457Z`.
/// Microseconds of a second or more carry into the seconds.
pub fn rfc3339(secs: u32, micros: u32) -> String {
    let total = u64::from(secs) + u64::from(micros / 1_000_000);
    let micros = micros % 1_000_000;
    let days = (total / 86_400) as i64;
    let rem = total % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z", rem / 3600, rem / 60 % 60, rem % 60)
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March-based
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(59), (1970, 3, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn impact_levels() {
        use compute::impact_level;
        assert_eq!(impact_level(0), 0);
        assert_eq!(impact_level(0x01), 4);
        assert_eq!(impact_level(0x02), 3);
        assert_eq!(impact_level(0x03), 3);
        assert_eq!(impact_level(0x06), 2);
        assert_eq!(impact_level(0x07), 2);
        assert_eq!(impact_level(0x08), 1);
        assert_eq!(impact_level(0x80 | 0x07), 1);
        assert_eq!(impact_level(0x04), 0);
        assert_eq!(impact_level(0x05), 4);
    }
}
