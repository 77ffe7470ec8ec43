//! The client library against real servers on 127.0.0.1. One test binary.

mod hostile_server;
