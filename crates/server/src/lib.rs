//! Agora's composition root: configuration in, adapters wired, server up.

pub mod admin;
pub mod cli;
mod connections;
pub mod env_file;
pub mod error_tracking;
mod healthcheck;
mod mail;
mod metrics;
mod priority;
mod redirect;
pub mod rotate;
mod shutdown;
mod side_listener;
pub mod startup;
pub mod telemetry;
mod tls;
mod wiring;

pub use infrastructure::config::Settings;
pub use startup::Application;
