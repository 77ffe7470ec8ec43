//! Several servers in one process, from a TOML file (`estreamer client --config FILE`).
//!
//! ```toml
//! [defaults]                     # optional; every key can also be set per server
//! state_dir = "/var/lib/estreamer"
//! format = "json"
//!
//! [[server]]
//! name = "fmc-east"              # unique; tags every record (`@server`, `server=`, flexString1)
//! server = "10.0.0.1:8302"
//! pkcs12 = "/etc/estreamer/east.p12"
//! password_file = "/etc/estreamer/east.pass"
//! output = "/var/log/estreamer/east.json"
//!
//! [[server]]
//! name = "fmc-west"
//! server = "10.0.1.1:8302"
//! pkcs12 = "/etc/estreamer/west.p12"
//! password_env = "WEST_PKCS12_PASSWORD"
//! format = "splunk"
//! output = "tcp://splunk.example:5514"
//! ```
//!
//! Keys (per server, or under `[defaults]`): `name`, `server`, `pkcs12`, one of `password_file`
//! / `password_env` / `password`, `start` (`bookmark`|`oldest`|`now`), `bookmark`, `cache`,
//! `state_dir`, `bookmark_format` (`native`|`encore`), `format`, `output`, `flush_records`,
//! `flush_ms`, `tls` (`1.2`|`1.3`|`any`), `insecure`, `computed`, `flags`. Unknown keys are errors.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use estreamer_output::{parse_output, Format, FormatOptions};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;

use crate::metrics::Metrics;
use crate::{BookmarkFormat, ClientError, ClientOptions, ClientSummary, OutputFormat, Start, StateFiles};

/// One `[[server]]` table, or `[defaults]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerEntry {
    /// Unique name.
    pub name: Option<String>,
    /// HOST:PORT.
    pub server: Option<String>,
    /// PKCS#12 file.
    pub pkcs12: Option<PathBuf>,
    /// File whose first line is the PKCS#12 password.
    pub password_file: Option<PathBuf>,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// The password itself (prefer a file or a variable).
    pub password: Option<String>,
    /// `bookmark`, `oldest` or `now`.
    pub start: Option<String>,
    /// Bookmark file.
    pub bookmark: Option<PathBuf>,
    /// Metadata cache file.
    pub cache: Option<PathBuf>,
    /// Base directory for default state files.
    pub state_dir: Option<PathBuf>,
    /// `native` or `encore`.
    pub bookmark_format: Option<String>,
    /// Output format.
    pub format: Option<String>,
    /// Output destination.
    pub output: Option<String>,
    /// Flush after this many records.
    pub flush_records: Option<u64>,
    /// Flush this long after the first unflushed record.
    pub flush_ms: Option<u64>,
    /// `1.2`, `1.3` or `any`.
    pub tls: Option<String>,
    /// Do not verify the server certificate.
    pub insecure: Option<bool>,
    /// Add `@computed`.
    pub computed: Option<bool>,
    /// Request flags.
    pub flags: Option<u32>,
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// Shared defaults.
    #[serde(default)]
    pub defaults: ServerEntry,
    /// The servers.
    #[serde(default)]
    pub server: Vec<ServerEntry>,
}

macro_rules! pick {
    ($e:expr, $d:expr, $f:ident) => {
        $e.$f.clone().or_else(|| $d.$f.clone())
    };
}

/// Read a password file: its first line, without the line end.
pub fn read_password_file(path: &Path) -> Result<String, ClientError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ClientError::PasswordFile { path: path.to_path_buf(), source })?;
    Ok(text.lines().next().unwrap_or("").to_string())
}

/// Parse a start name.
pub fn parse_start(s: &str) -> Option<Start> {
    match s {
        "bookmark" => Some(Start::Bookmark),
        "oldest" => Some(Start::Oldest),
        "now" => Some(Start::Now),
        _ => None,
    }
}

/// Read the configuration file into one [`ClientOptions`] per server (identities loaded,
/// output parsed, state files resolved, every record tagged with the server's name).
pub fn load_config(path: &Path) -> Result<Vec<ClientOptions>, ClientError> {
    let bad = |reason: String| ClientError::Config { path: path.to_path_buf(), reason };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let file: ConfigFile = toml::from_str(&text).map_err(|e| bad(e.to_string()))?;
    if file.server.is_empty() {
        return Err(bad("no [[server]] table".into()));
    }
    let d = &file.defaults;
    let mut names = BTreeSet::new();
    let mut out = Vec::new();
    for (i, e) in file.server.iter().enumerate() {
        let server = pick!(e, d, server).ok_or_else(|| bad(format!("server #{}: missing `server`", i + 1)))?;
        let name = e.name.clone().unwrap_or_else(|| server.clone());
        let at = |what: String| bad(format!("server {name:?}: {what}"));
        if !names.insert(name.clone()) {
            return Err(at("duplicate name (names must be unique)".into()));
        }
        let pkcs12 = pick!(e, d, pkcs12).ok_or_else(|| at("missing `pkcs12`".into()))?;
        let password = if let Some(f) = pick!(e, d, password_file) {
            read_password_file(&f)?
        } else if let Some(v) = pick!(e, d, password_env) {
            std::env::var(&v).map_err(|_| at(format!("environment variable {v} is not set")))?
        } else {
            pick!(e, d, password).unwrap_or_default()
        };
        let identity = estreamer_pki::load_pkcs12_file(&pkcs12, &password)?;
        let mut o = ClientOptions::new(server.clone(), identity);
        o.name = name.clone();
        if let Some(s) = pick!(e, d, start) {
            o.start = parse_start(&s).ok_or_else(|| at(format!("start {s:?}: expected bookmark, oldest or now")))?;
        }
        let mut state = crate::default_state_files(pick!(e, d, state_dir).as_deref(), &server);
        if let Some(b) = pick!(e, d, bookmark) {
            state.cache = None;
            state.bookmark = Some(b);
        }
        if let Some(c) = pick!(e, d, cache) {
            state.cache = Some(c);
        }
        state.format = match pick!(e, d, bookmark_format).as_deref() {
            None | Some("native") => BookmarkFormat::Native,
            Some("encore") => BookmarkFormat::Encore,
            Some(x) => return Err(at(format!("bookmark_format {x:?}: expected native or encore"))),
        };
        o.state = StateFiles { ..state };
        if let Some(f) = pick!(e, d, format) {
            o.output.format = OutputFormat::parse(&f).map_err(|err| at(err.to_string()))?;
        }
        if let Some(s) = pick!(e, d, output) {
            o.output.sink = parse_output(&s).map_err(|err| at(err.to_string()))?;
        }
        if let Some(n) = pick!(e, d, flush_records) {
            o.output.flush.max_records = n.max(1);
        }
        if let Some(ms) = pick!(e, d, flush_ms) {
            o.output.flush.max_interval = Duration::from_millis(ms);
        }
        o.output.format_options = FormatOptions::default();
        o.output.server_tag = Some(name.clone());
        if let Some(c) = pick!(e, d, computed) {
            o.output.computed = c;
        }
        if let Some(t) = pick!(e, d, tls) {
            (o.tls.tls12, o.tls.tls13) = match t.as_str() {
                "1.2" => (true, false),
                "1.3" => (false, true),
                "any" => (true, true),
                x => return Err(at(format!("tls {x:?}: expected 1.2, 1.3 or any"))),
            };
        }
        o.tls.verify_server = !pick!(e, d, insecure).unwrap_or(false);
        if let Some(f) = pick!(e, d, flags) {
            o.flags = f;
        }
        out.push(o);
    }
    // Two servers must not write the same file or state.
    let mut files = BTreeSet::new();
    for o in &out {
        for f in [o.state.bookmark.clone(), o.state.cache_path()].into_iter().flatten() {
            if !files.insert(f.clone()) {
                return Err(bad(format!("{} is used by two servers", f.display())));
            }
        }
        if let estreamer_output::SinkConfig::File(fc) = &o.output.sink {
            if !files.insert(fc.path.clone()) {
                return Err(bad(format!("output {} is used by two servers", fc.path.display())));
            }
        }
    }
    let _ = Format::Json;
    Ok(out)
}

/// Run every server on a thread of its own (each with its own single-threaded runtime, so a
/// slow output holds back only its server). Returns each server's name and result, in order.
pub fn run_all(
    servers: Vec<ClientOptions>,
    shutdown: CancellationToken,
    metrics: Arc<Metrics>,
) -> Vec<(String, Result<ClientSummary, ClientError>)> {
    let handles: Vec<_> = servers
        .into_iter()
        .map(|o| {
            let (stop, m) = (shutdown.clone(), metrics.server(&o.name));
            let name = o.name.clone();
            let h = std::thread::Builder::new().name(format!("client-{name}")).spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|source| ClientError::Start { what: "a runtime", source })?;
                rt.block_on(crate::run(&o, stop, m))
            });
            (name, h)
        })
        .collect();
    handles
        .into_iter()
        .map(|(name, h)| {
            let r = match h {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(ClientError::Start { what: "a client thread", source: std::io::Error::other("it panicked") })
                }),
                Err(source) => Err(ClientError::Start { what: "a client thread", source }),
            };
            (name, r)
        })
        .collect()
}
