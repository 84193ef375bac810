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
}
