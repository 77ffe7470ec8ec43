//! Helpers shared by the workspace's tests: PKIs (one cached per test binary, plus bad
//! clients), TLS client connections over real sockets, and message reading. A dev-dependency
//! only: nothing here ships in a release build.

pub mod cached;
pub mod net;
pub mod pki;

pub use cached::{copied_pki, CachedDir};
pub use pki::{shared_pki, SharedPki, TEST_PASSWORD};
