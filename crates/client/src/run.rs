//! The run loop of one server: open the output, connect, stream, and on a transient failure
//! reconnect with capped exponential backoff and jitter, resuming from the last flush.

use std::sync::Arc;
use std::time::Duration;

use estreamer_wire::message::{TIMESTAMP_NOW, TIMESTAMP_OLDEST};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::connect::connect;
use crate::delivery::Delivery;
use crate::error::chain;
use crate::metrics::ServerMetrics;
use crate::session::{stream, SessionEnd};
use crate::{ClientError, ClientOptions, ClientSummary, Start};

/// How to reconnect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconnectPolicy {
    /// First delay.
    pub initial: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Give up after this many attempts in a row without a working session (`None`: never).
    pub max_attempts: Option<u32>,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ReconnectPolicy { initial: Duration::from_millis(500), max: Duration::from_secs(60), max_attempts: None }
    }
}

/// Capped exponential backoff with "equal jitter": half the delay fixed, half random.
#[derive(Debug)]
pub struct Backoff {
    policy: ReconnectPolicy,
    attempt: u32,
}

impl Backoff {
    /// Start at the policy's first delay.
    pub fn new(policy: ReconnectPolicy) -> Backoff {
        Backoff { policy, attempt: 0 }
    }

    /// The next delay (grows until the cap).
    pub fn next_delay(&mut self) -> Duration {
        let base = self.policy.initial.saturating_mul(1u32 << self.attempt.min(20)).min(self.policy.max);
        self.attempt = self.attempt.saturating_add(1);
        let half = base / 2;
        half + half.mul_f64(rand::random::<f64>())
    }

    /// Attempts since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// A session worked: start again from the first delay.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

/// Stream from one server until `max_events`, `idle_exit`, `shutdown` or a permanent error,
/// reconnecting after transient ones. Records go to the configured output; the bookmark is
/// saved after each flush.
pub async fn run(
    opts: &ClientOptions,
    shutdown: CancellationToken,
    metrics: Arc<ServerMetrics>,
) -> Result<ClientSummary, ClientError> {
    run_with_sink(opts, None, shutdown, metrics).await
}

/// [`run`] writing to a sink the caller made (`opts.output.sink` is then only used to pick the
/// framing; nothing is cut back on resume). For benchmarks and embedding.
pub async fn run_with_sink(
    opts: &ClientOptions,
    sink: Option<Box<dyn estreamer_output::Sink>>,
    shutdown: CancellationToken,
    metrics: Arc<ServerMetrics>,
) -> Result<ClientSummary, ClientError> {
    let server = opts.server.clone();
    let tls = estreamer_pki::client_config(&opts.identity, &opts.tls)?;
    if !opts.tls.verify_server {
        warn!(%server, "--insecure: the server's certificate is NOT verified; anyone on the path can pose as the server");
    }
    let resume = opts.start == Start::Bookmark;
    let (mut d, bookmark) = Delivery::open(&opts.output, &opts.state, resume, opts.start, sink, metrics.clone())?;
    let first_ts = match opts.start {
        Start::Oldest => TIMESTAMP_OLDEST,
        Start::Now => TIMESTAMP_NOW,
        Start::Bookmark => bookmark.as_ref().map_or(TIMESTAMP_OLDEST, |b| b.ts),
    };
    if let Some(b) = &bookmark {
        info!(%server, ts = b.ts, skip = b.delivered_at_ts, "resuming from the bookmark");
    }
    let mut initial = first_ts;
    let mut backoff = Backoff::new(opts.reconnect);
    let mut ever_streamed = false;
    let mut closed_early_in_a_row = 0u32;
    let mut last_record = Instant::now();
    let mut attempt = 0u64;
    let outcome = loop {
        if attempt > 0 {
            metrics.reconnects.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            d.summary().reconnects += 1;
        }
        attempt += 1;
        let connected = tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            c = connect(&server, &tls, opts.connect_timeout) => c,
        };
        let end = match connected {
            Ok(s) => {
                info!(%server, ts = initial, flags = format_args!("{:#010x}", opts.flags), attempt, "connected");
                stream(opts, s, &mut d, initial, &shutdown, &mut last_record).await?
            }
            Err(error) => SessionEnd::Lost { error, streamed: false },
        };
        let (error, streamed) = match end {
            SessionEnd::Done => break Ok(()),
            SessionEnd::Lost { error, streamed } => (error, streamed),
        };
        if streamed {
            ever_streamed = true;
            backoff.reset();
        }
        let permanent = match &error {
            ClientError::ClosedEarly { .. } => {
                closed_early_in_a_row += 1;
                !ever_streamed || closed_early_in_a_row >= 2
            }
            e => {
                closed_early_in_a_row = 0;
                e.is_permanent()
            }
        };
        if permanent {
            break Err(error);
        }
        if opts.reconnect.max_attempts.is_some_and(|m| backoff.attempts() >= m) {
            warn!(%server, attempts = backoff.attempts(), "giving up reconnecting");
            break Err(error);
        }
        let delay = backoff.next_delay();
        warn!(%server, error = %chain(&error), retry_in_ms = delay.as_millis() as u64, "connection lost; reconnecting");
        let idle_at = opts.idle_exit.map(|i| last_record + i);
        tokio::select! {
            _ = shutdown.cancelled() => break Ok(()),
            _ = async { match idle_at { Some(t) => tokio::time::sleep_until(t).await, None => std::future::pending().await } } => {
                info!(%server, "no record for the idle limit while reconnecting; stopping");
                break Ok(());
            }
            _ = tokio::time::sleep(delay) => {}
        }
        initial = d.resume_point().unwrap_or(first_ts);
    };
    d.flush()?;
    outcome.map(|()| d.summary().clone())
}
