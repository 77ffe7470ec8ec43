//! The producer side of an ingest connection, sans-io.
//!
//! [`ProducerSession::new`] queues HELLO; the first frame back must be WELCOME (or ERROR).
//! Then batches go out ([`ProducerSession::send`]) and ACKs come back in order.

use super::frame::{check, encode_batch_frame, Ack, Frame, FrameError, MAX_FRAME_BODY};
use crate::batch::Batch;

/// What the service said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProducerEvent {
    /// The service accepted the producer.
    Welcome {
        /// The producer's last durable batch (0: none): batches up to it need not be sent.
        last_batch: u64,
        /// Most records per batch.
        max_records: u32,
        /// Most body bytes per batch.
        max_bytes: u32,
    },
    /// A batch is durable.
    Ack(Ack),
    /// The service refused and closes.
    Refused {
        /// ERROR code.
        code: u16,
        /// The batch concerned (0: none).
        batch: u64,
        /// Why.
        text: String,
    },
}

/// One connection to the ingest endpoint, from the producer's side.
#[derive(Debug)]
pub struct ProducerSession {
    welcomed: bool,
    closed: bool,
    inbuf: Vec<u8>,
    out: Vec<u8>,
}

impl ProducerSession {
    /// A new connection for `producer` (an id [`crate::check_producer_id`] accepts); HELLO is
    /// queued.
    pub fn new(producer: &str) -> Self {
        let mut out = Vec::new();
        Frame::Hello { producer: producer.to_owned() }.encode(&mut out);
        ProducerSession { welcomed: false, closed: false, inbuf: Vec::new(), out }
    }

    /// Whether WELCOME arrived.
    pub fn is_ready(&self) -> bool {
        self.welcomed && !self.closed
    }

    /// Queue a batch (after WELCOME).
    pub fn send(&mut self, batch: &Batch) {
        encode_batch_frame(batch, &mut self.out);
    }

    /// Bytes received from the service.
    pub fn receive(&mut self, data: &[u8]) {
        self.inbuf.extend_from_slice(data);
    }

    /// The next event; `Ok(None)` when more bytes are needed.
    pub fn poll(&mut self) -> Result<Option<ProducerEvent>, FrameError> {
        if self.closed {
            return Ok(None);
        }
        let Some(n) = check(&self.inbuf, MAX_FRAME_BODY)? else { return Ok(None) };
        let frame = Frame::parse(&self.inbuf[..n]);
        self.inbuf.drain(..n);
        let unexpected = |f: &Frame, what: &str| FrameError::Invalid {
            frame_type: f.frame_type(),
            what: format!("unexpected frame {what}"),
            offset: 0,
        };
        match frame? {
            Frame::Welcome { last_batch, max_records, max_bytes } if !self.welcomed => {
                self.welcomed = true;
                Ok(Some(ProducerEvent::Welcome { last_batch, max_records, max_bytes }))
            }
            Frame::Ack(a) if self.welcomed => Ok(Some(ProducerEvent::Ack(a))),
            Frame::Error { code, batch, text } => {
                self.closed = true;
                Ok(Some(ProducerEvent::Refused { code, batch, text }))
            }
            f if self.welcomed => Err(unexpected(&f, "after WELCOME")),
            f => Err(unexpected(&f, "before WELCOME")),
        }
    }

    /// Bytes to send now (empties the queue).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::codes;
    use super::super::service::{ServiceEvent, ServiceSession};
    use super::*;
    use crate::batch::Record;

    fn batch(seq: u64) -> Batch {
        Batch { seq, raw: false, records: vec![Record { record_type: 400, body: vec![seq as u8; 3] }] }
    }

    /// Both state machines talk to each other byte by byte: nothing depends on how the stream
    /// is cut.
    #[test]
    fn producer_and_service_talk_one_byte_at_a_time() {
        let mut p = ProducerSession::new("sensor-1");
        let mut s = ServiceSession::new();
        let pump = |from: Vec<u8>, into: &mut dyn FnMut(&[u8])| from.chunks(1).for_each(&mut *into);
        pump(p.take_output(), &mut |b| s.receive(b));
        assert_eq!(s.poll().unwrap(), Some(ServiceEvent::Hello { producer: "sensor-1".into() }));
        assert_eq!(s.poll().unwrap(), None, "nothing more until the welcome");
        s.welcome(1);
        pump(s.take_output(), &mut |b| p.receive(b));
        assert!(matches!(p.poll().unwrap(), Some(ProducerEvent::Welcome { last_batch: 1, .. })));
        p.send(&batch(2));
        p.send(&batch(3));
        pump(p.take_output(), &mut |b| s.receive(b));
        for seq in [2, 3] {
            assert_eq!(s.poll().unwrap(), Some(ServiceEvent::Batch(batch(seq))));
            s.ack(Ack { batch: seq, already_stored: false, records: 1, first_seq: seq * 10 });
        }
        pump(s.take_output(), &mut |b| p.receive(b));
        for seq in [2, 3] {
            assert!(matches!(p.poll().unwrap(), Some(ProducerEvent::Ack(a)) if a.batch == seq));
        }
        // A seq going back on one connection ends the session with an ERROR.
        p.send(&batch(3));
        s.receive(&p.take_output());
        assert!(s.poll().is_err());
        p.receive(&s.take_output());
        assert!(matches!(p.poll().unwrap(), Some(ProducerEvent::Refused { code: codes::UNEXPECTED, .. })));
        assert!(s.is_closed());
    }

    #[test]
    fn a_batch_before_hello_and_garbage_are_refused_with_where() {
        let mut s = ServiceSession::new();
        let mut out = Vec::new();
        encode_batch_frame(&batch(1), &mut out);
        s.receive(&out);
        let e = s.poll().unwrap_err();
        assert!(e.to_string().contains("BATCH frame while waiting for HELLO"), "{e}");
        let mut p = ProducerSession::new("x");
        p.receive(&s.take_output());
        assert!(matches!(p.poll().unwrap(), Some(ProducerEvent::Refused { code: codes::UNEXPECTED, .. })));

        let mut s = ServiceSession::new();
        s.receive(b"GET / HTTP/1.1\r\n");
        assert!(s.poll().unwrap_err().to_string().contains("magic"));
        assert!(s.is_closed());
    }
}
