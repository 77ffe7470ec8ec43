//! Small but well-formed Ethernet / IPv4 or IPv6 / TCP or UDP frames for packet records.

use std::net::IpAddr;

/// One frame to build.
pub(crate) struct Frame<'a> {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src: IpAddr,
    pub dst: IpAddr,
    pub src_port: u16,
    pub dst_port: u16,
    /// 6 TCP, 17 UDP.
    pub proto: u8,
    pub ttl: u8,
    pub ip_id: u16,
    pub seq: u32,
    pub ack: u32,
    pub payload: &'a [u8],
}

fn sum16(data: &[u8], mut acc: u32) -> u32 {
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        acc += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        acc += u32::from(*last) << 8;
    }
    acc
}

fn fold(mut acc: u32) -> u16 {
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !(acc as u16)
}

/// Internet checksum over `data` plus an initial partial sum.
fn checksum(data: &[u8], initial: u32) -> u16 {
    fold(sum16(data, initial))
}

impl Frame<'_> {
    /// The frame bytes (Ethernet II, link type 1).
    #[cfg(test)]
    pub(crate) fn build(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }

    /// Append the frame (Ethernet II, link type 1) to `out`, checksums included.
    pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
        let v4 = matches!((self.src, self.dst), (IpAddr::V4(_), IpAddr::V4(_)));
        let l4_len = if self.proto == 6 { 20 } else { 8 } + self.payload.len();
        out.extend_from_slice(&self.dst_mac);
        out.extend_from_slice(&self.src_mac);
        let (s, d) = (to_v6(self.src), to_v6(self.dst));
        let pseudo_sum = if v4 {
            out.extend_from_slice(&0x0800u16.to_be_bytes());
            let ip_at = out.len();
            out.extend_from_slice(&[0x45, 0]);
            out.extend_from_slice(&((20 + l4_len) as u16).to_be_bytes());
            out.extend_from_slice(&self.ip_id.to_be_bytes());
            out.extend_from_slice(&0x4000u16.to_be_bytes()); // DF
            out.extend_from_slice(&[self.ttl, self.proto, 0, 0]);
            out.extend_from_slice(&s[12..]);
            out.extend_from_slice(&d[12..]);
            let c = checksum(&out[ip_at..], 0);
            out[ip_at + 10..ip_at + 12].copy_from_slice(&c.to_be_bytes());
            let mut pseudo = [0u8; 12];
            pseudo[..4].copy_from_slice(&s[12..]);
            pseudo[4..8].copy_from_slice(&d[12..]);
            pseudo[9] = self.proto;
            pseudo[10..].copy_from_slice(&(l4_len as u16).to_be_bytes());
            sum16(&pseudo, 0)
        } else {
            out.extend_from_slice(&0x86DDu16.to_be_bytes());
            out.extend_from_slice(&[0x60, 0, 0, 0]);
            out.extend_from_slice(&(l4_len as u16).to_be_bytes());
            out.extend_from_slice(&[self.proto, self.ttl]);
            out.extend_from_slice(&s);
            out.extend_from_slice(&d);
            let mut pseudo = [0u8; 40];
            pseudo[..16].copy_from_slice(&s);
            pseudo[16..32].copy_from_slice(&d);
            pseudo[32..36].copy_from_slice(&(l4_len as u32).to_be_bytes());
            pseudo[39] = self.proto;
            sum16(&pseudo, 0)
        };
        // Transport segment; its checksum covers the pseudo header.
        let l4_at = out.len();
        out.extend_from_slice(&self.src_port.to_be_bytes());
        out.extend_from_slice(&self.dst_port.to_be_bytes());
        if self.proto == 6 {
            out.extend_from_slice(&self.seq.to_be_bytes());
            out.extend_from_slice(&self.ack.to_be_bytes());
            out.push(5 << 4); // data offset 5 words
            out.push(0x18); // PSH, ACK
            out.extend_from_slice(&64_240u16.to_be_bytes()); // window
            out.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
        } else {
            out.extend_from_slice(&((8 + self.payload.len()) as u16).to_be_bytes());
            out.extend_from_slice(&[0, 0]);
        }
        out.extend_from_slice(self.payload);
        let csum_at = l4_at + if self.proto == 6 { 16 } else { 6 };
        let c = checksum(&out[l4_at..], pseudo_sum);
        let c = if c == 0 && self.proto == 17 { 0xffff } else { c };
        out[csum_at..csum_at + 2].copy_from_slice(&c.to_be_bytes());
    }
}

fn to_v6(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

/// A DNS query message for `name` (type A or AAAA).
#[cfg(test)]
pub(crate) fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut m = Vec::new();
    write_dns_query(&mut m, id, name, qtype);
    m
}

/// Append a DNS query message for `name` (type A or AAAA) to `m`.
pub(crate) fn write_dns_query(m: &mut Vec<u8>, id: u16, name: &str, qtype: u16) {
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        m.push(l.len() as u8);
        m.extend_from_slice(l);
    }
    m.push(0);
    m.extend_from_slice(&qtype.to_be_bytes());
    m.extend_from_slice(&[0, 1]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn frame(src: IpAddr, dst: IpAddr, proto: u8, payload: &[u8]) -> Vec<u8> {
        Frame {
            src_mac: [0, 0x50, 0x56, 1, 2, 3],
            dst_mac: [0, 0x1b, 1, 2, 3, 4],
            src,
            dst,
            src_port: 51000,
            dst_port: 80,
            proto,
            ttl: 64,
            ip_id: 0x1234,
            seq: 1,
            ack: 2,
            payload,
        }
        .build()
    }

    #[test]
    fn ipv4_tcp_checksums_verify() {
        let f =
            frame(Ipv4Addr::new(10, 0, 0, 1).into(), Ipv4Addr::new(192, 0, 2, 7).into(), 6, b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(&f[12..14], &[0x08, 0x00]);
        let ip = &f[14..34];
        assert_eq!(checksum(ip, 0), 0, "IPv4 header checksum");
        let total = u16::from_be_bytes([ip[2], ip[3]]) as usize;
        assert_eq!(total + 14, f.len());
        let l4 = &f[34..];
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&ip[12..20]);
        pseudo.extend_from_slice(&[0, 6]);
        pseudo.extend_from_slice(&(l4.len() as u16).to_be_bytes());
        assert_eq!(checksum(l4, sum16(&pseudo, 0)), 0, "TCP checksum");
    }

    #[test]
    fn ipv6_udp_checksum_verifies() {
        let q = dns_query(7, "www.example.com", 28);
        let f = frame(
            "2001:db8::1".parse::<Ipv6Addr>().unwrap().into(),
            "2001:db8::53".parse::<Ipv6Addr>().unwrap().into(),
            17,
            &q,
        );
        assert_eq!(&f[12..14], &[0x86, 0xdd]);
        let l4 = &f[54..];
        assert_eq!(u16::from_be_bytes([f[18], f[19]]) as usize, l4.len());
        let mut pseudo = Vec::new();
        pseudo.extend_from_slice(&f[22..54]);
        pseudo.extend_from_slice(&(l4.len() as u32).to_be_bytes());
        pseudo.extend_from_slice(&[0, 0, 0, 17]);
        assert_eq!(checksum(l4, sum16(&pseudo, 0)), 0, "UDP checksum");
        assert!(l4.ends_with(&[3, b'c', b'o', b'm', 0, 0, 28, 0, 1]));
    }
}
