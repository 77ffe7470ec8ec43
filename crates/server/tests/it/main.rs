//! The service over real TLS on loopback: every timeout, the client cap, admission control
//! under a flood, the window, feeder failure, shutdown, CRL reload.

mod admission;
mod harness;
mod hosts;
mod limits;
mod load;
mod stream;
mod tls_matrix;
