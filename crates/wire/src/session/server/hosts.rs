//! Host Requests (PROTOCOL.md §8): validation, one query at a time, answers as Single or Multiple
//! Host Data in the profile block the data type asks for, the end marker.

use super::*;

/// A validated host query the driver must look up in the network map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostQuery {
    /// First address (IPv4 as IPv4-mapped IPv6).
    pub start: [u8; 16],
    /// Last address, inclusive (equal to `start` for a single host).
    pub end: [u8; 16],
    /// Single host (data types 4 and 6) or range (5 and 7).
    pub single: bool,
    /// The request's data type.
    pub data_type: u32,
    /// Fill host notes (request flag 0x1).
    pub notes: bool,
    /// Fill service banners (request flag 0x2).
    pub banners: bool,
}

/// A host as the network map knows it, able to write the profile blocks a query asks for.
pub trait HostBlocks {
    /// The host's address (IPv4 as IPv4-mapped IPv6): the map's key and the order of answers.
    fn address(&self) -> [u8; 16];
    /// The 4.9 full host profile, block 92 (data types 4/5); `None` when the host cannot be
    /// written in it (block 92 holds an IPv4 address only).
    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>>;
    /// The 5.x host profile served for data types 6/7 (S1 139, see `docs/protocol.md`).
    fn to_block139(&self, banners: bool) -> Vec<u8>;
}

impl<T: HostBlocks + ?Sized> HostBlocks for Box<T> {
    fn address(&self) -> [u8; 16] {
        (**self).address()
    }
    fn to_block92(&self, notes: bool, banners: bool) -> Option<Vec<u8>> {
        (**self).to_block92(notes, banners)
    }
    fn to_block139(&self, banners: bool) -> Vec<u8> {
        (**self).to_block139(banners)
    }
}

impl ServerSession {
    pub(super) fn on_host_request(&mut self, h: HostRequest, now: Millis) {
        if matches!(self.state, State::AwaitRequest { .. }) {
            return self.close_with_error(
                error_codes::UNEXPECTED,
                "Host Request before the Event Stream Request; send an Event Stream Request first",
                now,
            );
        }
        let single = match h.data_type {
            4 | 6 => true,
            5 | 7 => false,
            n => {
                let text = format!("host data type {n} is not served; ask for 4/5 (4.9 profile) or 6/7 (5.x profile)");
                return self.close_with_error(error_codes::HOST_DATA_TYPE, &text, now);
            }
        };
        if !single && h.end < h.start {
            let text = format!("host range {} - {} ends before it starts", ip_text(&h.start), ip_text(&h.end));
            return self.close_with_error(error_codes::HOST_RANGE, &text, now);
        }
        if self.hosts.len() >= self.cfg.max_host_queries {
            return self.close_with_error(error_codes::BUSY, "too many host requests waiting for an answer", now);
        }
        self.hosts.push_back(HostQuery {
            start: h.start,
            end: if single { h.start } else { h.end },
            single,
            data_type: h.data_type,
            notes: h.flags & 1 != 0,
            banners: h.flags & 2 != 0,
        });
        self.next_host_query();
    }

    pub(super) fn next_host_query(&mut self) {
        if !self.host_active {
            if let Some(q) = self.hosts.front() {
                self.host_active = true;
                self.events.push_back(ServerEvent::HostQuery(q.clone()));
            }
        }
    }

    /// Whether the driver may hand over (more) hosts for the current query now.
    pub fn wants_host_data(&self) -> bool {
        self.host_active && !self.is_closed() && self.tx_bytes < self.cfg.max_queued_bytes
    }

    /// Answer the current host query with `hosts` (in address order); `complete` when the
    /// driver has handed over every host of the query. A single-host query takes one call
    /// with zero or one host.
    pub fn answer_hosts<H: HostBlocks>(&mut self, hosts: &[H], complete: bool, now: Millis) {
        let Some(q) = self.hosts.front().cloned() else { return };
        if !self.host_active || self.is_closed() {
            return;
        }
        let block =
            |h: &H| if q.data_type <= 5 { h.to_block92(q.notes, q.banners) } else { Some(h.to_block139(q.banners)) };
        if q.single {
            let Some(host) = hosts.first() else {
                let text = format!("no host {} in the network map", ip_text(&q.start));
                return self.close_with_error(error_codes::HOST_NOT_FOUND, &text, now);
            };
            let Some(b) = block(host) else {
                let text = format!(
                    "host {} cannot be written in block 92 (IPv4 only); ask for data type 6",
                    ip_text(&q.start)
                );
                return self.close_with_error(error_codes::HOST_NOT_REPRESENTABLE, &text, now);
            };
            self.queue_raw(host_message(MessageType::SingleHostData, &b), now);
        } else {
            for b in hosts.iter().filter_map(block) {
                self.queue_raw(host_message(MessageType::MultipleHostData, &b), now);
            }
            if !complete {
                return;
            }
            // The end of a range answer: a header-only type 7, which the Perl SDK stops on
            // (HOSTS.md §3.4).
            self.queue_raw(host_message(MessageType::MultipleHostData, &[]), now);
        }
        self.hosts.pop_front();
        self.host_active = false;
        self.next_host_query();
    }
}

fn host_message(t: MessageType, block: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(HEADER_LEN + block.len());
    m.extend_from_slice(&[0, 1]);
    m.extend_from_slice(&t.code().to_be_bytes());
    m.extend_from_slice(&(block.len() as u32).to_be_bytes());
    m.extend_from_slice(block);
    m
}

fn ip_text(a: &[u8; 16]) -> String {
    crate::value::ipv6_text(a)
}
