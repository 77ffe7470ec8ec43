//! The network map's snapshot file: a versioned, checksummed binary image of the map.
//!
//! All integers little-endian (like the store's own files).
//!
//! | Off | Size | Field |
//! |---:|---:|---|
//! | 0 | 8 | magic `ESNETMAP` |
//! | 8 | 4 | format version, `1` |
//! | 12 | 4 | flags, `0` |
//! | 16 | 8 | last applied seq |
//! | 24 | 8 | refused hosts (host-limit counter) |
//! | 32 | 8 | host count |
//! | 40 | 8 | payload length |
//! | 48 | 4 | CRC32C of the payload |
//! | 52 | 4 | CRC32C of bytes 0..52 |
//! | 56 | n | payload: the hosts in address order |
//!
//! Host: address (16), hops (u8), fingerprints, TCP services, UDP services, network protocols,
//! transport protocols, MACs, last seen (u32), host type (u32), criticality (u16), VLAN
//! (presence u8, id u16, type u8, priority u8), client applications, NetBIOS name, notes,
//! vulnerabilities, attributes, mobile (u8), jailbroken (u8). A list is a u32 count and its
//! items; text and bytes are a u32 length and the bytes (text must be UTF-8). Fingerprint:
//! source (u8, index into `FingerprintSource::ALL`), uuid (16), type, source type, source id,
//! last seen (u32 each), TTL difference (u8). Service: port (u16), hits, last used,
//! application protocol id (u32 each), vendor, version, source type, source id, confidence
//! (u32 each), banner, vulnerabilities. Vulnerability: id (u32), invalid (u8), type (u32). MAC:
//! TTL (u8), address (6), primary (u8), last seen (u32). Client application: id, application
//! protocol id, hits, last used (u32 each), version. Attribute: id, type, integer value (u32
//! each), text value.
//!
//! Saving is atomic: the image goes to `<name>.tmp` beside the target, is fsynced and renamed
//! over it, and the directory is fsynced.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use estreamer_wire::host_profile::{
    AttributeValue, ClientApplication, FingerprintSource, HostMac, HostProfile, HostService, HostVulnerability,
    OsFingerprint, Vlan,
};

use super::NetMap;

const MAGIC: &[u8; 8] = b"ESNETMAP";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 56;

/// A snapshot that could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading, writing, syncing or renaming the file failed.
    #[error("failed to {op} network map snapshot {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file is not a snapshot this version can read (damaged, truncated, other format).
    #[error("network map snapshot {} is unusable: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl SnapshotError {
    fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        SnapshotError::Io { op, path: path.to_path_buf(), source }
    }

    /// Whether the file simply does not exist (a first start, not damage).
    pub fn is_missing(&self) -> bool {
        matches!(self, SnapshotError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}

impl NetMap {
    /// Write the map to `path` atomically (temporary file, fsync, rename, directory fsync).
    pub fn save_snapshot(&self, path: &Path) -> Result<(), SnapshotError> {
        write_atomically(path, &self.snapshot_bytes())
    }

    /// The snapshot image of the map (see the module docs for the format).
    pub fn snapshot_bytes(&self) -> Vec<u8> {
        let mut payload = Vec::with_capacity(self.hosts.len() * 128);
        for h in self.hosts.values() {
            put_host(&mut payload, h);
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&self.last_seq.to_le_bytes());
        out.extend_from_slice(&self.refused_hosts.to_le_bytes());
        out.extend_from_slice(&(self.hosts.len() as u64).to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
        let header_crc = crc32c::crc32c(&out);
        out.extend_from_slice(&header_crc.to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Read a map saved by [`NetMap::save_snapshot`], with `host_limit`. Any damage is an
    /// error, never a panic; the snapshot is a cache, so the caller rebuilds from the log.
    pub fn load_snapshot(path: &Path, host_limit: usize) -> Result<NetMap, SnapshotError> {
        let bytes = fs::read(path).map_err(|e| SnapshotError::io("read", path, e))?;
        NetMap::from_snapshot_bytes(&bytes, host_limit)
            .map_err(|reason| SnapshotError::Invalid { path: path.to_path_buf(), reason })
    }

    /// Parse a snapshot image; the error says what is wrong.
    pub(crate) fn from_snapshot_bytes(bytes: &[u8], host_limit: usize) -> Result<NetMap, String> {
        if bytes.len() < HEADER_LEN {
            return Err(format!("{} bytes is shorter than the {HEADER_LEN}-byte header", bytes.len()));
        }
        let mut r = Reader { buf: &bytes[..HEADER_LEN], pos: 0 };
        if r.take(8)? != MAGIC {
            return Err("bad magic (not a network map snapshot)".into());
        }
        let version = r.u32()?;
        if version != VERSION {
            return Err(format!("format version {version}, this build reads {VERSION}"));
        }
        let _flags = r.u32()?;
        let last_seq = r.u64()?;
        let refused_hosts = r.u64()?;
        let host_count = r.u64()?;
        let payload_len = r.u64()?;
        let payload_crc = r.u32()?;
        let header_crc = r.u32()?;
        if crc32c::crc32c(&bytes[..52]) != header_crc {
            return Err("header checksum mismatch".into());
        }
        let payload = &bytes[HEADER_LEN..];
        if payload.len() as u64 != payload_len {
            return Err(format!("payload is {} bytes, header says {payload_len}", payload.len()));
        }
        if crc32c::crc32c(payload) != payload_crc {
            return Err("payload checksum mismatch".into());
        }
        let mut map = NetMap::new(host_limit);
        map.last_seq = last_seq;
        map.refused_hosts = refused_hosts;
        let mut r = Reader { buf: payload, pos: 0 };
        for i in 0..host_count {
            let h = read_host(&mut r).map_err(|e| format!("host {i}: {e}"))?;
            map.hosts.insert(h.address, h);
        }
        if r.pos != payload.len() {
            return Err(format!("{} bytes after the last host", payload.len() - r.pos));
        }
        if map.hosts.len() as u64 != host_count {
            return Err("duplicate host addresses".into());
        }
        Ok(map)
    }
}

pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), SnapshotError> {
    estreamer_fs::write_atomic(path, bytes, estreamer_fs::Durability::Synced)
        .map_err(|e| SnapshotError::io(e.step, &e.path, e.source))
}

// ---------------------------------------------------------------------------------------------
// encoding

fn put_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}
fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    // Lengths come from records of at most MAX_RECORD_BYTES, far below u32::MAX.
    put_u32(out, u32::try_from(b.len()).unwrap_or(u32::MAX));
    out.extend_from_slice(b);
}
fn put_count(out: &mut Vec<u8>, n: usize) {
    put_u32(out, u32::try_from(n).unwrap_or(u32::MAX));
}

fn put_vulns(out: &mut Vec<u8>, vulns: &[HostVulnerability]) {
    put_count(out, vulns.len());
    for v in vulns {
        put_u32(out, v.id);
        put_u8(out, u8::from(v.invalid));
        put_u32(out, v.vulnerability_type);
    }
}

fn put_service(out: &mut Vec<u8>, s: &HostService) {
    put_u16(out, s.port);
    put_u32(out, s.hits);
    put_u32(out, s.last_used);
    put_u32(out, s.application_protocol_id);
    put_bytes(out, s.vendor.as_bytes());
    put_bytes(out, s.version.as_bytes());
    put_u32(out, s.source_type);
    put_u32(out, s.source_id);
    put_u32(out, s.confidence);
    put_bytes(out, &s.banner);
    put_vulns(out, &s.vulnerabilities);
}

fn put_host(out: &mut Vec<u8>, h: &HostProfile) {
    out.extend_from_slice(&h.address);
    put_u8(out, h.hops);
    put_count(out, h.fingerprints.len());
    for f in &h.fingerprints {
        let source = FingerprintSource::ALL.iter().position(|s| *s == f.source).unwrap_or(0);
        put_u8(out, source as u8);
        out.extend_from_slice(&f.uuid);
        put_u32(out, f.fingerprint_type);
        put_u32(out, f.source_type);
        put_u32(out, f.source_id);
        put_u32(out, f.last_seen);
        put_u8(out, f.ttl_difference);
    }
    for services in [&h.tcp_services, &h.udp_services] {
        put_count(out, services.len());
        services.iter().for_each(|s| put_service(out, s));
    }
    for protocols in [&h.network_protocols, &h.transport_protocols] {
        put_count(out, protocols.len());
        protocols.iter().for_each(|p| put_u16(out, *p));
    }
    put_count(out, h.mac_addresses.len());
    for m in &h.mac_addresses {
        put_u8(out, m.ttl);
        out.extend_from_slice(&m.mac);
        put_u8(out, u8::from(m.primary));
        put_u32(out, m.last_seen);
    }
    put_u32(out, h.last_seen);
    put_u32(out, h.host_type);
    put_u16(out, h.criticality);
    let vlan = h.vlan.unwrap_or(Vlan { id: 0, vlan_type: 0, priority: 0 });
    put_u8(out, u8::from(h.vlan.is_some()));
    put_u16(out, vlan.id);
    put_u8(out, vlan.vlan_type);
    put_u8(out, vlan.priority);
    put_count(out, h.client_applications.len());
    for a in &h.client_applications {
        put_u32(out, a.client_application_id);
        put_u32(out, a.application_protocol_id);
        put_u32(out, a.hits);
        put_u32(out, a.last_used);
        put_bytes(out, a.version.as_bytes());
    }
    put_bytes(out, h.netbios_name.as_bytes());
    put_bytes(out, h.notes.as_bytes());
    put_vulns(out, &h.vulnerabilities);
    put_count(out, h.attributes.len());
    for a in &h.attributes {
        put_u32(out, a.attribute_id);
        put_u32(out, a.attribute_type);
        put_u32(out, a.integer_value);
        put_bytes(out, a.text_value.as_bytes());
    }
    put_u8(out, u8::from(h.mobile));
    put_u8(out, u8::from(h.jailbroken));
}

// ---------------------------------------------------------------------------------------------
// decoding (every length checked against what is left)

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        match self.pos.checked_add(n) {
            Some(end) if end <= self.buf.len() => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            _ => Err(format!("cut off at payload offset {}", self.pos)),
        }
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    fn bool(&mut self) -> Result<bool, String> {
        Ok(self.u8()? != 0)
    }
    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn bytes(&mut self) -> Result<Vec<u8>, String> {
        let n = self.u32()? as usize;
        Ok(self.take(n)?.to_vec())
    }
    fn text(&mut self) -> Result<String, String> {
        let at = self.pos;
        String::from_utf8(self.bytes()?).map_err(|_| format!("text at payload offset {at} is not UTF-8"))
    }
    /// A list count; each item takes at least one byte, so a count above what is left is
    /// damage (and is never used to allocate).
    fn count(&mut self) -> Result<usize, String> {
        let n = self.u32()? as usize;
        if n > self.buf.len() - self.pos {
            return Err(format!("list of {n} items at payload offset {} exceeds the file", self.pos - 4));
        }
        Ok(n)
    }
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T, String>) -> Result<Vec<T>, String> {
        let n = self.count()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }
}

fn read_vulns(r: &mut Reader<'_>) -> Result<Vec<HostVulnerability>, String> {
    r.list(|r| Ok(HostVulnerability { id: r.u32()?, invalid: r.bool()?, vulnerability_type: r.u32()? }))
}

fn read_service(r: &mut Reader<'_>) -> Result<HostService, String> {
    Ok(HostService {
        port: r.u16()?,
        hits: r.u32()?,
        last_used: r.u32()?,
        application_protocol_id: r.u32()?,
        vendor: r.text()?,
        version: r.text()?,
        source_type: r.u32()?,
        source_id: r.u32()?,
        confidence: r.u32()?,
        banner: r.bytes()?,
        vulnerabilities: read_vulns(r)?,
    })
}

fn read_host(r: &mut Reader<'_>) -> Result<HostProfile, String> {
    let address = r.array()?;
    let hops = r.u8()?;
    let fingerprints = r.list(|r| {
        let k = r.u8()? as usize;
        let source = *FingerprintSource::ALL.get(k).ok_or_else(|| format!("fingerprint source {k}"))?;
        Ok(OsFingerprint {
            source,
            uuid: r.array()?,
            fingerprint_type: r.u32()?,
            source_type: r.u32()?,
            source_id: r.u32()?,
            last_seen: r.u32()?,
            ttl_difference: r.u8()?,
        })
    })?;
    let tcp_services = r.list(read_service)?;
    let udp_services = r.list(read_service)?;
    let network_protocols = r.list(|r| r.u16())?;
    let transport_protocols = r.list(|r| r.u16())?;
    let mac_addresses =
        r.list(|r| Ok(HostMac { ttl: r.u8()?, mac: r.array()?, primary: r.bool()?, last_seen: r.u32()? }))?;
    let last_seen = r.u32()?;
    let host_type = r.u32()?;
    let criticality = r.u16()?;
    let has_vlan = r.bool()?;
    let vlan = Vlan { id: r.u16()?, vlan_type: r.u8()?, priority: r.u8()? };
    let client_applications = r.list(|r| {
        Ok(ClientApplication {
            client_application_id: r.u32()?,
            application_protocol_id: r.u32()?,
            hits: r.u32()?,
            last_used: r.u32()?,
            version: r.text()?,
        })
    })?;
    let netbios_name = r.text()?;
    let notes = r.text()?;
    let vulnerabilities = read_vulns(r)?;
    let attributes = r.list(|r| {
        Ok(AttributeValue {
            attribute_id: r.u32()?,
            attribute_type: r.u32()?,
            integer_value: r.u32()?,
            text_value: r.text()?,
        })
    })?;
    Ok(HostProfile {
        address,
        hops,
        fingerprints,
        tcp_services,
        udp_services,
        network_protocols,
        transport_protocols,
        mac_addresses,
        last_seen,
        host_type,
        criticality,
        vlan: has_vlan.then_some(vlan),
        client_applications,
        netbios_name,
        notes,
        vulnerabilities,
        attributes,
        mobile: r.bool()?,
        jailbroken: r.bool()?,
    })
}
