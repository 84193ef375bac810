//! Structured logs: pretty for people in development, JSON for machines (`LOG_FORMAT=json`).
//! Filter with `RUST_LOG` (default `info` for the server, `warn` for the other commands); a
//! filter that does not parse stops the start instead of being ignored.

use std::io::IsTerminal;

use infrastructure::config::LogFormat;
use tracing_subscriber::{
    EnvFilter, Layer, filter::LevelFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt,
};

/// Where a process's logs go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// The server's logs.
    Stdout,
    /// A command's logs: its standard output is its result.
    Stderr,
}

/// Installs the subscriber with `RUST_LOG`, refusing a malformed one. Colours only on a terminal.
pub fn try_init_subscriber(
    format: LogFormat,
    default_filter: &str,
    sink: Sink,
) -> anyhow::Result<()> {
    let filter = log_filter(std::env::var("RUST_LOG").ok().as_deref(), default_filter)?;
    let (writer, ansi): (fn() -> Box<dyn std::io::Write>, bool) = match sink {
        Sink::Stdout => (stdout, std::io::stdout().is_terminal()),
        Sink::Stderr => (stderr, std::io::stderr().is_terminal()),
    };
    install(format, filter, writer, ansi);
    Ok(())
}

/// Installs the subscriber; a malformed `RUST_LOG` falls back to `default_filter` (tests).
pub fn init_subscriber(
    format: LogFormat,
    default_filter: &str,
    sink: fn() -> Box<dyn std::io::Write>,
) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    install(format, filter, sink, true);
}

/// `raw` (the value of `RUST_LOG`) as a filter; unset or blank means `default_filter`.
pub fn log_filter(raw: Option<&str>, default_filter: &str) -> anyhow::Result<EnvFilter> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(EnvFilter::new(default_filter)),
        Some(raw) => EnvFilter::builder()
            .parse(raw)
            .map_err(|e| anyhow::anyhow!("RUST_LOG: cannot read '{raw}' as a log filter: {e}")),
    }
}

fn install(
    format: LogFormat,
    filter: EnvFilter,
    sink: fn() -> Box<dyn std::io::Write>,
    ansi: bool,
) {
    // With error tracking on (`SENTRY_DSN`), every ERROR event is also reported, with the scope
    // of the request it happened in.
    let errors = sentry::Hub::main()
        .client()
        .is_some()
        .then(|| sentry::integrations::tracing::ErrorLayer::new().with_filter(LevelFilter::ERROR));
    let registry = tracing_subscriber::registry().with(filter).with(errors);
    let logs = fmt::layer().with_writer(sink).with_ansi(ansi);
    // A second call (several apps in one test process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Json => registry.with(logs.json().flatten_event(true)).try_init(),
        LogFormat::Pretty => registry.with(logs).try_init(),
    };
}

/// Standard output (the tests' sink when `TEST_LOG=1`).
pub fn stdout() -> Box<dyn std::io::Write> {
    Box::new(std::io::stdout())
}

/// Standard error.
pub fn stderr() -> Box<dyn std::io::Write> {
    Box::new(std::io::stderr())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_filter_is_refused_naming_the_variable() {
        for bad in ["info,agora=loud", "agora=[", "=info"] {
            let err = log_filter(Some(bad), "info").expect_err(bad);
            assert!(format!("{err:#}").starts_with("RUST_LOG: "), "{err:#}");
        }
        for good in ["info", "agora=debug,actix_web=warn", "  ", "warn,sqlx=off"] {
            log_filter(Some(good), "info").unwrap_or_else(|e| panic!("{good}: {e:#}"));
        }
        log_filter(None, "info").expect("the default");
    }
}
