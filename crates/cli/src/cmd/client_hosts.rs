//! `estreamer client hosts`: host profiles from a service's network map, one JSON object per
//! host on stdout.

use std::io::Write;
use std::net::IpAddr;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use estreamer_client::hosts::{query_hosts, HostQueryOptions};

use super::client::ConnectionArgs;

/// Options of `client hosts`.
#[derive(Args)]
#[command(after_help = "Prints each host profile as one JSON object (field names from the profile's \
schema, addresses and MACs as text). Data types: 4 (one host) and 5 (range) ask for the 4.9 profile, \
block 92, IPv4 only; 6 and 7 (the default) for the 5.x profile, S1 139. Exits non-zero with the \
server's Error text when the query is refused (e.g. no such host).")]
pub(crate) struct HostsArgs {
    #[command(flatten)]
    conn: ConnectionArgs,
    /// One address, or an inclusive range A-B (IPv4 or IPv6), e.g. 10.1.0.0-10.1.255.255.
    #[arg(long)]
    ip: String,
    /// Fill host notes.
    #[arg(long)]
    notes: bool,
    /// Fill service banners.
    #[arg(long)]
    banners: bool,
    /// Host request data type (4–7); default 6 for one host, 7 for a range.
    #[arg(long)]
    data_type: Option<u32>,
    /// Send the legacy 16-byte request (IPv4 only), as the Perl SDK does.
    #[arg(long)]
    legacy_request: bool,
    /// Seconds allowed for connecting and for the whole answer.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

fn parse_range(s: &str) -> Result<(IpAddr, IpAddr)> {
    let parse = |t: &str| t.trim().parse::<IpAddr>().with_context(|| format!("{t:?} is not an IP address"));
    // IPv6 addresses hold no '-', so the first one splits a range.
    match s.split_once('-') {
        Some((a, b)) => Ok((parse(a)?, parse(b)?)),
        None => {
            let ip = parse(s)?;
            Ok((ip, ip))
        }
    }
}

pub(crate) fn run(a: HostsArgs) -> Result<()> {
    let (start, end) = parse_range(&a.ip).context("--ip")?;
    let (server, identity) = a.conn.identity()?;
    let timeout = Duration::try_from_secs_f64(a.timeout).context("--timeout must be a number of seconds")?;
    let opts = HostQueryOptions {
        server,
        identity,
        tls: a.conn.tls_options(),
        start,
        end,
        data_type: a.data_type,
        notes: a.notes,
        banners: a.banners,
        legacy_request: a.legacy_request,
        timeout,
    };
    let answers = crate::runtime()?.block_on(query_hosts(&opts))?;
    let mut out = std::io::stdout().lock();
    let mut line = String::new();
    for answer in &answers {
        let d = answer.decode();
        for issue in &d.issues {
            eprintln!("client hosts: block {} does not fit its layout: {issue}", answer.block_type);
        }
        line.clear();
        d.value.write_json(&mut line);
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()?;
    eprintln!("client hosts: {} host(s)", answers.len());
    if answers.is_empty() && start == end {
        bail!("the server sent no host");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_ranges() {
        let (a, b) = parse_range("10.0.0.1").unwrap();
        assert_eq!(a, b);
        let (a, b) = parse_range("10.0.0.0-10.0.255.255").unwrap();
        assert_eq!((a.to_string(), b.to_string()), ("10.0.0.0".into(), "10.0.255.255".into()));
        let (a, b) = parse_range("2001:db8::1-2001:db8::ff").unwrap();
        assert_eq!((a.to_string(), b.to_string()), ("2001:db8::1".into(), "2001:db8::ff".into()));
        assert!(parse_range("10.0.0.300").is_err());
    }
}
