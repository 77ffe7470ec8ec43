//! Pacing with an injected clock: a token bucket for rates, a schedule for replays. Nothing
//! here reads the system clock except [`SystemClock`], so the rate logic is tested with
//! [`ManualClock`] deterministically.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Time as pacing sees it: a monotone "now" since the clock's start, and a way to wait.
pub trait Clock {
    /// Time since the clock started.
    fn now(&self) -> Duration;
    /// Wait `d` (a manual clock just advances).
    fn sleep(&self, d: Duration);
}

/// The real clock.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: Instant,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock { start: Instant::now() }
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }
    fn sleep(&self, d: Duration) {
        if !d.is_zero() {
            std::thread::sleep(d);
        }
    }
}

/// A clock that moves only when slept on or advanced: for tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// Move time forward.
    pub fn advance(&self, d: Duration) {
        self.nanos.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::Relaxed))
    }
    fn sleep(&self, d: Duration) {
        self.advance(d);
    }
}

/// A token bucket: `rate` tokens per second, at most `capacity` (or the batch being taken, if
/// larger) saved up. Taking more tokens than there are runs into debt, and the caller waits
/// until the debt is repaid, so batches of any size come out at the rate on average, at most
/// one batch or `capacity` early. Saving up to one batch means time spent between batches
/// (generating the next one) is not lost.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Duration,
}

impl TokenBucket {
    /// A full bucket at `now`. `rate` and `capacity` must be positive (they are clamped to a
    /// small positive minimum).
    pub fn new(rate: f64, capacity: f64, now: Duration) -> Self {
        let rate = rate.max(1e-9);
        let capacity = capacity.max(1.0);
        TokenBucket { rate, capacity, tokens: capacity, last: now }
    }

    /// Take `n` tokens at `now`; returns how long to wait before using them (zero when they
    /// were there).
    pub fn take(&mut self, n: u64, now: Duration) -> Duration {
        if now > self.last {
            let earned = (now - self.last).as_secs_f64() * self.rate;
            self.tokens = (self.tokens + earned).min(self.capacity.max(n as f64));
            self.last = now;
        }
        self.tokens -= n as f64;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.rate)
        }
    }

    /// Take `n` tokens and wait on `clock` as long as needed.
    pub fn pace(&mut self, n: u64, clock: &dyn Clock) {
        let wait = self.take(n, clock.now());
        clock.sleep(wait);
    }
}

/// Replay timing: keeps the relative times of a capture, `speed` times faster.
#[derive(Debug, Clone)]
pub struct Schedule {
    speed: f64,
    first_us: Option<u64>,
    start: Duration,
}

impl Schedule {
    /// A schedule starting at `now` (the first entry is due immediately). `speed` 1.0 keeps
    /// the original timing, 10.0 replays ten times faster.
    pub fn new(speed: f64, now: Duration) -> Self {
        Schedule { speed: speed.max(1e-9), first_us: None, start: now }
    }

    /// When an entry received at `received_us` (capture time) is due, on the pacing clock.
    pub fn due(&mut self, received_us: u64) -> Duration {
        let first = *self.first_us.get_or_insert(received_us);
        let offset_us = received_us.saturating_sub(first) as f64 / self.speed;
        self.start + Duration::from_secs_f64(offset_us / 1e6)
    }

    /// Wait on `clock` until the entry received at `received_us` is due.
    pub fn wait_for(&mut self, received_us: u64, clock: &dyn Clock) {
        let due = self.due(received_us);
        let now = clock.now();
        if due > now {
            clock.sleep(due - now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) < Duration::from_micros(1)
    }

    #[test]
    fn steady_rate_in_batches_is_exact_on_a_manual_clock() {
        let clock = ManualClock::default();
        let mut b = TokenBucket::new(100.0, 1.0, clock.now());
        for _ in 0..100 {
            b.pace(10, &clock);
        }
        // 1000 events at 100/s with one token saved at the start: the last batch goes at 9.99 s.
        assert!(close(clock.now(), Duration::from_millis(9990)), "{:?}", clock.now());
    }

    #[test]
    fn time_spent_between_batches_does_not_lower_the_rate() {
        let clock = ManualClock::default();
        let mut b = TokenBucket::new(400.0, 1.0, clock.now());
        for _ in 0..20 {
            clock.advance(Duration::from_millis(10)); // generating the batch
            b.pace(20, &clock);
        }
        assert!(close(clock.now(), Duration::from_secs_f64(399.0 / 400.0)), "{:?}", clock.now());
    }

    #[test]
    fn burst_capacity_goes_at_once_then_the_rate_holds() {
        let clock = ManualClock::default();
        let mut b = TokenBucket::new(1000.0, 1000.0, clock.now());
        b.pace(1000, &clock);
        assert_eq!(clock.now(), Duration::ZERO, "a full bucket is one burst without waiting");
        for _ in 0..5 {
            b.pace(1000, &clock);
        }
        assert!(close(clock.now(), Duration::from_secs(5)), "{:?}", clock.now());
    }

    #[test]
    fn an_idle_producer_saves_at_most_the_capacity() {
        let clock = ManualClock::default();
        let mut b = TokenBucket::new(10.0, 5.0, clock.now());
        b.pace(5, &clock);
        clock.advance(Duration::from_secs(3600));
        let t0 = clock.now();
        b.pace(5, &clock);
        assert_eq!(clock.now(), t0, "5 saved tokens");
        b.pace(10, &clock);
        assert!(close(clock.now() - t0, Duration::from_secs(1)), "then 10 at 10/s");
    }

    #[test]
    fn the_long_run_rate_matches_for_any_batch_size() {
        for batch in [1u64, 7, 64, 1000] {
            let clock = ManualClock::default();
            let mut b = TokenBucket::new(250.0, 1.0, clock.now());
            let mut sent = 0;
            while sent < 10_000 {
                b.pace(batch, &clock);
                sent += batch;
            }
            // Elapsed = (sent - capacity) / rate: the achieved rate is the rate.
            let expected = Duration::from_secs_f64((sent - 1) as f64 / 250.0);
            assert!(close(clock.now(), expected), "batch {batch}: {:?} vs {expected:?}", clock.now());
        }
    }

    #[test]
    fn a_schedule_keeps_relative_times_scaled() {
        let clock = ManualClock::default();
        clock.advance(Duration::from_secs(7));
        let mut s = Schedule::new(2.0, clock.now());
        s.wait_for(1_000_000, &clock);
        assert_eq!(clock.now(), Duration::from_secs(7));
        s.wait_for(3_000_000, &clock);
        assert!(close(clock.now(), Duration::from_secs(8)), "2 s of capture at x2");
        clock.advance(Duration::from_secs(5));
        let late = clock.now();
        s.wait_for(3_500_000, &clock);
        assert_eq!(clock.now(), late, "an entry already due does not wait");
    }
}
