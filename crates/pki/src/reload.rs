//! A server TLS configuration that follows its PKI directory: when the revocation list (or the
//! CA or server certificate files) change, the next handshake uses a configuration built from
//! the new files — `ca revoke` takes effect for new connections without a restart.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use rustls::ServerConfig;

use crate::ca::PkiDir;
use crate::tls::{server_config, ServerTlsOptions};
use crate::PkiError;

/// Modification time and length of each watched file (`None` when missing).
type Stamp = Vec<Option<(SystemTime, u64)>>;

struct Current {
    config: Arc<ServerConfig>,
    stamp: Stamp,
    checked: Instant,
}

/// The server configuration of a PKI directory, rebuilt when its files change.
pub struct ReloadingServerConfig {
    dir: PathBuf,
    opts: ServerTlsOptions,
    check_every: Duration,
    current: Mutex<Current>,
}

impl std::fmt::Debug for ReloadingServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReloadingServerConfig").field("dir", &self.dir).finish_non_exhaustive()
    }
}

fn watched(dir: &Path) -> [PathBuf; 4] {
    let pki = PkiDir::new(dir);
    [pki.crl(), pki.ca_cert(), pki.server_cert(), pki.server_key()]
}

fn stamp(dir: &Path) -> Stamp {
    watched(dir).iter().map(|p| std::fs::metadata(p).ok().and_then(|m| Some((m.modified().ok()?, m.len())))).collect()
}

impl ReloadingServerConfig {
    /// Build the configuration now (errors are reported here) and look for changed files at
    /// most once per `check_every` afterwards.
    pub fn new(dir: &Path, opts: ServerTlsOptions, check_every: Duration) -> Result<Self, PkiError> {
        let stamp = stamp(dir);
        let config = server_config(dir, &opts)?;
        Ok(ReloadingServerConfig {
            dir: dir.to_path_buf(),
            opts,
            check_every,
            current: Mutex::new(Current { config, stamp, checked: Instant::now() }),
        })
    }

    /// The configuration for the next handshake. When a watched file changed it is rebuilt;
    /// if the new files do not make a valid configuration (a write in progress, a mistake),
    /// the previous one stays in use and the problem is logged.
    pub fn current(&self) -> Arc<ServerConfig> {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if cur.checked.elapsed() >= self.check_every {
            cur.checked = Instant::now();
            let now = stamp(&self.dir);
            if now != cur.stamp {
                match server_config(&self.dir, &self.opts) {
                    Ok(config) => {
                        tracing::info!(dir = %self.dir.display(), "PKI files changed: new connections use the new revocation list and certificates");
                        cur.config = config;
                        cur.stamp = now;
                    }
                    Err(e) => {
                        tracing::warn!(dir = %self.dir.display(), error = %e, "PKI files changed but cannot be loaded; keeping the previous configuration")
                    }
                }
            }
        }
        Arc::clone(&cur.config)
    }
}
