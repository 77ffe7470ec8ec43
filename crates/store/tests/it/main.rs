//! The store on real directories: the log, corruption and recovery, care (stats, verify,
//! compact), the metadata table, the network map, and properties. One test binary.

mod care;
mod corruption;
mod meta;
mod netmap;
mod prop;
mod prop_corrupt;
mod store;
