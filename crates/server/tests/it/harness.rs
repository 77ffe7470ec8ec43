//! A service running in this process on 127.0.0.1, on a store the sensor filled.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use estreamer_server::{ServerOptions, ServerStats, Service, TlsSource};
use estreamer_store::{Store, StoreOptions, StoreReader, SyncPolicy};
use estreamer_test_support::shared_pki;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub struct TestService {
    pub addr: SocketAddr,
    pub stop: CancellationToken,
    pub task: JoinHandle<Result<(), estreamer_server::ServerError>>,
    pub stats: Arc<ServerStats>,
    pub data: PathBuf,
    /// Event records the sensor wrote (metadata not counted).
    pub events: usize,
    pub _dir: tempfile::TempDir,
}

/// Fill a new store with `events` sensor events (seed 1).
pub fn filled_store(events: usize) -> (tempfile::TempDir, PathBuf, usize) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let opts = StoreOptions { sync: SyncPolicy::Never, ..StoreOptions::default() };
    let store = Store::open(&data, opts).unwrap();
    let sum = estreamer_sensor::write_to_store(&store, 1, events).unwrap();
    store.sync().unwrap();
    (dir, data, sum.event_records)
}

pub async fn start(opts: ServerOptions, events: usize) -> TestService {
    start_with(opts, events, Arc::new(shared_pki().server_tls())).await
}

pub async fn start_with(opts: ServerOptions, events: usize, tls: Arc<dyn TlsSource>) -> TestService {
    let (dir, data, events) = filled_store(events);
    let store = StoreReader::open(&data).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let service = Service::new(tls, store, opts);
    let stats = Arc::clone(&service.stats);
    let stop = CancellationToken::new();
    let task = tokio::spawn(estreamer_server::serve(vec![listener], service, stop.clone()));
    TestService { addr, stop, task, stats, data, events, _dir: dir }
}

impl TestService {
    /// Stop the service and wait for it (bounded).
    pub async fn shutdown(self) {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(20), self.task).await.expect("service stops").unwrap().unwrap();
    }
}

/// Fail a test rather than hang it.
pub async fn bounded<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), f).await.unwrap_or_else(|_| panic!("{what} did not finish in 30 s"))
}
