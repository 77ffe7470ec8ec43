//! The `estreamer` binary as an operator runs it: end to end over real TLS on 127.0.0.1 with
//! real files (`e2e`), the client against the real service (`client`), sources feeding a
//! running service (`ingest`). One test binary; the modules share `common`.

mod client;
mod common;
mod e2e;
mod ingest;
