//! Replay sources: a raw capture (or bare message file) and JSON lines in the client's shape,
//! turned into numbered batches for a [`BatchSink`]. Batch boundaries depend only on the input
//! and the options, so a replay started again resumes like the sensor does.

use std::io::BufRead;

use estreamer_ingest::pace::{Clock, Schedule};
use estreamer_ingest::{Batch, BatchSink, Record, SinkSummary};
use estreamer_wire::capture::{self, CaptureError};
use estreamer_wire::message::{Bundle, Message};
use estreamer_wire::schema::catalog::is_metadata;
use estreamer_wire::schema::record_def;
use estreamer_wire::{encode_record_body, record_from_json, WireError};

use crate::SensorError;

/// Largest message read from a capture.
pub const MAX_CAPTURE_MESSAGE: usize = 64 << 20;

/// Replay speed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// As fast as the sink takes it.
    Fast,
    /// The capture's relative timing, `f` times faster (1.0: original).
    Speed(f64),
}

impl std::str::FromStr for Pace {
    type Err = String;
    /// `fast`, `original` or `xN` (e.g. `x10`, `x0.5`).
    fn from_str(s: &str) -> Result<Pace, String> {
        match s {
            "fast" => Ok(Pace::Fast),
            "original" => Ok(Pace::Speed(1.0)),
            _ => match s.strip_prefix('x').and_then(|n| n.parse::<f64>().ok()) {
                Some(f) if f > 0.0 && f.is_finite() => Ok(Pace::Speed(f)),
                _ => Err(format!("{s:?}: expected original, fast or xN (N > 0, e.g. x10)")),
            },
        }
    }
}

/// What a replay did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplaySummary {
    /// Records handed to the sink (metadata included).
    pub records: u64,
    /// Of which metadata.
    pub metadata: u64,
    /// Of which of a type outside the catalog (kept byte for byte, never served).
    pub unknown_types: u64,
    /// Batches handed to the sink.
    pub batches: u64,
    /// Messages in the capture that hold no records (Null, Error, requests...): skipped.
    pub skipped_messages: u64,
    /// A torn last entry (a writer killed mid-write), not replayed.
    pub torn_tail: Option<String>,
    /// What the sink reported.
    pub sink: SinkSummary,
}

/// One record of a capture, with its receive time.
struct Captured {
    received_us: Option<u64>,
    record: Record,
}

/// Replay a raw capture or bare message file: every record of every Event Data message and
/// bundle, byte for byte (unknown record types included), metadata first, in batches of at most
/// `batch_records`; with a [`Pace::Speed`] and a capture that has receive times, events keep
/// their relative timing (a batch holds the records due within 50 ms of its first). The store
/// stamps its own archival time: the capture's archival timestamps are not kept.
pub fn replay_raw(
    bytes: &[u8],
    sink: &mut dyn BatchSink,
    pace: Pace,
    batch_records: usize,
    clock: &dyn Clock,
) -> Result<ReplaySummary, SensorError> {
    let mut summary = ReplaySummary::default();
    let mut reader = capture::Reader::new(bytes, MAX_CAPTURE_MESSAGE).map_err(capture_err)?;
    let (mut meta, mut events) = (Vec::new(), Vec::new());
    while let Some(entry) = reader.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e @ CaptureError::TornTail { .. }) => {
                tracing::warn!(error = %e, "capture ends with a torn entry; replaying what precedes it");
                summary.torn_tail = Some(e.to_string());
                break;
            }
            Err(e) => return Err(capture_err(e)),
        };
        let items = match Message::decode(entry.message) {
            Ok(Message::EventData(ed)) => vec![ed],
            Ok(Message::Bundle(Bundle { items, .. })) => items,
            Ok(_) => {
                summary.skipped_messages += 1;
                continue;
            }
            Err(source) => return Err(capture_err(CaptureError::Message { offset: entry.offset, source })),
        };
        for ed in items {
            let c = Captured {
                received_us: entry.received_us,
                record: Record { record_type: ed.record_type, body: ed.body },
            };
            if is_metadata(c.record.record_type) {
                meta.push(c);
            } else {
                summary.unknown_types += u64::from(record_def(c.record.record_type).is_none());
                events.push(c);
            }
        }
    }
    summary.metadata = meta.len() as u64;
    summary.records = (meta.len() + events.len()) as u64;
    let per_batch = batch_records.max(1);
    let mut seq = 0;
    let mut meta = meta.into_iter().peekable();
    while meta.peek().is_some() {
        seq += 1;
        sink.send(Batch { seq, raw: true, records: meta.by_ref().take(per_batch).map(|c| c.record).collect() })?;
        summary.batches += 1;
    }
    let mut schedule = match pace {
        Pace::Speed(f) => Some(Schedule::new(f, clock.now())),
        Pace::Fast => None,
    };
    let mut events = events.into_iter().peekable();
    while let Some(first) = events.next() {
        let t0 = first.received_us;
        let mut records = vec![first.record];
        while records.len() < per_batch {
            let fits = events.peek().is_some_and(|next| match (&schedule, t0, next.received_us) {
                (Some(_), Some(a), Some(b)) => b.saturating_sub(a) as f64 <= 50_000.0 * speed(pace),
                _ => true,
            });
            if !fits {
                break;
            }
            records.push(events.next().expect("peeked").record);
        }
        if let (Some(s), Some(t)) = (schedule.as_mut(), t0) {
            if seq >= sink.resume_after() {
                s.wait_for(t, clock);
            }
        }
        seq += 1;
        sink.send(Batch { seq, raw: true, records })?;
        summary.batches += 1;
    }
    summary.sink = sink.finish()?;
    Ok(summary)
}

fn speed(p: Pace) -> f64 {
    match p {
        Pace::Speed(f) => f,
        Pace::Fast => 1.0,
    }
}

fn capture_err(e: CaptureError) -> SensorError {
    SensorError::Replay { what: e.to_string() }
}

/// A JSON line that cannot be ingested: its number (from 1) and why.
#[derive(Debug, thiserror::Error)]
#[error("line {line}: {source}")]
pub struct JsonLineError {
    /// Line number, from 1.
    pub line: u64,
    /// What is wrong.
    #[source]
    pub source: WireError,
}

/// Replay JSON lines in the client's shape (strict, see [`estreamer_wire::from_json`]) in
/// batches of `batch_lines` lines (0: the whole input is one batch). A line that does not
/// read refuses its whole batch — nothing of it is stored — and ends the replay with its line
/// number; the batches before it are stored.
pub fn replay_json(
    input: &mut dyn BufRead,
    sink: &mut dyn BatchSink,
    batch_lines: usize,
) -> Result<ReplaySummary, SensorError> {
    let mut summary = ReplaySummary::default();
    let mut seq = 0;
    let mut records = Vec::new();
    let mut raw = false;
    let mut line_no = 0u64;
    let mut text = String::new();
    loop {
        text.clear();
        let n = input
            .read_line(&mut text)
            .map_err(|e| SensorError::Replay { what: format!("reading line {}: {e}", line_no + 1) })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        let record = json_record(line).map_err(|source| JsonLineError { line: line_no, source })?;
        summary.metadata += u64::from(is_metadata(record.record_type));
        raw |= record_def(record.record_type).is_none();
        summary.unknown_types += u64::from(record_def(record.record_type).is_none());
        records.push(record);
        if batch_lines > 0 && records.len() >= batch_lines {
            seq += 1;
            summary.records += records.len() as u64;
            sink.send(Batch { seq, raw, records: std::mem::take(&mut records) })?;
            summary.batches += 1;
            raw = false;
        }
    }
    if !records.is_empty() {
        seq += 1;
        summary.records += records.len() as u64;
        sink.send(Batch { seq, raw, records })?;
        summary.batches += 1;
    }
    summary.sink = sink.finish()?;
    Ok(summary)
}

fn json_record(line: &str) -> Result<Record, WireError> {
    let j: serde_json::Value =
        serde_json::from_str(line).map_err(|e| WireError::Json { what: format!("not JSON: {e}") })?;
    let (head, obj) = record_from_json(&j)?;
    Ok(Record { record_type: head.record_type, body: encode_record_body(head.record_type, &obj, None)? })
}
