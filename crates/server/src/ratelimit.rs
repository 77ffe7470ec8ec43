//! Log lines that a peer can trigger at will are rate-limited: the first of each kind is
//! logged, then at most one per interval with the number suppressed meanwhile.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Per-reason log limiter.
#[derive(Debug)]
pub(crate) struct LogLimiter {
    interval: Duration,
    seen: Mutex<HashMap<&'static str, (Instant, u64)>>,
}

impl LogLimiter {
    pub(crate) fn new(interval: Duration) -> Self {
        LogLimiter { interval, seen: Mutex::new(HashMap::new()) }
    }

    /// `Some(suppressed)` when a line for `reason` may be logged now (with how many were
    /// suppressed since the last one), `None` when it must be dropped.
    pub(crate) fn check(&self, reason: &'static str) -> Option<u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        match seen.get_mut(reason) {
            None => {
                seen.insert(reason, (now, 0));
                Some(0)
            }
            Some((last, suppressed)) if now.duration_since(*last) >= self.interval => {
                let n = *suppressed;
                *last = now;
                *suppressed = 0;
                Some(n)
            }
            Some((_, suppressed)) => {
                *suppressed += 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_line_passes_then_the_rest_is_counted() {
        let l = LogLimiter::new(Duration::from_secs(3600));
        assert_eq!(l.check("a"), Some(0));
        for _ in 0..100 {
            assert_eq!(l.check("a"), None);
        }
        assert_eq!(l.check("b"), Some(0), "reasons are apart");
        let l = LogLimiter::new(Duration::ZERO);
        assert_eq!(l.check("a"), Some(0));
        assert_eq!(l.check("a"), Some(0));
    }
}
