//! `estreamer client hosts`: ask a service for host profiles (PROTOCOL.md §8) and read the
//! answers, the way a long-lived client does (HOSTS.md §1): an Event Stream Request asking for
//! no events, the Host Request right after it without waiting, then Single Host Data (one host)
//! or Multiple Host Data until the end marker; an Error ends the query.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use estreamer_pki::{ClientIdentity, ClientTlsOptions};
use estreamer_wire::message::{HostRequest, TIMESTAMP_NOW};
use estreamer_wire::schema::{blocks, host_blocks, BlockDef};
use estreamer_wire::session::{ClientConfig, ClientEvent, ClientSession};
use estreamer_wire::walk::{decode_block, Decoded};
use estreamer_wire::{Obj, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::connect::connect;
use crate::error::ClientError;

/// One host query.
#[derive(Debug, Clone)]
pub struct HostQueryOptions {
    /// HOST:PORT.
    pub server: String,
    /// Who we are.
    pub identity: ClientIdentity,
    /// TLS versions and server verification.
    pub tls: ClientTlsOptions,
    /// First address.
    pub start: IpAddr,
    /// Last address, inclusive (equal to `start` for one host).
    pub end: IpAddr,
    /// The request's data type; `None` picks 6 for one host and 7 for a range (the 5.x
    /// profile, which holds IPv6 hosts too). 4/5 ask for the 4.9 profile (block 92).
    pub data_type: Option<u32>,
    /// Ask for host notes (flag 0x1).
    pub notes: bool,
    /// Ask for service banners (flag 0x2).
    pub banners: bool,
    /// Send the legacy 16-byte request (IPv4 only), as the Perl SDK does.
    pub legacy_request: bool,
    /// Limit for connecting, and for the whole answer.
    pub timeout: Duration,
}

/// One host profile as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostAnswer {
    /// Block type (92 for data types 4/5, 139 for 6/7).
    pub block_type: u32,
    /// The whole block, header included.
    pub block: Vec<u8>,
}

impl HostAnswer {
    /// The profile decoded with its schema layout (field names from the schema, addresses and
    /// MACs as text in JSON); a block type this build has no layout for is kept as hex.
    pub fn decode(&self) -> Decoded {
        let def: Option<&'static BlockDef> = match self.block_type {
            92 => Some(&host_blocks::S1_92),
            139 => Some(&blocks::S1_139),
            _ => None,
        };
        match def {
            Some(def) => decode_block(def, &self.block),
            None => {
                let mut value = Obj::new();
                value.push("blockType", Value::U(self.block_type.into()));
                value.push(estreamer_wire::walk::UNPARSED_KEY, Value::Hex(self.block.clone()));
                Decoded { value, issues: Vec::new() }
            }
        }
    }
}

fn mapped(ip: IpAddr) -> [u8; 16] {
    match estreamer_pki::normalize_ip(ip) {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

impl HostQueryOptions {
    /// The Host Request this query sends.
    pub fn request(&self) -> Result<HostRequest, ClientError> {
        let single = self.start == self.end;
        let data_type = self.data_type.unwrap_or(if single { 6 } else { 7 });
        let legacy = self.legacy_request;
        if legacy
            && !(estreamer_pki::normalize_ip(self.start).is_ipv4() && estreamer_pki::normalize_ip(self.end).is_ipv4())
        {
            return Err(ClientError::Config {
                path: "--legacy-request".into(),
                reason: "the legacy 16-byte host request holds IPv4 addresses only".into(),
            });
        }
        let flags = u32::from(self.notes) | (u32::from(self.banners) << 1);
        Ok(HostRequest { data_type, flags, start: mapped(self.start), end: mapped(self.end), legacy })
    }
}

/// Run one host query: every host the server answered with, in its order. A server Error
/// (host not found, data type refused, ...) is [`ClientError::ServerError`] with its code and
/// text.
pub async fn query_hosts(opts: &HostQueryOptions) -> Result<Vec<HostAnswer>, ClientError> {
    let server = opts.server.clone();
    let request = opts.request()?;
    let tls = estreamer_pki::client_config(&opts.identity, &opts.tls).map_err(ClientError::Pki)?;
    let stream = connect(&server, &Arc::clone(&tls), opts.timeout).await?;
    let clock = tokio::time::Instant::now();
    let now = || clock.elapsed().as_millis() as u64;
    // Flags 0: a legacy session that streams nothing (host data only, PROTOCOL.md §8.1).
    let cfg =
        ClientConfig { initial_timestamp: TIMESTAMP_NOW, flags: 0, events: Vec::new(), ..ClientConfig::default() };
    let mut session = ClientSession::new(cfg, now());
    session.request_hosts(request).map_err(|source| ClientError::Protocol { server: server.clone(), source })?;
    let (mut rd, mut wr) = tokio::io::split(stream);
    let io = |source| ClientError::Io { server: server.clone(), source };
    let mut answers = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut received_any = false;
    let deadline = clock + opts.timeout;
    let done = loop {
        let mut finished = false;
        while let Some(ev) = session.poll_event() {
            match ev {
                ClientEvent::Host { single, block } => {
                    let block_type = block.get(..4).map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
                    answers.push(HostAnswer { block_type, block });
                    finished |= single;
                }
                ClientEvent::HostsEnd => finished = true,
                ClientEvent::ServerError(e) => {
                    say_goodbye(&mut session, &mut wr).await;
                    return Err(ClientError::ServerError { server, code: e.code, text: e.text_lossy() });
                }
                _ => {}
            }
        }
        while let Some(bytes) = session.poll_transmit() {
            wr.write_all(&bytes).await.map_err(io)?;
        }
        if finished {
            break Ok(());
        }
        let read = tokio::time::timeout_at(deadline, rd.read(&mut buf)).await;
        match read {
            Err(_) => {
                let source = estreamer_wire::WireError::Timeout {
                    what: "the host answer",
                    after_ms: opts.timeout.as_millis() as u64,
                };
                break Err(ClientError::Timeout { server: server.clone(), source });
            }
            Ok(Ok(0)) if !received_any => break Err(ClientError::ClosedEarly { server: server.clone() }),
            Ok(Ok(0)) => break Err(ClientError::Closed { server: server.clone() }),
            Ok(Ok(n)) => {
                received_any = true;
                session
                    .receive(&buf[..n], now())
                    .map_err(|source| ClientError::Protocol { server: server.clone(), source })?;
            }
            // A reset before any message is the post-connection check refusing us, like a close.
            Ok(Err(_)) if !received_any => break Err(ClientError::ClosedEarly { server: server.clone() }),
            Ok(Err(source)) => break Err(io(source)),
        }
    };
    say_goodbye(&mut session, &mut wr).await;
    done.map(|()| answers)
}

/// The polite goodbye (Error −1, then close), best effort.
async fn say_goodbye<W: AsyncWriteExt + Unpin>(session: &mut ClientSession, wr: &mut W) {
    session.close();
    while let Some(bytes) = session.poll_transmit() {
        if tokio::time::timeout(Duration::from_secs(1), wr.write_all(&bytes)).await.is_err() {
            return;
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
}
