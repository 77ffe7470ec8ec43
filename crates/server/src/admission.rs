//! Admission control for connections that have not authenticated yet.
//!
//! An unauthenticated peer gets a small, fixed share of the service:
//! * at most [`ServerOptions::max_unauthenticated`] such connections exist at once (waiting or
//!   in a handshake); beyond that a new one is closed at once;
//! * at most [`ServerOptions::max_waiting_per_address`] from one address; beyond that, closed;
//! * at most [`ServerOptions::max_pending_per_address`] of one address's connections are in a
//!   TLS handshake at once, and at most [`ServerOptions::max_pending_handshakes`] overall; the
//!   others wait their turn, first come first served;
//! * waiting and the handshake each have [`ServerOptions::handshake_timeout`].
//!
//! Only authenticated sessions count against [`ServerOptions::max_clients`]. So idle TCP
//! connections or stalled handshakes from some addresses cannot keep a certified client at
//! another address out, and many clients behind one address (a SIEM host) are served in turn
//! rather than refused.
//!
//! [`ServerOptions::max_unauthenticated`]: crate::ServerOptions::max_unauthenticated
//! [`ServerOptions::max_waiting_per_address`]: crate::ServerOptions::max_waiting_per_address
//! [`ServerOptions::max_pending_per_address`]: crate::ServerOptions::max_pending_per_address
//! [`ServerOptions::max_pending_handshakes`]: crate::ServerOptions::max_pending_handshakes
//! [`ServerOptions::handshake_timeout`]: crate::ServerOptions::handshake_timeout
//! [`ServerOptions::max_clients`]: crate::ServerOptions::max_clients

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::ServerOptions;

struct Address {
    /// Handshakes this address may run at once.
    handshakes: Arc<Semaphore>,
    /// Its connections admitted and not yet authenticated (waiting or in a handshake).
    held: usize,
}

/// The budget of unauthenticated connections.
pub(crate) struct Admission {
    unauthenticated: Arc<Semaphore>,
    handshakes: Arc<Semaphore>,
    addresses: Mutex<HashMap<IpAddr, Address>>,
    max_handshakes: usize,
    per_address_handshakes: usize,
    per_address_held: usize,
}

/// One admitted connection's share of the budget; released when dropped.
pub(crate) struct Ticket {
    admission: Arc<Admission>,
    addr: IpAddr,
    address_handshakes: Arc<Semaphore>,
    _admitted: OwnedSemaphorePermit,
    turn: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

/// The four numbers of an admission budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Unauthenticated connections at once.
    pub(crate) unauthenticated: usize,
    /// Of those, from one address.
    pub(crate) per_address: usize,
    /// Handshakes run at once.
    pub(crate) handshakes: usize,
    /// Of those, for one address.
    pub(crate) per_address_handshakes: usize,
}

impl From<&ServerOptions> for Limits {
    fn from(o: &ServerOptions) -> Self {
        Limits {
            unauthenticated: o.max_unauthenticated,
            per_address: o.max_waiting_per_address,
            handshakes: o.max_pending_handshakes,
            per_address_handshakes: o.max_pending_per_address,
        }
    }
}

impl From<&crate::ingest::IngestOptions> for Limits {
    fn from(o: &crate::ingest::IngestOptions) -> Self {
        Limits {
            unauthenticated: o.max_unauthenticated,
            per_address: o.max_waiting_per_address,
            handshakes: o.max_pending_handshakes,
            per_address_handshakes: o.max_pending_per_address,
        }
    }
}

impl Admission {
    pub(crate) fn new(limits: Limits) -> Self {
        let handshakes = limits.handshakes.max(1);
        let per_address_handshakes = limits.per_address_handshakes.max(1);
        Admission {
            unauthenticated: Arc::new(Semaphore::new(limits.unauthenticated.max(1))),
            handshakes: Arc::new(Semaphore::new(handshakes)),
            addresses: Mutex::new(HashMap::new()),
            max_handshakes: handshakes,
            per_address_handshakes,
            per_address_held: limits.per_address.max(per_address_handshakes),
        }
    }

    /// Admit a new TCP connection, or say why not (it is then closed at once).
    pub(crate) fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Ticket, &'static str> {
        let addr = estreamer_pki::normalize_ip(peer);
        let admitted = Arc::clone(&self.unauthenticated)
            .try_acquire_owned()
            .map_err(|_| "too many unauthenticated connections")?;
        let mut map = self.addresses.lock().unwrap_or_else(|p| p.into_inner());
        let entry = map
            .entry(addr)
            .or_insert_with(|| Address { handshakes: Arc::new(Semaphore::new(self.per_address_handshakes)), held: 0 });
        if entry.held >= self.per_address_held {
            return Err("too many unauthenticated connections from one address");
        }
        entry.held += 1;
        Ok(Ticket {
            admission: Arc::clone(self),
            addr,
            address_handshakes: Arc::clone(&entry.handshakes),
            _admitted: admitted,
            turn: None,
        })
    }

    /// Handshakes in progress now.
    pub(crate) fn handshakes(&self) -> usize {
        self.max_handshakes - self.handshakes.available_permits()
    }
}

impl Ticket {
    /// Wait for this connection's turn to run its TLS handshake (its address's share first,
    /// then the service's). Cancel-safe: dropping the future gives the place up.
    pub(crate) async fn turn(&mut self) {
        if self.turn.is_some() {
            return;
        }
        let own = Arc::clone(&self.address_handshakes).acquire_owned().await.expect("never closed");
        let all = Arc::clone(&self.admission.handshakes).acquire_owned().await.expect("never closed");
        self.turn = Some((own, all));
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut map = self.admission.addresses.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = map.get_mut(&self.addr) {
            a.held -= 1;
            if a.held == 0 {
                map.remove(&self.addr);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(per_address: usize, waiting: usize, total: usize) -> ServerOptions {
        ServerOptions {
            max_pending_per_address: per_address,
            max_waiting_per_address: waiting,
            max_unauthenticated: total,
            max_pending_handshakes: 2,
            ..ServerOptions::default()
        }
    }

    #[tokio::test]
    async fn one_address_waits_its_turn_and_cannot_take_every_place() {
        let a = Arc::new(Admission::new((&opts(1, 3, 5)).into()));
        let x: IpAddr = "127.0.0.2".parse().unwrap();
        let y: IpAddr = "127.0.0.1".parse().unwrap();
        let mut t1 = a.admit(x).unwrap();
        let mut t2 = a.admit(x).unwrap();
        let _t3 = a.admit(x).unwrap();
        assert!(a.admit(x).is_err(), "the address's waiting room is full");
        t1.turn().await;
        assert_eq!(a.handshakes(), 1);
        // The second one from x waits behind the first; another address goes at once.
        let second = tokio::time::timeout(std::time::Duration::from_millis(50), t2.turn()).await;
        assert!(second.is_err(), "one handshake at a time per address");
        let mut other = a.admit(y).unwrap();
        other.turn().await;
        assert_eq!(a.handshakes(), 2);
        drop(t1);
        t2.turn().await;
        // Alive now: t2, t3, other. Two more fit the total of five; a sixth does not.
        let _four = a.admit(y).unwrap();
        let _five = a.admit(y).unwrap();
        assert!(a.admit(y).is_err(), "five unauthenticated connections in all");
    }

    #[tokio::test]
    async fn dropping_a_ticket_gives_everything_back() {
        let a = Arc::new(Admission::new((&opts(1, 1, 1)).into()));
        let x: IpAddr = "::ffff:127.0.0.2".parse().unwrap();
        let mut t = a.admit(x).unwrap();
        t.turn().await;
        assert!(a.admit("127.0.0.2".parse().unwrap()).is_err(), "IPv4-mapped is the same address");
        drop(t);
        assert_eq!(a.handshakes(), 0);
        assert!(a.admit(x).is_ok());
    }
}
