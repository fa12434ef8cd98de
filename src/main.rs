//! hearth's entry point: parse the command line, hand over to the library, and
//! report how it ended.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = hearth::cli::Cli::parse();
    match cli.run().await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("hearth: {error}");
            ExitCode::from(2)
        }
    }
}
