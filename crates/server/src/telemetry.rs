//! Structured logs: pretty for people in development, JSON for machines (`LOG_FORMAT=json`).
//! Filter with `RUST_LOG` (default `info`).

use infrastructure::config::LogFormat;
use tracing_subscriber::{EnvFilter, fmt};

pub fn init_subscriber(
    format: LogFormat,
    default_filter: &str,
    sink: fn() -> Box<dyn std::io::Write>,
) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = fmt().with_env_filter(filter).with_writer(sink);
    // A second call (several apps in one test process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

pub fn stdout() -> Box<dyn std::io::Write> {
    Box::new(std::io::stdout())
}
