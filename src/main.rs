//! The binary: parse arguments, set up the terminal, run, map errors to exit codes.

use clap::Parser;
use statectl::cli::Cli;
use statectl::output::Term;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    statectl::commands::completions::handle_completion_request();
    let cli = Cli::parse();
    let term = Term::detect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut err = std::io::stderr();
    match statectl::run(&cli, &mut out, &mut err, term) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        // `statectl ls | head -1`: the reader is gone, which is not a failure.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            // Whatever was printed before the error still belongs to the user.
            let _ = out.flush();
            if cli.global.format.is_json() {
                let _ = writeln!(err, "{}", e.to_json());
            } else {
                let _ = writeln!(err, "statectl: {e}");
            }
            ExitCode::from(e.exit_code().clamp(0, 255) as u8)
        }
    }
}
