//! Output formats and sinks: every format on the golden vectors, the file sink, network sinks
//! on real sockets, the pipeline. One test binary; the modules share `common`.

mod common;
mod file_sink;
mod formats;
mod net_sinks;
mod pipeline;
