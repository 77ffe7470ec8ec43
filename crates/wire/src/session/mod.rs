//! Sans-io session state machines (as in rustls): bytes in, bytes out, time passed in.
//!
//! Neither machine touches a socket or a clock. The driver feeds received bytes with
//! `receive`, writes whatever `poll_transmit` returns (always *whole* messages, because real
//! clients drop the stream when a message stalls half-written), calls `handle_timeout` once
//! `next_timeout` has passed, and reacts to `poll_event`. Every protocol decision — deadlines,
//! replies to requests, errors, the flow-control window, keepalives, the metadata snapshot and
//! its de-duplication, host answers — is made here, where tests can drive it with a fake clock.
//!
//! * [`subscription`] — what a client asked for, resolved against the catalog's family and
//!   version tables.
//! * [`server`] — [`ServerSession`], one per client connection.
//! * [`client`] — [`ClientSession`].

pub mod client;
mod rx;
pub mod server;
pub mod subscription;

pub use crate::schema::catalog::codes;
pub use client::{AckPolicy, ClientConfig, ClientEvent, ClientSession};
pub use server::{
    CloseReason, FeedPlan, HostBlocks, HostQuery, Origin, OutRecord, Push, ServerConfig, ServerEvent, ServerSession,
};
pub use subscription::Subscription;

use crate::message::EventSpec;

/// Milliseconds on the driver's monotonic clock.
pub type Millis = u64;

/// The event list eNcore 5.2.11 sends, in its fixed order (PROTOCOL.md §5.4).
pub const ENCORE_5_2_11_EVENTS: [EventSpec; 9] = [
    EventSpec { version: 11, code: codes::INTRUSION },
    EventSpec { version: 4, code: codes::METADATA },
    EventSpec { version: 9, code: codes::CORRELATION },
    EventSpec { version: 11, code: codes::DISCOVERY },
    EventSpec { version: 17, code: codes::CONNECTION },
    EventSpec { version: 7, code: codes::USER },
    EventSpec { version: 8, code: codes::MALWARE },
    EventSpec { version: 7, code: codes::FILE },
    EventSpec { version: 2, code: codes::IMPACT },
];
