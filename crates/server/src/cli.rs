//! The `agora` command line.

use clap::{Parser, Subcommand};

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
        #[arg(long)]
        email: String,
        #[arg(long)]
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
}
