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
            // The whole cause chain: the operator needs the SQLite message and the path.
            eprintln!("hearth: {}", hearth::report::cause_chain(&error));
            ExitCode::from(2)
        }
    }
}
