//! `statectl completions SHELL`: shell completion scripts. They call back into
//! statectl (clap_complete's dynamic engine), so namespaces complete from the database
//! the command line would open, and flags complete everywhere.

use crate::Ctx;
use crate::cli::Cli;
use crate::error::{Error, Kind, Result};
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::env::Shells;
use std::path::PathBuf;

/// The completers the arguments name (`ArgValueCompleter`), answered by ops::complete.
pub use crate::ops::complete::{
    complete_db, complete_key, complete_matrix_account, complete_namespace, complete_where,
};

/// The environment variable the scripts set when they ask statectl for completions.
pub const COMPLETE_VAR: &str = "COMPLETE";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl Shell {
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::Powershell,
    ];

    fn engine_name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Elvish => "elvish",
            Shell::Powershell => "powershell",
        }
    }

    /// The conventional file name in `completions/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Shell::Bash => "statectl.bash",
            Shell::Zsh => "_statectl",
            Shell::Fish => "statectl.fish",
            Shell::Elvish => "statectl.elv",
            Shell::Powershell => "_statectl.ps1",
        }
    }
}

#[derive(Debug, Args)]
#[command(
    about = "Print the completion script for a shell (or write all of them with --dir)",
    after_help = "Examples:\n  source <(statectl completions bash)\n  statectl completions zsh > ~/.zfunc/_statectl\n  statectl completions fish > ~/.config/fish/completions/statectl.fish\n\nNamespaces complete from the database the command line names (--db, --state-dir),\nelse from STATECTL_DB or the OpenClaw state dir."
)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum, required_unless_present = "dir")]
    pub shell: Option<Shell>,
    /// Write every shell's script into DIR instead
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub dir: Option<PathBuf>,
}

/// The registration script for `shell`.
pub fn script(shell: Shell) -> Result<Vec<u8>> {
    let shells = Shells::builtins();
    let engine = shells.completer(shell.engine_name()).ok_or_else(|| {
        Error::new(
            Kind::UnknownShell,
            format!("no completion engine for {}", shell.engine_name()),
        )
    })?;
    let mut buf = Vec::new();
    engine.write_registration(COMPLETE_VAR, "statectl", "statectl", "statectl", &mut buf)?;
    Ok(buf)
}

pub fn run(ctx: &mut Ctx, args: &CompletionsArgs) -> anyhow::Result<()> {
    match (&args.dir, args.shell) {
        (Some(dir), _) => {
            std::fs::create_dir_all(dir)?;
            for shell in Shell::ALL {
                std::fs::write(dir.join(shell.file_name()), script(shell)?)?;
            }
            writeln!(
                ctx.err,
                "wrote {} completion scripts to {}",
                Shell::ALL.len(),
                dir.display()
            )?;
        }
        (None, Some(shell)) => ctx.out.write_all(&script(shell)?)?,
        (None, None) => {
            anyhow::bail!(Error::new(
                Kind::NoShell,
                "name a shell (bash, zsh, fish, elvish, powershell) or --dir",
            ));
        }
    }
    Ok(())
}

/// Answers completion requests (`COMPLETE=bash statectl -- ...`) and exits; returns
/// when this is a normal run.
pub fn handle_completion_request() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(COMPLETE_VAR)
        .completer("statectl")
        .complete();
}
