//! The service over real TLS on loopback: every timeout, the client cap, admission control
//! under a flood, the window, feeder failure, shutdown, CRL reload; the ingest endpoint.

mod admission;
mod harness;
mod hosts;
mod ingest;
mod limits;
mod load;
mod stream;
mod tls_matrix;
