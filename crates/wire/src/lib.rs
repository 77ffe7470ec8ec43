//! The eStreamer wire format, with no I/O.
//!
//! * [`message`]: the message layer — header, two-phase framing, every message type.
//! * [`schema`]: every record and block layout as data tables.
//! * [`cursor`]: the one bounded cursor every decoder reads untrusted bytes through.
//! * [`walk`]: the one generic walker that decodes, encodes and converts records by those tables.
//! * [`value`]: the decoded record tree and its JSON rendering.
//! * [`host_profile`]: what the network map knows about a host, and its host-profile blocks.
//! * [`session`]: sans-io server and client state machines (bytes in, bytes out, time passed in).

pub mod capture;
pub mod cursor;
pub mod from_json;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod host_profile;
pub mod message;
pub mod schema;
pub mod session;
pub mod value;
pub mod view;
pub mod walk;

pub use host_profile::{
    AttributeValue, ClientApplication, FingerprintSource, HostMac, HostProfile, HostService, HostVulnerability,
    OsFingerprint, Vlan,
};
pub use message::{check, Message, MessageType};
pub use value::{Obj, Value};
pub use walk::{
    decode_block, decode_record, encode_block, encode_record_body, record_from_json, Decoded, Issue, IssueKind,
    IssueStats, RecordHead,
};

/// Everything that can be wrong with bytes on the wire; each variant says where.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// Not a whole message (callers should use [`check`] first).
    #[error("incomplete message")]
    Incomplete,
    /// Header version other than 1.
    #[error("message header version {version} (type {msg_type}); only version 1 exists")]
    BadHeaderVersion {
        /// Version found.
        version: u16,
        /// Message type in that header.
        msg_type: u16,
    },
    /// Body length above the configured maximum.
    #[error("message type {msg_type} declares {length} body bytes, above the maximum of {max}")]
    TooLarge {
        /// Message type.
        msg_type: u16,
        /// Declared length.
        length: u32,
        /// Configured maximum.
        max: usize,
    },
    /// Frame length differs from the header's.
    #[error("message type {msg_type}: header says {declared} body bytes, frame has {actual}")]
    LengthMismatch {
        /// Message type.
        msg_type: u16,
        /// Declared.
        declared: u32,
        /// Actual.
        actual: usize,
    },
    /// A field ran past the end of the body.
    #[error("message type {msg_type}: {what} cut off at body offset {offset}")]
    Truncated {
        /// Message type.
        msg_type: u16,
        /// Offset where the field started.
        offset: usize,
        /// Which field.
        what: &'static str,
    },
    /// Unexpected bytes after the last field.
    #[error("message type {msg_type}: {count} unexpected bytes at body offset {offset}")]
    TrailingBytes {
        /// Message type.
        msg_type: u16,
        /// Offset.
        offset: usize,
        /// How many.
        count: usize,
    },
    /// Event Data record length matches neither header form.
    #[error("record type {record_type}: record length {record_length} fits neither an 8- nor a 16-byte record header in {payload} bytes")]
    RecordLength {
        /// Record type.
        record_type: u32,
        /// Declared record length.
        record_length: u32,
        /// Event Data payload size.
        payload: usize,
    },
    /// Bundle item that is not Event Data.
    #[error("bundle item at body offset {offset} has type {item_type}; only Event Data (4) is allowed")]
    BadBundleItem {
        /// Item type found.
        item_type: u32,
        /// Offset of the item.
        offset: usize,
    },
    /// Encoding a record type that is not in the catalog without raw bytes.
    #[error("record type {record_type} is not in the catalog and has no raw body")]
    UnknownRecordType {
        /// Record type.
        record_type: u32,
    },
    /// A value too long for its length field.
    #[error("{what} is {len} bytes, too long for its length field")]
    TooLong {
        /// What.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// JSON input that does not fit a layout.
    #[error("JSON record: {what}")]
    Json {
        /// What was wrong.
        what: String,
    },
    /// JSON input refused by the strict reader ([`record_from_json`]): where and why.
    #[error("JSON record: field `{path}`: {problem}")]
    JsonField {
        /// Dotted path of the field (`user.items[2].id`; empty for the record itself).
        path: String,
        /// What is wrong with it.
        problem: String,
    },
    /// An integer too large for its wire field on encode: never truncated.
    #[error("{}field `{field}`: {value} is out of range (at most {max})", record_prefix(*record_type))]
    OutOfRange {
        /// Record type being encoded (`None` for a standalone block).
        record_type: Option<u32>,
        /// Dotted path of the field (`user.vpnSession.items[2].port`).
        field: String,
        /// The value.
        value: u64,
        /// The largest value the field holds.
        max: u64,
    },
    /// A byte string (or list, or block) longer than its fixed size or its length word on
    /// encode: never cut.
    #[error("{}field `{field}`: {len} bytes do not fit (at most {max})", record_prefix(*record_type))]
    FieldTooLong {
        /// Record type being encoded (`None` for a standalone block).
        record_type: Option<u32>,
        /// Dotted path of the field.
        field: String,
        /// Its length in bytes.
        len: usize,
        /// The most bytes the field holds.
        max: u64,
    },
    /// A value of another type than its field's on encode.
    #[error("{}field `{field}`: expected {expected}, found {found}", record_prefix(*record_type))]
    FieldType {
        /// Record type being encoded (`None` for a standalone block).
        record_type: Option<u32>,
        /// Dotted path of the field.
        field: String,
        /// What the layout wants.
        expected: &'static str,
        /// What the value is.
        found: &'static str,
    },
    /// Something the session waited for did not come in time.
    #[error("no {what} within {after_ms} ms")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// How long.
        after_ms: u64,
    },
    /// A message not allowed at this point of a session.
    #[error("unexpected {msg_type:?} message in state {state}")]
    Unexpected {
        /// The message.
        msg_type: MessageType,
        /// Session state.
        state: &'static str,
    },
}

/// `record type 4 (Priority): `, or nothing for a standalone block.
fn record_prefix(record_type: Option<u32>) -> String {
    match record_type {
        None => String::new(),
        Some(rt) => match schema::record_def(rt) {
            Some(def) => format!("record type {rt} ({}): ", def.name),
            None => format!("record type {rt}: "),
        },
    }
}
