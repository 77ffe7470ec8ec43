//! Record and block layouts as data.
//!
//! A layout is a table of `(key, type)` fields. One generic walker (`walk.rs`) decodes, encodes
//! and renders every layout, so adding a record type means adding a row, not writing a parser.
//! Block tables live in `blocks.rs` (generated from the spec), record tables in `records.rs`,
//! and the 4.9 host-profile answer blocks (HOSTS.md §5–§6) in `host_blocks.rs`.

pub mod blocks;
pub mod catalog;
pub mod host_blocks;
pub mod records;

pub use records::{record_def, Family, RecordDef, RECORDS};

/// Which block numbering space a block belongs to (the wire carries no marker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Series {
    /// Series 1: discovery, connection, user, host, correlation, generic blocks.
    S1,
    /// Series 2: intrusion, extra data, file, malware and most 5.x+ metadata.
    S2,
}

/// The wire type of one field.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit big-endian integer.
    U16,
    /// Unsigned 32-bit big-endian integer.
    U32,
    /// Unsigned 64-bit big-endian integer.
    U64,
    /// IPv4 address (4 bytes).
    Ipv4,
    /// IPv6 address (16 bytes; IPv4-mapped for v4).
    Ipv6,
    /// MAC address (6 bytes).
    Mac,
    /// UUID (16 bytes, wire order).
    Uuid,
    /// Opaque fixed-size byte array rendered as hex.
    Hex(usize),
    /// u16 holding the byte length of the named later field (computed on encode).
    Len16(&'static str),
    /// u32 holding the byte length of the named later field (computed on encode).
    Len32(&'static str),
    /// Bytes whose count is the value of the named earlier length field.
    Bytes(&'static str),
    /// Every remaining byte of the enclosing block or record.
    Rest,
    /// A nested block, rendered as an object under the field key.
    Block(&'static BlockDef),
    /// A list header followed by blocks of one kind.
    List(&'static BlockDef),
    /// A block whose fields are merged into the enclosing object.
    Merge(&'static BlockDef),
    /// A merged block whose version is chosen by peeking at its block type on the wire.
    Choice(&'static Choice),
    /// A nested (named) block whose version is chosen by its block type on the wire.
    BlockChoice(&'static Choice),
}

impl Ty {
    /// Byte size of a fixed-size type, `None` for variable-length ones.
    pub const fn fixed_size(&self) -> Option<usize> {
        match self {
            Ty::U8 => Some(1),
            Ty::U16 | Ty::Len16(_) => Some(2),
            Ty::U32 | Ty::Len32(_) | Ty::Ipv4 => Some(4),
            Ty::U64 => Some(8),
            Ty::Ipv6 | Ty::Uuid => Some(16),
            Ty::Mac => Some(6),
            Ty::Hex(n) => Some(*n),
            _ => None,
        }
    }
}

/// One field of a layout.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// Output key (eNcore's camelCase name).
    pub key: &'static str,
    /// Wire type.
    pub ty: Ty,
    /// Wire-only: decoded and re-encoded but not printed in JSON.
    pub hidden: bool,
    /// Present only when the named earlier integer field is non-zero.
    pub cond: Option<&'static str>,
    /// On encode, a value under this key wins (record 71 keeps the header's `deviceId` as
    /// `headerDeviceId` because the block's `deviceId` replaces it in the output).
    pub alias: Option<&'static str>,
    /// For a [`Ty::List`] field: the list header number (S1 11 "List" or S1 31 "Generic List")
    /// written when the value does not carry its own `listType`; `None` means 11.
    pub list_header: Option<u32>,
}

/// Shorthand constructor used by the tables.
pub const fn f(key: &'static str, ty: Ty) -> Field {
    Field { key, ty, hidden: false, cond: None, alias: None, list_header: None }
}

/// A list field whose header number (11 or 31) is fixed by its layout; a value built without
/// a `listType` is encoded with `header`.
pub const fn list(key: &'static str, header: u32, item: &'static BlockDef) -> Field {
    Field { key, ty: Ty::List(item), hidden: false, cond: None, alias: None, list_header: Some(header) }
}

/// A wire-only field (kept for round trips, not printed).
pub const fn hidden(key: &'static str, ty: Ty) -> Field {
    Field { key, ty, hidden: true, cond: None, alias: None, list_header: None }
}

/// A block layout (Series 1 or 2), or a header-less group of fields.
#[derive(Debug)]
pub struct BlockDef {
    /// Numbering space.
    pub series: Series,
    /// Block type number.
    pub number: u32,
    /// Spec name of the block.
    pub name: &'static str,
    /// Keys of the two header words (type, length); `None` for header-less layouts.
    pub header: Option<(&'static str, &'static str)>,
    /// Fields after the header.
    pub fields: &'static [Field],
}

/// Versions of a block that a record may carry; the wire block type selects one.
#[derive(Debug)]
pub struct Choice {
    /// Layout used when the wire type is not among `options` (the newest).
    pub default: &'static BlockDef,
    /// Every known version.
    pub options: &'static [&'static BlockDef],
}

impl Choice {
    /// The layout for a wire block type, if known.
    pub fn find(&self, number: u32) -> Option<&'static BlockDef> {
        self.options.iter().copied().find(|b| b.number == number)
    }
}

/// Look up a block layout by series and number.
pub fn block_def(series: Series, number: u32) -> Option<&'static BlockDef> {
    blocks::ALL.iter().copied().find(|b| b.series == series && b.number == number)
}
