//! hearth's entry point: parse the command line, set up logging, hand over to the
//! library, and report how it ended.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = hearth::cli::Cli::parse();
    // Logs go to stderr, so a console transcript on stdout stays clean.
    let default_level = match cli.command {
        hearth::cli::Command::Console { .. } => "warn",
        _ => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.run().await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("hearth: {error}");
            ExitCode::from(2)
        }
    }
}
