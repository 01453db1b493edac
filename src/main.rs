//! The binary: parse arguments, set up the terminal, run, map errors to exit codes.

use clap::CommandFactory;
use statectl::cli::Cli;
use statectl::error::{self, ExitPolicy, Kind};
use statectl::output::Term;
use std::io::{BufWriter, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    statectl::commands::completions::handle_completion_request();
    let cli = match statectl::cli::parse() {
        Ok(cli) => cli,
        Err(e) => return parse_error(statectl::cli::with_tips(e)),
    };
    let term = Term::detect();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut err = std::io::stderr();
    let policy = ExitPolicy::for_subcommand(Some(cli.command.name()));
    match statectl::run(&cli, &mut out, &mut err, term) {
        Ok(code) => ExitCode::from(code.clamp(0, 255) as u8),
        Err(e) => {
            let e = error::report(&e);
            // `statectl ls | head -1`: the reader is gone, which is not a failure.
            if e.is_broken_pipe() {
                return ExitCode::SUCCESS;
            }
            // Whatever was printed before the error still belongs to the user.
            let _ = out.flush();
            let exit = policy.exit_code(e.kind);
            if cli.global.wants_json() {
                let _ = writeln!(err, "{}", e.to_json(exit));
            } else {
                // Messages name keys and namespaces: escaped for the terminal.
                let message = statectl::output::escape_lines(&e.to_string());
                if policy == ExitPolicy::Monitoring {
                    // A monitoring system shows the first line of stdout.
                    let _ = writeln!(out, "STATECTL UNKNOWN - {message}");
                    let _ = out.flush();
                }
                let _ = writeln!(err, "statectl: {message}");
            }
            ExitCode::from(exit.clamp(0, 255) as u8)
        }
    }
}

/// A command line clap refused: its usual message and exit 2, except where the
/// subcommand has its own convention (`check --bogus` is UNKNOWN, 3, not CRITICAL).
fn parse_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        e.exit();
    }
    let policy = ExitPolicy::for_subcommand(subcommand_named().as_deref());
    if policy == ExitPolicy::Standard {
        e.exit();
    }
    let _ = e.print();
    if policy == ExitPolicy::Monitoring {
        let text = e.kind().as_str().unwrap_or("invalid command line");
        println!("STATECTL UNKNOWN - usage error: {text}; see `statectl check --help`");
    }
    ExitCode::from(policy.exit_code(Kind::Usage) as u8)
}

/// The subcommand a command line names, read as leniently as clap can.
fn subcommand_named() -> Option<String> {
    let matches = Cli::command()
        .ignore_errors(true)
        .try_get_matches_from(std::env::args_os())
        .ok()?;
    matches.subcommand_name().map(str::to_string)
}
