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
/// `--where` completes to `FIELD=` for the decoded fields of the namespace named on
/// the command line, or of every namespace statectl can decode when none is named.
pub fn complete_where(current: &OsStr) -> Vec<CompletionCandidate> {
    use crate::store::catalog;
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let named: Vec<&catalog::Spec> = words
        .iter()
        .flat_map(|w| {
            let (plugin, ns) = match w.rsplit_once('/') {
                Some((p, n)) => (Some(p), n),
                None => (None, w.as_str()),
            };
            catalog::specs_named(plugin, ns)
        })
        .collect();
    let specs: Vec<&catalog::Spec> = if named.is_empty() {
        catalog::specs().iter().collect()
    } else {
        named
    };
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for spec in specs {
        for f in &spec.fields {
            let word = format!("{}=", f.name);
            if word.starts_with(current.as_ref()) && !seen.contains(&word) {
                seen.push(word.clone());
                out.push(
                    CompletionCandidate::new(word)
                        .help(Some(format!("{} ({})", f.doc, f.ty.as_str()).into())),
                );
            }
        }
    }
    out
}

/// `explain` needs no database: it also completes every namespace statectl knows
/// (a family such as `telegram.topic-name-cache.` by its prefix).
pub fn complete_namespace(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let mut out = Vec::new();
    let rows = open_line_db(&words)
        .and_then(|db| crate::store::query::namespace_row_counts(&db.conn).ok())
        .unwrap_or_default();
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
    if positionals_on_line(&words).first().map(String::as_str) == Some("explain") {
        let mut names = crate::store::known::known_names();
        for s in crate::store::catalog::specs() {
            let n = match s.name {
                crate::store::known::Name::Exact(n)
                | crate::store::known::Name::HexSuffix(n, _)
                | crate::store::known::Name::Prefix(n) => n,
            };
            names.push((s.plugin.clone(), n.to_string()));
        }
        for (plugin, ns) in names {
            for value in [ns.clone(), format!("{plugin}/{ns}")] {
                if value.starts_with(current.as_ref()) {
                    out.push(
                        CompletionCandidate::new(value)
                            .help(Some(format!("{plugin}: known namespace").into())),
                    );
                }
            }
        }
    }
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out.dedup_by(|a, b| a.get_value() == b.get_value());
    out
}

/// Flags whose next word is their value, not a positional argument.
const VALUE_FLAGS: &[&str] = &[
    "--db",
    "--state-dir",
    "--now",
    "-o",
    "--format",
    "--namespaces-file",
    "--busy-timeout",
    "--plugin",
    "--key",
    "--prefix",
    "--match",
    "--older-than",
    "--newer-than",
    "--expires-within",
    "--limit",
    "--sort",
    "--backup",
    "--in",
    "--at",
    "-O",
    "--output",
    "--on-conflict",
];

/// The NAMESPACE argument of the line being completed: the first positional word after
/// the subcommand (for `import FILE NS`, the one after FILE).
fn namespace_on_line(words: &[String]) -> Option<String> {
    let positionals = positionals_on_line(words);
    let sub = positionals.first()?;
    let at = if sub == "import" { 2 } else { 1 };
    positionals.get(at).cloned()
}

/// The positional words of the line being completed (subcommand first), without the
/// word being completed.
fn positionals_on_line(words: &[String]) -> Vec<String> {
    let line: Vec<&String> = match words.iter().position(|w| w == "--") {
        Some(i) => words[i + 1..].iter().skip(1).collect(),
        None => words.iter().skip(1).collect(),
    };
    let mut positionals = Vec::new();
    let mut i = 0;
    // The word being completed is last: never its own namespace.
    while i + 1 < line.len() {
        let w = line[i].as_str();
        if VALUE_FLAGS.contains(&w) {
            i += 2;
            continue;
        }
        if !w.starts_with('-') {
            positionals.push(w.to_string());
        }
        i += 1;
    }
    positionals
}

/// Keys of the namespace the line names (`inspect NS <TAB>`, `--key <TAB>`), from the
/// database the line would open; at most a few hundred, and nothing on any problem.
pub fn complete_key(current: &OsStr) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    let words: Vec<String> = std::env::args().collect();
    let Some(arg) = namespace_on_line(&words) else {
        return Vec::new();
    };
    let (plugin, ns) = match arg.rsplit_once('/') {
        Some((p, n)) => (Some(p.to_string()), n.to_string()),
        None => (
            flag_on_line(&words, "--plugin").map(|p| p.display().to_string()),
            arg,
        ),
    };
    let Some(db) = open_line_db(&words) else {
        return Vec::new();
    };
    let Ok(keys) =
        crate::store::query::keys_starting(&db.conn, plugin.as_deref(), &ns, &current, 500)
    else {
        return Vec::new();
    };
    keys.into_iter().map(CompletionCandidate::new).collect()
}

/// The database the command line being completed would open, read-only.
fn open_line_db(words: &[String]) -> Option<Db> {
    let db =
        flag_on_line(words, "--db").or_else(|| std::env::var_os("STATECTL_DB").map(PathBuf::from));
    let state_dir = flag_on_line(words, "--state-dir");
    let env = |k: &str| std::env::var(k).ok();
    let hints = locate::Hints {
        db: db.as_deref(),
        state_dir: state_dir.as_deref(),
    };
    let found = locate::locate(&hints, &env).ok()?;
    Db::open_read_only(&found.path, 1_000).ok()
}
