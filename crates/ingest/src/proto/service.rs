//! The service side of an ingest connection, sans-io: bytes in, events out, frames to send.
//!
//! States: `AwaitHello` → (HELLO) → the caller looks up the producer's last durable batch and
//! calls [`ServiceSession::welcome`] → `Ready` → (BATCH)* → `Closed` after an ERROR either way.
//! Batch seqs must increase on a connection; whether one is new, already stored or a gap is
//! the ingest API's answer, which the caller passes to [`ServiceSession::ack`] or
//! [`ServiceSession::refuse`].

use super::frame::{check, codes, Ack, Frame, FrameError, MAX_FRAME_BODY};
use crate::batch::Batch;
use crate::{MAX_BATCH_BYTES, MAX_BATCH_RECORDS};

/// What the producer asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum ServiceEvent {
    /// HELLO: answer with [`ServiceSession::welcome`].
    Hello {
        /// The producer id.
        producer: String,
    },
    /// A batch to submit; answer with [`ServiceSession::ack`] or [`ServiceSession::refuse`].
    Batch(Batch),
    /// The producer sent an ERROR and closes.
    ProducerError {
        /// Its code.
        code: u16,
        /// Its text.
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitHello,
    AwaitWelcome,
    Ready { last_seq: u64 },
    Closed,
}

/// One producer connection as the service sees it.
#[derive(Debug)]
pub struct ServiceSession {
    state: State,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    producer: Option<String>,
}

impl Default for ServiceSession {
    fn default() -> Self {
        Self::new()
    }
}

impl ServiceSession {
    /// A new connection, waiting for HELLO.
    pub fn new() -> Self {
        ServiceSession { state: State::AwaitHello, inbuf: Vec::new(), out: Vec::new(), producer: None }
    }

    /// The producer id, once HELLO arrived.
    pub fn producer(&self) -> Option<&str> {
        self.producer.as_deref()
    }

    /// Whether the session ended (after an ERROR sent or received).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// Bytes received from the producer.
    pub fn receive(&mut self, data: &[u8]) {
        if self.state != State::Closed {
            self.inbuf.extend_from_slice(data);
        }
    }

    /// The next event from the bytes received so far; `Ok(None)` when more bytes are needed
    /// (or the session is closed, or waits for [`ServiceSession::welcome`]). A protocol
    /// violation queues an ERROR saying what and where, closes the session and is returned.
    pub fn poll(&mut self) -> Result<Option<ServiceEvent>, FrameError> {
        if matches!(self.state, State::Closed | State::AwaitWelcome) {
            return Ok(None);
        }
        let n = match check(&self.inbuf, MAX_FRAME_BODY) {
            Ok(Some(n)) => n,
            Ok(None) => return Ok(None),
            Err(e) => return Err(self.fail(codes::MALFORMED, e)),
        };
        let frame = Frame::parse(&self.inbuf[..n]);
        self.inbuf.drain(..n);
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                let code = if matches!(e, FrameError::Invalid { frame_type: 1, .. }) {
                    codes::BAD_PRODUCER
                } else {
                    codes::MALFORMED
                };
                return Err(self.fail(code, e));
            }
        };
        match (self.state, frame) {
            (State::AwaitHello, Frame::Hello { producer }) => {
                self.state = State::AwaitWelcome;
                self.producer = Some(producer.clone());
                Ok(Some(ServiceEvent::Hello { producer }))
            }
            (State::Ready { last_seq }, Frame::Batch(b)) => {
                if b.seq <= last_seq {
                    let what = format!("batch seq {} after {last_seq} on this connection (seqs increase)", b.seq);
                    return Err(self.fail(codes::UNEXPECTED, FrameError::Invalid { frame_type: 3, what, offset: 8 }));
                }
                self.state = State::Ready { last_seq: b.seq };
                Ok(Some(ServiceEvent::Batch(b)))
            }
            (_, Frame::Error { code, text, .. }) => {
                self.state = State::Closed;
                Ok(Some(ServiceEvent::ProducerError { code, text }))
            }
            (state, f) => {
                let what = format!("{} frame while {}", name(f.frame_type()), state_name(state));
                Err(self.fail(codes::UNEXPECTED, FrameError::Invalid { frame_type: f.frame_type(), what, offset: 0 }))
            }
        }
    }

    /// Answer HELLO with the producer's last durable batch.
    pub fn welcome(&mut self, last_batch: u64) {
        if self.state != State::AwaitWelcome {
            return;
        }
        Frame::Welcome { last_batch, max_records: MAX_BATCH_RECORDS as u32, max_bytes: MAX_BATCH_BYTES as u32 }
            .encode(&mut self.out);
        self.state = State::Ready { last_seq: 0 };
    }

    /// Acknowledge a durable (or already stored) batch.
    pub fn ack(&mut self, ack: Ack) {
        if self.state != State::Closed {
            Frame::Ack(ack).encode(&mut self.out);
        }
    }

    /// Refuse: queue an ERROR and close.
    pub fn refuse(&mut self, code: u16, batch: u64, text: &str) {
        if self.state != State::Closed {
            Frame::Error { code, batch, text: text.to_owned() }.encode(&mut self.out);
            self.state = State::Closed;
        }
    }

    /// Bytes to send now (empties the queue).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    fn fail(&mut self, code: u16, e: FrameError) -> FrameError {
        self.refuse(code, 0, &e.to_string());
        self.inbuf.clear();
        e
    }
}

fn name(frame_type: u8) -> &'static str {
    ["?", "HELLO", "WELCOME", "BATCH", "ACK", "ERROR"].get(frame_type as usize).copied().unwrap_or("?")
}

fn state_name(s: State) -> &'static str {
    match s {
        State::AwaitHello => "waiting for HELLO",
        State::AwaitWelcome => "waiting for the service's WELCOME",
        State::Ready { .. } => "ready for batches",
        State::Closed => "closed",
    }
}
