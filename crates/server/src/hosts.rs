//! The network map as the connection tasks see it: brought up to date with the store before an
//! answer (read-your-writes), then read page by page so a /16 answer never sits in memory whole.

use estreamer_wire::session::HostBlocks;

/// One host, able to write the profile blocks a query asks for.
pub type HostEntry = Box<dyn HostBlocks + Send>;

/// Host lookups for Host Requests (PROTOCOL.md §8).
pub trait HostMap: Send + Sync + 'static {
    /// Apply what the store gained since the last call.
    fn sync(&self) -> Result<(), String>;
    /// Up to `limit` hosts with `start ≤ address ≤ end`, after `after` (exclusive) when given,
    /// in address order. Addresses are 16 bytes, IPv4 as IPv4-mapped IPv6.
    fn page(&self, start: [u8; 16], end: [u8; 16], after: Option<[u8; 16]>, limit: usize) -> Vec<HostEntry>;
}

/// Hosts handed to a session per step of a range answer.
pub const HOST_PAGE: usize = 256;
