//! The sensor as a producer: the world's metadata, then its events, in numbered batches handed
//! to a [`BatchSink`] — the ingest API offline, or a running service — paced by a token bucket
//! on an injected [`Clock`].
//!
//! Batch 1 holds every metadata record of the world; each later batch holds
//! [`ProducerOptions::batch_events`] primary events with their attached records. Batch
//! boundaries depend only on the options and the seed, never on timing, so a producer started
//! again with the same seed and options regenerates the same batches with the same numbers, and
//! skips (without pacing) those the store already has: that is how it resumes.

use std::time::Duration;

use estreamer_ingest::pace::{Clock, TokenBucket};
use estreamer_ingest::{Batch, BatchSink, Record};

use crate::{EventKind, SensorError, SensorSummary, World, MIX};

/// How much, how fast and what to produce.
#[derive(Clone, Debug, PartialEq)]
pub struct ProducerOptions {
    /// Stop after this many primary events.
    pub count: Option<u64>,
    /// Stop once this much time passed on the clock (at a batch boundary: the events generated
    /// so far are sent).
    pub duration: Option<Duration>,
    /// Primary events per second; `None` is as fast as the sink takes them.
    pub rate: Option<f64>,
    /// Send each second's events at once (a bucket of one second), rather than evenly.
    pub burst: bool,
    /// Primary events per batch (at least 1).
    pub batch_events: usize,
    /// Weights of the primary event kinds.
    pub mix: Vec<(EventKind, u32)>,
}

impl Default for ProducerOptions {
    fn default() -> Self {
        ProducerOptions {
            count: Some(1000),
            duration: None,
            rate: None,
            burst: false,
            batch_events: 256,
            mix: MIX.to_vec(),
        }
    }
}

impl ProducerOptions {
    /// The batch size that suits a rate: a twentieth of a second of events when steady, one
    /// second when bursting, 256 without a rate (at least 1, at most 10 000).
    pub fn default_batch_events(rate: Option<f64>, burst: bool) -> usize {
        let n = match rate {
            None => 256.0,
            Some(r) if burst => r,
            Some(r) => r / 20.0,
        };
        (n.round() as usize).clamp(1, 10_000)
    }
}

/// The name of an event kind in `--mix`.
pub fn kind_name(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Connection => "connection",
        EventKind::Intrusion => "intrusion",
        EventKind::File => "file",
        EventKind::Malware => "malware",
        EventKind::Discovery => "discovery",
        EventKind::User => "user",
    }
}

/// Parse `intrusion=30,connection=70`: kinds not named get weight 0. Names: connection,
/// intrusion, file, malware, discovery, user.
pub fn parse_mix(s: &str) -> Result<Vec<(EventKind, u32)>, String> {
    let mut mix: Vec<(EventKind, u32)> = MIX.iter().map(|(k, _)| (*k, 0)).collect();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (name, weight) = part.split_once('=').ok_or_else(|| format!("{part:?}: expected KIND=WEIGHT"))?;
        let slot = mix.iter_mut().find(|(k, _)| kind_name(*k) == name.trim()).ok_or_else(|| {
            let names: Vec<&str> = MIX.iter().map(|(k, _)| kind_name(*k)).collect();
            format!("{name:?} is not an event kind (kinds: {})", names.join(", "))
        })?;
        slot.1 = weight.trim().parse().map_err(|_| format!("{part:?}: the weight must be a whole number"))?;
    }
    if mix.iter().all(|(_, w)| *w == 0) {
        return Err(format!("{s:?}: give at least one kind a weight above 0"));
    }
    Ok(mix)
}

/// Produce `world`'s metadata and events into `sink` (see the module docs). `progress` is
/// called after every batch with the summary so far.
pub fn produce(
    world: &mut World,
    sink: &mut dyn BatchSink,
    opts: &ProducerOptions,
    clock: &dyn Clock,
    progress: &mut dyn FnMut(&SensorSummary),
) -> Result<SensorSummary, SensorError> {
    let mut summary = SensorSummary { seed: world.seed(), ..SensorSummary::default() };
    let started = clock.now();
    let mut bucket = opts.rate.map(|r| TokenBucket::new(r, if opts.burst { r } else { 1.0 }, started));

    let meta = world.try_metadata_records()?;
    summary.metadata_records = meta.len();
    for r in &meta {
        *summary.by_type.entry(r.record_type).or_default() += 1;
    }
    let records = meta.into_iter().map(|r| Record { record_type: r.record_type, body: r.body }).collect();
    sink.send(Batch { seq: 1, raw: false, records })?;
    summary.batches = 1;
    progress(&summary);

    let per_batch = opts.batch_events.max(1) as u64;
    let mut seq = 1;
    let mut first_time = None;
    loop {
        let mut records = Vec::new();
        let mut events = 0u64;
        while events < per_batch {
            let done_count = opts.count.is_some_and(|c| summary.events as u64 >= c);
            let done_time = opts.duration.is_some_and(|d| clock.now().saturating_sub(started) >= d);
            if done_count || done_time {
                break;
            }
            let group = world.try_next_event_with(&opts.mix)?;
            first_time.get_or_insert(world.clock());
            summary.events += 1;
            events += 1;
            for r in group {
                *summary.by_type.entry(r.record_type).or_default() += 1;
                summary.event_records += 1;
                records.push(Record { record_type: r.record_type, body: r.body });
            }
        }
        if events == 0 {
            break;
        }
        seq += 1;
        if seq > sink.resume_after() {
            if let Some(b) = bucket.as_mut() {
                b.pace(events, clock);
            }
        }
        sink.send(Batch { seq, raw: false, records })?;
        summary.batches += 1;
        progress(&summary);
        if events < per_batch {
            break;
        }
    }
    if let Some(t0) = first_time {
        summary.event_time_span = Some((t0, world.clock()));
    }
    summary.sink = sink.finish()?;
    summary.elapsed = clock.now().saturating_sub(started);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use estreamer_ingest::pace::ManualClock;
    use estreamer_ingest::{IngestError, SinkSummary};

    /// Keeps what it is sent and when.
    #[derive(Default)]
    struct Recorder {
        resume: u64,
        batches: Vec<(Duration, Batch)>,
        clock: Option<std::sync::Arc<ManualClock>>,
    }

    impl BatchSink for Recorder {
        fn resume_after(&self) -> u64 {
            self.resume
        }
        fn send(&mut self, batch: Batch) -> Result<(), IngestError> {
            let now = self.clock.as_ref().map_or(Duration::ZERO, |c| c.now());
            self.batches.push((now, batch));
            Ok(())
        }
        fn finish(&mut self) -> Result<SinkSummary, IngestError> {
            Ok(SinkSummary::default())
        }
    }

    fn run(opts: &ProducerOptions, resume: u64) -> (Recorder, SensorSummary, Duration) {
        let clock = std::sync::Arc::new(ManualClock::default());
        let mut sink = Recorder { resume, clock: Some(clock.clone()), ..Recorder::default() };
        let mut world = World::new(3);
        let sum = produce(&mut world, &mut sink, opts, &*clock, &mut |_| {}).unwrap();
        let now = clock.now();
        (sink, sum, now)
    }

    #[test]
    fn a_steady_rate_is_kept_on_the_injected_clock() {
        let opts = ProducerOptions { count: Some(2000), rate: Some(500.0), batch_events: 25, ..Default::default() };
        let (sink, sum, elapsed) = run(&opts, 0);
        assert_eq!(sum.events, 2000);
        assert_eq!(sink.batches.len(), 1 + 80);
        // 2000 events at 500/s with one token saved: the last batch leaves at 3.998 s.
        assert_eq!(elapsed, Duration::from_secs_f64(1999.0 / 500.0));
        // Evenly: every batch 50 ms after the one before.
        for w in sink.batches[1..].windows(2) {
            assert_eq!((w[1].0 - w[0].0).as_micros(), 50_000);
        }
    }

    #[test]
    fn burst_sends_a_second_of_events_at_once() {
        let opts = ProducerOptions {
            count: Some(3000),
            rate: Some(1000.0),
            burst: true,
            batch_events: 1000,
            ..Default::default()
        };
        let (sink, _, elapsed) = run(&opts, 0);
        let times: Vec<u128> = sink.batches.iter().map(|(t, _)| t.as_millis()).collect();
        assert_eq!(times, [0, 0, 1000, 2000]);
        assert_eq!(elapsed, Duration::from_secs(2));
    }

    #[test]
    fn duration_stops_at_the_clock_and_resumed_batches_are_not_paced() {
        let opts = ProducerOptions {
            count: None,
            duration: Some(Duration::from_secs(2)),
            rate: Some(100.0),
            batch_events: 10,
            ..Default::default()
        };
        let (_, sum, _) = run(&opts, 0);
        assert!((200..=210).contains(&sum.events), "{}", sum.events);
        // The same seed and options again, 5 batches already stored: those go at once.
        let opts = ProducerOptions { count: Some(100), rate: Some(100.0), batch_events: 10, ..Default::default() };
        let (fresh, _, t_fresh) = run(&opts, 0);
        let (resumed, _, t_resumed) = run(&opts, 6);
        assert_eq!(
            fresh.batches.iter().map(|b| &b.1).collect::<Vec<_>>(),
            resumed.batches.iter().map(|b| &b.1).collect::<Vec<_>>()
        );
        assert!(resumed.batches[..6].iter().all(|(t, _)| t.is_zero()), "stored batches are not paced");
        assert!(t_resumed < t_fresh);
    }

    #[test]
    fn the_mix_decides_the_kinds() {
        let mix = parse_mix("intrusion=1").unwrap();
        let opts = ProducerOptions { count: Some(50), mix, batch_events: 50, ..Default::default() };
        let (sink, _, _) = run(&opts, 0);
        let types: std::collections::BTreeSet<u32> = sink.batches[1].1.records.iter().map(|r| r.record_type).collect();
        // Intrusion events need a connection first; then intrusions with packets (and extra data,
        // impact alerts) only.
        assert!(types.contains(&400) && types.contains(&2));
        assert!(!types.contains(&500) && !types.contains(&125) && !types.contains(&95), "{types:?}");
        assert!(parse_mix("bogus=1").unwrap_err().contains("not an event kind"));
        assert!(parse_mix("file=0").is_err());
        assert!(parse_mix("file").is_err());
    }
}
