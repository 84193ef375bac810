use std::{path::Path, process::ExitCode};

use agora::{cli::Cli, env_file};
use clap::Parser;

// The allocator (README "Memory and the allocator"): jemalloc by default (feature `jemalloc`),
// mimalloc with `--no-default-features --features mimalloc`, else the system's.
#[cfg(all(feature = "mimalloc", not(feature = "jemalloc")))]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before any thread exists: reading `.env` sets environment variables.
    let outcome = env_file::load(Path::new(".env"))
        .and_then(|env_file| actix_web::rt::System::new().block_on(agora::cli::run(cli, env_file)));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line naming the setting (every configuration error starts with its name).
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
