//! The `agora` command line. The server logs to standard output; the other commands print
//! their result on standard output and only warnings and errors on standard error.

use clap::{Parser, Subcommand};
use infrastructure::config::Settings;

use crate::{
    Application,
    env_file::EnvFile,
    telemetry::{self, Sink},
};

#[derive(Debug, Parser)]
#[command(
    name = "agora",
    version,
    about = "Agora: accounts, authentication, posts and comments over a REST API."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the API server (the default). Configuration comes from the environment.
    Serve,
    /// Print the OpenAPI document as YAML (what docs/api.yaml holds).
    Openapi,
    /// Create an administrator. The password is read from ADMIN_PASSWORD when set, else from
    /// standard input, never from an argument (arguments show in `ps`).
    CreateAdmin {
        /// The administrator's email address, which they log in with.
        #[arg(long, value_name = "ADDRESS")]
        email: String,
        /// The administrator's username, shown on their posts and comments.
        #[arg(long, value_name = "NAME")]
        username: String,
    },
    /// Re-encrypt every stored email under DATA_KEY (keep the old keys in DATA_KEYS_PREVIOUS
    /// until it has finished). Each batch is committed on its own: safe to interrupt and run
    /// again; a run with nothing left to do changes nothing.
    RotateDataKey {
        /// Rows re-encrypted per transaction.
        #[arg(long, default_value_t = 500)]
        batch_size: u64,
    },
    /// Exit 0 when the server on this machine answers 200 on /health/live (BIND_ADDR's port,
    /// on loopback), else 1: the container image's HEALTHCHECK, which has no curl.
    Healthcheck {
        /// The path to ask for.
        #[arg(long, default_value = "/health/live")]
        path: String,
    },
}

/// Runs the command; `env_file` says what became of `.env` (read before any thread started).
pub async fn run(cli: Cli, env_file: EnvFile) -> anyhow::Result<()> {
    if let Some(Command::Openapi) = cli.command {
        print!("{}", agora_http::openapi_yaml()?);
        return Ok(());
    }
    if let Some(Command::Healthcheck { path }) = &cli.command {
        // Only BIND_ADDR matters: no secrets, no database, nothing else read.
        let bind_addr = std::env::var("BIND_ADDR").ok();
        let addr = crate::healthcheck::local_address(bind_addr.as_deref())?;
        return crate::healthcheck::check(addr, path);
    }
    let settings = Settings::from_env()?;
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let (default_filter, sink) = if serving {
        ("info", Sink::Stdout)
    } else {
        ("warn", Sink::Stderr)
    };
    // Before the subscriber, which reports ERROR events once a client is bound.
    let _error_tracking = if serving {
        crate::error_tracking::init(&settings)?
    } else {
        None
    };
    telemetry::try_init_subscriber(settings.log_format, default_filter, sink)?;
    env_file.log();
    match cli.command {
        Some(Command::CreateAdmin { email, username }) => {
            crate::admin::create_admin(&settings, &email, &username).await
        }
        Some(Command::RotateDataKey { batch_size }) => {
            let report = crate::rotate::rotate_data_key(&settings, batch_size).await?;
            println!(
                "re-encrypted {} email(s) in {} batch(es) under key {}; skipped {} unreadable row(s)",
                report.rewritten, report.batches, report.key_id, report.skipped
            );
            Ok(())
        }
        _ => {
            let worker_nice = settings.worker_nice;
            let app = Application::build(settings).await?;
            // The hashing threads started in `build`, from this thread: lower everything else.
            match crate::priority::lower_all_but_hashing(worker_nice) {
                Ok(threads) => tracing::info!(
                    worker_nice,
                    threads,
                    "every thread but the password hashers runs at a lower priority"
                ),
                Err(e) => tracing::warn!(
                    error = format!("{e:#}"),
                    "WORKER_NICE: the priorities stay as they are"
                ),
            }
            Ok(app.run_until_stopped().await?)
        }
    }
}
