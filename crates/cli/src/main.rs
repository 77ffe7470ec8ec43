//! `estreamer`: one binary wiring the crates — Internal CA, store, sensor, service, client.
//! Each subcommand lives in its own module under `cmd/`; the lab harness that `demo` and
//! `bench` share is in `lab.rs`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd;
mod lab;
mod signals;

#[derive(Parser)]
#[command(
    name = "estreamer",
    version,
    about = "Open eStreamer: the FMC event-streaming protocol, both ends.",
    long_about = "Open eStreamer: an Internal CA, a durable event store fed by a synthetic sensor, a TLS \
service speaking Cisco's eStreamer protocol (port 8302, mutual certificate auth, host profiles), and a \
client that decodes every record to JSON.\n\nQuick start: `estreamer demo` runs everything on a temporary \
directory."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Cmd {
    /// Internal CA: create it, register clients (PKCS#12), revoke them.
    Ca(cmd::ca::CaArgs),
    /// Synthetic events (and the metadata they reference) into a running service or a store.
    Sensor(cmd::sensor::SensorArgs),
    /// Replay a raw capture or JSON lines into a running service or a store.
    Ingest(cmd::ingest::IngestArgs),
    /// Store care: stats, verify, compact, batches.
    Store(cmd::store::StoreArgs),
    /// Run the eStreamer service (events, metadata, host profiles) over TLS.
    Serve(cmd::serve::ServeArgs),
    /// Connect to a service and write decoded records; or query host profiles (`client hosts`).
    Client(cmd::client::ClientArgs),
    /// Decode a file of raw eStreamer messages to JSON lines.
    Decode(cmd::decode::DecodeArgs),
    /// The benchmark of record: the TLS ceiling, then transport, JSON, store, sensor, memory and
    /// scale figures, each against its target or the ceiling measured in the same run, as one table.
    Bench(cmd::bench::BenchArgs),
    /// Everything in one go on a temporary directory: CA, client, sensor, service, client.
    Demo(cmd::demo::DemoArgs),
}

/// Log to stderr; `RUST_LOG` overrides the default level. No colours unless stderr is a terminal.
pub(crate) fn init_logging(default: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// The multi-threaded runtime every networked subcommand runs on.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    // Store reads run on blocking threads. A few long-lived ones rather than one per session:
    // every thread that allocates gets its own allocator arena, which keeps what it held after
    // sessions end (with one thread per session, three rounds of 100 clients left ≈ 190 MB
    // behind; with eight, ≈ 40 MB, the same after every round).
    Ok(tokio::runtime::Builder::new_multi_thread().max_blocking_threads(8).enable_all().build()?)
}

fn main() -> ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Ca(a) => cmd::ca::run(a),
        Cmd::Sensor(a) => cmd::sensor::run(a),
        Cmd::Ingest(a) => cmd::ingest::run(a),
        Cmd::Store(a) => cmd::store::run(a),
        Cmd::Serve(a) => cmd::serve::run(a),
        Cmd::Client(a) => cmd::client::run(a),
        Cmd::Decode(a) => cmd::decode::run(a),
        Cmd::Bench(a) => cmd::bench::run(a),
        Cmd::Demo(a) => cmd::demo::run(a),
    };
    // `bench` runs the service and clients as children of this binary and asks each for its
    // peak RSS this way.
    if std::env::var_os(cmd::bench::REPORT_PEAK_RSS).is_some() {
        if let Some(kib) = cmd::bench::peak_rss_kib("self") {
            let cpu = cmd::bench::cpu_secs("self").unwrap_or(0.0);
            eprintln!("estreamer: peak RSS {kib} KiB, CPU {cpu:.2} s");
        }
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The cause chain on one line, each cause once; no backtrace for an operator's mistake.
            eprintln!("estreamer: error: {}", cmd::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}
