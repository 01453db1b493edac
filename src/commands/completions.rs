//! `statectl completions SHELL`: shell completion scripts. They call back into
//! statectl (clap_complete's dynamic engine), so namespaces complete from the database
//! the command line would open, and flags complete everywhere.

use crate::Ctx;
use crate::cli::Cli;
use crate::error::{Error, Kind, Result};
use crate::store::{Db, locate};
use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::Shells;
use std::ffi::OsStr;
use std::path::PathBuf;

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

/// The value of `--db`/`--state-dir` on the command line being completed, if any.
fn flag_on_line(words: &[String], flag: &str) -> Option<PathBuf> {
    let prefix = format!("{flag}=");
    words.iter().enumerate().find_map(|(i, w)| {
        if w == flag {
            words.get(i + 1).map(PathBuf::from)
        } else {
            w.strip_prefix(&prefix).map(PathBuf::from)
        }
    })
}

/// Namespaces (and PLUGIN/NAMESPACE forms) of the database the line would open.
/// Completion must never fail loudly: any problem yields no candidates.
pub fn complete_namespace(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let db =
        flag_on_line(&words, "--db").or_else(|| std::env::var_os("STATECTL_DB").map(PathBuf::from));
    let state_dir = flag_on_line(&words, "--state-dir");
    let env = |k: &str| std::env::var(k).ok();
    let hints = locate::Hints {
        db: db.as_deref(),
        state_dir: state_dir.as_deref(),
    };
    let Ok(found) = locate::locate(&hints, &env) else {
        return Vec::new();
    };
    let Ok(db) = Db::open_read_only(&found.path, 1_000) else {
        return Vec::new();
    };
    let Ok(rows) = crate::store::query::namespace_row_counts(&db.conn) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (plugin, ns, n) in rows {
        for value in [ns.clone(), format!("{plugin}/{ns}")] {
            if value.starts_with(current.as_ref()) {
                out.push(
                    CompletionCandidate::new(value)
                        .help(Some(format!("{plugin}: {n} rows").into())),
                );
            }
        }
    }
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out.dedup_by(|a, b| a.get_value() == b.get_value());
    out
}
