//! When to flush: after a number of records or a time interval, whichever comes first.
//!
//! The interval runs from the first record written after the last flush, so a quiet stream is
//! held back at most `max_interval`, and an idle one causes no flushes at all.

use std::time::{Duration, Instant};

/// Flush after `max_records` records or `max_interval`, whichever comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    /// Records written since the last flush that make a flush due (at least 1).
    pub max_records: u64,
    /// Time since the first unflushed record that makes a flush due.
    pub max_interval: Duration,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        FlushPolicy { max_records: 1000, max_interval: Duration::from_secs(1) }
    }
}

/// Tracks unflushed records and tells the caller when to flush. Time is passed in.
#[derive(Debug, Clone)]
pub struct FlushSchedule {
    policy: FlushPolicy,
    pending: u64,
    first_pending: Option<Instant>,
}

impl FlushSchedule {
    /// Nothing pending.
    pub fn new(policy: FlushPolicy) -> FlushSchedule {
        FlushSchedule { policy, pending: 0, first_pending: None }
    }

    /// A record was written at `now`.
    pub fn record_written(&mut self, now: Instant) {
        self.pending += 1;
        self.first_pending.get_or_insert(now);
    }

    /// Records written since the last flush.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Whether a flush is due at `now`.
    pub fn is_due(&self, now: Instant) -> bool {
        self.pending > 0
            && (self.pending >= self.policy.max_records.max(1) || self.deadline().is_some_and(|d| now >= d))
    }

    /// When a flush becomes due by time (`None` while nothing is pending): a caller waiting for
    /// input should wake up then.
    pub fn deadline(&self) -> Option<Instant> {
        self.first_pending.map(|t| t + self.policy.max_interval)
    }

    /// The caller flushed.
    pub fn flushed(&mut self) {
        self.pending = 0;
        self.first_pending = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_by_count_or_by_time_from_the_first_pending_record() {
        let t0 = Instant::now();
        let mut s = FlushSchedule::new(FlushPolicy { max_records: 3, max_interval: Duration::from_secs(1) });
        assert!(!s.is_due(t0 + Duration::from_secs(100)), "nothing pending, never due");
        assert_eq!(s.deadline(), None);
        s.record_written(t0);
        s.record_written(t0 + Duration::from_millis(500));
        assert!(!s.is_due(t0 + Duration::from_millis(999)));
        assert_eq!(s.deadline(), Some(t0 + Duration::from_secs(1)));
        assert!(s.is_due(t0 + Duration::from_secs(1)), "quiet stream: due one interval after the first record");
        s.record_written(t0 + Duration::from_millis(600));
        assert!(s.is_due(t0 + Duration::from_millis(600)), "due by count");
        s.flushed();
        assert_eq!(s.pending(), 0);
        assert!(!s.is_due(t0 + Duration::from_secs(10)));
    }
}
