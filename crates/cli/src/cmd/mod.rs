//! One module per subcommand, each with its `#[derive(Args)]` struct and a `run`.

use std::collections::BTreeMap;

use clap::ValueEnum;

pub(crate) mod bench;
pub(crate) mod ca;
pub(crate) mod client;
pub(crate) mod client_hosts;
pub(crate) mod decode;
pub(crate) mod demo;
pub(crate) mod ingest;
pub(crate) mod produce;
pub(crate) mod sensor;
pub(crate) mod serve;
pub(crate) mod store;

/// The error and its causes on one line, `: `-separated, leaving out a cause whose text the
/// message before it already contains (many errors print their source themselves).
pub(crate) fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// TLS versions on the command line.
#[derive(Clone, Copy, Debug, ValueEnum, serde::Deserialize)]
pub(crate) enum TlsArg {
    /// TLS 1.2 only.
    #[value(name = "1.2")]
    #[serde(rename = "1.2")]
    V12,
    /// TLS 1.3 only.
    #[value(name = "1.3")]
    #[serde(rename = "1.3")]
    V13,
    /// TLS 1.2 and 1.3.
    #[serde(rename = "any")]
    Any,
}

impl TlsArg {
    /// (tls12, tls13)
    pub(crate) fn versions(self) -> (bool, bool) {
        match self {
            TlsArg::V12 => (true, false),
            TlsArg::V13 => (false, true),
            TlsArg::Any => (true, true),
        }
    }
}

/// A 32-bit number, decimal or `0x` hex.
pub(crate) fn parse_flags(s: &str) -> Result<u32, String> {
    let r = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    };
    r.map_err(|e| format!("{s:?} is not a 32-bit number (decimal or 0x hex): {e}"))
}

/// `type:count` pairs for summaries.
pub(crate) fn by_type<N: std::fmt::Display>(m: &BTreeMap<u32, N>) -> String {
    m.iter().map(|(t, n)| format!("{t}:{n}")).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file or directory (os error 2)");
        #[derive(Debug, thiserror::Error)]
        #[error("opening x.p12: {0}")]
        struct Wrapper(#[source] std::io::Error);
        let e = anyhow::Error::new(Wrapper(io)).context("loading the client identity");
        assert_eq!(
            error_chain(&e),
            "loading the client identity: opening x.p12: No such file or directory (os error 2)"
        );
    }
}
