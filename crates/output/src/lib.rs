//! Output for decoded eStreamer records: formats, sinks, and the pipeline between them.
//!
//! ```text
//!  RawRecord ──► Pipeline ───────────────────────────────► emit(facts, bytes) ──► Sink
//!               decode → learn metadata (sequential)                           stdout, file,
//!               → @computed → Formatter (per record, pure,                      tcp, udp, HEC
//!                 optionally on worker threads, order kept)
//! ```
//!
//! * [`Pipeline`]: one record stream in, framed bytes plus [`RecordFacts`] out, in order.
//! * [`Formatter`]: a [`MessageFormat`] (json, splunk, cef, syslog, ocsf) plus the [`Framing`]
//!   its destination needs.
//! * [`Sink`]: bytes to a destination; [`Sink::flush`] returns the [`FlushPosition`] to keep
//!   with the bookmark. [`parse_output`] reads an `--output` value, [`open_sink`] opens it.
//! * [`FlushSchedule`]: when a flush is due (record count or time, default 1000 / 1 s).

mod error;
pub mod flush;
pub mod formats;
pub mod pipeline;
pub mod sinks;

pub use error::OutputError;
pub use flush::{FlushPolicy, FlushSchedule};
pub use formats::{Format, FormatOptions, Formatter, Framing, MessageFormat, Payload, SyslogMessage};
pub use pipeline::{process_record, Pipeline, PipelineConfig, RawRecord, RecordFacts};
pub use sinks::{
    open_sink, parse_output, resolve_hec_token, FilePosition, FlushPosition, OpenReport, Sink, SinkConfig, SinkStats,
};
