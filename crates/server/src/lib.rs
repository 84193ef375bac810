//! Agora's composition root: configuration in, adapters wired, server up.

pub mod admin;
pub mod cli;
mod connections;
pub mod env_file;
mod mail;
mod metrics;
pub mod rotate;
pub mod startup;
pub mod telemetry;
mod wiring;

pub use infrastructure::config::Settings;
pub use startup::Application;
