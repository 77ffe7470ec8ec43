//! The output side of a client: records → [`Pipeline`] → [`Sink`], flushed on a
//! [`FlushSchedule`], each flush followed by the bookmark; and the resume rules that make a file
//! output exactly once (see `docs/client.md`).
//!
//! State kept between flushes: the highest archival timestamp delivered (`cur_ts`) and how many
//! records of that second were delivered (`cur_count`). A flush writes the sink out (durably for
//! a file), then saves `{cur_ts, cur_count, file position}` atomically. On resume the server
//! sends again everything from `cur_ts` on (PROTOCOL.md §4.1); the first `cur_count` records of
//! that second, and anything older, are skipped here, and a file output was first cut back to
//! the saved position, so nothing on disk is written twice and nothing is lost.

use std::path::PathBuf;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;

use estreamer_output::{
    open_sink, FlushPolicy, FlushPosition, FlushSchedule, Format, FormatOptions, Formatter, OutputError, Payload,
    Pipeline, PipelineConfig, RawRecord, RecordFacts, Sink, SinkConfig,
};
use estreamer_wire::message::EventData;
use estreamer_wire::view::MetadataCache;
use estreamer_wire::IssueStats;
use tracing::{info, warn};

use crate::bookmark::{self, Bookmark, BookmarkFormat};
use crate::metrics::ServerMetrics;
use crate::{ClientError, ClientSummary, Start};

/// What is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// Every message exactly as received, in the `wire::capture` format (header, then receive
    /// time and message per entry). Files, stdout and TCP only.
    Raw,
    /// Decoded records in one of the output crate's formats.
    Records(Format),
}

impl OutputFormat {
    /// `raw` or any `Format::parse` name.
    pub fn parse(s: &str) -> Result<OutputFormat, estreamer_output::OutputError> {
        if s.trim().eq_ignore_ascii_case("raw") {
            return Ok(OutputFormat::Raw);
        }
        Format::parse(s).map(OutputFormat::Records)
    }
}

/// Where and how records are written.
#[derive(Debug, Clone)]
pub struct OutputOptions {
    /// Destination (`--output`).
    pub sink: SinkConfig,
    /// Format (`--format`).
    pub format: OutputFormat,
    /// Format settings.
    pub format_options: FormatOptions,
    /// Add the `@computed` view.
    pub computed: bool,
    /// When to flush (and save the bookmark).
    pub flush: FlushPolicy,
    /// Tag every record with this server name (multi-server configurations).
    pub server_tag: Option<String>,
    /// Threads that decode and format records (output order kept); 0 = one per core.
    pub threads: usize,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            sink: SinkConfig::Stdout,
            format: OutputFormat::Records(Format::Json),
            format_options: FormatOptions::default(),
            computed: true,
            flush: FlushPolicy::default(),
            server_tag: None,
            threads: 0,
        }
    }
}

/// Bookmark and metadata cache files.
#[derive(Debug, Clone, Default)]
pub struct StateFiles {
    /// Bookmark file (none: nothing is saved and `Start::Bookmark` means oldest).
    pub bookmark: Option<PathBuf>,
    /// Metadata cache (default: the bookmark path with extension `cache`).
    pub cache: Option<PathBuf>,
    /// Bookmark format.
    pub format: BookmarkFormat,
}

impl StateFiles {
    /// The cache path in use.
    pub fn cache_path(&self) -> Option<PathBuf> {
        self.cache.clone().or_else(|| self.bookmark.as_ref().map(|b| b.with_extension("cache")))
    }
}

/// Delivery state shared by the emit callback.
struct Tracker {
    sink: Box<dyn Sink>,
    schedule: FlushSchedule,
    cur_ts: u32,
    cur_count: u64,
    /// Resume: records below `skip_ts`, and the first `skip_left` at `skip_ts`, were delivered.
    skip_ts: u32,
    skip_left: u64,
    metrics: Arc<ServerMetrics>,
    summary: ClientSummary,
    issues: IssueStats,
    /// Event records done with: delivered or skipped as re-sent.
    settled_events: u64,
}

impl Tracker {
    fn emit(&mut self, facts: &RecordFacts, bytes: &[u8], now: Instant) -> Result<(), OutputError> {
        let ts = facts.archive_ts;
        if ts < self.skip_ts || (ts == self.skip_ts && self.skip_left > 0) {
            if ts == self.skip_ts {
                self.skip_left -= 1;
            }
            self.summary.skipped += 1;
            self.metrics.skipped.fetch_add(1, Relaxed);
            self.settled_events += u64::from(!facts.is_metadata);
            return Ok(());
        }
        if !bytes.is_empty() {
            self.sink.write(facts, bytes)?;
        }
        self.delivered(facts.record_type, ts, !facts.is_metadata, bytes.len(), now);
        self.summary.layout_issues += facts.issues.len() as u64;
        if !facts.issues.is_empty() {
            self.metrics.decode_warnings.fetch_add(1, Relaxed);
        }
        for issue in self.issues.note(&facts.issues) {
            warn!(server = %self.metrics.name, %issue, "record does not fit its layout; decoded as far as possible (warned once per kind)");
        }
        Ok(())
    }

    fn delivered(&mut self, record_type: u32, ts: u32, event: bool, bytes: usize, now: Instant) {
        self.schedule.record_written(now);
        if ts > self.cur_ts {
            self.cur_ts = ts;
            self.cur_count = 1;
        } else if ts == self.cur_ts {
            self.cur_count += 1;
        }
        self.summary.records += 1;
        *self.summary.by_type.entry(record_type).or_default() += 1;
        if event {
            self.summary.events += 1;
            self.settled_events += 1;
        }
        self.summary.max_archive_ts = self.summary.max_archive_ts.max(ts);
        self.metrics.delivered(record_type, ts, bytes);
        self.metrics.pending.store(self.schedule.pending(), Relaxed);
    }
}

enum Mode {
    Records(Box<Pipeline>),
    /// `entry`: the capture entry being written, reused (a bundle is up to hundreds of KiB).
    Raw {
        needs_header: bool,
        entry: Vec<u8>,
    },
}

/// Records in, bytes out, bookmark after every flush.
pub(crate) struct Delivery {
    mode: Mode,
    t: Tracker,
    state: StateFiles,
    cache_path: Option<PathBuf>,
    saved: Option<Bookmark>,
    /// Event records taken by [`Delivery::record`] (some may still be in the pipeline's pool).
    taken_events: u64,
}

impl Delivery {
    /// Open the output and read the bookmark. Returns the delivery and the bookmark read
    /// (when `resume`, the output was cut back to its position and its records will be skipped).
    pub(crate) fn open(
        out: &OutputOptions,
        state: &StateFiles,
        resume: bool,
        start: Start,
        made: Option<Box<dyn Sink>>,
        metrics: Arc<ServerMetrics>,
    ) -> Result<(Delivery, Option<Bookmark>), ClientError> {
        let saved = match &state.bookmark {
            Some(p) => bookmark::load(p).map_err(|source| ClientError::Bookmark { path: p.clone(), source })?,
            None => None,
        };
        let resume_from = saved.clone().filter(|_| resume);
        let raw = out.format == OutputFormat::Raw;
        let mut sink_config = out.sink.clone();
        if raw {
            match &mut sink_config {
                SinkConfig::File(f) => f.capture = true,
                SinkConfig::Stdout | SinkConfig::Tcp(_) => {}
                SinkConfig::Udp(_) | SinkConfig::Hec(_) => {
                    return Err(ClientError::Output(OutputError::BadFormat {
                        spec: "raw".into(),
                        reason: "raw captures go to a file, stdout or tcp://, not to UDP or HEC".into(),
                    }))
                }
            }
        }
        // Exactly once for files: cut the output back to where the bookmark was saved.
        let position = match (&resume_from, state.format) {
            (Some(b), BookmarkFormat::Native) => b.output.as_ref(),
            _ => None,
        };
        let (payload, formatter) = match &out.format {
            OutputFormat::Raw => (Payload::Text, None),
            OutputFormat::Records(f) => {
                let mut fm = Formatter::new(f, &out.format_options, sink_config.framing(f));
                if let Some(tag) = &out.server_tag {
                    fm = fm.with_server_tag(tag);
                }
                (fm.payload(), Some(fm))
            }
        };
        let (sink, report) = match made {
            Some(s) => (s, None),
            None => open_sink(&sink_config, payload, position).map_err(ClientError::Output)?,
        };
        if let Some(r) = &report {
            for n in &r.notes {
                warn!(server = %metrics.name, "output: {n}");
            }
            if r.repaired() {
                info!(
                    server = %metrics.name,
                    cut_after_bookmark = r.truncated_bytes,
                    torn_tail = r.torn_bytes,
                    removed = r.removed_files.len(),
                    "output repaired on start: what was written after the last bookmark is removed (the server sends it again)"
                );
            }
        }
        let cache_path = state.cache_path();
        let mode = match formatter {
            Some(fm) => {
                let cache = match (&cache_path, raw) {
                    (Some(p), false) => {
                        bookmark::load_cache(p).map_err(|source| ClientError::Cache { path: p.clone(), source })?
                    }
                    _ => MetadataCache::new(),
                };
                let threads = match out.threads {
                    0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
                    n => n,
                };
                let config = PipelineConfig { computed: out.computed, threads, ..PipelineConfig::default() };
                Mode::Records(Box::new(Pipeline::new(fm, cache, config).map_err(ClientError::Output)?))
            }
            None => {
                let needs_header = match &sink_config {
                    SinkConfig::File(f) => std::fs::metadata(&f.path).map_or(true, |m| m.len() == 0),
                    _ => true,
                };
                Mode::Raw { needs_header, entry: Vec::new() }
            }
        };
        let (cur_ts, cur_count) = resume_from.as_ref().map_or((0, 0), |b| (b.ts, b.delivered_at_ts));
        let t = Tracker {
            sink,
            schedule: FlushSchedule::new(out.flush),
            cur_ts,
            cur_count,
            skip_ts: cur_ts,
            skip_left: if state.format == BookmarkFormat::Native { cur_count } else { 0 },
            metrics,
            summary: ClientSummary { max_archive_ts: cur_ts, ..Default::default() },
            issues: IssueStats::default(),
            settled_events: 0,
        };
        let first_run = saved.is_none();
        let mut d = Delivery { mode, t, state: state.clone(), cache_path, saved: saved.clone(), taken_events: 0 };
        // Exactly once from the very first record: before anything is written, record where the
        // output stands (a crash before the first flush then cuts back to here). Not for a
        // "now" start, whose position 0 would mean "oldest" on the next start.
        if d.state.bookmark.is_some()
            && d.state.format == BookmarkFormat::Native
            && ((first_run && start != Start::Now) || start == Start::Oldest)
        {
            d.flush()?;
        }
        Ok((d, resume_from))
    }

    /// Where a new session should resume after this one ended (call after [`Delivery::flush`]):
    /// the last second delivered, whose delivered records will be skipped when re-sent.
    pub(crate) fn resume_point(&mut self) -> Option<u32> {
        self.t.skip_ts = self.t.cur_ts;
        self.t.skip_left = self.t.cur_count;
        (self.t.cur_ts > 0 || self.t.cur_count > 0).then_some(self.t.cur_ts)
    }

    /// One received message (raw mode writes it; the records mode ignores it).
    pub(crate) fn frame(&mut self, message: &[u8], received_us: u64, now: Instant) -> Result<(), ClientError> {
        let Mode::Raw { needs_header, entry } = &mut self.mode else { return Ok(()) };
        let facts =
            RecordFacts { record_type: 0, archive_ts: 0, event_time: (0, 0), is_metadata: true, issues: vec![] };
        if *needs_header {
            self.t.sink.write(&facts, &estreamer_wire::capture::file_header()).map_err(ClientError::Output)?;
            *needs_header = false;
        }
        entry.clear();
        estreamer_wire::capture::write_entry(entry, received_us, message);
        self.t.sink.write(&facts, entry).map_err(ClientError::Output)?;
        self.t.metrics.bytes.fetch_add(entry.len() as u64, Relaxed);
        self.t.schedule.record_written(now);
        Ok(())
    }

    /// Whether the raw capture mode is on (the session must hand over whole frames).
    pub(crate) fn wants_frames(&self) -> bool {
        matches!(self.mode, Mode::Raw { .. })
    }

    /// One record.
    pub(crate) fn record(&mut self, ed: EventData, now: Instant) -> Result<(), ClientError> {
        let (ts, reserved) = ed.archive.unwrap_or((0, 0));
        self.taken_events += u64::from(!estreamer_wire::schema::catalog::is_metadata(ed.record_type));
        match &mut self.mode {
            Mode::Records(p) => {
                let t = &mut self.t;
                p.push(RawRecord::new(ed.record_type, ts, reserved, ed.body), |f, b| t.emit(f, b, now))
                    .map_err(ClientError::Output)
            }
            Mode::Raw { .. } => {
                // The message was written whole; only the bookkeeping is per record.
                let event = !estreamer_wire::schema::catalog::is_metadata(ed.record_type);
                self.t.delivered(ed.record_type, ts, event, 0, now);
                Ok(())
            }
        }
    }

    /// Whether `max` events are delivered. Records still in the pipeline's pool count: when
    /// they could make up the difference, the pool is drained first (a re-sent record that
    /// turns out to be skipped does not count), so a run stops exactly at `max`, without
    /// waiting for a flush.
    pub(crate) fn reached(&mut self, max: u64) -> Result<bool, ClientError> {
        let pending = self.taken_events.saturating_sub(self.t.settled_events);
        if self.t.summary.events < max && self.t.summary.events + pending >= max {
            if let Mode::Records(p) = &mut self.mode {
                let (t, now) = (&mut self.t, Instant::now());
                p.finish(|f, b| t.emit(f, b, now)).map_err(ClientError::Output)?;
            }
        }
        Ok(self.t.summary.events >= max)
    }

    /// A corrupt record was skipped.
    pub(crate) fn corrupt(&mut self) {
        self.t.summary.corrupt += 1;
        self.t.metrics.corrupt.fetch_add(1, Relaxed);
    }

    /// When a flush becomes due by time.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.t.schedule.deadline()
    }

    /// Whether a flush is due.
    pub(crate) fn flush_due(&self, now: Instant) -> bool {
        self.t.schedule.is_due(now)
    }

    /// Flush the output, then save the metadata cache and the bookmark (in that order: a crash
    /// in between re-sends, never loses).
    pub(crate) fn flush(&mut self) -> Result<(), ClientError> {
        let now = Instant::now();
        if let Mode::Records(p) = &mut self.mode {
            let t = &mut self.t;
            p.finish(|f, b| t.emit(f, b, now)).map_err(ClientError::Output)?;
        }
        let position = self.t.sink.flush().map_err(ClientError::Output)?;
        self.t.schedule.flushed();
        self.t.metrics.pending.store(0, Relaxed);
        self.t.metrics.flushes.fetch_add(1, Relaxed);
        let output = match position {
            FlushPosition::File(pos) => {
                if let Mode::Raw { needs_header, .. } = &mut self.mode {
                    *needs_header |= pos.len == 0;
                }
                Some(pos)
            }
            FlushPosition::Delivered { .. } => None,
        };
        if let Mode::Records(p) = &mut self.mode {
            if p.take_cache_changed() {
                if let Some(path) = &self.cache_path {
                    bookmark::save_cache(path, p.cache())
                        .map_err(|source| ClientError::Cache { path: path.clone(), source })?;
                }
            }
        }
        let b = Bookmark { ts: self.t.cur_ts, delivered_at_ts: self.t.cur_count, output };
        if self.saved.as_ref() != Some(&b) {
            if let Some(path) = &self.state.bookmark {
                bookmark::save(path, &b, self.state.format)
                    .map_err(|source| ClientError::Bookmark { path: path.clone(), source })?;
            }
            self.saved = Some(b);
        }
        Ok(())
    }

    /// The run's summary so far.
    pub(crate) fn summary(&mut self) -> &mut ClientSummary {
        &mut self.t.summary
    }

    /// The server's metrics.
    pub(crate) fn metrics(&self) -> &Arc<ServerMetrics> {
        &self.t.metrics
    }
}
