//! For tests only (feature `testing`): in-memory fakes of the ports, and the contract suites
//! that every adapter of a port must pass, fakes included. An adapter's test calls the suite of
//! its port with a fresh instance, e.g. `contract::session_store(&MemorySessions::default())`.

pub mod contract;
pub mod fakes;
