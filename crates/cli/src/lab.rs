//! A temporary PKI and store filled by the sensor, with the service running on 127.0.0.1:
//! what `demo` runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use estreamer_client::{ClientOptions, Start};
use estreamer_output::Sink;
use estreamer_pki::ServerTlsOptions;
use estreamer_server::ServerOptions;
use estreamer_server::Service;
use estreamer_store::{Store, StoreOptions, StoreReader};
use tokio_util::sync::CancellationToken;

/// The lab: everything in a temporary directory, the service on an ephemeral port.
pub(crate) struct Lab {
    _tmp: tempfile::TempDir,
    identity: estreamer_pki::ClientIdentity,
    addr: SocketAddr,
    stop: CancellationToken,
    server: tokio::task::JoinHandle<Result<(), estreamer_server::ServerError>>,
    pub(crate) written: estreamer_sensor::SensorSummary,
}

impl Lab {
    pub(crate) async fn start(events: usize, seed: u64) -> Result<Lab> {
        let tmp = tempfile::tempdir()?;
        let pki = tmp.path().join("pki");
        let data = tmp.path().join("data");
        estreamer_pki::init_ca(&pki, &["127.0.0.1".parse()?], &["localhost".to_string()])?;
        let issued = estreamer_pki::add_client(&pki, "127.0.0.1", None)?;
        let identity = estreamer_pki::load_pkcs12(&issued.pkcs12, &issued.password)?;
        let written = {
            let store = Store::open(&data, StoreOptions::default())?;
            estreamer_sensor::write_to_store(&store, seed, events)?
        };
        let store = StoreReader::open(&data)?;
        let tls = estreamer_pki::server_config(&pki, &ServerTlsOptions::default())?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = CancellationToken::new();
        let service = Service::new(Arc::new(tls), store, ServerOptions::default());
        let server = tokio::spawn(estreamer_server::serve(vec![listener], service, stop.clone()));
        Ok(Lab { _tmp: tmp, identity, addr, stop, server, written })
    }

    /// Stream every event from the oldest record over TLS, through the client's pipeline (JSON)
    /// into `sink`; no state files.
    pub(crate) async fn stream(&self, sink: Box<dyn Sink>) -> Result<estreamer_client::ClientSummary> {
        let mut opts = ClientOptions::new(self.addr.to_string(), self.identity.clone());
        opts.start = Start::Oldest;
        opts.max_events = Some(self.written.event_records as u64);
        // Must not hang if something is lost: give up after a generous idle period.
        opts.idle_exit = Some(Duration::from_secs(10));
        let metrics = std::sync::Arc::new(estreamer_client::metrics::ServerMetrics::new("lab"));
        let sum = estreamer_client::run_with_sink(&opts, Some(sink), CancellationToken::new(), metrics).await?;
        if sum.events != self.written.event_records as u64 {
            bail!(
                "the sensor wrote {} event records but the client received {}",
                self.written.event_records,
                sum.events
            );
        }
        Ok(sum)
    }

    pub(crate) async fn stop(self) -> Result<()> {
        self.stop.cancel();
        self.server.await??;
        Ok(())
    }
}
