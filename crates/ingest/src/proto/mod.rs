//! The ingest wire protocol, sans-io: [`frame`] (two-phase framing, every frame's bytes),
//! [`service`] and [`producer`] (the two state machines). `docs/ingest.md` is the reference.

pub mod frame;
pub mod producer;
pub mod service;

pub use frame::{check, codes, Ack, Frame, FrameError};
pub use producer::{ProducerEvent, ProducerSession};
pub use service::{ServiceEvent, ServiceSession};
